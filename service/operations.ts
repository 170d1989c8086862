/**
 * Operations: what a request to the provisioning service becomes. A request is stored as an
 * operation before it is acknowledged, then claimed by one worker at a time under a lease the
 * worker renews; a worker that dies stops renewing, and another one takes the operation over
 * when the lease runs out. Per tenant, operations run one at a time in the order they were made.
 */
import { createHash } from "node:crypto";
import { redactSecrets } from "../automation/secretFields";
import type { LifecycleRecord, LifecycleState } from "./lifecycle";

export const OPERATION_KINDS = [
  "provision",
  "change-tier",
  "deprovision",
  "restore",
  "preview",
  "update",
  "purge",
] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

export type OperationStatus = "queued" | "running" | "succeeded" | "failed";

/** A typed failure as the API shows it (the `outcome` of automation/errors.ts, or "error"). */
export interface OperationError {
  readonly outcome: string;
  readonly message: string;
  /** Extra fields of the typed error: problems, pre-flight report, steps. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface NewOperation {
  readonly tenantId: string;
  readonly kind: OperationKind;
  /** The request body the handler needs (validated before it is stored). */
  readonly payload: Readonly<Record<string, unknown>>;
  /** Same key, same request: the first operation is returned instead of a new one. */
  readonly idempotencyKey?: string;
  /** The request's digest for idempotency (service/secrets.ts), when the payload is sealed. */
  readonly digest?: string;
}

export interface Operation {
  readonly id: string;
  readonly tenantId: string;
  readonly kind: OperationKind;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly status: OperationStatus;
  /** Claims so far (a takeover after a crash counts). */
  readonly attempts: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** The worker holding the operation and until when, while running. */
  readonly owner?: string;
  readonly leaseUntil?: string;
  /** A released operation is not claimed again before this time (retry backoff). */
  readonly notBefore?: string;
  readonly result?: unknown;
  readonly error?: OperationError;
}

/** What the service knows of a tenant: kept by the workers as operations finish. */
export interface TenantRecord {
  readonly tenantId: string;
  readonly tier?: string;
  /**
   * "provisioning" until the first provision succeeds, then "active"; "retained" after deprovision;
   * "failed" when provisioning failed; "purged" once its stack is destroyed (service/tenantState.ts).
   */
  readonly status: "provisioning" | "active" | "retained" | "failed" | "purged";
  readonly outputs?: unknown;
  readonly retainUntil?: string;
  readonly lastOperationId: string;
  readonly updatedAt: string;
}

export type Finish =
  | { readonly status: "succeeded"; readonly result: unknown; readonly tenant?: TenantUpdate }
  | { readonly status: "failed"; readonly error: OperationError; readonly tenant?: TenantUpdate };

/** Fields of the tenant record an operation's end changes. */
export type TenantUpdate = Partial<Pick<TenantRecord, "tier" | "status" | "outputs" | "retainUntil">>;

export type ClaimResult =
  | { readonly claimed: Operation }
  /** The operation is not runnable yet: an earlier one of its tenant is queued or running. */
  | { readonly wait: true }
  /** Unknown or already finished (a duplicate delivery). */
  | { readonly gone: true };

export interface StoreCounts {
  readonly queued: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
}

export class IdempotencyConflictError extends Error {
  readonly outcome = "idempotency-conflict";
  constructor(readonly key: string) {
    super(`idempotency key ${key} was already used for a different request`);
  }
}

/** Durable operations, shared by the API and every worker. */
export interface OperationStore {
  /**
   * Stores a new operation (and the tenant's record on its first provision) durably before
   * returning; with a known idempotency key returns the first operation and `created: false`.
   */
  submit(
    request: NewOperation,
    /** Runs after the idempotency check, before a new operation is stored; throws to refuse it. */
    admit?: () => Promise<void>,
  ): Promise<{ readonly operation: Operation; readonly created: boolean }>;
  get(id: string): Promise<Operation | undefined>;
  logLines(id: string): Promise<string[]>;
  /** Appends a batch of log lines (one journal entry, one row), as the worker gathered them. */
  appendLog(id: string, lines: readonly string[]): Promise<void>;
  tenant(tenantId: string): Promise<TenantRecord | undefined>;
  latestOperation(tenantId: string): Promise<Operation | undefined>;
  /** The tenant's unfinished operations, oldest first. */
  pending(tenantId: string): Promise<Operation[]>;
  /** Every tenant the service knows, by id. */
  listTenants(): Promise<TenantRecord[]>;
  /**
   * Which of `domains` (normalized: service/domainClaims.ts) a tenant other than `exceptTenant`
   * holds: exported by its last run (`outputs.hostnames`), or named by one of its pending
   * provisions; a purged tenant holds none. Looked up, not a read of every tenant.
   */
  heldDomains(domains: readonly string[], exceptTenant: string): Promise<ReadonlySet<string>>;
  /**
   * Claims operation `id`, or without `id` the oldest runnable one: queued (or running under an
   * expired lease), not before its backoff time, and first among its tenant's unfinished ones.
   */
  claim(owner: string, leaseMs: number, id?: string): Promise<ClaimResult>;
  /** Renews the lease; false when `owner` no longer holds the operation. */
  heartbeat(id: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Ends the operation (only by its owner); false when `owner` no longer holds it. */
  finish(id: string, owner: string, finish: Finish): Promise<boolean>;
  /** Gives the operation back to the queue (shutdown, retry after `delayMs`). */
  release(id: string, owner: string, delayMs?: number): Promise<void>;
  /**
   * Operations a lost message may have left behind, to publish again: the head of its tenant's
   * queue untouched for `olderThanMs` (queued, or running under a lease that stopped being
   * renewed). Each is marked as touched now, so the next sweep (from any API process) does
   * not publish it again before another `olderThanMs`.
   */
  reclaimStale(olderThanMs: number): Promise<Operation[]>;
  counts(): Promise<StoreCounts>;
  /** The tenant's lifecycle (scheduled downgrade, grace period; service/lifecycle.ts). */
  lifecycle(tenantId: string): Promise<LifecycleRecord | undefined>;
  /** Every lifecycle record holding something (the scheduler's rounds). */
  listLifecycles(): Promise<LifecycleRecord[]>;
  /**
   * Compare-and-set: writes `state` when the tenant's record is still at revision `expected` (0:
   * none yet); false when another process wrote it first (the caller reads again). An empty
   * state is kept, not deleted, so a revision is never reused.
   */
  putLifecycle(tenantId: string, expected: number, state: LifecycleState): Promise<boolean>;
  /** Throws when the store cannot be reached now (health checks). */
  ping(): Promise<void>;
  /** Forgets the operations that ended longer ago than the store's retention, with their logs. */
  compact(): Promise<void>;
  close(): Promise<void>;
}

/** What a request asks, canonically (sorted keys). */
export function requestCanonical(request: NewOperation): string {
  return JSON.stringify([request.tenantId, request.kind, canonical(request.payload)]);
}

/**
 * A digest of what a request asks, to tell a replay of an idempotency key from a misuse: the
 * `digest` the caller computed (the API's, keyed by the service key over the plain request), else
 * a hash of the request as given.
 */
export function requestDigest(request: NewOperation): string {
  return request.digest ?? createHash("sha256").update(requestCanonical(request)).digest("hex");
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export const isFinished = (op: Pick<Operation, "status">): boolean =>
  op.status === "succeeded" || op.status === "failed";

/**
 * A request with its credentials masked: every field the tenant schema marks secret
 * (automation/secretFields.ts), whether it holds the plain value or its sealed form. What clients
 * and logs are shown, and what the store keeps once the operation has ended.
 */
export function redactedPayload(
  payload: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> {
  return redactSecrets(payload);
}

/** Log lines an operation keeps: the last ones; the first line then says how many were dropped. */
export const MAX_LOG_LINES = 500;

/** `lines` cut to the last `max`, saying how many were dropped. */
export function boundedLog(lines: string[], max = MAX_LOG_LINES): string[] {
  if (lines.length <= max) return lines;
  return [`(${lines.length - max} earlier lines dropped)`, ...lines.slice(lines.length - max)];
}

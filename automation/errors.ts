/**
 * The outcomes of tenant operations that are not success, as types the signup service can
 * branch on. Engine-specific failures are mapped to these by `mapEngineError`.
 */
import {
  ConcurrentUpdateError,
  StackAlreadyExistsError,
  StackNotFoundError,
} from "@pulumi/pulumi/automation";
import { TenantRequestError, type Problem } from "../tiers";
import type { PreflightReport } from "./preflight";
import { summarize, type PlanResult, type ResourceStep, type StepOp } from "./engine";

export abstract class TenantOperationError extends Error {
  /** Stable machine-readable outcome. */
  abstract readonly outcome: string;
  constructor(
    readonly tenantId: string,
    message: string,
  ) {
    super(message);
  }
}

/** Another operation on this tenant is running in this service: retry later. */
export class TenantBusyError extends TenantOperationError {
  readonly outcome = "busy";
  constructor(
    tenantId: string,
    readonly running: string,
  ) {
    super(tenantId, `tenant ${tenantId} is busy: ${running} is in progress`);
  }
}

/** The stack is locked by an update elsewhere that is not (yet) considered stale. */
export class StackLockedError extends TenantOperationError {
  readonly outcome = "locked";
  constructor(tenantId: string, detail: string) {
    super(tenantId, `tenant ${tenantId}'s stack is locked by another update: ${detail}`);
  }
}

export class TenantNotFoundError extends TenantOperationError {
  readonly outcome = "not-found";
  constructor(tenantId: string) {
    super(tenantId, `tenant ${tenantId} has no stack`);
  }
}

export class TenantExistsError extends TenantOperationError {
  readonly outcome = "exists";
  constructor(tenantId: string) {
    super(tenantId, `tenant ${tenantId} already has a stack`);
  }
}

export class InvalidRequestError extends TenantOperationError {
  readonly outcome = "invalid";
  constructor(
    tenantId: string,
    readonly problems: readonly Problem[],
  ) {
    super(
      tenantId,
      `invalid request for tenant ${tenantId}: ${problems.map((p) => `${p.field}: ${p.message}`).join("; ")}`,
    );
  }
}

/** A downgrade whose pre-flight checks found usage the target tier cannot hold. */
export class PreflightRefusedError extends TenantOperationError {
  readonly outcome = "refused";
  constructor(
    tenantId: string,
    readonly report: PreflightReport,
  ) {
    super(
      tenantId,
      `tenant ${tenantId} does not fit ${report.target}: ${report.checks
        .filter((c) => c.status === "fail")
        .map((c) => c.message)
        .join("; ")}`,
    );
  }
}

/** The preview would replace or delete a resource that holds data: nothing was applied. */
export class StatefulReplacementError extends TenantOperationError {
  readonly outcome = "would-lose-data";
  constructor(
    tenantId: string,
    readonly steps: readonly ResourceStep[],
    message = `tenant ${tenantId}: the change would ${steps.map((s) => `${s.op} ${s.type} ${s.name}`).join(", ")}; aborted`,
  ) {
    super(tenantId, message);
  }
}

/**
 * The engine refused a preview or update because it would delete or replace protected resources
 * (`steps`, deletes flagged `retained` where the resource has retainOnDelete); `plan` holds the
 * steps it planned before refusing. Nothing was applied.
 */
export class ProtectedResourceError extends StatefulReplacementError {
  constructor(
    tenantId: string,
    steps: readonly ResourceStep[],
    readonly plan: PlanResult,
  ) {
    super(
      tenantId,
      steps,
      `tenant ${tenantId}: refusing to ${steps.map((s) => `${s.op} protected ${s.type} ${s.name}`).join(", ")}`,
    );
  }
}

/** The Pulumi engine's refusal of a protected resource (`pulumi preview` and `up` fail with it). */
const PROTECTED_REFUSAL = /unable to (delete|replace) resource "([^"]+)"/g;

/** The protected steps a Pulumi error names, completed from the steps the engine reported before it. */
function protectedSteps(message: string, seen: readonly ResourceStep[]): ResourceStep[] {
  const steps = new Map<string, ResourceStep>();
  for (const [, op, urn] of message.matchAll(PROTECTED_REFUSAL)) {
    if (!urn || steps.has(urn)) continue;
    const reported = seen.find((s) => s.urn === urn && s.op === op);
    // urn:pulumi:<stack>::<project>::<parent types$>type::<name>
    const parts = urn.split("::");
    steps.set(
      urn,
      reported ?? { op: op as StepOp, urn, type: parts[2]?.split("$").pop() ?? "", name: parts[3] ?? urn },
    );
  }
  return [...steps.values()];
}

export class OperationCancelledError extends TenantOperationError {
  readonly outcome = "cancelled";
  constructor(tenantId: string) {
    super(tenantId, `operation on tenant ${tenantId} was cancelled`);
  }
}

/**
 * Maps Automation API and validation errors to the typed outcomes above. `seen` are the steps
 * the engine reported before failing (they tell which refused deletes would have been retained).
 */
export function mapEngineError(tenantId: string, error: unknown, seen: readonly ResourceStep[] = []): Error {
  if (error instanceof TenantOperationError) return error;
  const refused = error instanceof Error ? protectedSteps(error.message, seen) : [];
  if (refused.length > 0)
    return new ProtectedResourceError(tenantId, refused, { steps: seen, summary: summarize(seen) });
  if (error instanceof TenantRequestError) return new InvalidRequestError(tenantId, error.problems);
  if (error instanceof StackNotFoundError) return new TenantNotFoundError(tenantId);
  if (error instanceof StackAlreadyExistsError) return new TenantExistsError(tenantId);
  if (error instanceof ConcurrentUpdateError)
    return new StackLockedError(tenantId, error.message.split("\n")[0] ?? "");
  if (error instanceof Error && error.name === "AbortError") return new OperationCancelledError(tenantId);
  return error instanceof Error ? error : new Error(String(error));
}

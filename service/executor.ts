/**
 * Runs one claimed operation through the TenantService: renews the lease while it runs (and
 * cancels the run if the lease is lost), keeps its log lines, and ends it. What to do with a
 * failure worth retrying (when, where) is the caller's: the embedded loop or the RabbitMQ consumer.
 */
import type { OperationOptions } from "../automation/engine";
import { TenantNotFoundError } from "../automation/errors";
import { TenantStateConflictError, type TenantService } from "../automation/tenantService";
import type { TenantConfigInput } from "../stacks/config";
import { loadsBackup } from "../automation/restoreRequest";
import { isTierName, type TierName } from "../tiers";
import { SUCCESS_EVENT, type EventSink } from "./events";
import type { Logger } from "./log";
import type { Metrics } from "./metrics";
import {
  boundedLog,
  type Operation,
  type OperationError,
  type OperationKind,
  type OperationStore,
  type TenantUpdate,
} from "./operations";
import { RETRYABLE_OUTCOMES, toOperationError } from "./outcomes";
import type { SecretBox } from "./secrets";
import { conflictOf } from "./tenantState";

/** What a restore handler runs with: the operation's cancellation and the tenant's tier (from its stack). */
export interface RestoreContext extends OperationOptions {
  readonly tier: TierName;
}

/**
 * Loads a backup into a tenant (`{"backup"?, "to"?}`; the restore library, service/restoreHandler.ts,
 * wired by `npm run service`). Without one, a restore can only end a retention window.
 */
export interface RestoreHandler {
  restore(
    tenantId: string,
    payload: Readonly<Record<string, unknown>>,
    context: RestoreContext,
  ): Promise<unknown>;
}

export interface ExecutorOptions {
  readonly service: TenantService;
  readonly store: OperationStore;
  /** This worker's name in leases (host:pid:n). */
  readonly owner: string;
  /** How long a claim lasts without renewal. Default 30 s (renewed every third of it). */
  readonly leaseMs?: number;
  readonly restore?: RestoreHandler;
  readonly events?: EventSink;
  readonly metrics?: Metrics;
  readonly log: Logger;
  /** Opens the sealed credentials of an operation's request (service/secrets.ts). */
  readonly secrets: SecretBox;
}

export type Disposition =
  | { readonly done: "succeeded" | "failed" }
  /** A failure worth retrying: nothing was recorded; the caller releases or gives up. */
  | { readonly retry: OperationError }
  /** Stopped (shutdown or lease lost) before it ended; the caller releases it. */
  | { readonly interrupted: true };

interface Handled {
  readonly result: unknown;
  readonly tenant: TenantUpdate;
  readonly tier?: string;
}

class UnsupportedOperationError extends Error {
  readonly outcome = "unsupported";
}

/**
 * The operation contradicts the tenant's state (service/tenantState.ts); `tenantUpdate` is what
 * the stack said, written to the tenant's record as the operation fails (the service's view
 * reconciled with the stack's tags).
 */
export class TenantConflictError extends Error {
  readonly outcome = "conflict";
  constructor(
    message: string,
    readonly tenantUpdate?: TenantUpdate,
  ) {
    super(message);
  }
}

export class Executor {
  readonly leaseMs: number;

  constructor(private readonly options: ExecutorOptions) {
    this.leaseMs = options.leaseMs ?? 30_000;
  }

  get owner(): string {
    return this.options.owner;
  }

  private readonly handlers: Readonly<
    Record<OperationKind, (op: Operation, run: OperationOptions) => Promise<Handled>>
  > = {
    provision: async (op, run) => {
      const result = await this.options.service.provisionTenant(op.payload as TenantConfigInput, run);
      return {
        result,
        tenant: { status: "active", tier: result.outputs.tier, outputs: result.outputs },
        tier: result.outputs.tier,
      };
    },
    "change-tier": async (op, run) => {
      const tier = op.payload["tier"];
      if (!isTierName(tier))
        throw new UnsupportedOperationError(`payload.tier ${String(tier)} is not a tier`);
      const result = await this.options.service.changeTier(op.tenantId, tier, run);
      return {
        result,
        tenant: { tier: result.to, ...(result.outputs ? { outputs: result.outputs } : {}) },
        tier: result.to,
      };
    },
    // Suspends the tenant (storefront offline), takes the final backup, starts the window.
    deprovision: async (op, run) => {
      const retainDays = op.payload["retainDays"];
      const result = await this.options.service.deprovisionTenant(op.tenantId, {
        ...run,
        ...(typeof retainDays === "number" ? { retainDays } : {}),
      });
      return { result, tenant: { status: "retained", retainUntil: result.retainUntil } };
    },
    // A fleet's unit of work: one tenant's preview or update of its current config.
    preview: async (op, run) => ({
      result: await this.options.service.refresh(op.tenantId, "preview", run),
      tenant: {},
    }),
    update: async (op, run) => ({
      result: await this.options.service.refresh(op.tenantId, "up", run),
      tenant: {},
    }),
    purge: (op, run) => this.purge(op, run),
    restore: async (op, run) => ({
      result: loadsBackup(op.payload)
        ? await this.loadBackup(op, run)
        : await this.options.service.reinstateTenant(op.tenantId, run),
      tenant: { status: "active", retainUntil: "" },
    }),
  };

  /**
   * Destroys a retained tenant whose window has passed. Refused while other operations of the
   * tenant are pending; judged on the stack's tags, whose window (or its absence: an active
   * stack) the tenant's record takes when they disagree with it.
   */
  private async purge(op: Operation, run: OperationOptions): Promise<Handled> {
    const later = (await this.options.store.pending(op.tenantId)).filter((o) => o.id !== op.id);
    if (later.length > 0)
      throw new TenantConflictError(
        `tenant ${op.tenantId} has ${later.length} pending operation(s) (${later.map((o) => o.kind).join(", ")}): it is not purged`,
      );
    try {
      return {
        // `early`: a confirmed erasure request (service/lifecycleScheduler.ts); never from a client's purge.
        result: await this.options.service.purgeTenant(op.tenantId, {
          ...run,
          early: op.payload["early"] === true,
          ...(typeof op.payload["reason"] === "string" ? { reason: op.payload["reason"] } : {}),
        }),
        tenant: { status: "purged" },
      };
    } catch (error) {
      if (error instanceof TenantStateConflictError)
        throw new TenantConflictError(
          error.message,
          error.retainUntil === null
            ? { status: "active", retainUntil: "" }
            : { status: "retained", retainUntil: error.retainUntil },
        );
      if (error instanceof TenantNotFoundError)
        throw new TenantConflictError(`tenant ${op.tenantId} has no stack: already purged`, {
          status: "purged",
        });
      throw error;
    }
  }

  /**
   * A restore from a backup, through the handler; a deprovisioned tenant's retention window then
   * ends too (its data is the backup's now). Without a handler, only `{}` (end the window) runs.
   */
  private async loadBackup(op: Operation, run: OperationOptions): Promise<unknown> {
    const handler = this.options.restore;
    if (!handler) {
      throw new UnsupportedOperationError(
        "restoring from a backup needs a restore handler (the restore library, `npm run tenant -- restore`); without one the service only ends the retention window",
      );
    }
    const tier = await this.options.service.tierOf(op.tenantId);
    const restored = await handler.restore(op.tenantId, op.payload, { ...run, tier });
    if ((await this.options.store.tenant(op.tenantId))?.status !== "retained") return restored;
    return { restored, reinstated: await this.options.service.reinstateTenant(op.tenantId, run) };
  }

  /**
   * Runs `op` (already claimed by this owner) to an end or a retry. `stop` aborts the run; the
   * operation is then given back rather than failed.
   */
  async execute(op: Operation, stop: AbortSignal, finalAttempt: boolean): Promise<Disposition> {
    const abort = new AbortController();
    const onStop = () => abort.abort();
    stop.addEventListener("abort", onStop);
    if (stop.aborted) abort.abort(); // stopped while the claim was being written
    const run = this.runLog(op);
    const beat = this.heartbeat(op, abort, run.flush);
    run.line(`attempt ${op.attempts} by ${this.owner}: ${op.kind} ${op.tenantId}`);
    this.options.log.info(
      { operationId: op.id, tenantId: op.tenantId, kind: op.kind, attempt: op.attempts },
      "operation started",
    );
    try {
      const handled = await this.handle(op, abort.signal, run.line);
      run.line("succeeded");
      await run.flush();
      return await this.succeed(op, handled, run.started);
    } catch (caught) {
      return await this.failed(op, caught, { aborted: abort.signal.aborted, finalAttempt, run });
    } finally {
      clearInterval(beat);
      stop.removeEventListener("abort", onStop);
    }
  }

  /** The run's log: lines gathered, written as one batch per heartbeat and at the end. */
  private runLog(op: Operation) {
    const pending: string[] = [];
    return {
      started: performance.now(),
      line: (text: string) => void pending.push(`${new Date().toISOString()} ${text}`),
      // One batch (one journal entry or row), bounded: not one write per line.
      flush: async () => {
        if (pending.length > 0) await this.options.store.appendLog(op.id, boundedLog(pending.splice(0)));
      },
    };
  }

  /** Renews the lease every third of it (writing the log gathered so far); a lost lease cancels the run. */
  private heartbeat(op: Operation, abort: AbortController, flush: () => Promise<void>): NodeJS.Timeout {
    const { store, owner, log } = this.options;
    return setInterval(
      () => {
        void flush()
          .then(() => store.heartbeat(op.id, owner, this.leaseMs))
          .then((held) => {
            if (!held) {
              log.warn({ operationId: op.id, tenantId: op.tenantId }, "lease lost; cancelling the run");
              abort.abort();
            }
          })
          .catch((error: unknown) =>
            log.error({ operationId: op.id, err: String(error) }, "heartbeat failed"),
          );
      },
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
  }

  /** The operation's handler, once the tenant's state allows it, with its credentials opened. */
  private async handle(op: Operation, signal: AbortSignal, line: (text: string) => void): Promise<Handled> {
    const record = await this.options.store.tenant(op.tenantId);
    const conflict = conflictOf(record?.status ?? "none", op);
    if (conflict) throw new TenantConflictError(`tenant ${op.tenantId}: ${conflict}`);
    const opened: Operation = { ...op, payload: this.options.secrets.open(op.payload) };
    return this.handlers[op.kind](opened, {
      signal,
      holder: op.id,
      onStep: (s) => s.op !== "same" && line(`${s.op} ${s.type} ${s.name}`),
    });
  }

  /** Records the success (only while this worker still holds the operation) and says so on the exchange. */
  private async succeed(op: Operation, handled: Handled, started: number): Promise<Disposition> {
    const { store, owner, log, metrics } = this.options;
    const finished = await store.finish(op.id, owner, {
      status: "succeeded",
      result: handled.result,
      tenant: handled.tenant,
    });
    if (!finished) return { interrupted: true };
    const ms = performance.now() - started;
    metrics?.observe(op.kind, "succeeded", ms / 1000);
    log.info(
      { operationId: op.id, tenantId: op.tenantId, kind: op.kind, ms: Math.round(ms) },
      "operation succeeded",
    );
    const event = SUCCESS_EVENT[op.kind];
    if (event)
      await this.publish({
        event,
        tenantId: op.tenantId,
        operationId: op.id,
        at: new Date().toISOString(),
        ...(handled.tier ? { tier: handled.tier } : {}),
      });
    return { done: "succeeded" };
  }

  /** A run that threw: interrupted (given back), worth retrying (nothing recorded), or failed for good. */
  private async failed(
    op: Operation,
    caught: unknown,
    context: {
      readonly aborted: boolean;
      readonly finalAttempt: boolean;
      readonly run: ReturnType<Executor["runLog"]>;
    },
  ): Promise<Disposition> {
    const { run } = context;
    const error = toOperationError(caught);
    if (context.aborted) {
      run.line(`interrupted: ${error.message}`);
      await run.flush();
      return { interrupted: true };
    }
    run.line(`${error.outcome}: ${error.message}`);
    await run.flush();
    if (RETRYABLE_OUTCOMES.has(error.outcome) && !context.finalAttempt) {
      this.options.log.warn(
        { operationId: op.id, tenantId: op.tenantId, outcome: error.outcome, attempt: op.attempts },
        "operation will be retried",
      );
      return { retry: error };
    }
    await this.fail(op, error, caught instanceof TenantConflictError ? caught.tenantUpdate : undefined);
    this.options.metrics?.observe(op.kind, "failed", (performance.now() - run.started) / 1000);
    return { done: "failed" };
  }

  /** Ends `op` as failed (a final outcome, or retries exhausted) and says so on the exchange. */
  async fail(op: Operation, error: OperationError, reconciled?: TenantUpdate): Promise<void> {
    const { store, owner, log } = this.options;
    const tenant = await store.tenant(op.tenantId);
    const update =
      reconciled ??
      (tenant?.status === "provisioning" && op.kind === "provision"
        ? { status: "failed" as const }
        : undefined);
    const finished = await store.finish(op.id, owner, {
      status: "failed",
      error,
      ...(update ? { tenant: update } : {}),
    });
    if (!finished) return;
    log.warn(
      { operationId: op.id, tenantId: op.tenantId, kind: op.kind, outcome: error.outcome },
      "operation failed",
    );
    await this.publish({
      event: "tenant.failed",
      tenantId: op.tenantId,
      operationId: op.id,
      at: new Date().toISOString(),
      error,
    });
  }

  private async publish(event: Parameters<EventSink["publish"]>[0]): Promise<void> {
    try {
      await this.options.events?.publish(event);
    } catch (error) {
      // The operation's record is the truth; a lost event is logged, never a failed operation.
      this.options.log.error(
        { event: event.event, operationId: event.operationId, err: String(error) },
        "event not published",
      );
    }
  }
}

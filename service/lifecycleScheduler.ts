/**
 * Acts on tenants' lifecycles (service/lifecycle.ts): takes the requests (schedule or cancel a
 * downgrade, open or cancel a grace period) and, on every round, publishes the grace steps that
 * fell due and submits the operations they lead to (a downgrade at its time, a suspension at
 * the end of a grace period, a restore when a suspended tenant's payment arrives).
 *
 * Durable and shared: the state lives in the operation store, every write a compare-and-set on
 * its revision, so any number of API processes may run rounds; the operations a round submits
 * carry idempotency keys derived from the state, so a step repeated after a crash submits
 * nothing new. A reminder is marked sent before it is published (and unmarked when publishing
 * fails): two processes never both send it. The clock is an option, for tests.
 */
import type { TierName } from "../tiers";
import type { EventSink, LifecycleEvent, LifecycleEventName } from "./events";
import {
  LifecycleRefusedError,
  checkScheduledDowngrade,
  nextGraceStep,
  openGrace,
  type GracePeriod,
  type LifecycleRecord,
  type LifecycleState,
} from "./lifecycle";
import { checkConfirmation, newErasureRequest } from "./erasureRequests";
import type { Logger } from "./log";
import type { Operation, OperationKind, OperationStore } from "./operations";
import { conflictOf, projectedState, type TenantState } from "./tenantState";

export interface LifecycleSchedulerOptions {
  readonly store: OperationStore;
  /** The platform exchange (RabbitEvents), or log lines embedded. */
  readonly events: EventSink;
  /** Hands a submitted operation to the workers (the API's dispatcher). */
  readonly dispatch: (operation: Operation) => Promise<void>;
  readonly log: Logger;
  /** Clock. Default Date.now. */
  readonly now?: () => number;
}

/** What a request changed: the state now, and the operation it submitted, if any. */
export interface LifecycleAnswer {
  readonly state: LifecycleState;
  readonly operation?: Operation;
}

type Mutation = (state: LifecycleState, status: TenantState) => LifecycleState;

const REMINDER_DAYS: Readonly<Record<string, number>> = {
  "day-7": 7,
  "day-14": 14,
  "day-21": 21,
  "day-28": 28,
};

export class LifecycleScheduler {
  private readonly now: () => number;

  constructor(private readonly options: LifecycleSchedulerOptions) {
    this.now = options.now ?? Date.now;
  }

  private stamp(): string {
    return new Date(this.now()).toISOString();
  }

  /** The tenant's status once its pending operations have run (what a new request is judged on). */
  private async status(tenantId: string): Promise<TenantState> {
    const { store } = this.options;
    return projectedState(await store.tenant(tenantId), await store.pending(tenantId));
  }

  /**
   * Applies `mutate` to the stored state with compare-and-set, reading again when another
   * process wrote first; returns the state written.
   */
  private async change(tenantId: string, mutate: Mutation): Promise<LifecycleState> {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const record = await this.options.store.lifecycle(tenantId);
      const next = mutate(record?.state ?? {}, await this.status(tenantId));
      if (await this.options.store.putLifecycle(tenantId, record?.revision ?? 0, next)) return next;
    }
    throw new Error(`tenant ${tenantId}: its lifecycle kept changing under 20 attempts to update it`);
  }

  private async publish(
    event: LifecycleEventName,
    tenantId: string,
    extra: Omit<LifecycleEvent, "event" | "tenantId" | "at"> = {},
  ): Promise<void> {
    await this.options.events.publish({ event, tenantId, at: this.stamp(), ...extra });
  }

  /** Publishes, logging a failure instead of throwing: the stored state is the truth. */
  private async publishLogged(...args: Parameters<LifecycleScheduler["publish"]>): Promise<void> {
    try {
      await this.publish(...args);
    } catch (error) {
      this.options.log.error(
        { event: args[0], tenantId: args[1], err: String(error) },
        "event not published",
      );
    }
  }

  /**
   * Submits an operation as the API would (judged against the tenant's projected state), under
   * an idempotency key: the same step submitted again returns the first operation.
   */
  private async submit(
    tenantId: string,
    kind: OperationKind,
    payload: Record<string, unknown>,
    key: string,
  ): Promise<Operation> {
    const { store } = this.options;
    const { operation, created } = await store.submit(
      { tenantId, kind, payload, idempotencyKey: key },
      async () => {
        const pending = await store.pending(tenantId);
        if (kind === "purge" && pending.length > 0)
          throw new LifecycleRefusedError(
            "conflict",
            `tenant ${tenantId} has pending operations: not erased`,
          );
        const conflict = conflictOf(projectedState(await store.tenant(tenantId), pending), { kind, payload });
        if (conflict) throw new LifecycleRefusedError("conflict", `tenant ${tenantId}: ${conflict}`);
      },
    );
    if (created) await this.options.dispatch(operation);
    return operation;
  }

  /** Schedules a downgrade to `tier` at `at` (the end of the billing period), replacing an earlier one. */
  async scheduleDowngrade(tenantId: string, tier: unknown, at: unknown): Promise<LifecycleAnswer> {
    const tenant = await this.options.store.tenant(tenantId);
    const wanted = checkScheduledDowngrade(tenant?.tier, tier, at, this.now());
    const state = await this.change(tenantId, (current, status) => {
      if (status !== "active")
        throw new LifecycleRefusedError(
          "conflict",
          `tenant ${tenantId} is ${status}: no downgrade is scheduled`,
        );
      return { ...current, scheduled: { ...wanted, requestedAt: this.stamp() } };
    });
    await this.publish("tenant.downgrade_scheduled", tenantId, {
      tier: wanted.tier,
      details: { at: wanted.at },
    });
    return { state };
  }

  async cancelDowngrade(tenantId: string): Promise<LifecycleAnswer> {
    let cancelled: TierName | undefined;
    const state = await this.change(tenantId, (current) => {
      if (!current.scheduled)
        throw new LifecycleRefusedError("conflict", `tenant ${tenantId} has no scheduled downgrade`);
      cancelled = current.scheduled.tier;
      return { ...without(current, "scheduled") };
    });
    await this.publish("tenant.downgrade_cancelled", tenantId, { ...(cancelled ? { tier: cancelled } : {}) });
    return { state };
  }

  /** A failed payment: opens a grace period (an open one is kept as it is: billing may retry). */
  async openGracePeriod(tenantId: string, reason: string): Promise<LifecycleAnswer & { opened: boolean }> {
    let opened = false;
    const state = await this.change(tenantId, (current, status) => {
      if (current.grace) return current;
      if (status !== "active")
        throw new LifecycleRefusedError("conflict", `tenant ${tenantId} is ${status}: no grace period opens`);
      opened = true;
      return { ...without(current, "suspended"), grace: openGrace(this.now(), reason) };
    });
    if (opened && state.grace)
      await this.publish("tenant.grace_opened", tenantId, {
        details: { reason, endsAt: state.grace.endsAt },
      });
    return { state, opened };
  }

  /**
   * Payment arrived: an open grace period closes; a tenant its grace period suspended is restored
   * (a restore `{}`: its data never left).
   */
  async cancelGracePeriod(tenantId: string): Promise<LifecycleAnswer> {
    const before = (await this.options.store.lifecycle(tenantId))?.state ?? {};
    let operation: Operation | undefined;
    if (!before.grace && before.suspended && (await this.status(tenantId)) === "retained")
      operation = await this.submit(
        tenantId,
        "restore",
        {},
        `lifecycle:grace-cancel:${tenantId}:${before.suspended.openedAt}`,
      );
    const state = await this.change(tenantId, (current) => {
      if (!current.grace && !current.suspended)
        throw new LifecycleRefusedError("conflict", `tenant ${tenantId} has no grace period to cancel`);
      return without(current, "grace", "suspended");
    });
    await this.publish("tenant.grace_cancelled", tenantId, {
      ...(operation ? { operationId: operation.id, details: { restored: true } } : {}),
    });
    return { state, ...(operation ? { operation } : {}) };
  }

  /**
   * An erasure asked inside the retention window (GDPR): a deprovisioned tenant only; returns the
   * one-time code its confirmation needs (service/erasureRequests.ts). A new request replaces one waiting.
   */
  async requestErasure(tenantId: string, reference: string): Promise<LifecycleAnswer & { code: string }> {
    const { request, code } = newErasureRequest(reference, this.now());
    const state = await this.change(tenantId, (current, status) => {
      if (status !== "retained")
        throw new LifecycleRefusedError(
          "conflict",
          `tenant ${tenantId} is ${status}: only a deprovisioned tenant is erased (deprovision it first)`,
        );
      return { ...current, erasure: request };
    });
    await this.publish("tenant.erasure_requested", tenantId, {
      details: { reference, expiresAt: request.expiresAt },
    });
    return { state, code };
  }

  /** The confirmation: submits the purge that erases the tenant now (`early`). */
  async confirmErasure(tenantId: string, code: string): Promise<LifecycleAnswer> {
    const before = (await this.options.store.lifecycle(tenantId))?.state ?? {};
    const request = checkConfirmation(before.erasure, code, this.now());
    const operation = await this.submit(
      tenantId,
      "purge",
      { early: true, reason: `erasure request ${request.reference}` },
      `lifecycle:erasure:${tenantId}:${request.requestedAt}`,
    );
    const state = await this.change(tenantId, (current) =>
      current.erasure?.requestedAt === request.requestedAt ? without(current, "erasure") : current,
    );
    await this.publish("tenant.erasure_confirmed", tenantId, {
      operationId: operation.id,
      details: { reference: request.reference },
    });
    return { state, operation };
  }

  /** One round over every tenant with something scheduled; a tenant's failure does not stop the others. */
  async tick(): Promise<void> {
    for (const record of await this.options.store.listLifecycles()) {
      try {
        await this.advance(record);
      } catch (error) {
        this.options.log.warn({ tenantId: record.tenantId, err: String(error) }, "lifecycle step failed");
      }
    }
  }

  /** Runs rounds every `intervalMs` until the returned stop is called. */
  start(intervalMs: number): () => Promise<void> {
    let running: Promise<void> | undefined;
    const timer = setInterval(() => {
      // A round the store cannot serve (a database restart) is logged and the next one tries again;
      // a rejection left unhandled here would end the process.
      running ??= this.tick()
        .catch((error: unknown) => this.options.log.warn({ err: String(error) }, "lifecycle round failed"))
        .finally(() => (running = undefined));
    }, intervalMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await running;
    };
  }

  private async advance(record: LifecycleRecord): Promise<void> {
    const { tenantId, state } = record;
    const tenant = await this.options.store.tenant(tenantId);
    if (!tenant || tenant.status === "purged") {
      // Erased: nothing is left to remind, downgrade or restore.
      await this.change(tenantId, () => ({}));
      return;
    }
    if (state.grace) await this.advanceGrace(tenantId);
    if (state.scheduled && Date.parse(state.scheduled.at) <= this.now()) await this.runDowngrade(tenantId);
    if (state.suspended && tenant.status === "active" && (await this.status(tenantId)) === "active")
      await this.change(tenantId, (current) => without(current, "suspended")); // restored meanwhile
  }

  /** Publishes every grace step that fell due, in order; the last one suspends the tenant. */
  private async advanceGrace(tenantId: string): Promise<void> {
    for (;;) {
      const grace = (await this.options.store.lifecycle(tenantId))?.state.grace;
      const next = grace && nextGraceStep(grace);
      if (!grace || !next || Date.parse(next.dueAt) > this.now()) return;
      if (next.step === "ended") return this.endGrace(tenantId, grace);
      const marked = await this.markSent(tenantId, grace, next.step);
      if (!marked) continue; // another process moved it on: read again
      const day = REMINDER_DAYS[next.step];
      try {
        await this.publish(
          day === undefined ? "tenant.grace_final_warning" : "tenant.grace_reminder",
          tenantId,
          {
            details: { ...(day === undefined ? {} : { day }), dueAt: next.dueAt, endsAt: grace.endsAt },
          },
        );
      } catch (error) {
        await this.change(tenantId, (current) =>
          current.grace?.openedAt === grace.openedAt
            ? {
                ...current,
                grace: { ...current.grace, sent: current.grace.sent.filter((s) => s !== next.step) },
              }
            : current,
        );
        throw error;
      }
    }
  }

  /** Marks `step` of this very grace period sent; false when the period changed or the step was taken. */
  private async markSent(
    tenantId: string,
    grace: GracePeriod,
    step: GracePeriod["sent"][number],
  ): Promise<boolean> {
    let taken = true;
    await this.change(tenantId, (current) => {
      taken = current.grace?.openedAt === grace.openedAt && !current.grace.sent.includes(step);
      return taken && current.grace
        ? { ...current, grace: { ...current.grace, sent: [...current.grace.sent, step] } }
        : current;
    });
    return taken;
  }

  /**
   * The grace period ran out: the tenant is suspended (a deprovision: storefront offline at once,
   * data retained for the window). A tenant already deprovisioned by other means stays as it is.
   */
  private async endGrace(tenantId: string, grace: GracePeriod): Promise<void> {
    let operation: Operation | undefined;
    let refused: string | undefined;
    try {
      operation = await this.submit(
        tenantId,
        "deprovision",
        {},
        `lifecycle:grace-end:${tenantId}:${grace.openedAt}`,
      );
    } catch (error) {
      if (!(error instanceof LifecycleRefusedError)) throw error;
      refused = error.message;
    }
    let moved = false;
    await this.change(tenantId, (current) => {
      moved = current.grace?.openedAt === grace.openedAt;
      if (!moved) return current;
      const rest = without(current, "grace");
      return operation
        ? {
            ...rest,
            suspended: { openedAt: grace.openedAt, suspendedAt: this.stamp(), operationId: operation.id },
          }
        : rest;
    });
    if (!moved) return;
    await this.publishLogged("tenant.grace_ended", tenantId, {
      ...(operation ? { operationId: operation.id } : {}),
      details: { suspended: operation !== undefined, ...(refused ? { refused } : {}) },
    });
  }

  /**
   * The downgrade's time has come: submitted as a change-tier operation (judged like any other:
   * a downgrade that would lose data fails with its pre-flight report). A tenant that cannot take
   * it now (suspended, being erased) keeps it waiting; it runs once the tenant is active again.
   */
  private async runDowngrade(tenantId: string): Promise<void> {
    const scheduled = (await this.options.store.lifecycle(tenantId))?.state.scheduled;
    if (!scheduled) return;
    const status = await this.status(tenantId);
    if (status !== "active") {
      if (scheduled.heldAt) return;
      await this.change(tenantId, (current) =>
        current.scheduled?.requestedAt === scheduled.requestedAt
          ? { ...current, scheduled: { ...current.scheduled, heldAt: this.stamp() } }
          : current,
      );
      await this.publishLogged("tenant.downgrade_held", tenantId, {
        tier: scheduled.tier,
        details: { status },
      });
      return;
    }
    const operation = await this.submit(
      tenantId,
      "change-tier",
      { tier: scheduled.tier },
      `lifecycle:downgrade:${tenantId}:${scheduled.requestedAt}`,
    );
    let moved = false;
    await this.change(tenantId, (current) => {
      moved = current.scheduled?.requestedAt === scheduled.requestedAt;
      return moved ? without(current, "scheduled") : current;
    });
    if (moved)
      await this.publishLogged("tenant.downgrade_started", tenantId, {
        tier: scheduled.tier,
        operationId: operation.id,
        details: { scheduledAt: scheduled.at },
      });
  }
}

function without(state: LifecycleState, ...keys: (keyof LifecycleState)[]): LifecycleState {
  const copy: Record<string, unknown> = { ...state };
  for (const k of keys) delete copy[k];
  return copy as LifecycleState;
}

/**
 * A tenant's lifecycle beyond its operations: a downgrade scheduled for the end of its billing
 * period, and the grace period a failed payment opens (reminders on days 7, 14, 21 and 28, a
 * final warning 24 hours before the end, then suspension). Pure data and the schedule; the
 * scheduler (service/lifecycleScheduler.ts) keeps it in the operation store and acts on it.
 */
import { isTierName, tierRank, type TierName } from "../tiers";

const DAY_MS = 86_400_000;

/** How long a failed payment leaves the storefront open before the tenant is suspended. */
export const GRACE_PERIOD_DAYS = 30;

/** The steps of a grace period, in order, each an event on the platform exchange. */
export const GRACE_STEPS = [
  { step: "day-7", afterMs: 7 * DAY_MS },
  { step: "day-14", afterMs: 14 * DAY_MS },
  { step: "day-21", afterMs: 21 * DAY_MS },
  { step: "day-28", afterMs: 28 * DAY_MS },
  { step: "final-24h", afterMs: GRACE_PERIOD_DAYS * DAY_MS - DAY_MS },
  { step: "ended", afterMs: GRACE_PERIOD_DAYS * DAY_MS },
] as const;
export type GraceStep = (typeof GRACE_STEPS)[number]["step"];

/** A tier change waiting for its time (the end of the billing period). */
export interface ScheduledChange {
  readonly tier: TierName;
  readonly at: string;
  readonly requestedAt: string;
  /** When it first fell due while the tenant could not take it (suspended, busy); it waits. */
  readonly heldAt?: string;
}

/** An open grace period: when it opened, why, and the steps already published. */
export interface GracePeriod {
  readonly openedAt: string;
  readonly endsAt: string;
  readonly reason: string;
  readonly sent: readonly GraceStep[];
}

/** The tenant was suspended because its grace period ran out (a cancellation then restores it). */
export interface GraceSuspension {
  readonly openedAt: string;
  readonly suspendedAt: string;
  readonly operationId: string;
}

/** An erasure asked before the retention window ends (GDPR), waiting for its confirmation. */
export interface ErasureRequest {
  readonly reference: string;
  readonly requestedAt: string;
  readonly expiresAt: string;
  /** SHA-256 of the one-time confirmation code (the code itself is shown once, to the requester). */
  readonly codeHash: string;
}

/** How long an erasure request waits for its confirmation. */
export const ERASURE_CONFIRMATION_HOURS = 24;

export interface LifecycleState {
  readonly scheduled?: ScheduledChange;
  readonly grace?: GracePeriod;
  readonly suspended?: GraceSuspension;
  readonly erasure?: ErasureRequest;
}

/** What the store keeps per tenant; `revision` makes every write a compare-and-set. */
export interface LifecycleRecord {
  readonly tenantId: string;
  /** 1 for the first write, then one more per write; 0 means "no record yet" to putLifecycle. */
  readonly revision: number;
  readonly state: LifecycleState;
  readonly updatedAt: string;
}

/** A lifecycle request that cannot be accepted (answered 409 or 400 by the API). */
export class LifecycleRefusedError extends Error {
  constructor(
    readonly outcome: "conflict" | "invalid" | "not-found",
    message: string,
  ) {
    super(message);
  }
}

/** Opens a grace period at `now`. */
export function openGrace(now: number, reason: string): GracePeriod {
  return {
    openedAt: new Date(now).toISOString(),
    endsAt: new Date(now + GRACE_PERIOD_DAYS * DAY_MS).toISOString(),
    reason,
    sent: [],
  };
}

/** The grace period's next step not yet published, with its due time, or undefined when all are. */
export function nextGraceStep(grace: GracePeriod): { step: GraceStep; dueAt: string } | undefined {
  const next = GRACE_STEPS.find((s) => !grace.sent.includes(s.step));
  if (!next) return undefined;
  return { step: next.step, dueAt: new Date(Date.parse(grace.openedAt) + next.afterMs).toISOString() };
}

/**
 * Checks a downgrade request: a known tier below the current one, a time in the future. An
 * upgrade or a same-tier change is refused: it is asked for now (POST /tenants/:id/tier), never
 * deferred.
 */
export function checkScheduledDowngrade(
  current: string | undefined,
  tier: unknown,
  at: unknown,
  now: number,
): { tier: TierName; at: string } {
  if (!isTierName(tier)) throw new LifecycleRefusedError("invalid", `tier ${String(tier)} is not a tier`);
  const when = typeof at === "string" ? Date.parse(at) : Number.NaN;
  if (
    typeof at !== "string" ||
    !/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z$/.test(at) ||
    Number.isNaN(when)
  )
    throw new LifecycleRefusedError(
      "invalid",
      `at ${String(at)} is not a UTC timestamp (YYYY-MM-DDTHH:MM:SSZ)`,
    );
  if (when <= now) throw new LifecycleRefusedError("invalid", `at ${at} is not in the future`);
  if (!isTierName(current))
    throw new LifecycleRefusedError("conflict", "the tenant has no tier yet: nothing to downgrade");
  if (tierRank(tier) >= tierRank(current))
    throw new LifecycleRefusedError(
      "invalid",
      `${tier} is not below ${current}: only a downgrade is scheduled, a change up is asked for now`,
    );
  return { tier, at: new Date(when).toISOString() };
}

/** Whether the state holds nothing (a record kept empty rather than deleted: revisions never go back). */
export const isEmptyLifecycle = (state: LifecycleState): boolean =>
  !state.scheduled && !state.grace && !state.suspended && !state.erasure;

/**
 * Each tier's service level, derived from the catalog (tiers/catalog.ts `sla`, `monitoring`):
 * the error budgets, the multi-window multi-burn-rate alert windows of the Google SRE Workbook,
 * the monthly downtime allowance, the planned maintenance a month excludes, and the service
 * credit owed. Pure: the rules (components/operations/sloRules.ts), the monthly report
 * (automation/slaReport.ts) and invoicing read the same numbers from here.
 */
import { getTier, type AlertEvent, type AlertSeverity, type TierDefinition, type TierName } from "./catalog";

/** The period the burn rates are relative to (the workbook's 30 days). */
export const SLO_PERIOD_DAYS = 30;

/** The two objectives every tenant has: answers that are not 5xx, and answers under the tier's latency. */
export const SLI_KINDS = ["availability", "latency"] as const;
export type SliKind = (typeof SLI_KINDS)[number];

/** Prometheus durations the SLIs are recorded over (the 5m ratio first: the others average it). */
export const SLI_WINDOWS = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"] as const;
export type SliWindow = (typeof SLI_WINDOWS)[number];

export interface BurnRateWindow {
  /** Pages wake someone; tickets wait for working hours. */
  readonly kind: "page" | "ticket";
  /** Multiple of the steady rate that spends exactly the budget over SLO_PERIOD_DAYS. */
  readonly factor: number;
  readonly long: SliWindow;
  readonly short: SliWindow;
}

/**
 * The workbook's table (chapter 5, "multiwindow, multi-burn-rate alerts"): 2% of the budget in
 * 1 h or 5% in 6 h pages; 10% in 1 day or 100% in 3 days opens a ticket. The short window
 * (1/12 of the long) stops the alert soon after the burn stops.
 */
export const BURN_RATE_WINDOWS: readonly BurnRateWindow[] = Object.freeze([
  { kind: "page", factor: 14.4, long: "1h", short: "5m" },
  { kind: "page", factor: 6, long: "6h", short: "30m" },
  { kind: "ticket", factor: 3, long: "1d", short: "2h" },
  { kind: "ticket", factor: 1, long: "3d", short: "6h" },
]);

/** Which event of the seed an SLO alert is, by SLI and kind (the tier alerts only on its events). */
export const SLO_ALERT_EVENTS: Readonly<Record<SliKind, Record<BurnRateWindow["kind"], AlertEvent>>> = {
  availability: { page: "critical-errors", ticket: "all-errors" },
  latency: { page: "performance-degradation", ticket: "performance-degradation" },
};

/** Severity of each event's alerts, matched by the tier's routes (tiers/catalog.ts `routes`). */
export const EVENT_SEVERITY: Readonly<Record<Exclude<AlertEvent, "quota-warnings">, AlertSeverity>> = {
  "critical-errors": "critical",
  "service-down": "critical",
  "all-errors": "high",
  "performance-degradation": "warning",
};

/** Severity of an SLO alert: a latency page is more urgent than a latency ticket. */
export function sloAlertSeverity(sli: SliKind, kind: BurnRateWindow["kind"]): AlertSeverity {
  if (sli === "latency") return kind === "page" ? "high" : "warning";
  return EVENT_SEVERITY[SLO_ALERT_EVENTS[sli][kind] as "critical-errors" | "all-errors"];
}

/** Rounds away binary noise (1 - 0.9995 is 0.000500000000000045). */
const clean = (x: number): number => Number(x.toPrecision(12));

/** The objective of an SLI as a fraction (0.9995). */
export function sloTarget(tier: TierDefinition, sli: SliKind): number {
  return clean(
    (sli === "availability" ? tier.sla.availabilityPercent : tier.sla.latency.targetPercent) / 100,
  );
}

/** The error budget: the share of bad answers the objective allows (0.0005). */
export const errorBudget = (tier: TierDefinition, sli: SliKind): number => clean(1 - sloTarget(tier, sli));

/** The error ratio above which a burn-rate window alerts. */
export const burnThreshold = (tier: TierDefinition, sli: SliKind, window: BurnRateWindow): number =>
  clean(window.factor * errorBudget(tier, sli));

/** The SLO alerts a tier has: the windows of each SLI whose event the tier alerts on. */
export function sloAlertsOf(tier: TierDefinition): { sli: SliKind; window: BurnRateWindow }[] {
  return SLI_KINDS.flatMap((sli) =>
    BURN_RATE_WINDOWS.filter((w) => tier.monitoring.events.includes(SLO_ALERT_EVENTS[sli][w.kind])).map(
      (window) => ({ sli, window }),
    ),
  );
}

/** Events of the tier no channel of its routes receives (each is a catalog mistake). */
export function unroutedEvents(tier: TierDefinition): AlertEvent[] {
  const routed = new Set(Object.values(tier.monitoring.routes).flat());
  const severities = (event: AlertEvent): AlertSeverity[] =>
    event === "quota-warnings"
      ? ["warning"]
      : event === "performance-degradation"
        ? ["high", "warning"]
        : [EVENT_SEVERITY[event]];
  return tier.monitoring.events.filter((e) => !severities(e).every((s) => routed.has(s)));
}

const MINUTE_MS = 60_000;

/** Downtime the SLA allows over `eligibleMs` of service time, in milliseconds. */
export const downtimeAllowanceMs = (tier: TierName, eligibleMs: number): number =>
  eligibleMs * errorBudget(getTier(tier), "availability");

/** Downtime a 30-day month allows, in minutes (216 / 43.2 / 21.6: seed 000's 3.6 h, 43 min, 21 min). */
export const monthlyAllowanceMinutes = (tier: TierName): number =>
  clean(downtimeAllowanceMs(tier, SLO_PERIOD_DAYS * 24 * 60 * MINUTE_MS) / MINUTE_MS);

export class SlaInputError extends Error {
  override readonly name = "SlaInputError";
}

export interface SlaCreditInput {
  readonly tier: TierName;
  /** Measured availability of the month, percent (99.87). */
  readonly availabilityPercent: number;
  /** The month's fee the credit is a share of, EUR (tiers/pricing.ts `monthlyPrice`). */
  readonly monthlyFeeEur: number;
}

export interface SlaCredit {
  readonly slaPercent: number;
  /** Availability as compared: rounded to 0.0001 point (the report's precision). */
  readonly availabilityPercent: number;
  /** Points below the SLA (0 when met). */
  readonly shortfallPoints: number;
  /** 0.1-point steps owed: every started step counts. */
  readonly steps: number;
  readonly creditPercent: number;
  readonly creditEur: number;
}

/** Availability in millionths, the unit the comparison is exact in. */
const PPM_PER_PERCENT = 10_000;
/** 0.1 point of availability in millionths. */
const STEP_PPM = 1_000;

/**
 * The service credit of seed 000: `creditPercentPerStep` of the monthly fee per 0.1 point below
 * the SLA. A started step counts in full (99.87% against 99.95% is 0.08 point below: one step),
 * since any breach of the guarantee owes a credit; the credit is at most the whole fee.
 * Availability is compared at 0.0001 point, in integers, so 99.85 against 99.95 is exactly one
 * step. Pure: invoicing calls it with the report's availability.
 */
export function slaCredit(input: SlaCreditInput): SlaCredit {
  const { availabilityPercent: a, monthlyFeeEur: fee } = input;
  if (!Number.isFinite(a) || a < 0 || a > 100)
    throw new SlaInputError(`availabilityPercent must be a number from 0 to 100, got ${a}`);
  if (!Number.isFinite(fee) || fee < 0)
    throw new SlaInputError(`monthlyFeeEur must be a non-negative number, got ${fee}`);
  const sla = getTier(input.tier).sla;
  const measuredPpm = Math.round(a * PPM_PER_PERCENT);
  const slaPpm = Math.round(sla.availabilityPercent * PPM_PER_PERCENT);
  const shortfallPpm = Math.max(0, slaPpm - measuredPpm);
  const steps = Math.ceil(shortfallPpm / STEP_PPM);
  const creditPercent = Math.min(100, steps * sla.creditPercentPerStep);
  return {
    slaPercent: sla.availabilityPercent,
    availabilityPercent: measuredPpm / PPM_PER_PERCENT,
    shortfallPoints: shortfallPpm / PPM_PER_PERCENT,
    steps,
    creditPercent,
    creditEur: Math.round((Math.round(fee * 100) * creditPercent) / 100) / 100,
  };
}

export interface MaintenanceWindow {
  readonly start: Date;
  readonly end: Date;
  /** When the customer was told. */
  readonly announcedAt: Date;
}

export interface MaintenanceDecision {
  readonly window: MaintenanceWindow;
  /** Time of the window (within the period) excluded from the measure, ms. */
  readonly excludedMs: number;
  /** Why part or all of it counts as service time; absent when all of it is excluded. */
  readonly counted?: string;
}

export interface ExcludedMaintenance {
  readonly decisions: readonly MaintenanceDecision[];
  /** The excluded intervals [start, end) in ms, in order, not overlapping. */
  readonly intervals: readonly (readonly [number, number])[];
  readonly excludedMs: number;
}

const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * The planned maintenance a period excludes (seed 000: announced `noticeDays` ahead, at most
 * `maxMinutesPerMonth`). A window announced late counts in full as service time; windows beyond
 * the monthly cap count from where the cap is spent, earliest windows excluded first. Windows
 * must be well-formed and not overlap (bad input is refused, naming the window).
 */
export function excludedMaintenance(
  tier: TierName,
  windows: readonly MaintenanceWindow[],
  period: { readonly start: Date; readonly end: Date },
): ExcludedMaintenance {
  const { noticeDays, maxMinutesPerMonth } = getTier(tier).sla.maintenance;
  const sorted = [...windows].sort((a, b) => a.start.getTime() - b.start.getTime());
  sorted.forEach((w, i) => {
    const times = [w.start, w.end, w.announcedAt].map((d) => d.getTime());
    if (times.some((t) => !Number.isFinite(t)))
      throw new SlaInputError(`maintenance window ${i + 1}: start, end and announcedAt must be valid times`);
    if (w.end.getTime() <= w.start.getTime())
      throw new SlaInputError(`maintenance window ${i + 1}: end must be after start`);
    const next = sorted[i + 1];
    if (next && next.start.getTime() < w.end.getTime())
      throw new SlaInputError(`maintenance window ${i + 1} overlaps the next one`);
  });
  let capLeft = maxMinutesPerMonth === undefined ? Infinity : maxMinutesPerMonth * MINUTE_MS;
  const decisions: MaintenanceDecision[] = [];
  const intervals: [number, number][] = [];
  for (const window of sorted) {
    const start = Math.max(window.start.getTime(), period.start.getTime());
    const end = Math.min(window.end.getTime(), period.end.getTime());
    if (end <= start) continue;
    const noticeMs = window.start.getTime() - window.announcedAt.getTime();
    if (noticeMs < noticeDays * DAY_MS) {
      const days = Math.floor((noticeMs / DAY_MS) * 10) / 10;
      decisions.push({
        window,
        excludedMs: 0,
        counted: `announced ${days} days ahead; the tier requires ${noticeDays}`,
      });
      continue;
    }
    const excludedMs = Math.min(end - start, capLeft);
    capLeft -= excludedMs;
    if (excludedMs > 0) intervals.push([start, start + excludedMs]);
    decisions.push({
      window,
      excludedMs,
      ...(excludedMs < end - start
        ? { counted: `beyond the tier's ${maxMinutesPerMonth} minutes of maintenance a month` }
        : {}),
    });
  }
  return { decisions, intervals, excludedMs: intervals.reduce((n, [a, b]) => n + b - a, 0) };
}

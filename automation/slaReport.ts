/**
 * The monthly SLA report (`npm run tenant -- sla <tenant> --month YYYY-MM`): the tenant's
 * availability over a calendar month (UTC) from Prometheus, downtime against the tier's
 * allowance, planned maintenance excluded, and the service credit owed (tiers/sla.ts `slaCredit`).
 *
 * What is measured: the tenant's 5-minute availability error ratio, the very expression its
 * `tenant:sli_errors:ratio_rate5m{sli="availability"}` recording rule evaluates
 * (components/operations/sloRules.ts), read with one range query at a 5-minute step, so each
 * point covers the 5 minutes before it and no two overlap. A point's downtime is its error ratio
 * times its minutes outside excluded maintenance (a 5xx share of 10% for 5 minutes is 30 s
 * down). Points without any measurement (no gateway series and no probe) count neither way and
 * are reported as unmeasured.
 */
import { hostnameSliExpr, type SiteEndpoints } from "../components/operations/sloRules";
import { PLATFORM_DOMAIN } from "../stacks/platformFacts";
import {
  downtimeAllowanceMs,
  effectiveProfile,
  excludedMaintenance,
  monthlyPrice,
  type PricedDeployment,
  type RegionName,
  platformHostname,
  siteNamespace,
  slaCredit,
  SlaInputError,
  type AddOns,
  type MaintenanceDecision,
  type MaintenanceWindow,
  type SlaCredit,
  type TierName,
} from "../tiers";

const STEP_MS = 5 * 60_000;
const MINUTE_MS = 60_000;

/** The tenant as the report needs it (from its stack config). */
export interface SlaSubject {
  readonly tenantId: string;
  readonly tier: TierName;
  readonly addOns?: AddOns;
  /** Custom domains of each site, site 1 first. */
  readonly sites: readonly { readonly customDomains: readonly string[] }[];
  /** Parent domain of the platform hostnames. */
  readonly platformDomain: string;
  /** Where it runs (regions, a dedicated database): the price the credit is a share of depends on it. Default the home region only. */
  readonly deployment?: PricedDeployment;
}

export interface MonthPeriod {
  readonly month: string;
  readonly start: Date;
  readonly end: Date;
}

/** `YYYY-MM` as a UTC calendar month; refused unless it has ended by `now`. */
export function parseMonth(text: string, now: Date = new Date()): MonthPeriod {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(text);
  if (!m) throw new SlaInputError(`--month: expected YYYY-MM, got "${text}"`);
  const start = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
  const end = new Date(Date.UTC(Number(m[1]), Number(m[2]), 1));
  if (end.getTime() > now.getTime())
    throw new SlaInputError(`--month: ${text} has not ended; a month is reported once it is over`);
  return { month: text, start, end };
}

/** The sites' namespaces and hostnames, as TenantStack names them. */
export function sitesOf(subject: SlaSubject): SiteEndpoints[] {
  return subject.sites.map((s, i) => ({
    site: i + 1,
    namespace: siteNamespace(subject.tenantId, i + 1),
    hostnames: [platformHostname(subject.tenantId, i + 1, subject.platformDomain), ...s.customDomains],
  }));
}

/** The PromQL the report reads: the tenant's 5-minute availability error ratio. */
export function availabilityQuery(subject: SlaSubject): string {
  const input = {
    tenantId: subject.tenantId,
    tier: subject.tier,
    profile: effectiveProfile(subject.tier, subject.addOns),
    sites: sitesOf(subject),
    deployments: [],
  };
  return `avg(${hostnameSliExpr(input, "availability")})`;
}

/** One point of a range query: its time (ms) and value (undefined = no measurement). */
export interface SlaPoint {
  readonly at: number;
  readonly errorRatio: number;
}

export interface SlaReport {
  readonly tenantId: string;
  readonly tier: TierName;
  readonly month: string;
  readonly monthMinutes: number;
  readonly maintenance: readonly (Omit<MaintenanceDecision, "window" | "excludedMs"> & {
    readonly start: string;
    readonly end: string;
    readonly announcedAt: string;
    readonly excludedMinutes: number;
  })[];
  readonly excludedMinutes: number;
  readonly measuredMinutes: number;
  readonly unmeasuredMinutes: number;
  readonly downtimeMinutes: number;
  readonly allowanceMinutes: number;
  readonly availabilityPercent: number;
  readonly slaMet: boolean;
  readonly monthlyFeeEur: number;
  readonly credit: SlaCredit;
  readonly query: string;
}

/** Milliseconds of [a, b) outside the sorted, disjoint `intervals`. */
function outside(a: number, b: number, intervals: readonly (readonly [number, number])[]): number {
  let inside = 0;
  for (const [s, e] of intervals) inside += Math.max(0, Math.min(b, e) - Math.max(a, s));
  return b - a - inside;
}

const minutes = (ms: number): number => Math.round((ms / MINUTE_MS) * 1000) / 1000;

/**
 * The report from the points of the range query (one per 5 minutes, each covering the 5 minutes
 * before it). Pure: the Prometheus reading is `readSlaPoints`.
 */
export function computeSlaReport(
  subject: SlaSubject,
  period: MonthPeriod,
  points: readonly SlaPoint[],
  windows: readonly MaintenanceWindow[],
): SlaReport {
  const excluded = excludedMaintenance(subject.tier, windows, period);
  const byTime = new Map(points.map((p) => [p.at, p.errorRatio]));
  let measuredMs = 0;
  let unmeasuredMs = 0;
  let downtimeMs = 0;
  for (let t = period.start.getTime() + STEP_MS; t <= period.end.getTime(); t += STEP_MS) {
    const eligible = outside(t - STEP_MS, t, excluded.intervals);
    const ratio = byTime.get(t);
    if (ratio === undefined || !Number.isFinite(ratio)) {
      unmeasuredMs += eligible;
      continue;
    }
    if (ratio < 0 || ratio > 1)
      throw new SlaInputError(`error ratio ${ratio} at ${new Date(t).toISOString()}`);
    measuredMs += eligible;
    downtimeMs += ratio * eligible;
  }
  if (measuredMs === 0)
    throw new SlaInputError(`no availability measurement of ${subject.tenantId} in ${period.month}`);
  const monthMs = period.end.getTime() - period.start.getTime();
  const availabilityPercent = (1 - downtimeMs / measuredMs) * 100;
  // The fee invoiced for the month (automation/invoice.ts prices the same way).
  const fee = monthlyPrice(
    effectiveProfile(subject.tier, subject.addOns),
    subject.sites.length,
    subject.deployment,
  ).monthlyEur;
  const credit = slaCredit({ tier: subject.tier, availabilityPercent, monthlyFeeEur: fee });
  return {
    tenantId: subject.tenantId,
    tier: subject.tier,
    month: period.month,
    monthMinutes: minutes(monthMs),
    maintenance: excluded.decisions.map((d) => ({
      start: d.window.start.toISOString(),
      end: d.window.end.toISOString(),
      announcedAt: d.window.announcedAt.toISOString(),
      excludedMinutes: minutes(d.excludedMs),
      ...(d.counted ? { counted: d.counted } : {}),
    })),
    excludedMinutes: minutes(excluded.excludedMs),
    measuredMinutes: minutes(measuredMs),
    unmeasuredMinutes: minutes(unmeasuredMs),
    downtimeMinutes: minutes(downtimeMs),
    allowanceMinutes: minutes(downtimeAllowanceMs(subject.tier, monthMs - excluded.excludedMs)),
    availabilityPercent: credit.availabilityPercent,
    slaMet: credit.steps === 0,
    monthlyFeeEur: fee,
    credit,
    query: availabilityQuery(subject),
  };
}

export class PrometheusError extends Error {
  override readonly name = "PrometheusError";
}

interface RangeResponse {
  readonly status: string;
  readonly error?: string;
  readonly data?: {
    readonly resultType: string;
    readonly result: readonly { readonly values: readonly [number, string][] }[];
  };
}

/** The month's points from Prometheus' `/api/v1/query_range` (one series: the query aggregates). */
export async function readSlaPoints(
  prometheusUrl: string,
  query: string,
  period: MonthPeriod,
  fetcher: typeof fetch = fetch,
): Promise<SlaPoint[]> {
  const url = new URL(`${prometheusUrl.replace(/\/+$/, "")}/api/v1/query_range`);
  const params = {
    query,
    start: String((period.start.getTime() + STEP_MS) / 1000),
    end: String(period.end.getTime() / 1000),
    step: String(STEP_MS / 1000),
  };
  let response: Response;
  try {
    response = await fetcher(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(params).toString(),
    });
  } catch (error) {
    throw new PrometheusError(`Prometheus at ${prometheusUrl} is unavailable: ${(error as Error).message}`);
  }
  const body = (await response
    .json()
    .catch(() => ({ status: "error", error: `HTTP ${response.status}` }))) as RangeResponse;
  if (body.status !== "success" || body.data?.resultType !== "matrix")
    throw new PrometheusError(
      `Prometheus refused the range query: ${body.error ?? `HTTP ${response.status}`}`,
    );
  if (body.data.result.length > 1)
    throw new PrometheusError(`expected one series from ${query}, got ${body.data.result.length}`);
  return (body.data.result[0]?.values ?? []).map(([at, value]) => ({
    at: Math.round(at * 1000),
    errorRatio: Number(value),
  }));
}

/** The report as a table for people. */
export function slaTable(r: SlaReport): string {
  const rows: [string, string][] = [
    ["Tenant / tier", `${r.tenantId} / ${r.tier}`],
    ["Month", `${r.month} (${r.monthMinutes} min)`],
    ["Maintenance excluded", `${r.excludedMinutes} min`],
    ["Measured / unmeasured", `${r.measuredMinutes} / ${r.unmeasuredMinutes} min`],
    ["Availability", `${r.availabilityPercent.toFixed(4)}% (SLA ${r.credit.slaPercent}%)`],
    ["Downtime / allowance", `${r.downtimeMinutes} / ${r.allowanceMinutes} min`],
    ["Below SLA", `${r.credit.shortfallPoints} points, ${r.credit.steps} step(s) of 0.1`],
    [
      "Credit",
      `${r.credit.creditPercent}% of ${r.monthlyFeeEur.toFixed(2)} EUR = ${r.credit.creditEur.toFixed(2)} EUR`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const notes = r.maintenance
    .filter((m) => m.counted)
    .map((m) => `  note: maintenance ${m.start}..${m.end} counted (${m.counted})`);
  return [...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`), ...notes].join("\n");
}

/**
 * Maintenance windows from JSON: `[{start, end, announcedAt}]` (ISO 8601 times with a zone).
 * Anything else is refused, naming the entry and field.
 */
export function parseMaintenance(raw: unknown): MaintenanceWindow[] {
  if (!Array.isArray(raw)) throw new SlaInputError("--maintenance: expected a JSON array of windows");
  return raw.map((entry: unknown, i) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    const extra = Object.keys(e).filter((k) => !["start", "end", "announcedAt"].includes(k));
    if (typeof entry !== "object" || entry === null || extra.length > 0)
      throw new SlaInputError(`--maintenance[${i}]: expected {start, end, announcedAt}`);
    const time = (field: string): Date => {
      const v = e[field];
      const ok =
        typeof v === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(v);
      const d = ok ? new Date(v) : new Date(NaN);
      if (Number.isNaN(d.getTime()))
        throw new SlaInputError(`--maintenance[${i}].${field}: expected an ISO 8601 time with a zone`);
      return d;
    };
    return { start: time("start"), end: time("end"), announcedAt: time("announcedAt") };
  });
}

export interface SlaCommandOptions {
  readonly month: string;
  /** Path of a JSON file of maintenance windows (parseMaintenance). Default none. */
  readonly maintenance?: string;
  readonly prometheusUrl?: string;
  readonly now?: Date;
}

/**
 * The `sla` command: the tenant's subject from its stack config (`config`, as the engine reads
 * it), its month's points from Prometheus, the report. Input is checked before any query.
 */
export async function runSlaCommand(
  tenantId: string,
  config: TenantConfigLike,
  options: SlaCommandOptions,
  readText: (path: string) => string,
): Promise<SlaReport> {
  const period = parseMonth(options.month, options.now);
  if (!options.prometheusUrl || !/^https?:\/\/[^@\s]+$/.test(options.prometheusUrl))
    throw new SlaInputError(
      "--prometheus (or PROMETHEUS_URL): an http(s) URL without credentials is required",
    );
  let windows: MaintenanceWindow[] = [];
  if (options.maintenance !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(readText(options.maintenance));
    } catch (error) {
      throw new SlaInputError(
        `--maintenance: cannot read ${options.maintenance} as JSON (${(error as Error).message})`,
      );
    }
    windows = parseMaintenance(raw);
  }
  const subject: SlaSubject = {
    tenantId,
    tier: config.tier,
    ...(config.addOns ? { addOns: config.addOns } : {}),
    sites: config.sites,
    platformDomain: PLATFORM_DOMAIN,
    deployment: {
      ...(config.regions ? { regions: config.regions } : {}),
      ...(config.dataServices ? { dedicatedMysqlCluster: config.dataServices.dedicatedMysqlCluster } : {}),
    },
  };
  // Maintenance input is judged before Prometheus is asked anything.
  excludedMaintenance(subject.tier, windows, period);
  const query = availabilityQuery(subject);
  return computeSlaReport(
    subject,
    period,
    await readSlaPoints(options.prometheusUrl, query, period),
    windows,
  );
}

/** The fields of a tenant's stack config the report reads (stacks/config.ts TenantConfig). */
export interface TenantConfigLike {
  readonly tier: TierName;
  readonly addOns?: AddOns;
  readonly sites: readonly { readonly customDomains: readonly string[] }[];
  readonly regions?: readonly RegionName[];
  readonly dataServices?: { readonly dedicatedMysqlCluster: boolean };
}

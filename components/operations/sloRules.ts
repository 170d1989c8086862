/**
 * The tenant's SLIs, SLOs and alerts as Prometheus rules, every number from the catalog through
 * tiers/sla.ts. Pure: TenantMonitoring writes the groups into a PrometheusRule, the tests feed the
 * same groups to `promtool`, the SLA report and the dashboards query the same expressions.
 *
 * SLIs, per hostname, then per tenant:
 * - availability: the share of the gateway's answers that are 5xx, from the api-gateway's request
 *   counter (the series every tenant ServiceMonitor scrapes, labelled with the request's `host`);
 *   where the gateway saw no request in the window (it is down, or nobody came), the failed share
 *   of the hostname's outside-in probes (blackbox exporter, TenantProbes) instead;
 * - latency: the share of the gateway's answers slower than the tier's threshold.
 * The tenant's 5-minute ratio is the mean over its hostnames; longer windows are the time
 * average of that ratio, so a minute the gateway could not see weighs as much as a busy one.
 */
import { type AlertRule, exactly, type RecordingRule, type RuleGroup } from "./alertRules";
import {
  burnThreshold,
  EVENT_SEVERITY,
  GATEWAY,
  SLI_WINDOWS,
  sloAlertSeverity,
  sloAlertsOf,
  type EffectiveProfile,
  type BurnRateWindow,
  type SliKind,
  type SliWindow,
  type TierName,
} from "../../tiers";

/** The api-gateway's request counter and latency histogram (labels `status`, `host`). */
export const GATEWAY_REQUESTS = "http_requests_total";
export const GATEWAY_DURATION = "http_request_duration_seconds";
/** The blackbox exporter's verdict per probe (1 = the hostname answered 2xx in time). */
export const PROBE_SUCCESS = "probe_success";

/** Error ratio of an SLI over a window, per hostname and per tenant (label `sli`). */
export const hostnameSli = (window: SliWindow): string => `hostname:sli_errors:ratio_rate${window}`;
export const tenantSli = (window: SliWindow): string => `tenant:sli_errors:ratio_rate${window}`;

/** Minutes a Deployment with no available replica, or a hostname failing every probe, waits before paging. */
export const SERVICE_DOWN_FOR = "3m";
export const ENDPOINT_DOWN_FOR = "2m";

export interface SiteEndpoints {
  readonly site: number;
  readonly namespace: string;
  /** The site's hostnames, platform hostname first. */
  readonly hostnames: readonly string[];
}

export interface SloRulesInput {
  readonly tenantId: string;
  readonly tier: TierName;
  readonly profile: EffectiveProfile;
  readonly sites: readonly SiteEndpoints[];
  /** Deployments of the tenant by namespace (the service-down alert's subjects). */
  readonly deployments: readonly { readonly namespace: string; readonly name: string }[];
}

/** A regex matching the number `seconds` as a histogram's `le` label writes it ("0.25", "1" or "1.0"). */
export function leMatcher(seconds: number): string {
  const text = String(seconds);
  return text.includes(".") ? `${text.replace(".", "\\\\.")}0*` : `${text}(\\\\.0+)?`;
}

const selector = (labels: Readonly<Record<string, string>>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",");

/** Gateway series of the tenant's hostnames, each read only in its own site's namespace. */
function gatewaySelector(input: SloRulesInput, extra = ""): string {
  const namespaces = exactly(input.sites.map((s) => s.namespace));
  const hosts = exactly(input.sites.flatMap((s) => s.hostnames));
  return `namespace=~"${namespaces}",service="${GATEWAY.workloadName}",host=~"${hosts}"${extra}`;
}

/** `sum by (hostname)` of a gateway counter's rate, the `host` label renamed. */
const perHostname = (metric: string, sel: string, window: string): string =>
  `sum by (hostname) (label_replace(rate(${metric}{${sel}}[${window}]), "hostname", "$1", "host", "(.*)"))`;

/**
 * The 5-minute error ratio of an SLI per hostname. Availability: 5xx over all answers where the
 * gateway answered (a hostname without 5xx has no 5xx series, hence the `or ... * 0`), else the
 * probes' failed share.
 */
export function hostnameSliExpr(input: SloRulesInput, sli: SliKind, window: SliWindow = "5m"): string {
  const all = perHostname(GATEWAY_REQUESTS, gatewaySelector(input), window);
  if (sli === "latency") {
    const le = leMatcher(input.profile.tier.sla.latency.thresholdSeconds);
    const fast = perHostname(`${GATEWAY_DURATION}_bucket`, gatewaySelector(input, `,le=~"${le}"`), window);
    const count = perHostname(`${GATEWAY_DURATION}_count`, gatewaySelector(input), window);
    return `1 - (${fast} / (${count} > 0))`;
  }
  const errors = perHostname(GATEWAY_REQUESTS, gatewaySelector(input, `,status=~"5.."`), window);
  const hosts = exactly(input.sites.flatMap((s) => s.hostnames));
  const probes = `${PROBE_SUCCESS}{tenant="${input.tenantId}",hostname=~"${hosts}"}`;
  return `((${errors} or ${all} * 0) / (${all} > 0)) or (1 - avg by (hostname) (avg_over_time(${probes}[${window}])))`;
}

/** The tenant's 5-minute error ratio of an SLI: the mean over its hostnames. */
export const tenantSliExpr = (input: SloRulesInput, sli: SliKind): string =>
  `avg(${hostnameSli("5m")}{${selector({ tenant: input.tenantId, sli })}})`;

function recordings(input: SloRulesInput): RecordingRule[] {
  const identity = { tenant: input.tenantId, tier: input.tier };
  return (["availability", "latency"] as const).flatMap((sli): RecordingRule[] => [
    { record: hostnameSli("5m"), expr: hostnameSliExpr(input, sli), labels: { ...identity, sli } },
    { record: tenantSli("5m"), expr: tenantSliExpr(input, sli), labels: { ...identity, sli } },
    ...SLI_WINDOWS.filter((w) => w !== "5m").map((window): RecordingRule => ({
      record: tenantSli(window),
      expr: `avg_over_time(${tenantSli("5m")}{${selector({ tenant: input.tenantId, sli })}}[${window}])`,
      labels: { ...identity, sli },
    })),
  ]);
}

/** Alert names: pages and tickets apart, so each has its own state and silences. */
export const SLO_ALERT_NAMES: Readonly<Record<SliKind, Record<BurnRateWindow["kind"], string>>> = {
  availability: { page: "TenantErrorBudgetPage", ticket: "TenantErrorBudgetTicket" },
  latency: { page: "TenantLatencyBudgetPage", ticket: "TenantLatencyBudgetTicket" },
};

/** The multi-window, multi-burn-rate alerts of the tier's events (tiers/sla.ts). */
function burnAlerts(input: SloRulesInput): AlertRule[] {
  const tier = input.profile.tier;
  return sloAlertsOf(tier).map(({ sli, window }) => {
    const threshold = burnThreshold(tier, sli, window);
    const of = (w: SliWindow) =>
      `${tenantSli(w)}{${selector({ tenant: input.tenantId, sli })}} > ${threshold}`;
    return {
      alert: SLO_ALERT_NAMES[sli][window.kind],
      expr: `(${of(window.long)}) and (${of(window.short)})`,
      labels: {
        severity: sloAlertSeverity(sli, window.kind),
        sli,
        long_window: window.long,
        short_window: window.short,
        burn_rate: String(window.factor),
      },
      annotations: {
        summary: `${input.tenantId}: ${sli} error budget burning at ${window.factor}x or more (${window.kind})`,
        description: `The ${sli} error ratio is above ${threshold} (${window.factor}x the ${input.tier} tier's budget) over ${window.long} and ${window.short}.`,
      },
    };
  });
}

/** Service down: a Deployment with no available replica, or a hostname failing every probe. */
function downAlerts(input: SloRulesInput): AlertRule[] {
  const severity = EVENT_SEVERITY["service-down"];
  const namespaces = exactly([...new Set(input.deployments.map((d) => d.namespace))]);
  const names = exactly([...new Set(input.deployments.map((d) => d.name))]);
  const hosts = exactly(input.sites.flatMap((s) => s.hostnames));
  return [
    {
      alert: "TenantServiceDown",
      expr: `max by (namespace, deployment) (kube_deployment_status_replicas_available{namespace=~"${namespaces}",deployment=~"${names}"}) == 0`,
      for: SERVICE_DOWN_FOR,
      labels: { severity },
      annotations: {
        summary: `${input.tenantId}: {{ $labels.deployment }} in {{ $labels.namespace }} has no available replica`,
        description: `No replica of {{ $labels.deployment }} has been available for ${SERVICE_DOWN_FOR}.`,
      },
    },
    {
      alert: "TenantEndpointDown",
      expr: `max by (hostname) (${PROBE_SUCCESS}{tenant="${input.tenantId}",hostname=~"${hosts}"}) == 0`,
      for: ENDPOINT_DOWN_FOR,
      labels: { severity },
      annotations: {
        summary: `${input.tenantId}: {{ $labels.hostname }} fails its outside-in probe`,
        description: `Every probe of {{ $labels.hostname }} has failed for ${ENDPOINT_DOWN_FOR}.`,
      },
    },
  ];
}

/**
 * The tenant's SLO rule group: recorded SLIs (hostname 5m, then tenant windows: rules of a group
 * run in order, so each reads the one before in the same evaluation), then the tier's alerts.
 */
export function tenantSloRules(input: SloRulesInput): RuleGroup[] {
  if (input.sites.length === 0 || input.sites.some((s) => s.hostnames.length === 0))
    throw new Error(`${input.tenantId}: every site needs at least one hostname for its SLIs`);
  const events = input.profile.tier.monitoring.events;
  const alerts = [...burnAlerts(input), ...(events.includes("service-down") ? downAlerts(input) : [])];
  return [{ name: `tenant-${input.tenantId}-slo`, rules: [...recordings(input), ...alerts] }];
}

/**
 * The tenant's Grafana dashboards as code, by the tier's monitoring level (seed 000: basic,
 * advanced, custom). Each is a dashboard JSON model the Grafana sidecar loads from a ConfigMap;
 * every panel reads the tenant's own series (its namespaces or the recorded usage ratios).
 */
import {
  BURN_RATE_WINDOWS,
  errorBudget,
  GATEWAY,
  SLO_PERIOD_DAYS,
  type MonitoringSpec,
  type TierDefinition,
} from "../../tiers";
import { USAGE_RATIO } from "./alertRules";
import { hostnameSli, tenantSli } from "./sloRules";

export interface DashboardPanel {
  readonly title: string;
  readonly expr: string;
  /** Grafana unit id. */
  readonly unit: string;
}

export interface Dashboard {
  /** File name in the ConfigMap, `<uid>.json`. */
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly DashboardPanel[];
}

/**
 * The tenant's SLOs and error budgets (every level), from the recorded SLIs of sloRules.ts: the
 * budget left over the SLO period, the burn rates the alerts compare, availability per hostname.
 */
export function sloDashboard(tenantId: string, tier: TierDefinition): Dashboard {
  const of = (sli: "availability" | "latency") => `tenant="${tenantId}",sli="${sli}"`;
  const period = `${SLO_PERIOD_DAYS}d`;
  const budgetLeft = (sli: "availability" | "latency") =>
    `1 - avg_over_time(${tenantSli("5m")}{${of(sli)}}[${period}]) / ${errorBudget(tier, sli)}`;
  // The burn rate over each page's long window, as its alert compares it.
  const burnPanels = BURN_RATE_WINDOWS.filter((w) => w.kind === "page").map((w): DashboardPanel => ({
    title: `Availability burn rate, ${w.long} (pages at ${w.factor})`,
    expr: `${tenantSli(w.long)}{${of("availability")}} / ${errorBudget(tier, "availability")}`,
    unit: "none",
  }));
  return {
    uid: `${tenantId}-slo`,
    title: `${tenantId}: SLO ${tier.sla.availabilityPercent}% and error budget`,
    panels: [
      {
        title: `Availability over ${period} (SLO ${tier.sla.availabilityPercent}%)`,
        expr: `1 - avg_over_time(${tenantSli("5m")}{${of("availability")}}[${period}])`,
        unit: "percentunit",
      },
      {
        title: `Availability error budget left (${period})`,
        expr: budgetLeft("availability"),
        unit: "percentunit",
      },
      ...burnPanels,
      {
        title: "Availability by hostname, 5m",
        expr: `1 - ${hostnameSli("5m")}{${of("availability")}}`,
        unit: "percentunit",
      },
      {
        title: `Answers under ${tier.sla.latency.thresholdSeconds}s: budget left (${period}, SLO ${tier.sla.latency.targetPercent}%)`,
        expr: budgetLeft("latency"),
        unit: "percentunit",
      },
    ],
  };
}

/** PromQL selectors of a tenant's namespaces and of its gateway in them. */
interface Selectors {
  readonly tenantId: string;
  readonly ns: string;
  readonly gateway: string;
}

/** Every level: the services' health, traffic, errors and quota usage. */
const overviewDashboard = ({ tenantId, ns, gateway }: Selectors): Dashboard => ({
  uid: `${tenantId}-overview`,
  title: `${tenantId}: overview`,
  panels: [
    { title: "Services up", expr: `sum by (service) (up{${ns}})`, unit: "none" },
    { title: "Requests per second", expr: `sum(rate(http_requests_total{${gateway}}[5m]))`, unit: "reqps" },
    {
      title: "Errors (5xx) per second",
      expr: `sum(rate(http_requests_total{${gateway},status=~"5.."}[5m]))`,
      unit: "reqps",
    },
    { title: "Quota usage", expr: `${USAGE_RATIO}{tenant="${tenantId}"}`, unit: "percentunit" },
  ],
});

/** Advanced and above: latency, CPU and memory by service, and the data services' usage. */
const servicesDashboard = ({ tenantId, ns }: Selectors): Dashboard => ({
  uid: `${tenantId}-services`,
  title: `${tenantId}: services and data`,
  panels: [
    {
      title: "Latency p95",
      expr: `histogram_quantile(0.95, sum by (le, service) (rate(http_request_duration_seconds_bucket{${ns}}[5m])))`,
      unit: "s",
    },
    {
      title: "CPU by service",
      expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{${ns},container!=""}[5m]))`,
      unit: "none",
    },
    {
      title: "Memory by service",
      expr: `sum by (pod) (container_memory_working_set_bytes{${ns},container!=""})`,
      unit: "bytes",
    },
    {
      title: "Queue depth",
      expr: `${USAGE_RATIO}{tenant="${tenantId}",signal="queue"}`,
      unit: "percentunit",
    },
    {
      title: "Database connections",
      expr: `${USAGE_RATIO}{tenant="${tenantId}",signal="mysql-connections"}`,
      unit: "percentunit",
    },
    {
      title: "Bucket usage",
      expr: `${USAGE_RATIO}{tenant="${tenantId}",signal="bucket"}`,
      unit: "percentunit",
    },
  ],
});

/** Custom (the highest level): traffic, replicas and latency per site. */
const sitesDashboard = ({ tenantId, ns, gateway }: Selectors): Dashboard => ({
  uid: `${tenantId}-sites`,
  title: `${tenantId}: per site`,
  panels: [
    {
      title: "Requests per second by site",
      expr: `sum by (namespace) (rate(http_requests_total{${gateway}}[5m]))`,
      unit: "reqps",
    },
    {
      title: "Gateway replicas by site",
      expr: `sum by (namespace) (kube_deployment_status_replicas_available{${ns},deployment="${GATEWAY.workloadName}"})`,
      unit: "none",
    },
    {
      title: "Latency p99 by site",
      expr: `histogram_quantile(0.99, sum by (le, namespace) (rate(http_request_duration_seconds_bucket{${gateway}}[5m])))`,
      unit: "s",
    },
  ],
});

/** Dashboards of each level; a higher level has everything of the lower ones. */
export function tenantDashboards(
  tenantId: string,
  level: MonitoringSpec["level"],
  namespaces: readonly string[],
): Dashboard[] {
  const ns = `namespace=~"${namespaces.map((n) => n.replace(/\./g, "\\\\.")).join("|")}"`;
  const selectors: Selectors = { tenantId, ns, gateway: `${ns},service="${GATEWAY.workloadName}"` };
  const dashboards = [overviewDashboard(selectors)];
  if (level === "basic") return dashboards;
  dashboards.push(servicesDashboard(selectors));
  if (level === "advanced") return dashboards;
  dashboards.push(sitesDashboard(selectors));
  return dashboards;
}

/** Grafana's dashboard JSON model: one time-series panel per row of two. */
export function dashboardJson(dashboard: Dashboard): string {
  return JSON.stringify({
    uid: dashboard.uid,
    title: dashboard.title,
    schemaVersion: 39,
    editable: false,
    time: { from: "now-24h", to: "now" },
    panels: dashboard.panels.map((p, i) => ({
      id: i + 1,
      type: "timeseries",
      title: p.title,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      targets: [{ refId: "A", expr: p.expr }],
    })),
  });
}

/**
 * The tenant's SLIs, SLOs and burn-rate alerts (components/operations/sloRules.ts) under
 * `promtool test rules`, for every tier: each burn-rate alert fires just above its threshold and
 * not just below it; a 15x burn after a healthy history pages within the hour the workbook sets
 * (1 h x 14.4 / 15 = 57.6 min) and a 0.9x burn never pages nor opens a ticket; a Deployment with
 * no replica and a hostname failing its probes alert after their `for`; the probes stand in for the
 * gateway only where it saw nothing; another tenant's series never count. Budgets and thresholds
 * are SPEC section 4's SLA, typed here as literals.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { AlertRule, RecordingRule, RuleGroup } from "../components/operations/alertRules";
import { SLO_ALERT_NAMES, tenantSloRules, type SiteEndpoints } from "../components/operations/sloRules";
import {
  BURN_RATE_WINDOWS,
  effectiveProfile,
  getTier,
  monthlyAllowanceMinutes,
  TIER_NAMES,
  unroutedEvents,
  type TierName,
} from "../tiers";
import { sloDashboard } from "../components/operations/dashboards";
import { promtool, promtoolAvailable } from "./helpers/promtool";
import { ofKind, synthShape } from "./helpers/synth";

/** SPEC section 4: the availability budget (1 - SLA) and the alerts each tier's events give it. */
const BUDGET: Record<TierName, number> = { standard: 0.005, premium: 0.001, business: 0.0005 };
const LATENCY: Record<TierName, { le: string; budget: number }> = {
  standard: { le: "1.0", budget: 0.01 },
  premium: { le: "0.5", budget: 0.01 },
  business: { le: "0.25", budget: 0.01 },
};
const ALERTS: Record<TierName, string[]> = {
  standard: ["TenantErrorBudgetPage", "TenantServiceDown", "TenantEndpointDown"],
  premium: [
    "TenantErrorBudgetPage",
    "TenantErrorBudgetTicket",
    "TenantLatencyBudgetPage",
    "TenantLatencyBudgetTicket",
    "TenantServiceDown",
    "TenantEndpointDown",
  ],
  business: [
    "TenantErrorBudgetPage",
    "TenantErrorBudgetTicket",
    "TenantLatencyBudgetPage",
    "TenantLatencyBudgetTicket",
    "TenantServiceDown",
    "TenantEndpointDown",
  ],
};

const CORE = "e-commerce-tenant-acme";
const SITES: Record<TierName, SiteEndpoints[]> = {
  standard: [{ site: 1, namespace: CORE, hostnames: ["acme.shops.test", "shop.acme.example"] }],
  premium: [
    { site: 1, namespace: CORE, hostnames: ["acme.shops.test", "shop.acme.example"] },
    { site: 2, namespace: `${CORE}-site-2`, hostnames: ["acme-site-2.shops.test"] },
  ],
  business: [
    { site: 1, namespace: CORE, hostnames: ["acme.shops.test", "shop.acme.example"] },
    { site: 2, namespace: `${CORE}-site-2`, hostnames: ["acme-site-2.shops.test"] },
  ],
};
/** A tenant whose id and hostnames extend acme's: its series must never count for acme. */
const OTHER = { tenant: "acme-shop", namespace: "e-commerce-tenant-acme-shop", host: "acme-shop.shops.test" };

const rulesOf = (tier: TierName): RuleGroup[] =>
  tenantSloRules({
    tenantId: "acme",
    tier,
    profile: effectiveProfile(tier),
    sites: SITES[tier],
    deployments: [
      { namespace: CORE, name: "api-gateway" },
      { namespace: CORE, name: "orders-service" },
      { namespace: `${CORE}-site-2`, name: "api-gateway" },
    ],
  });
const isAlert = (r: AlertRule | RecordingRule): r is AlertRule => "alert" in r;
const alertsOf = (groups: RuleGroup[]): AlertRule[] => groups.flatMap((g) => g.rules).filter(isAlert);

interface Series {
  readonly series: string;
  readonly values: string;
}

/** A counter's values, one sample a minute: `[per-minute increase, minutes]` segments in order. */
function counter(segments: readonly (readonly [number, number])[]): string {
  let value = 0;
  return segments
    .map(([rate, minutes], i) => {
      const start = i === 0 ? 0 : value + rate;
      value = start + rate * minutes;
      return `${start}+${rate}x${minutes}`;
    })
    .join(" ");
}

const TOTAL_PER_MINUTE = 10_000;

/** Gateway answers on every hostname of the tier: `segments` of [error ratio, minutes] (and the latency histogram alike). */
function gateway(
  tier: TierName,
  segments: readonly (readonly [number, number])[],
  slowSegments = segments,
): Series[] {
  const le = LATENCY[tier].le;
  return SITES[tier].flatMap((s) =>
    s.hostnames.flatMap((host) => {
      const at = `namespace="${s.namespace}",service="api-gateway",host="${host}",tenant="acme",pod="g"`;
      const ok = counter(segments.map(([r, m]) => [TOTAL_PER_MINUTE * (1 - r), m]));
      const bad = counter(segments.map(([r, m]) => [TOTAL_PER_MINUTE * r, m]));
      const all = counter(segments.map(([, m]) => [TOTAL_PER_MINUTE, m]));
      const fast = counter(slowSegments.map(([r, m]) => [TOTAL_PER_MINUTE * (1 - r), m]));
      return [
        { series: `http_requests_total{${at},status="200"}`, values: ok },
        { series: `http_requests_total{${at},status="503"}`, values: bad },
        { series: `http_request_duration_seconds_bucket{${at},le="${le}"}`, values: fast },
        { series: `http_request_duration_seconds_bucket{${at},le="+Inf"}`, values: all },
        { series: `http_request_duration_seconds_count{${at}}`, values: all },
      ];
    }),
  );
}

/** The other tenant failing every request and every probe, all along. */
const noise = (minutes: number): Series[] => [
  {
    series: `http_requests_total{namespace="${OTHER.namespace}",service="api-gateway",host="${OTHER.host}",tenant="${OTHER.tenant}",status="503"}`,
    values: `0+1000x${minutes}`,
  },
  { series: `probe_success{tenant="${OTHER.tenant}",hostname="${OTHER.host}"}`, values: `0x${minutes}` },
  // The other tenant's gateway answering for acme's hostname, and acme's gateway for a host not its own.
  {
    series: `http_requests_total{namespace="${OTHER.namespace}",service="api-gateway",host="acme.shops.test",tenant="${OTHER.tenant}",status="503"}`,
    values: `0+1000x${minutes}`,
  },
  {
    series: `http_requests_total{namespace="${CORE}",service="api-gateway",host="acme.shops.test.evil.example",tenant="acme",status="503"}`,
    values: `0+1000x${minutes}`,
  },
  {
    series: `kube_deployment_status_replicas_available{namespace="${OTHER.namespace}",deployment="orders-service"}`,
    values: `0x${minutes}`,
  },
];

const probes = (tier: TierName, values: string, only?: string): Series[] =>
  SITES[tier]
    .flatMap((s) => s.hostnames)
    .filter((h) => only === undefined || h === only)
    .map((hostname) => ({ series: `probe_success{tenant="acme",hostname="${hostname}"}`, values }));

/** The expected firing alerts of a burn-rate alert name at a constant error ratio. */
function burning(tier: TierName, sli: "availability" | "latency", kind: "page" | "ticket", ratio: number) {
  const rule = (w: (typeof BURN_RATE_WINDOWS)[number]) =>
    alertsOf(rulesOf(tier)).find(
      (a) => a.alert === SLO_ALERT_NAMES[sli][kind] && a.labels.long_window === w.long,
    )!;
  const budget = sli === "availability" ? BUDGET[tier] : LATENCY[tier].budget;
  return BURN_RATE_WINDOWS.filter((w) => w.kind === kind && w.factor * budget < ratio).map((w) => ({
    exp_labels: { tenant: "acme", tier, ...rule(w).labels },
    exp_annotations: rule(w).annotations,
  }));
}

function runPromtool(tier: TierName, tests: unknown[]): { ok: boolean; output: string } {
  return promtool(["test", "rules", "tests.yaml"], {
    "rules.yaml": { groups: rulesOf(tier) },
    "tests.yaml": { rule_files: ["rules.yaml"], evaluation_interval: "1m", tests },
  });
}

/** `promtool test rules` passes every one of `tests` against the tier's rules (its output names a failure). */
function expectPasses(tier: TierName, tests: unknown[]): void {
  const result = runPromtool(tier, tests);
  expect(result.output).toContain("SUCCESS");
  expect(result.ok).toBe(true);
}

describe("tenant SLO rules", () => {
  let available = false;
  beforeAll(() => {
    available = promtoolAvailable();
  });
  /** One test per tier, skipped where promtool is not installed. */
  const itWithPromtool = (name: string, body: (tier: TierName) => void) =>
    it.for(TIER_NAMES)(name, (tier, context) => {
      if (!available) return context.skip();
      body(tier);
    });

  it.each(TIER_NAMES)("%s: the tier's alerts are its events', at its budget's burn thresholds", (tier) => {
    const alerts = alertsOf(rulesOf(tier));
    expect([...new Set(alerts.map((a) => a.alert))].sort()).toEqual([...ALERTS[tier]].sort());
    for (const a of alerts.filter((x) => x.labels.burn_rate !== undefined)) {
      const budget = a.labels.sli === "availability" ? BUDGET[tier] : LATENCY[tier].budget;
      const threshold = Number(a.labels.burn_rate) * budget;
      // Both windows compare with the same threshold, the budget times the burn rate.
      const compared = [...a.expr.matchAll(/ > ([0-9.e-]+)\)/g)].map((m) => Number(m[1]));
      expect(compared).toHaveLength(2);
      for (const c of compared) expect(c).toBeCloseTo(threshold, 12);
    }
    // Every severity the tier raises reaches one of its channels.
    expect(unroutedEvents(getTier(tier))).toEqual([]);
    const routed = new Set(Object.values(getTier(tier).monitoring.routes).flat());
    for (const a of alerts) expect(routed.has(a.labels.severity as never), a.alert).toBe(true);
  });

  it("the windows are the SRE Workbook's table", () => {
    expect(BURN_RATE_WINDOWS.map((w) => [w.kind, w.factor, w.long, w.short])).toEqual([
      ["page", 14.4, "1h", "5m"],
      ["page", 6, "6h", "30m"],
      ["ticket", 3, "1d", "2h"],
      ["ticket", 1, "3d", "6h"],
    ]);
  });

  it("the monthly allowances are the seed's 3.6 h, 43 min and 21 min", () => {
    expect(TIER_NAMES.map(monthlyAllowanceMinutes)).toEqual([216, 43.2, 21.6]);
  });

  itWithPromtool("%s: promtool check rules accepts the group", (tier) => {
    const result = promtool(["check", "rules", "rules.yaml"], { "rules.yaml": { groups: rulesOf(tier) } });
    expect(result.output).toContain("SUCCESS");
    expect(result.ok).toBe(true);
  });

  itWithPromtool(
    "%s: each burn-rate alert fires just above its threshold, not just below, whatever another tenant does",
    (tier) => {
      const kinds = (["availability", "latency"] as const).flatMap((sli) =>
        (["page", "ticket"] as const)
          .filter((kind) => ALERTS[tier].includes(SLO_ALERT_NAMES[sli][kind]))
          .map((kind) => [sli, kind] as const),
      );
      const tests = kinds.flatMap(([sli, kind]) =>
        BURN_RATE_WINDOWS.filter((w) => w.kind === kind).flatMap((w) =>
          [1.03, 0.97].map((margin) => {
            const budget = sli === "availability" ? BUDGET[tier] : LATENCY[tier].budget;
            const ratio = w.factor * budget * margin;
            const segments = [[sli === "availability" ? ratio : 0, 30]] as const;
            const slow = [[sli === "latency" ? ratio : 0, 30]] as const;
            return {
              interval: "1m",
              input_series: [...gateway(tier, segments, slow), ...noise(30)],
              alert_rule_test: [
                {
                  eval_time: "20m",
                  alertname: SLO_ALERT_NAMES[sli][kind],
                  exp_alerts: burning(tier, sli, kind, ratio),
                },
              ],
            };
          }),
        ),
      );
      // Each window's threshold was crossed once above (it fires) and once below (it does not).
      expect(tests.length).toBe(ALERTS[tier].filter((a) => a.includes("Budget")).length * 4);
      expectPasses(tier, tests);
    },
  );

  itWithPromtool(
    "%s: a 15x burn after 6 healthy hours pages within the hour (1h/5m), then 6h/30m; 0.9x never pages nor tickets",
    (tier) => {
      const healthy = 360;
      const fast = 15 * BUDGET[tier];
      const page = (at: number, windows: string[]) => ({
        eval_time: `${healthy + at}m`,
        alertname: "TenantErrorBudgetPage",
        exp_alerts: burning(tier, "availability", "page", 1).filter((e) =>
          windows.includes((e.exp_labels as Record<string, string>)["long_window"]!),
        ),
      });
      const slowRatio = 0.9 * BUDGET[tier];
      const never = ["10m", "1h", "6h", "7h"].flatMap((eval_time) =>
        ALERTS[tier]
          .filter((a) => a.includes("Budget"))
          .map((alertname) => ({ eval_time, alertname, exp_alerts: [] })),
      );
      expectPasses(tier, [
        {
          interval: "1m",
          input_series: gateway(tier, [
            [0, healthy],
            [fast, 200],
          ]),
          // 57.6 burning minutes cross 14.4x over 1 h (the 5m ratio ramps up over its first 5 minutes).
          alert_rule_test: [page(50, []), page(65, ["1h"]), page(140, ["1h"]), page(155, ["1h", "6h"])],
        },
        {
          interval: "1m",
          input_series: gateway(
            tier,
            [[slowRatio, 7 * 60 + 10]],
            [[0.9 * LATENCY[tier].budget, 7 * 60 + 10]],
          ),
          alert_rule_test: never,
        },
      ]);
    },
  );

  itWithPromtool(
    "%s: a Deployment without replicas and a hostname failing its probes alert after their for",
    (tier) => {
      const down = alertsOf(rulesOf(tier)).find((a) => a.alert === "TenantServiceDown")!;
      const endpoint = alertsOf(rulesOf(tier)).find((a) => a.alert === "TenantEndpointDown")!;
      const render = (a: AlertRule, labels: Record<string, string>) =>
        Object.fromEntries(
          Object.entries(a.annotations).map(([k, v]) => [
            k,
            v.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, key: string) => labels[key] ?? ""),
          ]),
        );
      const orders = { namespace: CORE, deployment: "orders-service" };
      const host = { hostname: "shop.acme.example" };
      expectPasses(tier, [
        {
          interval: "1m",
          input_series: [
            {
              series: `kube_deployment_status_replicas_available{namespace="${CORE}",deployment="orders-service",instance="ksm"}`,
              values: "2x9 0x20",
            },
            {
              series: `kube_deployment_status_replicas_available{namespace="${CORE}",deployment="api-gateway",instance="ksm"}`,
              values: "2x30",
            },
            ...probes(tier, "1x30").filter((p) => !p.series.includes(host.hostname)),
            ...probes(tier, "1x9 0x20", host.hostname),
            ...noise(30),
          ],
          alert_rule_test: [
            { eval_time: "12m", alertname: "TenantServiceDown", exp_alerts: [] },
            {
              eval_time: "14m",
              alertname: "TenantServiceDown",
              exp_alerts: [
                { exp_labels: { ...orders, ...down.labels }, exp_annotations: render(down, orders) },
              ],
            },
            { eval_time: "11m", alertname: "TenantEndpointDown", exp_alerts: [] },
            {
              eval_time: "13m",
              alertname: "TenantEndpointDown",
              exp_alerts: [
                { exp_labels: { ...host, ...endpoint.labels }, exp_annotations: render(endpoint, host) },
              ],
            },
          ],
        },
      ]);
    },
  );

  itWithPromtool(
    "%s: the probes count only where the gateway saw nothing; a gateway gone dark pages on them",
    (tier) => {
      const hostnames = SITES[tier].flatMap((s) => s.hostnames);
      const sli = (hostname: string, value: number) => ({
        labels: `hostname:sli_errors:ratio_rate5m{hostname="${hostname}",sli="availability",tenant="acme",tier="${tier}"}`,
        value,
      });
      expectPasses(tier, [
        {
          // The gateway answers every request well while the probes fail: the gateway wins.
          interval: "1m",
          input_series: [...gateway(tier, [[0, 30]]), ...probes(tier, "0x30"), ...noise(30)],
          promql_expr_test: [
            {
              expr: 'hostname:sli_errors:ratio_rate5m{sli="availability"}',
              eval_time: "20m",
              exp_samples: hostnames.map((h) => sli(h, 0)),
            },
          ],
        },
        {
          // No gateway series at all (its pods are gone) and failing probes: every hostname is down.
          interval: "1m",
          input_series: [...probes(tier, "0x30"), ...noise(30)],
          promql_expr_test: [
            {
              expr: 'hostname:sli_errors:ratio_rate5m{sli="availability"}',
              eval_time: "20m",
              exp_samples: hostnames.map((h) => sli(h, 1)),
            },
          ],
          alert_rule_test: [
            {
              eval_time: "20m",
              alertname: "TenantErrorBudgetPage",
              exp_alerts: burning(tier, "availability", "page", 1),
            },
          ],
        },
      ]);
    },
  );

  itWithPromtool(
    "%s: the SLO dashboard reads the recorded SLIs: half the budget spent leaves half, burning at 0.5",
    (tier) => {
      const panels = sloDashboard("acme", getTier(tier)).panels;
      const records = new Set(rulesOf(tier)[0]!.rules.flatMap((r) => ("record" in r ? [r.record] : [])));
      for (const p of panels)
        for (const name of p.expr.match(/[a-z]+:[a-z_]+:[a-z_0-9]+/g) ?? [])
          expect(records.has(name), name).toBe(true);
      // In millionths: promtool compares floats exactly.
      const value = (title: RegExp) => `round(1e6 * (${panels.find((p) => title.test(p.title))!.expr}))`;
      const half = 0.5 * BUDGET[tier];
      const labels = (sli: string) => `{sli="${sli}",tenant="acme",tier="${tier}"}`;
      expectPasses(tier, [
        {
          interval: "1m",
          input_series: gateway(tier, [[half, 130]], [[0.5 * LATENCY[tier].budget, 130]]),
          promql_expr_test: [
            {
              expr: value(/^Availability error budget left/),
              eval_time: "120m",
              exp_samples: [{ labels: labels("availability"), value: 500000 }],
            },
            {
              expr: value(/burn rate, 1h/),
              eval_time: "120m",
              exp_samples: [{ labels: labels("availability"), value: 500000 }],
            },
            {
              expr: value(/^Availability over/),
              eval_time: "120m",
              exp_samples: [{ labels: labels("availability"), value: Math.round(1e6 * (1 - half)) }],
            },
            {
              expr: value(/^Answers under/),
              eval_time: "120m",
              exp_samples: [{ labels: labels("latency"), value: 500000 }],
            },
          ],
        },
      ]);
    },
  );

  it("promtool fails a test expecting a page just below the threshold (the tests can fail)", (context) => {
    if (!available) return context.skip();
    const ratio = 14.4 * BUDGET.business * 0.97;
    const result = runPromtool("business", [
      {
        interval: "1m",
        input_series: gateway("business", [[ratio, 30]]),
        alert_rule_test: [
          {
            eval_time: "20m",
            alertname: "TenantErrorBudgetPage",
            exp_alerts: burning("business", "availability", "page", 1),
          },
        ],
      },
    ]);
    expect(result.ok).toBe(false);
  });

  it.for([
    ["standard", 1],
    ["premium", 3],
    ["business", 10],
  ] as const)(
    "%s (%i sites): the synthesized tenant-slo rule covers every hostname and Deployment",
    async ([tier, sites]) => {
      const { objects } = await synthShape(tier, sites);
      const rule = ofKind(objects, "PrometheusRule").find((o) => o.metadata?.name === "tenant-slo")!;
      const groups = (rule as unknown as { spec: { groups: RuleGroup[] } }).spec.groups;
      const routes = ofKind(objects, "HTTPRoute").flatMap(
        (o) => (o as unknown as { spec: { hostnames: string[] } }).spec.hostnames,
      );
      const first = groups[0]!.rules[0] as RecordingRule;
      expect(routes.length).toBeGreaterThanOrEqual(sites);
      for (const host of routes) expect(first.expr).toContain(host.replace(/\./g, "\\\\."));
      const down = alertsOf(groups).find((a) => a.alert === "TenantServiceDown")!;
      for (const d of ofKind(objects, "Deployment")) expect(down.expr).toContain(d.metadata!.name!);
    },
  );
});

/**
 * The tenant's monitoring as synthesized: every PrometheusRule passes `promtool check rules`;
 * `promtool test rules` shows each alert firing just above its threshold after its `for`, not
 * below it, not before its `for`, and never on another tenant's series; thresholds, durations
 * and limits per tier equal the tier table (docs/product.md; literals here); ServiceMonitors cover every namespace;
 * alert routing follows the tier's channels with credentials only in a Secret.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../policy/analysis/objects";
import type { AlertRule, RecordingRule, RuleGroup } from "../components/operations/alertRules";
import { tenantRequestProblems, type TierName } from "../tiers";
import { gib } from "../lib/units";
import { promtool, promtoolAvailable } from "./helpers/promtool";
import { ofKind, synthShape } from "./helpers/synth";

const GIB = 2 ** 30;
const MIB = 2 ** 20;

/** The tier table (docs/product.md), per tier: the limit each signal is measured against (undefined = unlimited). */
const LIMITS: Record<TierName, Record<string, number | undefined>> = {
  standard: {
    cpu: 4,
    memory: 8 * GIB,
    storage: 50 * GIB,
    "api-rate": 500,
    products: 2000,
    queue: 5000,
    "mysql-connections": 10,
    "cdn-bandwidth": undefined,
  },
  premium: {
    cpu: 12,
    memory: 24 * GIB,
    storage: 150 * GIB,
    "api-rate": 3000,
    products: 15000,
    queue: 30000,
    "mysql-connections": 30,
    "cdn-bandwidth": 100e9,
  },
  business: {
    cpu: 24,
    memory: 48 * GIB,
    storage: 300 * GIB,
    "api-rate": 15000,
    products: undefined,
    queue: undefined,
    "mysql-connections": 100,
    "cdn-bandwidth": undefined,
  },
};
const BUCKET_GB: Record<TierName, Record<string, number>> = {
  standard: { products: 15, sav: 5, newsletters: 5 },
  premium: { products: 60, sav: 20, newsletters: 20 },
  business: { products: 300, sav: 100, newsletters: 100 },
};
/** The seed's quota alerts (name: signal, threshold, for) plus the four added in the catalog. */
const ALERTS: Record<string, [string, number, string | undefined, string]> = {
  TenantCPUQuotaWarning: ["cpu", 0.8, "5m", "warning"],
  TenantCPUQuotaExceeded: ["cpu", 0.95, "2m", "critical"],
  TenantMemoryQuotaWarning: ["memory", 0.8, "5m", "warning"],
  TenantStorageQuotaWarning: ["storage", 0.8, "10m", "warning"],
  TenantApiRateLimitWarning: ["api-rate", 0.9, "2m", "warning"],
  TenantProductLimitWarning: ["products", 0.9, undefined, "warning"],
  TenantBucketQuotaWarning: ["bucket", 0.8, "10m", "warning"],
  TenantQueueLengthWarning: ["queue", 0.8, "5m", "warning"],
  TenantDatabaseConnectionsWarning: ["mysql-connections", 0.8, "5m", "warning"],
  TenantCdnBandwidthWarning: ["cdn-bandwidth", 0.8, undefined, "warning"],
};

const SHAPES = [
  ["standard", 1],
  ["premium", 3],
  ["business", 10],
] as const;

/** The quota alerts' PrometheusRule (tests/slo.test.ts judges the tenant-slo one). */
const groupsOf = (objects: readonly KubeObject[]): RuleGroup[] =>
  ofKind(objects, "PrometheusRule")
    .filter((o) => o.metadata?.name === "tenant-quota-alerts")
    .flatMap((o) => (o as unknown as { spec: { groups: RuleGroup[] } }).spec.groups);
const isAlert = (r: AlertRule | RecordingRule): r is AlertRule => "alert" in r;

/** The labels an alert's selector pins (tenant, signal, and bucket where there is one). */
function pinned(rule: AlertRule): Record<string, string> {
  const selector = /\{(.*)\}/.exec(rule.expr)![1]!;
  return Object.fromEntries([...selector.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

interface Series {
  readonly series: string;
  readonly values: string;
}

/** Input series putting `signal` at `ratio` of `limit` for tenant `t` (namespaces from the tenant's core). */
function seriesAt(
  signal: string,
  ratio: number,
  limit: number,
  t: { core: string; id: string; bucket?: string; zone: string },
  samples: number,
): Series[] {
  const usage = ratio * limit;
  const gauge = (series: string): Series[] => [{ series, values: `${usage}x${samples}` }];
  switch (signal) {
    case "cpu": // counter of CPU seconds: `usage` cores for 60 s per 1m sample
      return [
        {
          series: `container_cpu_usage_seconds_total{namespace="${t.core}",container="app",pod="p"}`,
          values: `0+${usage * 60}x${samples}`,
        },
      ];
    case "memory":
      return gauge(`container_memory_working_set_bytes{namespace="${t.core}",container="app",pod="p"}`);
    case "storage":
      return gauge(
        `kubelet_volume_stats_used_bytes{namespace="${t.core}",persistentvolumeclaim="redis-data"}`,
      );
    case "api-rate": // `usage` requests per minute
      return [
        {
          series: `http_requests_total{namespace="${t.core}",service="api-gateway",pod="g"}`,
          values: `0+${usage}x${samples}`,
        },
      ];
    case "products":
      return gauge(`products_catalog_size{namespace="${t.core}",service="products-service",pod="p"}`);
    case "bucket":
      return gauge(`minio_bucket_usage_total_bytes{bucket="${t.bucket}"}`);
    case "queue":
      return gauge(`rabbitmq_detailed_queue_messages{vhost="${t.core}",queue="messages-broker"}`);
    case "mysql-connections":
      return gauge(
        `mysql_info_schema_processlist_processes_by_user{mysql_user="${t.id.replace(/-/g, "_")}_orders"}`,
      );
    case "cdn-bandwidth": // bytes per hourly sample: `usage` over 30 days
      return [
        {
          series: `cloudflare_zone_bandwidth_total{zone="${t.zone}"}`,
          values: `0+${usage / 720}x${samples}`,
        },
      ];
  }
  throw new Error(`no series for ${signal}`);
}

/** `{{ $value | humanizePercentage }}` and `{{ $labels.x }}` as Prometheus renders them. */
function render(template: string, value: number, labels: Record<string, string>): string {
  return template
    .replace("{{ $value | humanizePercentage }}", `${Number((value * 100).toPrecision(4))}%`)
    .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, k: string) => labels[k] ?? "");
}

describe("tenant quota alerts", () => {
  let available = false;
  beforeAll(() => {
    available = promtoolAvailable();
  });

  it.each(SHAPES)(
    "%s (%i sites): the rules match the tier table, one per measured limit",
    async (tier, sites) => {
      const groups = groupsOf((await synthShape(tier, sites)).objects);
      const alerts = groups.flatMap((g) => g.rules).filter(isAlert);
      type Row = readonly [string, number, string | undefined, string, string | undefined];
      const expected = Object.entries(ALERTS).flatMap(
        ([name, [signal, threshold, duration, severity]]): Row[] => {
          if (signal === "bucket")
            return Object.entries(BUCKET_GB[tier]).map((b): Row => [
              name,
              threshold,
              duration,
              severity,
              `acme-${b[0]}`,
            ]);
          return LIMITS[tier][signal] === undefined ? [] : [[name, threshold, duration, severity, undefined]];
        },
      );
      expect(
        alerts.map((a) => [
          a.alert,
          Number(a.expr.split(" > ")[1]),
          a.for,
          a.labels.severity,
          pinned(a).bucket?.replace("tenant-", ""),
        ]),
      ).toEqual(expected);
      // The recorded ratio divides by the tier's literal limit.
      const records = groups.flatMap((g) => g.rules).filter((r): r is RecordingRule => !isAlert(r));
      for (const r of records) {
        const limit =
          r.labels.signal === "bucket"
            ? BUCKET_GB[tier][r.labels.bucket!.replace("tenant-acme-", "")]! * GIB
            : LIMITS[tier][r.labels.signal!];
        expect(Number(r.expr.split(" / ").at(-1)), `${r.labels.signal}`).toBe(limit);
        expect(r.labels).toMatchObject({ tenant: "acme", tier });
      }
    },
  );

  it("counts Business add-ons in the CPU, memory and storage limits", async () => {
    const { objects } = await synthShape("business", 1, "acme", {
      addOns: { extraCpuCores: 4, extraMemoryGi: 8, extraStorageGi: 100 },
    });
    const limit = (signal: string) =>
      Number(
        groupsOf(objects)
          .flatMap((g) => g.rules)
          .find((r) => !isAlert(r) && r.labels.signal === signal)!
          .expr.split(" / ")
          .at(-1),
      );
    expect([limit("cpu"), limit("memory"), limit("storage")]).toEqual([32, gib(64) * MIB, 400 * GIB]);
  });

  it.for(SHAPES)("%s: every PrometheusRule passes promtool check rules", async ([tier, sites], context) => {
    if (!available) return context.skip();
    const groups = groupsOf((await synthShape(tier, sites)).objects);
    const result = promtool(["check", "rules", "rules.yaml"], { "rules.yaml": { groups } });
    expect(result.output).toContain("SUCCESS");
    expect(result.ok).toBe(true);
  });

  it("promtool check rules rejects a broken rule (the check is real)", (context) => {
    if (!available) return context.skip();
    const result = promtool(["check", "rules", "rules.yaml"], {
      "rules.yaml": { groups: [{ name: "g", rules: [{ alert: "A", expr: "sum(rate(x[5m]) > " }] }] },
    });
    expect(result.ok).toBe(false);
  });

  it.for(SHAPES)(
    "%s: each alert fires above its threshold after its duration, never below it, before it, or on another tenant",
    async ([tier, sites], context) => {
      if (!available) return context.skip();
      const { objects } = await synthShape(tier, sites);
      const groups = groupsOf(objects);
      // The shortcut tenant's own Cloudflare zone (synth/programs.ts shortcutConfig).
      const zone = "acme.edge.collect-verything.test";
      const tests = groups
        .flatMap((g) => g.rules)
        .filter(isAlert)
        .map((rule) => {
          const [signal, threshold, duration] = ALERTS[rule.alert]!;
          const bucket = pinned(rule).bucket;
          const limit = bucket
            ? BUCKET_GB[tier][bucket.replace("tenant-acme-", "")]! * GIB
            : LIMITS[tier][signal]!;
          const cdn = signal === "cdn-bandwidth";
          const interval = cdn ? "1h" : "1m";
          const samples = cdn ? 800 : 60;
          const fireAt = cdn ? "31d" : `${30 + (duration ? parseInt(duration, 10) : 0)}m`;
          const mine = { core: "e-commerce-tenant-acme", id: "acme", zone, ...(bucket ? { bucket } : {}) };
          // A tenant whose id extends ours, far over every limit: its series must not count.
          const other = {
            core: "e-commerce-tenant-acme-shop",
            id: "acme-shop",
            zone: `shop.${zone}`,
            ...(bucket ? { bucket: bucket.replace("acme", "acme-shop") } : {}),
          };
          const above = threshold + 0.02;
          const labels = {
            tenant: "acme",
            tier,
            signal,
            severity: rule.labels.severity!,
            ...(bucket ? { bucket } : {}),
            ...(signal === "queue" ? { queue: "messages-broker" } : {}),
            ...(signal === "mysql-connections" ? { mysql_user: "acme_orders" } : {}),
          };
          const expectation = {
            exp_labels: labels,
            exp_annotations: Object.fromEntries(
              Object.entries(rule.annotations).map(([k, v]) => [k, render(v, above, labels)]),
            ),
          };
          const noise = seriesAt(signal, 10, limit, other, samples);
          const cases = [
            {
              interval,
              input_series: [...seriesAt(signal, above, limit, mine, samples), ...noise],
              alert_rule_test: [{ eval_time: fireAt, alertname: rule.alert, exp_alerts: [expectation] }],
            },
            {
              interval,
              input_series: [...seriesAt(signal, threshold - 0.02, limit, mine, samples), ...noise],
              alert_rule_test: [{ eval_time: fireAt, alertname: rule.alert, exp_alerts: [] }],
            },
          ];
          if (duration) {
            const early = `${parseInt(duration, 10) - 1}m`;
            cases.push({
              interval,
              input_series: seriesAt(signal, above, limit, mine, samples),
              alert_rule_test: [{ eval_time: early, alertname: rule.alert, exp_alerts: [] }],
            });
          }
          return cases;
        });
      expect(tests.length).toBeGreaterThanOrEqual(9);
      // The 30-day CDN window is evaluated hourly: a month of minutely evaluations takes minutes.
      for (const interval of ["1m", "1h"]) {
        const cases = tests.flat().filter((t) => t.interval === interval);
        if (cases.length === 0) continue;
        const result = promtool(["test", "rules", "tests.yaml"], {
          "rules.yaml": { groups },
          "tests.yaml": { rule_files: ["rules.yaml"], evaluation_interval: interval, tests: cases },
        });
        expect(result.output).toContain("SUCCESS");
        expect(result.ok).toBe(true);
      }
    },
  );

  it("promtool test rules fails when an alert is expected below its threshold (the tests can fail)", async (context) => {
    if (!available) return context.skip();
    const groups = groupsOf((await synthShape("standard", 1)).objects);
    const result = promtool(["test", "rules", "tests.yaml"], {
      "rules.yaml": { groups },
      "tests.yaml": {
        rule_files: ["rules.yaml"],
        evaluation_interval: "1m",
        tests: [
          {
            interval: "1m",
            input_series: [
              {
                series:
                  'container_memory_working_set_bytes{namespace="e-commerce-tenant-acme",container="app"}',
                values: `${0.79 * 8 * GIB}x30`,
              },
            ],
            alert_rule_test: [
              {
                eval_time: "20m",
                alertname: "TenantMemoryQuotaWarning",
                exp_alerts: [
                  { exp_labels: { severity: "warning", tenant: "acme", tier: "standard", signal: "memory" } },
                ],
              },
            ],
          },
        ],
      },
    });
    expect(result.ok).toBe(false);
  });
});

describe("tenant monitoring objects", () => {
  it.each(SHAPES)(
    "%s: one ServiceMonitor per tenant namespace, scraping the metrics port with tenant and tier labels",
    async (tier, sites) => {
      const { objects } = await synthShape(tier, sites);
      const monitors = ofKind(objects, "ServiceMonitor");
      const namespaces = ofKind(objects, "Namespace")
        .map((n) => n.metadata!.name)
        .filter((n) => n?.startsWith("e-commerce-tenant-"));
      expect(monitors.map((m) => m.metadata!.namespace).sort()).toEqual(namespaces.sort());
      for (const m of monitors) {
        const spec = (
          m as unknown as {
            spec: {
              selector: { matchLabels: Record<string, string> };
              endpoints: { port: string; relabelings: object[] }[];
            };
          }
        ).spec;
        expect(spec.selector.matchLabels.tenant).toBe("acme");
        expect(spec.endpoints[0]!.port).toBe("metrics");
        expect(spec.endpoints[0]!.relabelings).toEqual([
          { action: "replace", targetLabel: "tenant", replacement: "acme" },
          { action: "replace", targetLabel: "tier", replacement: tier },
        ]);
      }
      // Every Service with a metrics port is in a monitored namespace and carries the selected labels.
      const scraped = ofKind(objects, "Service").filter((s) =>
        JSON.stringify(s).includes('"name":"metrics"'),
      );
      expect(scraped.length).toBe(12 + sites);
      for (const s of scraped)
        expect(s.metadata!.labels).toMatchObject({
          tenant: "acme",
          "app.kubernetes.io/part-of": "collect-verything",
        });
    },
  );

  it.each([
    // Every level has the SLO and error budget dashboard (tests/slo.test.ts evaluates it).
    ["standard", 1, ["overview", "slo"]],
    ["premium", 1, ["overview", "services", "slo"]],
    ["business", 1, ["overview", "services", "sites", "slo"]],
  ] as const)("%s: Grafana dashboards of the tier's level", async (tier, sites, expected) => {
    const { objects } = await synthShape(tier, sites);
    const [config] = ofKind(objects, "ConfigMap").filter(
      (c) => c.metadata!.labels?.grafana_dashboard === "1",
    );
    const data = (config as unknown as { data: Record<string, string> }).data;
    expect(Object.keys(data).sort()).toEqual(expected.map((d) => `acme-${d}.json`).sort());
    for (const json of Object.values(data)) {
      const dashboard = JSON.parse(json) as { panels: { targets: { expr: string }[] }[] };
      for (const p of dashboard.panels) expect(p.targets[0]!.expr).toMatch(/acme/);
    }
  });

  const ALERTING = {
    standard: { email: ["ops@acme.example"] },
    premium: {
      email: ["ops@acme.example"],
      slackWebhookUrl: "https://hooks.slack.com/services/T0/B0/secret-slack",
    },
    business: {
      email: ["ops@acme.example"],
      slackWebhookUrl: "https://hooks.slack.com/services/T0/B0/secret-slack",
      pagerdutyRoutingKey: "secret-pagerduty-key",
      smsWebhookUrl: "https://sms.example/hook/secret-sms",
    },
  };

  it.each([
    ["standard", { email: "critical" }],
    ["premium", { email: "critical|high|warning", slack: "critical" }],
    [
      "business",
      { email: "critical|high|warning|info", slack: "critical|high", pagerduty: "critical", sms: "critical" },
    ],
  ] as const)(
    "%s: alert routing by the tier's channels, receiver credentials only in a Secret",
    async (tier, routes) => {
      const { objects, result } = await synthShape(tier, 1, "acme", { alerting: ALERTING[tier] });
      const [routing] = ofKind(objects, "AlertmanagerConfig");
      const spec = (
        routing as unknown as {
          spec: { route: { routes: { receiver: string; matchers: { value: string }[] }[] } };
        }
      ).spec;
      expect(Object.fromEntries(spec.route.routes.map((r) => [r.receiver, r.matchers[0]!.value]))).toEqual(
        routes,
      );
      expect(JSON.stringify(routing)).not.toMatch(/secret-/);
      const secret = ofKind(objects, "Secret").find((s) => s.metadata!.name === "tenant-alert-receivers");
      expect(secret).toBeDefined();
      expect(JSON.stringify(result)).not.toMatch(/secret-(slack|pagerduty|sms)/);
    },
  );

  it("no AlertmanagerConfig without receivers", async () => {
    expect(ofKind((await synthShape("premium", 1)).objects, "AlertmanagerConfig")).toEqual([]);
  });
});

describe("alerting config", () => {
  const base = { tenantId: "acme", sites: [{ customDomains: [] }] };
  const fields = (tier: string, alerting: object) =>
    tenantRequestProblems({ ...base, tier, alerting: alerting as never }).map(
      (p) => `${p.field}: ${p.message}`,
    );

  it("requires every channel of the tier and refuses channels it does not sell, naming the field", () => {
    expect(fields("premium", { email: ["ops@acme.example"] })).toEqual([
      "alerting.slackWebhookUrl: required: the Premium tier routes critical alerts to slack",
    ]);
    expect(fields("standard", { email: ["ops@acme.example"], pagerdutyRoutingKey: "k" })).toEqual([
      "alerting.pagerdutyRoutingKey: the Standard tier has no pagerduty alerts",
    ]);
    expect(fields("standard", { email: [] })).toEqual([
      "alerting.email: required: the Standard tier routes critical alerts to email",
    ]);
    expect(fields("standard", { email: ["not-an-address"] })).toEqual([
      'alerting.email[0]: "not-an-address" is not an email address',
    ]);
    expect(
      fields("business", {
        email: ["a@b.example"],
        slackWebhookUrl: "https://h",
        pagerdutyRoutingKey: "k",
        smsWebhookUrl: "https://s",
      }),
    ).toEqual([]);
  });

  it("a bad alerting config fails the synth before anything is registered", async () => {
    await expect(
      synthShape("premium", 1, "acme", {
        alerting: { email: ["ops@acme.example"], smsWebhookUrl: "https://sms.example/h" },
      }),
    ).rejects.toThrow(
      /alerting\.slackWebhookUrl: required[\s\S]*alerting\.smsWebhookUrl: the Premium tier has no sms alerts/,
    );
  });
});

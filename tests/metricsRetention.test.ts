/**
 * Metrics retention per tier (components/platform/metricsRetention.ts) as the platform program synthesizes
 * it: Mimir's per-tier overrides against the tier table (literals), the platform Prometheus's
 * remote-write queues evaluated as Prometheus evaluates relabelling (every tier's series, as the
 * tenant objects label them, reaches exactly one store tenant, the one with its retention; nothing
 * without a tier label leaves), the local window against the longest range a tenant rule reads, the
 * config, and the synth CLI writing the objects.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import type { KubeObject } from "../policy/analysis/objects";
import platformProgram from "../stacks/platform";
import { synthesize } from "../synth/engine";
import { kubernetesObjects } from "../synth/manifests";
import { offlinePlatformStack, PLATFORM_PROJECT, synthPlatform } from "../synth/programs";
import { TIER_NAMES, type TierName } from "../tiers";
import { ofKind, synthShape } from "./helpers/synth";
import { ONE_SHOT_NODE_ARGS } from "../lib/typescriptNode";

type Labels = Record<string, string>;
interface Relabel {
  readonly sourceLabels?: readonly string[];
  readonly separator?: string;
  readonly regex?: string;
  readonly action?: string;
  readonly targetLabel?: string;
  readonly replacement?: string;
}
interface RemoteWrite {
  readonly name: string;
  readonly url: string;
  readonly headers?: Labels;
  readonly writeRelabelConfigs?: readonly Relabel[];
}
interface PrometheusView {
  metadata: { name: string; namespace: string };
  spec: {
    retention: string;
    remoteWrite: RemoteWrite[];
    externalLabels: Labels;
    serviceMonitorSelector: object;
    ruleSelector: object;
    serviceAccountName: string;
  };
}
interface Overrides {
  overrides: Record<string, { compactor_blocks_retention_period: string; max_query_lookback: string }>;
}

/**
 * Prometheus's relabelling (keep, drop, replace): the source labels' values joined by the
 * separator, matched by the regex anchored at both ends; undefined when the series is dropped.
 */
function relabel(input: Labels, configs: readonly Relabel[]): Labels | undefined {
  const labels = { ...input };
  for (const c of configs) {
    const value = (c.sourceLabels ?? []).map((l) => labels[l] ?? "").join(c.separator ?? ";");
    const match = new RegExp(`^(?:${c.regex ?? "(.*)"})$`).exec(value);
    const action = (c.action ?? "replace").toLowerCase();
    if (action === "keep" && !match) return undefined;
    if (action === "drop" && match) return undefined;
    if (action === "replace" && match && c.targetLabel) {
      const replaced = (c.replacement ?? "$1").replace(
        /\$\{?(\d+)\}?/g,
        (_, n: string) => match[Number(n)] ?? "",
      );
      if (replaced === "") delete labels[c.targetLabel];
      else labels[c.targetLabel] = replaced;
    }
    if (!["keep", "drop", "replace"].includes(action))
      throw new Error(`relabel action ${action} is not modelled here`);
  }
  return labels;
}

/** The queues (by name) a series is sent through. */
const queuesSending = (queues: readonly RemoteWrite[], series: Labels): RemoteWrite[] =>
  queues.filter((q) => relabel(series, q.writeRelabelConfigs ?? []) !== undefined);

/** A Prometheus duration in seconds. */
function seconds(duration: string): number {
  const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };
  const parts = [...duration.matchAll(/(\d+)(ms|[smhdwy])/g)];
  expect(parts.map((p) => p[0]).join("")).toBe(duration);
  return parts.reduce((sum, [, n, unit]) => sum + (unit === "ms" ? 0 : Number(n) * units[unit!]!), 0);
}

const prometheusOf = (objects: readonly KubeObject[]): PrometheusView => {
  const all = ofKind(objects, "Prometheus") as unknown as PrometheusView[];
  expect(all).toHaveLength(1);
  return all[0]!;
};
const overridesOf = (objects: readonly KubeObject[]): { configMap: KubeObject; document: Overrides } => {
  const maps = ofKind(objects, "ConfigMap").filter((c) => c.metadata?.name === "mimir-tier-retention");
  expect(maps).toHaveLength(1);
  const data = (maps[0] as unknown as { data: Record<string, string> }).data;
  expect(Object.keys(data)).toEqual(["tier-retention.yaml"]);
  return { configMap: maps[0]!, document: parse(data["tier-retention.yaml"]!) as Overrides };
};

describe("metrics retention per tier (platform program)", () => {
  let objects: KubeObject[];
  let facts: { prometheusUrl: string; namespaces: { monitoring: string } };
  beforeAll(async () => {
    const result = await synthPlatform("eu-west-3");
    objects = kubernetesObjects(result);
    facts = result.outputs["tenantFacts"] as typeof facts;
  });

  it("keeps Standard 30 days, Premium 90, Business 365 in Mimir, one store tenant each (contract)", () => {
    const { configMap, document } = overridesOf(objects);
    expect(configMap.metadata?.namespace).toBe("mimir");
    expect(document).toEqual({
      overrides: {
        "cv-standard": { compactor_blocks_retention_period: "720h", max_query_lookback: "720h" },
        "cv-premium": { compactor_blocks_retention_period: "2160h", max_query_lookback: "2160h" },
        "cv-business": { compactor_blocks_retention_period: "8760h", max_query_lookback: "8760h" },
      },
    });
  });

  it("runs the platform Prometheus in the monitoring namespace, selecting every monitor and rule, labelled with its region", () => {
    const prometheus = prometheusOf(objects);
    expect(prometheus.metadata).toMatchObject({ name: "platform", namespace: "monitoring" });
    expect(prometheus.spec).toMatchObject({
      serviceMonitorSelector: {},
      ruleSelector: {},
      externalLabels: { region: "eu-west-3" },
      serviceAccountName: "prometheus-platform",
    });
    expect(prometheus.spec.remoteWrite.map((q) => q.url)).toEqual(
      Array(3).fill("http://mimir-gateway.mimir.svc:80/api/v1/push"),
    );
    // The platform's facts point the tenants at it: the operator's service of its namespace, which their network policies admit.
    expect(new URL(facts.prometheusUrl).hostname).toBe(
      `prometheus-operated.${prometheus.metadata.namespace}.svc`,
    );
    expect(facts.namespaces.monitoring).toBe(prometheus.metadata.namespace);
  });

  it.each(TIER_NAMES)(
    "sends a %s tenant's scraped and recorded series through exactly one queue, as the store tenant keeping the tier's retention",
    async (tier: TierName) => {
      const queues = prometheusOf(objects).spec.remoteWrite;
      const { document } = overridesOf(objects);
      const days = { standard: 30, premium: 90, business: 365 }[tier];
      const { objects: tenant } = await synthShape(tier, 1);

      // A scraped series: the target's labels from the tenant's ServiceMonitor relabelings win over
      // the exposed ones (honorLabels unset: a clashing exposed label becomes exported_<name>), so
      // a service exposing tier="business" cannot buy a longer retention.
      const scraped: Labels[] = [];
      for (const monitor of ofKind(tenant, "ServiceMonitor")) {
        for (const endpoint of (
          monitor.spec as { endpoints: { honorLabels?: boolean; relabelings: Relabel[] }[] }
        ).endpoints) {
          expect(endpoint.honorLabels).toBeUndefined();
          const target = relabel(
            { job: "tenant-services", namespace: monitor.metadata!.namespace! },
            endpoint.relabelings,
          )!;
          scraped.push({ __name__: "http_requests_total", exported_tier: "business", ...target });
        }
      }
      const recorded = ofKind(tenant, "PrometheusRule").flatMap((r) =>
        (r.spec as { groups: { rules: { record?: string; labels?: Labels }[] }[] }).groups.flatMap((g) =>
          g.rules.filter((rule) => rule.record).map((rule) => ({ __name__: rule.record!, ...rule.labels })),
        ),
      );
      expect(scraped.length).toBeGreaterThan(0);
      expect(recorded.length).toBeGreaterThan(0);

      for (const series of [...scraped, ...recorded]) {
        const sending = queuesSending(queues, series);
        expect(sending, JSON.stringify(series)).toHaveLength(1);
        const storeTenant = sending[0]!.headers?.["X-Scope-OrgID"];
        expect(storeTenant).toBe(`cv-${tier}`);
        expect(document.overrides[storeTenant!]!.compactor_blocks_retention_period).toBe(`${days * 24}h`);
      }
    },
  );

  it("sends no series without a known tier label anywhere (platform series stay in the local window)", () => {
    const queues = prometheusOf(objects).spec.remoteWrite;
    const untiered: Labels[] = [
      { __name__: "up", job: "kube-state-metrics", namespace: "monitoring" },
      {
        __name__: "container_cpu_usage_seconds_total",
        namespace: "e-commerce-tenant-acme",
        exported_tier: "business",
      },
      { __name__: "x", tier: "" },
      { __name__: "x", tier: "gold" },
      { __name__: "x", tier: "Standard" },
      { __name__: "x", tier: "standard-legacy" },
      { __name__: "x", tier: "premium|business" },
      { __name__: "x", tier: "business;premium" },
    ];
    for (const series of untiered)
      expect(
        queuesSending(queues, series).map((q) => q.name),
        JSON.stringify(series),
      ).toEqual([]);
    // Not vacuous: the same queues do send a tiered series.
    expect(queuesSending(queues, { __name__: "x", tier: "premium" }).map((q) => q.name)).toEqual([
      "tier-premium",
    ]);
  });

  it("keeps locally at least the longest range any tenant rule reads, so alerts evaluate on local data", async () => {
    const local = seconds(prometheusOf(objects).spec.retention);
    let longest = 0;
    for (const tier of TIER_NAMES) {
      const { objects: tenant } = await synthShape(tier, 1);
      for (const rule of ofKind(tenant, "PrometheusRule")) {
        for (const group of (rule.spec as { groups: { rules: { expr: string }[] }[] }).groups) {
          for (const { expr } of group.rules)
            for (const [, range] of expr.matchAll(/\[(\d+[smhdwy])(?::\d+[smhdwy])?\]/g))
              longest = Math.max(longest, seconds(range!));
        }
      }
    }
    expect(longest).toBe(30 * 86_400); // the CDN allowance's month
    expect(local).toBeGreaterThan(longest);
    // Short: far below the shortest tier's retention in the store.
    expect(local).toBeLessThan(90 * 86_400);
  });

  it("takes the store's endpoint and namespaces, and the volume, from the platform config", async () => {
    const result = await synthesize(platformProgram, {
      project: PLATFORM_PROJECT,
      stack: "metrics",
      // Not the primary region: it reads the origin-pull PKI from the primary's stack.
      stackReferences: offlinePlatformStack,
      config: {
        "platform:region": "eu-central-1",
        "platform:metrics": JSON.stringify({
          remoteWriteUrl: "https://mimir.example.net/api/v1/push",
          mimirNamespace: "lts",
          monitoringNamespace: "observability",
          storageSize: "250Gi",
          storageClassName: "gp3-monitoring",
        }),
      },
    });
    const custom = kubernetesObjects(result);
    expect(overridesOf(custom).configMap.metadata?.namespace).toBe("lts");
    const prometheus = prometheusOf(custom);
    expect(prometheus.metadata.namespace).toBe("observability");
    expect(prometheus.spec.remoteWrite.map((q) => q.url)).toEqual(
      Array(3).fill("https://mimir.example.net/api/v1/push"),
    );
    expect(prometheus.spec.externalLabels).toEqual({ region: "eu-central-1" });
    expect(prometheus.spec).toMatchObject({
      storage: {
        volumeClaimTemplate: {
          spec: { storageClassName: "gp3-monitoring", resources: { requests: { storage: "250Gi" } } },
        },
      },
    });
    const binding = ofKind(custom, "ClusterRoleBinding").find(
      (b) => b.metadata?.name === "prometheus-platform",
    ) as unknown as { subjects: { namespace: string }[] };
    expect(binding.subjects).toEqual([
      { kind: "ServiceAccount", name: "prometheus-platform", namespace: "observability" },
    ]);
  });

  it.each([
    [{ remoteWriteUrl: "ftp://mimir/api/v1/push" }, /metrics\.remoteWriteUrl/],
    [{ mimirNamespace: "Mimir" }, /metrics\.mimirNamespace: must be a lowercase DNS label/],
    [{ storageSize: "100GB" }, /metrics\.storageSize: must be a volume size/],
    [{ retentionDays: 30 }, /metrics\.retentionDays: unknown config key "retentionDays"/],
  ])("refuses bad metrics config %j naming the field", async (metrics, message) => {
    await expect(
      synthesize(platformProgram, {
        project: PLATFORM_PROJECT,
        stack: "metrics-bad",
        config: { "platform:region": "eu-west-3", "platform:metrics": JSON.stringify(metrics) },
      }),
    ).rejects.toThrow(message);
  });
});

describe("npm run synth -- --platform --region eu-west-3", () => {
  const out = mkdtempSync(join(tmpdir(), "metrics-retention-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("writes Mimir's tier overrides and the platform Prometheus with its three queues into the manifests", () => {
    const run = spawnSync(
      process.execPath,
      [
        ...ONE_SHOT_NODE_ARGS,
        "scripts/synth.ts",
        "--platform",
        "--region",
        "eu-west-3",
        "--out",
        out,
        "--quiet",
      ],
      { cwd: resolve(__dirname, ".."), encoding: "utf8" },
    );
    expect(run.status).toBe(0);
    const docs = (file: string) =>
      parseAllDocuments(readFileSync(join(out, "manifests", file), "utf8")).map(
        (d) => d.toJS() as KubeObject,
      );
    const { document } = overridesOf(docs("mimir.yaml"));
    expect(Object.keys(document.overrides)).toEqual(["cv-standard", "cv-premium", "cv-business"]);
    const prometheus = prometheusOf(docs("monitoring.yaml"));
    expect(prometheus.spec.remoteWrite.map((q) => [q.name, q.headers?.["X-Scope-OrgID"]])).toEqual([
      ["tier-standard", "cv-standard"],
      ["tier-premium", "cv-premium"],
      ["tier-business", "cv-business"],
    ]);
  });
});

/**
 * Every contractual number of the tier table (docs/product.md) that the Kubernetes layer owns appears in the
 * synthesized objects, per tier: quotas, autoscaler bounds and behaviour, storage class
 * parameters, rate limits. Expected values are the tier table's literals, not catalog lookups,
 * so a wrong catalog entry fails here.
 */
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../policy/analysis/objects";
import { parseQuotaHard, emptyTotals, type ResourceTotals } from "../policy/analysis/usage";
import { kubernetesObjects } from "../synth/manifests";
import { synthPlatform } from "../synth/programs";
import { type TierName } from "../tiers";
import { gib } from "../lib/units";
import { ofKind, synthShape } from "./helpers/synth";

interface Contract {
  tier: TierName;
  maxSites: number;
  quota: ResourceTotals;
  replicas: [number, number];
  signals: { rps?: number; queue?: number };
  scaleUp?: object;
  scaleDown: object;
  storage: { iops: string; throughput: string };
  rate: { rpm: number; connections: number; burst: number };
}

const CONTRACTS: Contract[] = [
  {
    tier: "standard",
    maxSites: 1,
    quota: {
      requestsCpu: 2000,
      requestsMemory: gib(4),
      limitsCpu: 4000,
      limitsMemory: gib(8),
      pods: 15,
      persistentVolumeClaims: 3,
      loadBalancers: 1,
      requestsStorage: 50,
    },
    replicas: [2, 3],
    signals: {},
    scaleDown: {
      stabilizationWindowSeconds: 300,
      policies: [{ type: "Percent", value: 50, periodSeconds: 60 }],
    },
    storage: { iops: "3000", throughput: "125" },
    rate: { rpm: 500, connections: 50, burst: 2 },
  },
  {
    tier: "premium",
    maxSites: 3,
    quota: {
      requestsCpu: 6000,
      requestsMemory: gib(12),
      limitsCpu: 12000,
      limitsMemory: gib(24),
      pods: 50,
      persistentVolumeClaims: 9,
      loadBalancers: 3,
      requestsStorage: 150,
    },
    replicas: [3, 6],
    signals: { rps: 100 },
    scaleUp: {
      stabilizationWindowSeconds: 60,
      policies: [{ type: "Percent", value: 100, periodSeconds: 60 }],
    },
    scaleDown: {
      stabilizationWindowSeconds: 300,
      policies: [{ type: "Percent", value: 50, periodSeconds: 60 }],
    },
    storage: { iops: "10000", throughput: "500" },
    rate: { rpm: 3000, connections: 200, burst: 3 },
  },
  {
    tier: "business",
    maxSites: 10,
    quota: {
      requestsCpu: 12000,
      requestsMemory: gib(24),
      limitsCpu: 24000,
      limitsMemory: gib(48),
      pods: 100,
      persistentVolumeClaims: 30,
      loadBalancers: 10,
      requestsStorage: 300,
    },
    replicas: [6, 15],
    signals: { rps: 200, queue: 100 },
    scaleUp: {
      stabilizationWindowSeconds: 30,
      policies: [
        { type: "Percent", value: 100, periodSeconds: 30 },
        { type: "Pods", value: 4, periodSeconds: 30 },
      ],
      selectPolicy: "Max",
    },
    scaleDown: {
      stabilizationWindowSeconds: 300,
      policies: [{ type: "Percent", value: 25, periodSeconds: 60 }],
    },
    storage: { iops: "16000", throughput: "1000" },
    rate: { rpm: 15000, connections: 1000, burst: 5 },
  },
];

interface Scaler {
  kind: string;
  target: string;
  min: number;
  max: number;
  behavior: { scaleUp?: object; scaleDown?: object };
  triggers: { type: string; metadata: Record<string, string> }[];
}

interface ScalerSpec {
  scaleTargetRef: { name: string };
  minReplicas?: number;
  maxReplicas?: number;
  minReplicaCount?: number;
  maxReplicaCount?: number;
  behavior?: Scaler["behavior"];
  advanced?: { horizontalPodAutoscalerConfig: { behavior: Scaler["behavior"] } };
  triggers?: Scaler["triggers"];
}

function scalers(objects: readonly KubeObject[]): Scaler[] {
  return objects
    .filter((o) => o.kind === "HorizontalPodAutoscaler" || o.kind === "ScaledObject")
    .map((o) => {
      const s = o.spec as ScalerSpec;
      const keda = o.kind === "ScaledObject";
      return {
        kind: o.kind!,
        target: s.scaleTargetRef.name,
        min: (keda ? s.minReplicaCount : s.minReplicas) ?? Number.NaN,
        max: (keda ? s.maxReplicaCount : s.maxReplicas) ?? Number.NaN,
        behavior: (keda ? s.advanced?.horizontalPodAutoscalerConfig.behavior : s.behavior) ?? {},
        triggers: s.triggers ?? [],
      };
    });
}

describe.each(CONTRACTS)("$tier contract", (c) => {
  it("quota: the namespaces' ResourceQuotas carry the tier's numbers at one and at the maximum site count", async () => {
    for (const sites of new Set([1, c.maxSites])) {
      const { objects } = await synthShape(c.tier, sites);
      const sum = emptyTotals();
      for (const q of ofKind(objects, "ResourceQuota")) {
        const hard = parseQuotaHard((q.spec as { hard: Record<string, string> }).hard);
        for (const k of Object.keys(sum) as (keyof ResourceTotals)[]) sum[k] += hard[k];
      }
      expect(sum).toEqual(c.quota);
    }
  });

  it("gateway autoscaling: the tier's range, signals and behaviour; across sites the ranges add up to the tier's fleet", async () => {
    const single = scalers((await synthShape(c.tier, 1)).objects).filter((s) => s.target === "api-gateway");
    expect(single).toHaveLength(1);
    const gw = single[0]!;
    expect([gw.min, gw.max]).toEqual(c.replicas);
    expect(gw.kind).toBe(c.signals.rps ? "ScaledObject" : "HorizontalPodAutoscaler");
    expect(gw.behavior.scaleDown).toEqual(c.scaleDown);
    expect(gw.behavior.scaleUp).toEqual(c.scaleUp);
    if (c.signals.rps) {
      expect(gw.triggers.map((t) => t.type)).toEqual(["cpu", "memory", "prometheus"]);
      expect(gw.triggers[0]!.metadata.value).toBe("70");
      expect(gw.triggers[1]!.metadata.value).toBe("75");
      expect(gw.triggers[2]!.metadata.threshold).toBe(String(c.signals.rps));
    } else {
      const hpa = ofKind((await synthShape(c.tier, 1)).objects, "HorizontalPodAutoscaler")[0]!;
      const metrics = (
        hpa.spec as { metrics: { resource: { name: string; target: { averageUtilization: number } } }[] }
      ).metrics;
      expect(metrics.map((m) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([
        ["cpu", 70],
        ["memory", 75],
      ]);
    }
    const many = scalers((await synthShape(c.tier, c.maxSites)).objects).filter(
      (s) => s.target === "api-gateway",
    );
    expect(many).toHaveLength(c.maxSites);
    // Two replicas a site on Premium and Business (no single point of failure, docs/monitoring-sla.md),
    // even past the tier's fleet: Business' 10 sites run 20.
    const perSite = c.tier === "standard" ? 1 : 2;
    expect(many.reduce((n, s) => n + s.max, 0)).toBe(Math.max(c.replicas[1]!, c.maxSites * perSite));
    expect(many.every((s) => s.min >= perSite && s.min <= s.max)).toBe(true);
  });

  it("queue depth scales the consumer where the tier says so", async () => {
    const consumer = scalers((await synthShape(c.tier, 1)).objects).filter(
      (s) => s.target === "messages-broker",
    );
    if (!c.signals.queue) {
      expect(consumer).toEqual([]);
      return;
    }
    expect(consumer).toHaveLength(1);
    const rabbit = consumer[0]!.triggers.find((t) => t.type === "rabbitmq");
    expect(rabbit?.metadata).toMatchObject({ mode: "QueueLength", value: String(c.signals.queue) });
  });

  it("rate limit: one shared per-tenant budget (Gateway API) and the real ingress-nginx annotations (legacy)", async () => {
    const { objects } = await synthShape(c.tier, c.maxSites);
    const policies = ofKind(objects, "BackendTrafficPolicy");
    expect(policies).toHaveLength(1);
    const spec = policies[0]!.spec as {
      rateLimit: {
        type: string;
        global: { rules: { limit: { requests: number; unit: string }; shared: boolean }[] };
      };
      circuitBreaker?: unknown;
    };
    expect(spec.rateLimit.type).toBe("Global");
    expect(spec.rateLimit.global.rules).toEqual([
      { limit: { requests: c.rate.rpm, unit: "Minute" }, shared: true },
      { limit: { requests: Math.ceil((c.rate.rpm * c.rate.burst) / 60), unit: "Second" }, shared: true },
    ]);
    // The connection cap limits clients (ClientTrafficPolicy, tests/edge.test.ts), not upstream connections.
    expect(spec.circuitBreaker).toBeUndefined();
    expect(ofKind(objects, "HTTPRoute")).toHaveLength(c.maxSites);

    const legacy = await synthShape(c.tier, 1, "acme", { routing: { mode: "ingress-nginx" } });
    const ingress = ofKind(legacy.objects, "Ingress");
    expect(ingress).toHaveLength(1);
    expect(ingress[0]!.metadata?.annotations).toMatchObject({
      "nginx.ingress.kubernetes.io/limit-rpm": String(c.rate.rpm),
      "nginx.ingress.kubernetes.io/limit-connections": String(c.rate.connections),
      "nginx.ingress.kubernetes.io/limit-burst-multiplier": String(c.rate.burst),
    });
    expect(Object.keys(ingress[0]!.metadata?.annotations ?? {})).not.toContain(
      "nginx.ingress.kubernetes.io/rate-limit",
    );
    expect(ofKind(legacy.objects, "BackendTrafficPolicy")).toEqual([]);
  });

  it("storage class: ebs.csi.aws.com gp3 with the tier's IOPS and throughput, encrypted, expandable", async () => {
    const objects = kubernetesObjects(await synthPlatform());
    const sc = ofKind(objects, "StorageClass").find((o) => o.metadata?.name === `tier-${c.tier}-storage`) as
      | (KubeObject & {
          provisioner: string;
          parameters: Record<string, string>;
          allowVolumeExpansion: boolean;
          volumeBindingMode: string;
        })
      | undefined;
    expect(sc).toBeDefined();
    expect(sc!.provisioner).toBe("ebs.csi.aws.com");
    expect(sc!.parameters).toEqual({
      type: "gp3",
      iops: c.storage.iops,
      throughput: c.storage.throughput,
      encrypted: "true",
    });
    expect(sc!.allowVolumeExpansion).toBe(true);
    expect(sc!.volumeBindingMode).toBe("WaitForFirstConsumer");
    const vac = ofKind(objects, "VolumeAttributesClass").find(
      (o) => o.metadata?.name === `tier-${c.tier}-iops`,
    ) as (KubeObject & { driverName: string; parameters: Record<string, string> }) | undefined;
    expect(vac?.driverName).toBe("ebs.csi.aws.com");
    expect(vac?.parameters).toMatchObject({ iops: c.storage.iops, throughput: c.storage.throughput });
  });
});

describe("volumes reach the tier's IOPS", () => {
  it("sizes the dedicated Redis volume at 500 IOPS/GiB or more: Premium >= 20Gi, Business >= 32Gi", async () => {
    for (const [tier, minimum] of [
      ["premium", 20],
      ["business", 32],
    ] as const) {
      const pvcs = ofKind((await synthShape(tier, 1)).objects, "PersistentVolumeClaim");
      expect(pvcs).toHaveLength(1);
      const spec = pvcs[0]!.spec as {
        storageClassName: string;
        volumeAttributesClassName: string;
        resources: { requests: { storage: string } };
      };
      expect(Number.parseInt(spec.resources.requests.storage)).toBeGreaterThanOrEqual(minimum);
      expect(spec.storageClassName).toBe(`tier-${tier}-storage`);
      expect(spec.volumeAttributesClassName).toBe(`tier-${tier}-iops`);
    }
    expect(ofKind((await synthShape("standard", 1)).objects, "PersistentVolumeClaim")).toEqual([]);
  });
});

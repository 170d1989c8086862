/**
 * Property-style checks of the sizing rule over every tier, site count and a seeded sample of
 * Business add-ons, plus a synthesized Business tenant with add-ons judged on its objects.
 */
import { describe, expect, it } from "vitest";
import { namespaceUsage } from "../policy/analysis/usage";
import {
  ADD_ON_MAXIMUMS,
  effectiveProfile,
  gatewayReplicasPerSite,
  getTier,
  LIMIT_RANGE,
  minimumVolumeForIops,
  peakUsage,
  planTenant,
  retiredSitesAfter,
  splitEvenly,
  TIER_NAMES,
  workloadUsage,
  type AddOns,
  type NamespacePlan,
  type QuotaSpec,
  type WorkloadPlan,
} from "../tiers";
import { synthShape } from "./helpers/synth";

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const next = random(20261122);
const int = (max: number) => Math.floor(next() * (max + 1));
const SAMPLES: { addOns: AddOns; sites: number }[] = [
  { addOns: {}, sites: 10 },
  { addOns: ADD_ON_MAXIMUMS, sites: 10 },
  { addOns: ADD_ON_MAXIMUMS, sites: 1 },
  ...Array.from({ length: 60 }, () => ({
    addOns: {
      extraCpuCores: int(ADD_ON_MAXIMUMS.extraCpuCores),
      extraMemoryGi: int(ADD_ON_MAXIMUMS.extraMemoryGi),
      extraStorageGi: int(ADD_ON_MAXIMUMS.extraStorageGi),
    },
    sites: 1 + int(9),
  })),
];

const QUOTA_KEYS = [
  "requestsCpu",
  "requestsMemory",
  "limitsCpu",
  "limitsMemory",
  "pods",
  "persistentVolumeClaims",
  "loadBalancers",
  "requestsStorage",
] as const;
const POD_KEYS = ["pods", "requestsCpu", "requestsMemory", "limitsCpu", "limitsMemory"] as const;

const surgeOf = (w: WorkloadPlan): number => (w.strategy === "Recreate" ? 0 : w.strategy.maxSurge);

/**
 * Invariant 1 (docs/product.md) for one namespace: maximum scale fits; at minimum scale one surge fits, and
 * every surge at once wherever the pod quota holds them; CPU and memory hold every pod the pod
 * quota admits (so a rollout at maximum scale waits on the pod count, never exceeds a quota).
 */
function checkFit(label: string, ns: NamespacePlan): void {
  const atMaximum = workloadUsage(ns.workloads, "maximum", false);
  const atMinimum = workloadUsage(ns.workloads, "minimum", false);
  const everySurge = workloadUsage(ns.workloads, "minimum", true);
  for (const key of POD_KEYS)
    expect(atMaximum[key], `${label} ${key} at maximum`).toBeLessThanOrEqual(ns.quota[key]);
  for (const w of ns.workloads.filter((x) => surgeOf(x) > 0)) {
    const { requests, limits } = w.resources;
    const surge = {
      pods: surgeOf(w),
      requestsCpu: requests.cpu,
      requestsMemory: requests.memory,
      limitsCpu: limits.cpu,
      limitsMemory: limits.memory,
    };
    for (const key of POD_KEYS)
      expect(
        atMinimum[key] + surge[key],
        `${label} ${key} at minimum + ${w.workloadName} surge`,
      ).toBeLessThanOrEqual(ns.quota[key]);
  }
  if (everySurge.pods <= ns.quota.pods) {
    for (const key of POD_KEYS)
      expect(everySurge[key], `${label} ${key} at minimum + every surge`).toBeLessThanOrEqual(ns.quota[key]);
  }
  const admitted = Math.min(ns.quota.pods, workloadUsage(ns.workloads, "maximum", true).pods);
  const pod = ns.workloads[0]?.resources;
  if (pod) {
    expect(admitted * pod.requests.cpu, `${label} cpu for ${admitted} pods`).toBeLessThanOrEqual(
      ns.quota.requestsCpu,
    );
    expect(admitted * pod.requests.memory, `${label} memory for ${admitted} pods`).toBeLessThanOrEqual(
      ns.quota.requestsMemory,
    );
    expect(admitted * pod.limits.cpu).toBeLessThanOrEqual(ns.quota.limitsCpu);
    expect(admitted * pod.limits.memory).toBeLessThanOrEqual(ns.quota.limitsMemory);
  }
}

/** No rollout takes a workload to zero ready pods: a lone replica surges, a volume owner recreates. */
function checkRollouts(label: string, ns: NamespacePlan): void {
  for (const w of ns.workloads) {
    const name = `${label} ${w.workloadName}`;
    if (w.strategy === "Recreate") {
      expect(w.service, `${name} recreates`).toBe("redis");
      expect(ns.volumes.length, `${name} owns a volume`).toBeGreaterThan(0);
    } else if (w.minReplicas === 1) {
      expect(w.strategy, name).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    } else {
      expect(w.strategy.maxUnavailable, name).toBeLessThan(w.minReplicas);
    }
  }
}

function checkPlan(tier: (typeof TIER_NAMES)[number], sites: number, addOns: AddOns = {}): void {
  const profile = effectiveProfile(tier, addOns);
  const plan = planTenant(profile, sites);
  const ceiling = profile.tier.serviceCeiling;
  const pod = plan.podResources;
  expect(pod.requests.cpu).toBeLessThanOrEqual(ceiling.requests.cpu);
  expect(pod.requests.memory).toBeLessThanOrEqual(ceiling.requests.memory);
  expect(pod.limits.cpu).toBeLessThanOrEqual(ceiling.limits.cpu);
  expect(pod.limits.memory).toBeLessThanOrEqual(ceiling.limits.memory);
  expect(pod.requests.cpu).toBeGreaterThanOrEqual(LIMIT_RANGE.containerMin.cpu);
  expect(pod.requests.memory).toBeGreaterThanOrEqual(LIMIT_RANGE.containerMin.memory);
  expect(pod.limits.cpu).toBeGreaterThanOrEqual(pod.requests.cpu);
  for (const key of QUOTA_KEYS) {
    expect(
      plan.namespaces.reduce((sum, ns) => sum + ns.quota[key], 0),
      key,
    ).toBe(profile.quota[key]);
  }
  for (const ns of plan.namespaces) {
    checkFit(`${tier}/${sites} site ${ns.site}`, ns);
    checkRollouts(`${tier}/${sites} site ${ns.site}`, ns);
    const volumes = ns.volumes.reduce((a, b) => a + b, 0);
    expect(volumes).toBeLessThanOrEqual(ns.quota.requestsStorage);
    expect(ns.volumes.length).toBeLessThanOrEqual(ns.quota.persistentVolumeClaims);
    expect(ns.limitRange.pvcMax).toBeLessThanOrEqual(Math.max(LIMIT_RANGE.pvcMin, ns.quota.requestsStorage));
    for (const v of ns.volumes) expect(v * 500).toBeGreaterThanOrEqual(profile.tier.storageClass.iops);
  }
}

describe("sizing rule", () => {
  it.each(TIER_NAMES)("fits and sums exactly for every site count of %s", (tier) => {
    for (let sites = 1; sites <= getTier(tier).maxSites; sites++) checkPlan(tier, sites);
  });

  it.each(SAMPLES)("fits Business with add-ons %j", ({ addOns, sites }) => {
    checkPlan("business", sites, addOns);
  });

  it("keeps pod sizes when a site is added (sized for the tier's largest site count)", () => {
    for (const tier of TIER_NAMES) {
      const sizes = Array.from(
        { length: getTier(tier).maxSites },
        (_, i) => planTenant(effectiveProfile(tier), i + 1).podResources,
      );
      for (const s of sizes) expect(s).toEqual(sizes[0]);
    }
  });

  it("never exceeds the seed's per-service size, even with the largest add-ons", () => {
    const plan = planTenant(effectiveProfile("business", ADD_ON_MAXIMUMS), 1);
    expect(plan.podResources).toEqual(getTier("business").serviceCeiling);
  });

  it("splits the gateway fleet: the tier's maximum in total, at least one replica per site, two on Premium and Business", () => {
    expect(gatewayReplicasPerSite(effectiveProfile("standard"), 1)).toEqual([{ min: 2, max: 3 }]);
    expect(gatewayReplicasPerSite(effectiveProfile("premium"), 1)).toEqual([{ min: 3, max: 6 }]);
    expect(gatewayReplicasPerSite(effectiveProfile("premium"), 3)).toEqual(Array(3).fill({ min: 2, max: 2 }));
    // Ten sites of two replicas each (no single point of failure) take the fleet past the tier's 15.
    expect(gatewayReplicasPerSite(effectiveProfile("business"), 10)).toEqual(
      Array(10).fill({ min: 2, max: 2 }),
    );
    expect(gatewayReplicasPerSite(effectiveProfile("business"), 7).reduce((n, s) => n + s.max, 0)).toBe(15);
    expect(gatewayReplicasPerSite(effectiveProfile("business"), 4)).toEqual([
      { min: 2, max: 4 },
      { min: 2, max: 4 },
      { min: 2, max: 4 },
      { min: 2, max: 3 },
    ]);
  });

  it("surges every single-replica Standard service; its 15 pods hold one surge at minimum scale and none at maximum", () => {
    const standard = planTenant(effectiveProfile("standard"), 1).namespaces[0]!;
    const single = standard.workloads.filter((w) => w.minReplicas === 1);
    expect(single.map((w) => w.service).sort()).toHaveLength(12);
    for (const w of single) expect(w.strategy).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(standard.workloads.find((w) => w.service === "api-gateway")?.strategy).toEqual({
      maxSurge: 0,
      maxUnavailable: 1,
    });
    expect(workloadUsage(standard.workloads, "minimum", false).pods).toBe(14);
    expect(workloadUsage(standard.workloads, "maximum", false).pods).toBe(15);
    expect(standard.quota.pods).toBe(15);
    // At maximum scale the surges wait on the pod quota; CPU and memory hold all 15 pods.
    expect(peakUsage(standard.workloads).pods).toBe(27);
    expect(15 * standard.workloads[0]!.resources.requests.cpu).toBeLessThanOrEqual(
      standard.quota.requestsCpu,
    );
    const premium = planTenant(effectiveProfile("premium"), 3);
    const gateway = premium.namespaces[1]!.workloads[0]!;
    expect(gateway.strategy).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    const redis = premium.namespaces[0]!.workloads.find((w) => w.service === "redis");
    expect(redis?.strategy).toBe("Recreate");
  });

  it("plans a retired site's namespace with a zero quota and the tightest valid limit range", () => {
    const active = planTenant(effectiveProfile("premium"), 3);
    const plan = planTenant(effectiveProfile("premium"), 1, [2, 3]);
    expect(plan.namespaces.map((ns) => ns.site)).toEqual([1]);
    expect(plan.retired.map((ns) => ns.site)).toEqual([2, 3]);
    for (const ns of plan.retired) {
      expect(ns.workloads).toEqual([]);
      for (const key of QUOTA_KEYS) expect(ns.quota[key], key).toBe(0);
      const lr = ns.limitRange;
      // What the API server requires of a LimitRange: min <= defaultRequest <= default <= max.
      for (const r of ["cpu", "memory"] as const) {
        expect(lr.containerMin[r]).toBeLessThanOrEqual(lr.containerDefaultRequest[r]);
        expect(lr.containerDefaultRequest[r]).toBeLessThanOrEqual(lr.containerDefault[r]);
        expect(lr.containerDefault[r]).toBeLessThanOrEqual(lr.containerMax[r]);
        expect(lr.containerMax[r]).toBeLessThanOrEqual(lr.podMax[r]);
      }
      expect(lr.pvcMin).toBeLessThanOrEqual(lr.pvcMax);
    }
    // The zero quotas leave the sum where it was: the core takes what the sites gave back.
    for (const key of QUOTA_KEYS) {
      const sum = [...plan.namespaces, ...plan.retired].reduce((n, ns) => n + ns.quota[key], 0);
      expect(sum, key).toBe(effectiveProfile("premium").quota[key]);
    }
    expect(plan.podResources).toEqual(active.podResources);
    // A Standard tenant keeps the namespaces of its Premium days.
    expect(planTenant(effectiveProfile("standard"), 1, [3, 2]).retired.map((ns) => ns.site)).toEqual([3, 2]);
  });

  it("rejects retired sites that are active, the core, listed twice or beyond any tier", () => {
    const premium = effectiveProfile("premium");
    expect(() => planTenant(premium, 2, [2])).toThrow(/retiredSites\[0\]: site 2 is active/);
    expect(() => planTenant(premium, 1, [1])).toThrow(
      /retiredSites\[0\]: must be a site number from 2 to 10, got 1/,
    );
    expect(() => planTenant(premium, 1, [3, 3])).toThrow(/retiredSites\[1\]: site 3 is listed twice/);
    expect(() => planTenant(premium, 1, [11])).toThrow(/from 2 to 10, got 11/);
    expect(() => planTenant(premium, 1, [2.5])).toThrow(/got 2.5/);
  });

  it("carries retired sites across config rewrites: removed sites join them, re-added ones leave", () => {
    expect(retiredSitesAfter({ sites: [{}, {}, {}] }, 1)).toEqual([2, 3]);
    expect(retiredSitesAfter({ sites: [{}], retiredSites: [2, 3] }, 1)).toEqual([2, 3]);
    expect(retiredSitesAfter({ sites: [{}, {}], retiredSites: [3, 5] }, 1)).toEqual([2, 3, 5]);
    expect(retiredSitesAfter({ sites: [{}], retiredSites: [2, 3] }, 2)).toEqual([3]);
    expect(retiredSitesAfter({ sites: [{}] }, 1)).toEqual([]);
  });

  it("rejects site counts outside the tier", () => {
    expect(() => planTenant(effectiveProfile("premium"), 4)).toThrow(/1 to 3/);
    expect(() => planTenant(effectiveProfile("premium"), 0)).toThrow(/1 to 3/);
  });

  it("splits evenly and sizes volumes for IOPS", () => {
    expect(splitEvenly(15, 10)).toEqual([2, 2, 2, 2, 2, 1, 1, 1, 1, 1]);
    expect(splitEvenly(7, 3).reduce((a, b) => a + b)).toBe(7);
    expect(minimumVolumeForIops(10000)).toBe(20);
    expect(minimumVolumeForIops(16000)).toBe(32);
    expect(minimumVolumeForIops(3000)).toBe(6);
  });

  it("raises the quota by add-ons, limits by the tier's ratio", () => {
    const q: QuotaSpec = effectiveProfile("business", {
      extraCpuCores: 4,
      extraMemoryGi: 8,
      extraStorageGi: 100,
    }).quota;
    expect(q).toMatchObject({
      requestsCpu: 16000,
      limitsCpu: 32000,
      requestsMemory: 32 * 1024,
      limitsMemory: 64 * 1024,
      requestsStorage: 400,
      pods: 100,
    });
  });
});

describe("a synthesized Business tenant with add-ons", () => {
  it("fits every namespace at maximum scale", async () => {
    const { objects } = await synthShape("business", 7, "bigco", {
      addOns: { extraCpuCores: 8, extraMemoryGi: 16, extraStorageGi: 200 },
    });
    const usage = namespaceUsage(objects);
    expect(usage).toHaveLength(7);
    for (const ns of usage) expect(ns.overQuota, ns.namespace).toEqual([]);
    const cpu = usage.reduce((n, ns) => n + (ns.quota?.requestsCpu ?? 0), 0);
    expect(cpu).toBe(20000);
  });
});

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
  splitEvenly,
  TIER_NAMES,
  type AddOns,
  type QuotaSpec,
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
    addOns: { extraCpuCores: int(ADD_ON_MAXIMUMS.extraCpuCores), extraMemoryGi: int(ADD_ON_MAXIMUMS.extraMemoryGi), extraStorageGi: int(ADD_ON_MAXIMUMS.extraStorageGi) },
    sites: 1 + int(9),
  })),
];

const QUOTA_KEYS = ["requestsCpu", "requestsMemory", "limitsCpu", "limitsMemory", "pods", "persistentVolumeClaims", "loadBalancers", "requestsStorage"] as const;

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
    expect(plan.namespaces.reduce((sum, ns) => sum + ns.quota[key], 0), key).toBe(profile.quota[key]);
  }
  for (const ns of plan.namespaces) {
    const peak = peakUsage(ns.workloads);
    for (const key of ["pods", "requestsCpu", "requestsMemory", "limitsCpu", "limitsMemory"] as const) {
      expect(peak[key], `${tier}/${sites} site ${ns.site} ${key}`).toBeLessThanOrEqual(ns.quota[key]);
    }
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
      const sizes = Array.from({ length: getTier(tier).maxSites }, (_, i) => planTenant(effectiveProfile(tier), i + 1).podResources);
      for (const s of sizes) expect(s).toEqual(sizes[0]);
    }
  });

  it("never exceeds the seed's per-service size, even with the largest add-ons", () => {
    const plan = planTenant(effectiveProfile("business", ADD_ON_MAXIMUMS), 1);
    expect(plan.podResources).toEqual(getTier("business").serviceCeiling);
  });

  it("splits the gateway fleet: the tier's maximum in total, at least one replica per site", () => {
    expect(gatewayReplicasPerSite(effectiveProfile("standard"), 1)).toEqual([{ min: 2, max: 3 }]);
    expect(gatewayReplicasPerSite(effectiveProfile("premium"), 3)).toEqual(Array(3).fill({ min: 1, max: 2 }));
    const business = gatewayReplicasPerSite(effectiveProfile("business"), 10);
    expect(business.reduce((n, s) => n + s.max, 0)).toBe(15);
    expect(business.every((s) => s.min === 1)).toBe(true);
    expect(gatewayReplicasPerSite(effectiveProfile("business"), 4)).toEqual([
      { min: 2, max: 4 },
      { min: 2, max: 4 },
      { min: 1, max: 4 },
      { min: 1, max: 3 },
    ]);
  });

  it("rolls Standard without surge (its 15 pods are 12 services + 3 gateways) and surges single-replica pods elsewhere", () => {
    const standard = planTenant(effectiveProfile("standard"), 1).namespaces[0]!;
    expect(standard.workloads.every((w) => w.strategy !== "Recreate" && w.strategy.maxSurge === 0)).toBe(true);
    expect(peakUsage(standard.workloads).pods).toBe(15);
    const premium = planTenant(effectiveProfile("premium"), 3);
    const gateway = premium.namespaces[1]!.workloads[0]!;
    expect(gateway.strategy).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    const redis = premium.namespaces[0]!.workloads.find((w) => w.service === "redis");
    expect(redis?.strategy).toBe("Recreate");
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
    const q: QuotaSpec = effectiveProfile("business", { extraCpuCores: 4, extraMemoryGi: 8, extraStorageGi: 100 }).quota;
    expect(q).toMatchObject({ requestsCpu: 16000, limitsCpu: 32000, requestsMemory: 32 * 1024, limitsMemory: 64 * 1024, requestsStorage: 400, pods: 100 });
  });
});

describe("a synthesized Business tenant with add-ons", () => {
  it("fits every namespace at maximum scale", async () => {
    const { objects } = await synthShape("business", 7, "bigco", { addOns: { extraCpuCores: 8, extraMemoryGi: 16, extraStorageGi: 200 } });
    const usage = namespaceUsage(objects);
    expect(usage).toHaveLength(7);
    for (const ns of usage) expect(ns.overQuota, ns.namespace).toEqual([]);
    const cpu = usage.reduce((n, ns) => n + (ns.quota?.requestsCpu ?? 0), 0);
    expect(cpu).toBe(20000);
  });
});

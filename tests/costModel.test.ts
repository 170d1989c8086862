/**
 * The cost model (tiers/costModel.ts), its price table and the catalog guard (tiers/margins.ts):
 * figures checked by hand against the table, and the guard refusing catalogs that sell a shape
 * below cost (tweaked copies of the catalog, the price table, the accepted losses).
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_NODE_GROUPS } from "../components/platform/eksCluster";
import {
  CUSTOM_PRICE_MARGIN,
  effectiveProfile,
  gp3VolumeMonthly,
  monthlyCost,
  monthlyPrice,
  planTenant,
  PRICE_TABLE,
  profileOf,
  REGION_NAMES,
  TIER_NAMES,
  TIERS,
  usableNodeCapacity,
  workloadUsage,
  type PriceTable,
  type TierDefinition,
  type TierName,
} from "../tiers";
import { ACCEPTED_MONTHLY_LOSS_EUR, allowedShapes, marginProblems, shapeMargin } from "../tiers/margins";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A copy of the catalog with `tier` changed by `tweak` (the catalog itself is frozen). */
function tweaked(
  tier: TierName,
  tweak: (t: Mutable<TierDefinition>) => void,
): Record<TierName, TierDefinition> {
  const copy = structuredClone(TIERS) as Record<TierName, Mutable<TierDefinition>>;
  tweak(copy[tier]);
  return copy;
}

describe("price table", () => {
  it("prices the node type the platform runs, in every platform region, with a date and sources", () => {
    expect(PRICE_TABLE.regions["eu-west-3"].node.instanceType).toBe(DEFAULT_NODE_GROUPS[0]!.instanceTypes[0]);
    expect(Object.keys(PRICE_TABLE.regions).sort()).toEqual([...REGION_NAMES].sort());
    expect(PRICE_TABLE.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(PRICE_TABLE.sources.every((s) => s.startsWith("https://"))).toBe(true);
  });

  it("gives every tier's custom domains within the Cloudflare for SaaS allowance (none is priced)", () => {
    for (const name of TIER_NAMES)
      expect(TIERS[name].maxCustomDomains + TIERS[name].maxSites).toBeLessThanOrEqual(
        PRICE_TABLE.cloudflare.customHostnamesIncluded,
      );
  });
});

describe("cost model", () => {
  it("takes an m6i.xlarge's capacity as EKS reserves it, less daemon sets and packing", () => {
    // 4000m - (60 + 10 + 2 x 5) reserved - 300m daemon sets; 16384Mi - (255 + 11 x 58 + 100) - 512Mi; x 0.85.
    const usable = usableNodeCapacity(PRICE_TABLE.regions["eu-west-3"].node);
    expect(usable.cpu).toBeCloseTo(3620 * 0.85, 6);
    expect(usable.memory).toBeCloseTo((16384 - 993 - 512) * 0.85, 6);
  });

  it("prices gp3 above its free 3000 IOPS and 125 MiB/s baseline only", () => {
    const gp3 = PRICE_TABLE.regions["eu-west-3"].gp3;
    expect(gp3VolumeMonthly(20, TIERS.premium.storageClass, gp3)).toBeCloseTo(
      20 * 0.0928 + 7000 * 0.0058 + 375 * 0.0464,
      6,
    );
    expect(gp3VolumeMonthly(50, TIERS.standard.storageClass, gp3)).toBeCloseTo(50 * 0.0928, 6);
  });

  it("charges a Standard tenant's node share by the scarcer of its requested CPU and memory", () => {
    const profile = effectiveProfile("standard");
    const pods = workloadUsage(
      planTenant(profile, 1).namespaces.flatMap((n) => n.workloads),
      "minimum",
      false,
    );
    const node = PRICE_TABLE.regions["eu-west-3"].node;
    const usable = usableNodeCapacity(node);
    const expected =
      Math.max(pods.requestsCpu / usable.cpu, pods.requestsMemory / usable.memory) * node.usdPerHour * 730;
    const compute = monthlyCost(profile, { sites: 1 }).lines.filter((l) => l.category === "compute");
    expect(compute).toHaveLength(1);
    expect(compute[0]!.usd).toBeCloseTo(expected, 6);
    expect(compute[0]!.region).toBe("eu-west-3");
  });

  it("prices each region a tenant runs in, and the dedicated cluster's servers and volumes", () => {
    const profile = effectiveProfile("business");
    const one = monthlyCost(profile, { sites: 2 });
    const three = monthlyCost(profile, { sites: 2, regions: REGION_NAMES });
    const dedicated = monthlyCost(profile, { sites: 2, dedicatedMysqlCluster: true });
    expect(three.usd).toBeGreaterThan(2 * one.usd);
    expect(new Set(three.lines.map((l) => l.region))).toEqual(new Set([...REGION_NAMES, undefined]));
    expect(dedicated.lines.filter((l) => l.label.startsWith("dedicated MySQL"))).toHaveLength(1);
    expect(dedicated.lines.some((l) => l.category === "database")).toBe(false);
    expect(dedicated.usd).toBeGreaterThan(one.usd);
    expect(monthlyCost(profile, { sites: 2, scale: "maximum" }).usd).toBeGreaterThan(one.usd);
    expect(one.eur).toBeCloseTo(one.usd / PRICE_TABLE.usdPerEur, 9);
  });

  it("refuses a deployment it cannot price", () => {
    expect(() =>
      monthlyCost(effectiveProfile("standard"), { sites: 1, dedicatedMysqlCluster: true }),
    ).toThrow(/dedicatedMysqlCluster/);
    expect(() => monthlyCost(effectiveProfile("standard"), { sites: 1, regions: [] })).toThrow(/regions/);
    expect(() => monthlyCost(effectiveProfile("standard"), { sites: 2 })).toThrow(/sites/);
  });
});

describe("Business capacity floor", () => {
  it("raises a Business price below its cost to the cost at the target margin, as an x.99 line", () => {
    const profile = effectiveProfile("business");
    const deployment = { regions: REGION_NAMES, dedicatedMysqlCluster: true };
    const price = monthlyPrice(profile, 10, deployment);
    const cost = monthlyCost(profile, { sites: 10, ...deployment }).eur;
    expect(price.lines[0]).toEqual({ label: "Business base", eur: 149.99 });
    expect(price.customFloorEur).toBeGreaterThan(0);
    expect(price.monthlyEur).toBeGreaterThanOrEqual(cost / (1 - CUSTOM_PRICE_MARGIN));
    expect(price.monthlyEur - 0.01).toBeLessThan(cost / (1 - CUSTOM_PRICE_MARGIN) + 1);
    expect(Math.round(price.monthlyEur * 100) % 100).toBe(99);
    expect(price.lines.reduce((s, l) => s + l.eur, 0)).toBeCloseTo(price.monthlyEur, 6);
  });

  it("leaves a contractual price alone", () => {
    expect(monthlyPrice(effectiveProfile("premium"), 3, { regions: ["us-east-1"] })).toMatchObject({
      monthlyEur: 124.99,
      customFloorEur: 0,
    });
  });
});

describe("catalog guard (no shape sold below cost)", () => {
  it("enumerates every allowed shape", () => {
    expect(allowedShapes(TIERS.standard)).toHaveLength(3);
    expect(allowedShapes(TIERS.premium)).toHaveLength(9);
    // 10 site counts x (3 single regions + 3 homes of all regions) x 2 add-on sets x 2 database kinds.
    expect(allowedShapes(TIERS.business)).toHaveLength(240);
  });

  it("holds for the catalog as it is", () => {
    expect(marginProblems(TIERS)).toEqual([]);
  });

  it("accepts each contractual loss within 5 EUR of the worst shape (a ceiling that would hide a change is stale)", () => {
    for (const name of TIER_NAMES) {
      const worst = Math.min(...allowedShapes(TIERS[name]).map((s) => shapeMargin(TIERS[name], s).marginEur));
      const accepted = ACCEPTED_MONTHLY_LOSS_EUR[name] ?? 0;
      if (accepted === 0) expect(worst, name).toBeGreaterThanOrEqual(0);
      else {
        expect(worst, name).toBeLessThan(0);
        expect(accepted + worst, name).toBeLessThan(5);
      }
    }
  });

  it("refuses a custom-priced tier sold at its list without the floor", () => {
    const catalog = tweaked("business", (t) => {
      t.pricing = { ...t.pricing, custom: false };
    });
    const problems = marginProblems(catalog);
    // Without the floor, only shapes whose add-ons' list outgrows their cost stay above it.
    expect(problems.length).toBeGreaterThan(allowedShapes(TIERS.business).length / 2);
    expect(problems.every((p) => p.tier === "business")).toBe(true);
    expect(problems[0]!.message).toMatch(/^Business, 1 site\(s\) in eu-west-3: price 149\.99 EUR, cost/);
  });

  it("refuses a Standard quota raised at the same price", () => {
    const catalog = tweaked("standard", (t) => {
      t.quota = { ...t.quota, requestsCpu: 4000, limitsCpu: 8000 };
      t.serviceCeiling = { requests: { cpu: 400, memory: 256 }, limits: { cpu: 800, memory: 512 } };
    });
    const problems = marginProblems(catalog);
    expect(problems.map((p) => p.tier)).toEqual(["standard", "standard", "standard"]);
    expect(problems[0]!.message).toMatch(/accepted loss 55/);
  });

  it("refuses a Premium price cut, and a loss accepted on a custom-priced tier", () => {
    const cheaper = tweaked("premium", (t) => {
      t.pricing = { ...t.pricing, monthlyEur: 99.99 };
    });
    expect(marginProblems(cheaper).some((p) => p.tier === "premium")).toBe(true);
    expect(marginProblems(TIERS, { ...ACCEPTED_MONTHLY_LOSS_EUR, business: 10 })).toEqual([
      { tier: "business", message: "Business is custom-priced: it accepts no loss" },
    ]);
  });

  it("refuses the catalog when the price table's nodes get dearer", () => {
    const dearer: PriceTable = {
      ...PRICE_TABLE,
      regions: Object.fromEntries(
        Object.entries(PRICE_TABLE.regions).map(([r, p]) => [
          r,
          { ...p, node: { ...p.node, usdPerHour: p.node.usdPerHour * 1.5 } },
        ]),
      ) as PriceTable["regions"],
    };
    const problems = marginProblems(TIERS, ACCEPTED_MONTHLY_LOSS_EUR, dearer);
    expect(new Set(problems.map((p) => p.tier))).toEqual(new Set(["standard", "premium"]));
  });

  it("prices a tweaked tier through profileOf like the real one", () => {
    const profile = profileOf(TIERS.business, { extraCpuCores: 2 });
    expect(profile.quota).toEqual(effectiveProfile("business", { extraCpuCores: 2 }).quota);
  });
});

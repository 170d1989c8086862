/**
 * Global load balancing of a multi-region tenant's edge, from TenantEdge run under the synth's
 * mock engine: one pool per region with its origin and the monitor, one proxied load balancer
 * named like the origin record it replaces, the primary's pool as fallback, nothing else of the
 * edge changed, the single-region edge unchanged, and tiers without load balancing refused
 * before anything is registered. Literals are the contract (docs/edge.md).
 */
import * as cloudflare from "../components/edge/cloudflare";
import { describe, expect, it } from "vitest";
import { TenantEdge, type TenantEdgeArgs } from "../components/edge/tenantEdge";
import { TIER_POLICIES } from "../policy/policies";
import { synthesize, SynthFailure, type RecordedResource, type SynthResult } from "../synth/engine";
import { DEV_CLOUDFLARE } from "../synth/programs";
import { edgeRegionProblems, getTier, type TierName } from "../tiers";
import { mandatory, runPack } from "./helpers/policy";
import { localResources } from "../synth/policyCheck";
import { OFFLINE_ORIGIN_PULL_CLIENT } from "../synth/platformStandIn";

const T = {
  lb: "cloudflare:index/loadBalancer:LoadBalancer",
  pool: "cloudflare:index/loadBalancerPool:LoadBalancerPool",
  monitor: "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor",
  dns: "cloudflare:index/dnsRecord:DnsRecord",
  hostname: "cloudflare:index/customHostname:CustomHostname",
  fallback: "cloudflare:index/customHostnameFallbackOrigin:CustomHostnameFallbackOrigin",
} as const;

const ZONE = { ...DEV_CLOUDFLARE, zoneName: "acme.edge.collect-verything.test" };
const ORIGIN = "origin.acme.edge.collect-verything.test";
const PLATFORM = ["acme.shops.collect-verything.com", "acme-site-2.shops.collect-verything.com"];
const CUSTOM = ["shop.acme.example"];
const REGIONS = [
  { name: "eu-west-3", originAddress: "gateway.eu-west-3.collect-verything.test" },
  { name: "eu-central-1", originAddress: "gateway.eu-central-1.collect-verything.test" },
  { name: "us-east-1", originAddress: "gateway.us-east-1.collect-verything.test" },
];

type Regions = TenantEdgeArgs["regions"];

/** Runs a tenant stack holding only the edge (provider first, as stacks/tenant.ts creates it). */
function synthEdge(tier: TierName, regions: Regions): Promise<SynthResult> {
  return synthesize(
    async () => {
      const provider = new cloudflare.Provider("cloudflare", {});
      new TenantEdge(
        "acme-edge",
        {
          identity: { tenantId: "acme", tier },
          tier: getTier(tier),
          zone: ZONE,
          platformHostnames: PLATFORM,
          customDomains: CUSTOM,
          ...(regions ? { regions } : {}),
          provider,
          originPullClient: OFFLINE_ORIGIN_PULL_CLIENT,
        },
        {},
      );
    },
    { project: "tenant", stack: "acme", config: {} },
  );
}

const failureOf = (promise: Promise<unknown>): Promise<SynthFailure> =>
  promise.then(
    () => {
      throw new Error("expected the program to fail");
    },
    (e: unknown) => e as SynthFailure,
  );

const ofType = (result: SynthResult, type: string) => result.resources.filter((r) => r.type === type);
const inputs = <V>(r: RecordedResource) => r.inputs as V;
/** The resources without their URNs' parent chain: type, name and inputs. */
const shape = (rs: readonly RecordedResource[]) =>
  rs.map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }));

interface PoolInputs {
  accountId: string;
  name: string;
  enabled: boolean;
  minimumOrigins: number;
  monitor: string;
  origins: { name: string; address: string; enabled: boolean }[];
}
interface LbInputs {
  zoneId: string;
  name: string;
  proxied: boolean;
  defaultPools: string[];
  fallbackPool: string;
  steeringPolicy: string;
  sessionAffinity: string;
}

describe("Business edge in three regions", () => {
  const multi = synthEdge("business", REGIONS);

  it("has one pool per region, in order, each with that region's gateway as its only origin and the monitor", async () => {
    const result = await multi;
    const [monitor] = ofType(result, T.monitor);
    const pools = ofType(result, T.pool).map(inputs<PoolInputs>);
    expect(pools.map((p) => p.name)).toEqual(["acme-eu-west-3", "acme-eu-central-1", "acme-us-east-1"]);
    pools.forEach((pool, i) => {
      expect(pool).toMatchObject({
        accountId: DEV_CLOUDFLARE.accountId,
        enabled: true,
        minimumOrigins: 1,
        monitor: `${monitor!.name}-id`,
      });
      expect(pool.origins).toEqual([
        { name: REGIONS[i]!.name, address: REGIONS[i]!.originAddress, enabled: true },
      ]);
    });
  });

  it("checks the gateway's readiness over HTTPS with the tenant's Host, verifying its certificate", async () => {
    const monitors = ofType(await multi, T.monitor).map((r) => r.inputs);
    expect(monitors).toEqual([
      expect.objectContaining({
        accountId: DEV_CLOUDFLARE.accountId,
        type: "https",
        method: "GET",
        path: "/ready",
        expectedCodes: "200",
        interval: 60,
        timeout: 5,
        retries: 2,
        header: { Host: ["acme.shops.collect-verything.com"] },
        allowInsecure: false,
        followRedirects: false,
      }),
    ]);
  });

  it("balances the zone's fallback origin over every pool, nearest healthy first, the primary as fallback", async () => {
    const result = await multi;
    const poolIds = ofType(result, T.pool).map((r) => `${r.name}-id`);
    const lbs = ofType(result, T.lb).map(inputs<LbInputs>);
    expect(lbs).toHaveLength(1);
    expect(lbs[0]).toMatchObject({
      zoneId: ZONE.zoneId,
      name: ORIGIN,
      proxied: true,
      steeringPolicy: "dynamic_latency",
      sessionAffinity: "none",
    });
    expect(lbs[0]!.defaultPools).toEqual(poolIds);
    expect(lbs[0]!.fallbackPool).toBe(`acme-edge-load-balancer-eu-west-3-id`);
    // Every hostname reaches the load balancer: each is a custom hostname of the zone whose fallback origin it is.
    expect(ofType(result, T.fallback).map((r) => r.inputs)).toEqual([
      { zoneId: ZONE.zoneId, origin: ORIGIN },
    ]);
    expect(
      ofType(result, T.hostname)
        .map((r) => (r.inputs as { hostname: string }).hostname)
        .sort(),
    ).toEqual([...PLATFORM, ...CUSTOM].sort());
  });

  it("leaves no DNS record under a load-balanced name, and creates the fallback origin after the load balancer", async () => {
    const result = await multi;
    const balanced = new Set(ofType(result, T.lb).map((r) => inputs<LbInputs>(r).name));
    const dnsNames = ofType(result, T.dns).map((r) => (r.inputs as { zoneId: string; name: string }).name);
    expect(dnsNames.filter((n) => balanced.has(n))).toEqual([]);
    // The platform hostnames keep their DNS-only CNAMEs to origin.<zone> in the platform zone.
    expect(dnsNames.sort()).toEqual([...PLATFORM].sort());
    const lbUrn = ofType(result, T.lb)[0]!.urn;
    expect(ofType(result, T.fallback)[0]!.dependsOn).toContain(lbUrn);
  });

  it("changes nothing else of the edge: the single-region edge minus its origin record plus the load balancing", async () => {
    const [single, result] = await Promise.all([synthEdge("business", undefined), multi]);
    const lbTypes = new Set<string>([T.lb, T.pool, T.monitor]);
    const withoutOrigin = single.resources.filter(
      (r) =>
        !(r.type === T.dns && (r.inputs as { name: string }).name === ORIGIN) &&
        r.type !== "collect-verything:tenant:GlobalLoadBalancer",
    );
    const withoutBalancing = result.resources.filter(
      (r) => !lbTypes.has(r.type) && r.type !== "collect-verything:tenant:GlobalLoadBalancer",
    );
    expect(shape(withoutBalancing)).toEqual(shape(withoutOrigin));
  });

  it("passes the policy pack as Business, and the load balancing is refused as Premium", async () => {
    const resources = localResources((await multi).resources);
    // The stack's regions declared, as CI's policy config does (a pool of an undeclared region is refused).
    expect(
      mandatory(
        await runPack(TIER_POLICIES, resources, { tier: "business", regions: REGIONS.map((r) => r.name) }),
      ),
    ).toEqual([]);
    const premium = mandatory(await runPack(TIER_POLICIES, resources, { tier: "premium" })).filter((v) =>
      v.message.includes("load balancing"),
    );
    expect(premium.map((v) => v.policy)).toEqual(Array.from({ length: 5 }, () => "business-only-features"));
  });
});

describe("fewer than two regions", () => {
  it.each(["standard", "premium", "business"] as const)(
    "%s: one region builds exactly the edge of no regions (the origin record to zone.originAddress, no load balancing)",
    async (tier) => {
      const [none, one] = await Promise.all([
        synthEdge(tier, undefined),
        synthEdge(tier, REGIONS.slice(0, 1)),
      ]);
      expect(one.resources.map((r) => ({ urn: r.urn, inputs: r.inputs, dependsOn: r.dependsOn }))).toEqual(
        none.resources.map((r) => ({ urn: r.urn, inputs: r.inputs, dependsOn: r.dependsOn })),
      );
      expect(one.resources.filter((r) => [T.lb, T.pool, T.monitor].some((t) => t === r.type))).toEqual([]);
      const origin = one.resources.find(
        (r) => r.type === T.dns && (r.inputs as { name: string }).name === ORIGIN,
      )!;
      expect(origin.urn).toBe(
        `urn:pulumi:acme::tenant::collect-verything:tenant:EdgeHostnames$${T.dns}::acme-edge-hostnames-origin`,
      );
      expect(origin.inputs).toMatchObject({
        zoneId: ZONE.zoneId,
        type: "CNAME",
        content: ZONE.originAddress,
        proxied: true,
      });
    },
  );
});

describe("refused before anything is registered", () => {
  const cloudflareResources = (f: SynthFailure) =>
    f.registered.filter(
      (r) => r.type.startsWith("cloudflare:index/") || r.type.startsWith("collect-verything:"),
    );

  it.each(["standard", "premium"] as const)(
    "%s in two regions: load balancing is not part of the tier",
    async (tier) => {
      const failure = await failureOf(synthEdge(tier, REGIONS.slice(0, 2)));
      expect(failure).toBeInstanceOf(SynthFailure);
      expect(failure.message).toMatch(
        new RegExp(
          `${getTier(tier).displayName}: load balancing across regions \\(eu-west-3, eu-central-1\\) is not part of the tier`,
        ),
      );
      expect(cloudflareResources(failure)).toEqual([]);
    },
  );

  it("takes the rule from the catalog's cdn.loadBalancing, not from the tier's name", () => {
    const premium = getTier("premium");
    expect(edgeRegionProblems(premium, "acme", REGIONS)).toHaveLength(1);
    expect(
      edgeRegionProblems({ ...premium, cdn: { ...premium.cdn, loadBalancing: true } }, "acme", REGIONS),
    ).toEqual([]);
    expect(edgeRegionProblems(getTier("business"), "acme", REGIONS)).toEqual([]);
  });

  it.each([
    {
      name: "a region listed twice",
      regions: [REGIONS[0]!, REGIONS[0]!],
      message: /region eu-west-3 is listed twice/,
    },
    {
      name: "a region without an origin",
      regions: [REGIONS[0]!, { name: "us-east-1", originAddress: " " }],
      message: /region us-east-1 has no origin address/,
    },
    {
      name: "a region name that makes no pool name",
      regions: [REGIONS[0]!, { name: "us east", originAddress: "gw.example.com" }],
      message: /region "us east" does not make a valid pool name/,
    },
  ])("Business with $name", async ({ regions, message }) => {
    const failure = await failureOf(synthEdge("business", regions));
    expect(failure.message).toMatch(message);
    expect(cloudflareResources(failure)).toEqual([]);
  });
});

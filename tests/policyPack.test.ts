/**
 * The pack over whole stacks: no mandatory violation on anything the programs synthesize, and
 * the expected violations on crafted bad stacks (the program is not trusted).
 */
import { describe, expect, it } from "vitest";
import { TIER_POLICIES } from "../policy/policies";
import { synthPlatform } from "../synth/programs";
import { ALL_SHAPES, synthOf, synthShape } from "./helpers/synth";
import { analyzerPort, mandatory, runPack, type FakeResource } from "./helpers/policy";
import { localResources } from "../synth/policyCheck";

const stackOf = async (
  tier: Parameters<typeof synthShape>[0],
  sites: number,
  overrides: Record<string, unknown> = {},
) => localResources((await synthShape(tier, sites, "acme", overrides)).result.resources);

/** The offline synth's Cloudflare account and the tenant's zone (synth/programs.ts DEV_CLOUDFLARE). */
const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TENANT_ZONE = "1123456789abcdef0123456789abcdef";

const kindIs = (r: FakeResource, kind: string) => (r.props as { kind?: string }).kind === kind;

describe("policy pack on synthesized stacks", () => {
  it.each(ALL_SHAPES)(
    "passes a $tier tenant with $sites site(s) in $regions.length region(s) without any violation",
    async (shape) => {
      const resources = localResources((await synthOf(shape)).result.resources);
      const violations = await runPack(TIER_POLICIES, resources, {
        tier: shape.tier,
        regions: shape.regions,
      });
      expect(violations).toEqual([]);
    },
  );

  it("passes Business with add-ons, legacy ingress, trusted CIDRs, a dedicated cluster and federation when the add-ons are in the policy config", async () => {
    const addOns = { extraCpuCores: 6, extraMemoryGi: 12, extraStorageGi: 50 };
    const resources = await stackOf("business", 3, {
      addOns,
      routing: { mode: "ingress-nginx" },
      trustedCidrs: ["203.0.113.0/24"],
      dataServices: {
        dedicatedMysqlCluster: true,
        federationUpstreams: [{ name: "us-east", uri: "amqps://u:p@us.example.com" }],
      },
    });
    expect(resources.some((r) => r.type === "kubernetes:mysql.oracle.com/v2:InnoDBCluster")).toBe(true);
    expect(await runPack(TIER_POLICIES, resources, { tier: "business", addOns })).toEqual([]);
    // Without the add-ons the same stack is over the Business minimum.
    const without = mandatory(await runPack(TIER_POLICIES, resources, { tier: "business" }));
    expect(without.map((v) => v.policy)).toContain("quota-sum-equals-tier");
  });

  it.each(["eu-west-3", "us-east-1"] as const)(
    "passes the platform stack of %s (network, cluster, tier objects)",
    async (region) => {
      const resources = localResources((await synthPlatform(region)).resources);
      expect(resources.some((r) => r.type === "aws:eks/cluster:Cluster")).toBe(true);
      expect(await runPack(TIER_POLICIES, resources, { tier: "standard" })).toEqual([]);
    },
  );

  it("reads the tier from the stack tag when the policy config has none", async () => {
    const resources = await stackOf("premium", 2);
    expect(await runPack(TIER_POLICIES, resources, {}, { "collect-verything:tier": "premium" })).toEqual([]);
    expect(
      mandatory(await runPack(TIER_POLICIES, resources, {}, { "collect-verything:tier": "standard" })).length,
    ).toBeGreaterThan(0);
  });
});

describe("policy pack on crafted bad stacks", () => {
  it("refuses a stack without a tier", async () => {
    const violations = mandatory(await runPack(TIER_POLICIES, await stackOf("standard", 1), {}));
    expect(violations).toEqual([
      { policy: "tier-known", level: "mandatory", message: expect.stringMatching(/tier is unknown/) },
    ]);
  });

  it("refuses a Standard tenant with 3 sites", async () => {
    const violations = mandatory(
      await runPack(TIER_POLICIES, await stackOf("premium", 3), { tier: "standard" }),
    );
    const policies = new Set(violations.map((v) => v.policy));
    expect(policies).toContain("sites-and-domains-within-tier");
    expect(policies).toContain("quota-sum-equals-tier");
    expect(policies).toContain("tier-label-matches-stack");
    expect(violations.find((v) => v.policy === "sites-and-domains-within-tier")?.message).toMatch(
      /3 site namespaces; the Standard tier allows 1/,
    );
  });

  it("refuses a quota larger than the tier", async () => {
    const resources = (await stackOf("standard", 1)).map((r) =>
      kindIs(r, "ResourceQuota")
        ? {
            ...r,
            props: {
              ...r.props,
              spec: {
                hard: { ...(r.props["spec"] as { hard: Record<string, string> }).hard, "requests.cpu": "8" },
              },
            },
          }
        : r,
    );
    const violations = mandatory(await runPack(TIER_POLICIES, resources, { tier: "standard" }));
    expect(violations.map((v) => v.policy).sort()).toEqual([
      "quota-sum-equals-tier",
      "tenant-quota-within-tier",
    ]);
    expect(violations.find((v) => v.policy === "tenant-quota-within-tier")?.message).toBe(
      "ResourceQuota e-commerce-tenant-acme/tenant-quota: requests.cpu 8 exceeds the Standard tier's 2",
    );
  });

  it("refuses Business-only features on Premium", async () => {
    const extras: FakeResource[] = [
      {
        type: "cloudflare:index/ruleset:Ruleset",
        name: "acme-waf",
        props: { phase: "http_request_firewall_managed", kind: "zone", zoneId: TENANT_ZONE },
      },
      {
        type: "kubernetes:mysql.oracle.com/v2:InnoDBCluster",
        protect: true,
        props: {
          apiVersion: "mysql.oracle.com/v2",
          kind: "InnoDBCluster",
          metadata: {
            name: "acme-mysql",
            namespace: "e-commerce-tenant-acme-db",
            labels: { tenant: "acme", tier: "premium" },
          },
          spec: { instances: 5 },
        },
      },
    ];
    const stack = await stackOf("premium", 1);
    // Through the stack's own regional provider: refused for what it is, not for how it is deployed.
    const provider = stack.find((r) => r.type.startsWith("kubernetes:"))!.provider!;
    const violations = mandatory(
      await runPack(
        TIER_POLICIES,
        [...stack, ...extras.map((r) => (r.type.startsWith("kubernetes:") ? { ...r, provider } : r))],
        { tier: "premium" },
      ),
    );
    expect(violations.map((v) => v.message)).toEqual([
      "InnoDBCluster e-commerce-tenant-acme-db/acme-mysql: kubernetes:mysql.oracle.com/v2:InnoDBCluster is not a resource type a Premium tenant stack may create; the pack judges only the types it knows (policy/policies/boundary.ts)",
      "InnoDBCluster e-commerce-tenant-acme-db/acme-mysql is in namespace e-commerce-tenant-acme-db, which is not tenant acme's (e-commerce-tenant-acme, its -site-<n> namespaces)",
      "Ruleset acme-waf: a http_request_firewall_managed ruleset (WAF) is not part of the Premium tier",
      "InnoDBCluster e-commerce-tenant-acme-db/acme-mysql: a dedicated MySQL cluster is not part of the Premium tier",
    ]);
  });

  it("refuses a Business load balancer that sends traffic to another tenant's pool, and load balancing on Premium", async () => {
    const lb = "cloudflare:index/loadBalancer:LoadBalancer";
    const balancing = (pools: string[]): FakeResource[] => [
      {
        type: "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor",
        name: "acme-monitor",
        props: { id: "m1", type: "https", path: "/ready", accountId: ACCOUNT },
      },
      {
        type: "cloudflare:index/loadBalancerPool:LoadBalancerPool",
        name: "acme-eu-west-3",
        props: {
          id: "p1",
          accountId: ACCOUNT,
          name: "acme-eu-west-3",
          monitor: "m1",
          origins: [{ address: "gw.eu-west-3.example.com" }],
        },
      },
      {
        type: "cloudflare:index/loadBalancerPool:LoadBalancerPool",
        name: "acme-us-east-1",
        props: {
          id: "p2",
          accountId: ACCOUNT,
          name: "acme-us-east-1",
          monitor: "m1",
          origins: [{ address: "gw.us-east-1.example.com" }],
        },
      },
      {
        type: lb,
        name: "acme-origin",
        props: {
          name: "origin.acme.edge.example",
          zoneId: TENANT_ZONE,
          defaultPools: pools,
          fallbackPool: "p1",
          proxied: true,
          steeringPolicy: "dynamic_latency",
        },
      },
    ];
    const business = await stackOf("business", 1);
    // The pools' two regions declared (a pool of an undeclared region is refused).
    const twoRegions = { tier: "business", regions: ["eu-west-3", "us-east-1"] };
    expect(
      mandatory(await runPack(TIER_POLICIES, [...business, ...balancing(["p1", "p2"])], twoRegions)),
    ).toEqual([]);
    const foreign = mandatory(
      await runPack(TIER_POLICIES, [...business, ...balancing(["p1", "pool-of-globex"])], twoRegions),
    );
    expect(foreign).toEqual([
      {
        policy: "load-balancer-pools-of-stack",
        level: "mandatory",
        urn: expect.stringContaining("acme-origin"),
        message:
          "LoadBalancer acme-origin: pool pool-of-globex is not one of this stack's pools; a load balancer of tenant acme uses only its own",
      },
    ]);
    const premium = mandatory(
      await runPack(TIER_POLICIES, [...(await stackOf("premium", 1)), ...balancing(["p1", "p2"])], {
        tier: "premium",
      }),
    );
    // And the us-east-1 pool, a region the one-region Premium stack does not declare.
    expect(premium.map((v) => v.policy).sort()).toEqual([
      ...Array.from({ length: 4 }, () => "business-only-features"),
      "load-balancer-pools-of-stack",
    ]);
  });

  it("refuses a namespace without its default-deny network policy", async () => {
    const resources = (await stackOf("premium", 2)).filter(
      (r) =>
        !(
          kindIs(r, "NetworkPolicy") &&
          (r.props["metadata"] as { name: string; namespace: string }).name === "default-deny" &&
          (r.props["metadata"] as { namespace: string }).namespace.endsWith("-site-2")
        ),
    );
    const violations = mandatory(await runPack(TIER_POLICIES, resources, { tier: "premium" }));
    expect(violations).toEqual([
      {
        policy: "namespace-guardrails-present",
        level: "mandatory",
        message: "namespace e-commerce-tenant-acme-site-2 has no default-deny NetworkPolicy",
      },
    ]);
  });

  it("refuses an unprotected volume and a deployment scaled beyond its namespace quota", async () => {
    const resources = (await stackOf("premium", 1)).map((r) => {
      if (kindIs(r, "PersistentVolumeClaim")) return { ...r, protect: false };
      if (kindIs(r, "Deployment") && (r.props["metadata"] as { name: string }).name === "orders-service") {
        return { ...r, props: { ...r.props, spec: { ...(r.props["spec"] as object), replicas: 40 } } };
      }
      return r;
    });
    const violations = mandatory(await runPack(TIER_POLICIES, resources, { tier: "premium" }));
    expect(violations.map((v) => v.policy).sort()).toEqual([
      "fits-quota-at-max-scale",
      "fits-quota-at-max-scale",
      "fits-quota-at-max-scale",
      "fits-quota-at-max-scale",
      "fits-quota-at-max-scale",
      "stateful-resources-protected",
    ]);
    expect(violations.find((v) => v.policy === "fits-quota-at-max-scale")?.message).toMatch(
      /namespace e-commerce-tenant-acme needs .* at maximum scale but its quota is .* \(Premium\)/,
    );
  });
});

describe("in-cluster admission policy (the pack's counterpart at run time)", () => {
  it("checks the read-only root filesystem of app, init and ephemeral containers, and the limits of app and init containers, on pods and on kubectl debug", async () => {
    const policies = (await synthPlatform()).resources.filter(
      (r) => r.type === "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy",
    );
    expect(policies).toHaveLength(3);
    for (const p of policies) {
      const spec = (
        p.inputs as {
          spec: {
            validations: { expression: string }[];
            matchConstraints: { resourceRules: { resources: string[] }[] };
          };
        }
      ).spec;
      const readOnly = spec.validations
        .filter((v) => v.expression.includes("readOnlyRootFilesystem"))
        .map((v) => v.expression);
      const limits = spec.validations
        .filter((v) => v.expression.includes("c.resources.limits"))
        .map((v) => v.expression);
      for (const list of ["containers", "initContainers", "ephemeralContainers"]) {
        expect(
          readOnly.some((e) => e.startsWith(`!has(object.spec.${list}) || object.spec.${list}.all(c,`)),
        ).toBe(true);
      }
      expect(limits.map((e) => /object\.spec\.(\w+)\.all/.exec(e)?.[1]).sort()).toEqual([
        "containers",
        "initContainers",
      ]);
      expect(spec.matchConstraints.resourceRules[0]!.resources).toEqual(["pods", "pods/ephemeralcontainers"]);
    }
  });
});

describe("policy pack entry", () => {
  it("constructs the PolicyPack and serves it (the analyzer prints its gRPC port)", async () => {
    const { spawn } = await import("node:child_process");
    const { resolve } = await import("node:path");
    const child = spawn(process.execPath, ["--import", "tsx", "index.ts"], {
      cwd: resolve(__dirname, "../policy"),
    });
    try {
      expect(await analyzerPort(child)).toBeGreaterThan(0);
    } finally {
      child.kill();
    }
  });
});

describe("per-stack policy pack config", () => {
  it("gives every policy the stack's tier and add-ons, which the pack then resolves", async () => {
    const { packConfigFor } = await import("../policy/packConfig");
    const { resolveTierContext } = await import("../policy/context");
    const addOns = { extraCpuCores: 4 };
    const config = packConfigFor({
      tier: "business",
      addOns,
      platformDomain: "shops.example.com",
      tenant: "acme",
    });
    expect(Object.keys(config).sort()).toEqual(TIER_POLICIES.map((p) => p.name).sort());
    for (const entry of Object.values(config)) {
      const resolved = resolveTierContext(entry as object, new Map());
      expect(resolved.ok && resolved.context.profile.quota.requestsCpu).toBe(16000);
      expect(resolved.ok && resolved.context.tenant).toBe("acme");
    }
  });
});

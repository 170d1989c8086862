/**
 * Attempts to cross the boundaries the regions change created (issue 14), each written as the
 * stack or config an attacker (or a careless change) would produce: the policy or the config must
 * refuse it. Policies are called directly, as tests/policies.test.ts does.
 */
import {
  unknownCheckingProxy,
  type Policies,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import type { ContextConfig } from "../policy/context";
import { resolveTierContext } from "../policy/context";
import { TIER_POLICIES } from "../policy/policies";
import { parseStackConfig } from "../stacks/config";
import {
  coreNamespace,
  getTier,
  REGION_NAMES,
  siteNamespace,
  TenantRequestError,
  type RegionName,
} from "../tiers";
import { gbToBytes } from "../lib/units";
import { stackViolationsOf, urnOf, violationsOf, type FakeResource } from "./helpers/policy";
import { tenantConfig } from "./helpers/synth";

const [HOME, SECOND, THIRD] = REGION_NAMES as [RegionName, RegionName, RegionName];
const BUSINESS: ContextConfig = { tier: "business", regions: [HOME, SECOND, THIRD] };
const STANDARD: ContextConfig = { tier: "standard" };
const NS = coreNamespace("acme");
const KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\n";

const byName = (policies: Policies, name: string) => {
  const policy = policies.find((p) => p.name === name);
  if (!policy) throw new Error(`no policy ${name}`);
  return policy;
};
const resourcePolicy = (name: string) => byName(TIER_POLICIES, name) as ResourceValidationPolicy;
const stackPolicy = (name: string) => byName(TIER_POLICIES, name) as StackValidationPolicy;

const provider = (
  pkg: string,
  name: string,
  props: Record<string, unknown> = {},
  urn = urnOf(`pulumi:providers:${pkg}`, name),
) => ({ type: `pulumi:providers:${pkg}`, name, urn, props });
const k8sProvider = (
  region: string,
  props: Record<string, unknown> = { kubeconfig: KUBECONFIG },
  urn?: string,
) => provider("kubernetes", `kubernetes-${region}`, props, urn);
/** A regional Kubernetes provider resource, as the tenant program declares it. */
const providerResource = (
  region: string,
  props: Record<string, unknown> = { kubeconfig: KUBECONFIG },
  urn?: string,
): FakeResource => {
  const p = k8sProvider(region, props, urn);
  return { type: p.type, name: p.name, urn: p.urn, props: p.props };
};
const namespace = (name: string, region: string): FakeResource => ({
  type: "kubernetes:core/v1:Namespace",
  name: `${region}-${name}`,
  props: {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, labels: { tenant: "acme", tier: "business" } },
  },
  provider: k8sProvider(region),
  protect: true,
});
const route = (hostnames: string[], namespaceName: string, region: string): FakeResource => ({
  type: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
  name: `${region}-${namespaceName}-route`,
  props: {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "site", namespace: namespaceName },
    spec: { hostnames },
  },
  provider: k8sProvider(region),
});
const configMap = (providerView: FakeResource["provider"]): FakeResource => ({
  type: "kubernetes:core/v1:ConfigMap",
  name: "stray",
  props: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "stray", namespace: NS }, data: {} },
  ...(providerView ? { provider: providerView } : {}),
});
const stackReference = (name: unknown): FakeResource => ({
  type: "pulumi:pulumi:StackReference",
  name: "platform",
  props: { name } as Record<string, unknown>,
});

describe("objects that reach a cluster the stack did not declare", () => {
  const policy = () => resourcePolicy("kubernetes-through-regional-provider");

  it("refuses an object through a provider of another type that is named like a region", async () => {
    expect(await violationsOf(policy(), configMap(provider("aws", `kubernetes-${HOME}`)), BUSINESS)).toEqual([
      expect.stringMatching(
        /ConfigMap e-commerce-tenant-acme\/stray goes through kubernetes-eu-west-3, which is not one of the stack's regional providers/,
      ),
    ]);
  });

  it("refuses an object whose provider is absent (the ambient kubeconfig)", async () => {
    expect(await violationsOf(policy(), configMap(undefined), BUSINESS)).toEqual([
      expect.stringMatching(/goes through the default Kubernetes provider/),
    ]);
  });

  it("refuses a regional provider without a kubeconfig: the Kubernetes provider then reads the ambient one", async () => {
    expect(await violationsOf(policy(), providerResource(HOME, {}), BUSINESS)).toEqual([
      expect.stringMatching(/Kubernetes provider kubernetes-eu-west-3 has no kubeconfig/),
    ]);
    expect(await violationsOf(policy(), providerResource(HOME, { kubeconfig: "" }), BUSINESS)).toEqual([
      expect.stringMatching(/has no kubeconfig/),
    ]);
    // Nor an object through such a provider.
    expect(await violationsOf(policy(), configMap(k8sProvider(HOME, {})), BUSINESS)).toEqual([
      expect.stringMatching(/goes through kubernetes-eu-west-3, which has no kubeconfig/),
    ]);
    expect(await violationsOf(policy(), providerResource(HOME), BUSINESS)).toEqual([]);
  });

  it("refuses an object whose provider is another stack's (named like one of this stack's regions)", async () => {
    const foreign = k8sProvider(
      HOME,
      { kubeconfig: KUBECONFIG },
      urnOf("pulumi:providers:kubernetes", `kubernetes-${HOME}`, "globex"),
    );
    expect(await violationsOf(policy(), configMap(foreign), BUSINESS)).toEqual([
      expect.stringMatching(/goes through .*kubernetes-eu-west-3 of stack globex/),
    ]);
  });

  it("refuses a regional provider not built from its region's platform stack (one cluster under two regions' names: its quota twice)", async () => {
    const ref = (region: string): FakeResource => ({
      type: "pulumi:pulumi:StackReference",
      name: `platform-${region}`,
      props: { name: `collect-verything/platform/${region}` },
    });
    const builtFrom = (region: string, from: string): FakeResource => ({
      ...providerResource(region),
      dependencies: [urnOf("pulumi:pulumi:StackReference", `platform-${from}`)],
    });
    const policy = stackPolicy("multi-region-business-only");
    const config = { tier: "business", regions: [HOME, SECOND] };
    expect(
      await stackViolationsOf(
        policy,
        [ref(HOME), ref(SECOND), builtFrom(HOME, HOME), builtFrom(SECOND, SECOND)],
        config,
      ),
    ).toEqual([]);
    expect(
      await stackViolationsOf(policy, [ref(HOME), builtFrom(HOME, HOME), builtFrom(SECOND, HOME)], config),
    ).toEqual([
      "the stack's Kubernetes provider kubernetes-eu-central-1 is not built from its region's platform stack (it reads no StackReference named collect-verything/platform/eu-central-1)",
    ]);
    // A kubeconfig from anywhere else (a literal, a file path): no platform stack at all.
    expect(
      await stackViolationsOf(
        policy,
        [ref(HOME), builtFrom(HOME, HOME), providerResource(SECOND, { kubeconfig: "~/.kube/config" })],
        config,
      ),
    ).toEqual([
      expect.stringMatching(/kubernetes-eu-central-1 is not built from its region's platform stack/),
    ]);
  });

  it("refuses a second provider for a region on Business (two clusters behind one region's name)", async () => {
    const ref = (region: string): FakeResource => ({
      type: "pulumi:pulumi:StackReference",
      name: `platform-${region}`,
      props: { name: `collect-verything/platform/${region}` },
    });
    const fromRef = (r: FakeResource, region: string): FakeResource => ({
      ...r,
      dependencies: [urnOf("pulumi:pulumi:StackReference", `platform-${region}`)],
    });
    const duplicated = [
      ref(HOME),
      ref(SECOND),
      fromRef(providerResource(HOME), HOME),
      fromRef(providerResource(SECOND), SECOND),
      fromRef(
        {
          ...providerResource(HOME),
          urn: "urn:pulumi:acme::tenant::collect-verything:tenant:TenantStack$pulumi:providers:kubernetes::kubernetes-eu-west-3",
        },
        HOME,
      ),
    ];
    expect(
      await stackViolationsOf(stackPolicy("multi-region-business-only"), duplicated, {
        ...BUSINESS,
        regions: [HOME, SECOND],
      }),
    ).toEqual([
      expect.stringMatching(
        /2 Kubernetes providers named kubernetes-eu-west-3; a stack reaches each of its regions' clusters through one/,
      ),
    ]);
    expect(
      await stackViolationsOf(stackPolicy("multi-region-business-only"), duplicated.slice(0, 4), {
        ...BUSINESS,
        regions: [HOME, SECOND],
      }),
    ).toEqual([]);
  });
});

describe("load-balancer pools", () => {
  const POOL = "cloudflare:index/loadBalancerPool:LoadBalancerPool";
  const pool = (region: string, name = `acme-${region}`): FakeResource => ({
    type: POOL,
    name: `pool-${region}-${name}`,
    props: {
      id: `pool-${name}-id`,
      name,
      monitor: "monitor-id",
      origins: [{ name: region, address: `${region}.gateways.example.com` }],
    },
  });
  const monitor: FakeResource = {
    type: "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor",
    name: "monitor",
    props: { id: "monitor-id", type: "https", path: "/ready" },
  };
  const lb = (pools: FakeResource[]): FakeResource => ({
    type: "cloudflare:index/loadBalancer:LoadBalancer",
    name: "origin",
    props: {
      name: "origin.acme.example",
      defaultPools: pools.map((p) => p.props["id"]),
      fallbackPool: pools[0]!.props["id"],
    },
  });
  const stack = (pools: FakeResource[]) => [monitor, ...pools, lb(pools)];
  const config = { tier: "business", regions: [HOME, SECOND] };

  it("refuses a pool of a region the stack does not declare (traffic to a cluster it did not declare), or a second pool for a region", async () => {
    const policy = stackPolicy("load-balancer-pools-of-stack");
    expect(await stackViolationsOf(policy, stack([pool(HOME), pool(SECOND)]), config)).toEqual([]);
    expect(await stackViolationsOf(policy, stack([pool(HOME), pool(SECOND), pool(THIRD)]), config)).toEqual([
      "LoadBalancerPool pool-us-east-1-acme-us-east-1: pool name acme-us-east-1 is none of the stack's regions' pools (acme-eu-west-3, acme-eu-central-1)",
    ]);
    expect(
      await stackViolationsOf(
        policy,
        stack([pool(HOME), pool(SECOND), pool("ap-south-1", "acme-eu-central-1")]),
        config,
      ),
    ).toEqual(["the stack has 2 pools named acme-eu-central-1; a region has one pool"]);
  });
});

describe("stack references", () => {
  const policy = () => resourcePolicy("stack-references-platform-only");
  it.each([
    ["a path that climbs out of the platform project", `collect-verything/platform/${HOME}/../x`],
    ["an uppercase region", "collect-verything/platform/EU-WEST-3"],
    ["another tenant's stack", "collect-verything/tenant/globex"],
    ["the platform stack of an undeclared region", `collect-verything/platform/${THIRD}`],
    ["a name that is no string", 42],
  ])("refuses %s", async (_what, name) => {
    expect(
      await violationsOf(policy(), stackReference(name), { tier: "business", regions: [HOME, SECOND] }),
    ).toHaveLength(1);
  });

  it("refuses another organization's platform stack (another platform's clusters), unless the policy config names that organization", async () => {
    expect(await violationsOf(policy(), stackReference(`globex-org/platform/${HOME}`), BUSINESS)).toEqual([
      expect.stringMatching(
        /reads stack "globex-org\/platform\/eu-west-3"; a tenant stack reads only its regions' platform stacks \(collect-verything\/platform\//,
      ),
    ]);
    expect(
      await violationsOf(policy(), stackReference(`globex-org/platform/${HOME}`), {
        ...BUSINESS,
        platformOrganization: "globex-org",
      }),
    ).toEqual([]);
    expect(
      await violationsOf(policy(), stackReference(`collect-verything/platform/${HOME}`), {
        ...BUSINESS,
        platformOrganization: "globex-org",
      }),
    ).toHaveLength(1);
  });

  it("refuses a reference whose name is unknown at preview (it could name any stack)", async () => {
    const unknown: FakeResource = {
      ...stackReference(undefined),
      props: unknownCheckingProxy({ name: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }) as Record<
        string,
        unknown
      >,
    };
    expect(await violationsOf(policy(), unknown, BUSINESS)).toEqual([
      expect.stringMatching(/cannot be judged/),
    ]);
  });
});

describe("quota evasion across regions", () => {
  const business = getTier("business");

  it("counts the tenant's sites across regions: other site namespaces in another region are more sites", async () => {
    const sites = (from: number, region: string) =>
      Array.from({ length: business.maxSites }, (_, i) => namespace(siteNamespace("acme", from + i), region));
    const policy = stackPolicy("sites-and-domains-within-tier");
    expect(await stackViolationsOf(policy, [...sites(1, HOME), ...sites(1, SECOND)], BUSINESS)).toEqual([]);
    expect(
      await stackViolationsOf(policy, [...sites(1, HOME), ...sites(business.maxSites + 1, SECOND)], BUSINESS),
    ).toEqual([
      `the tenant has ${2 * business.maxSites} site namespaces; the Business tier allows ${business.maxSites}`,
    ]);
  });

  it("counts the tenant's custom domains across regions", async () => {
    const domains = (prefix: string) =>
      Array.from({ length: business.maxCustomDomains }, (_, i) => `${prefix}${i}.acme.example`);
    const policy = stackPolicy("sites-and-domains-within-tier");
    const stack = (second: string[]) => [
      namespace(NS, HOME),
      namespace(NS, SECOND),
      route(domains("shop"), NS, HOME),
      route(second, NS, SECOND),
    ];
    expect(await stackViolationsOf(policy, stack(domains("shop")), BUSINESS)).toEqual([]);
    expect(await stackViolationsOf(policy, stack(domains("outlet")), BUSINESS)).toEqual([
      expect.stringMatching(new RegExp(`serves ${2 * business.maxCustomDomains} custom domains`)),
    ]);
  });

  it("does not let a site retired in one region stay active in another uncounted", async () => {
    const max = getTier("standard").maxSites;
    const retiredQuota = (ns: string, region: string): FakeResource => ({
      type: "kubernetes:core/v1:ResourceQuota",
      name: `${region}-${ns}-quota`,
      props: {
        apiVersion: "v1",
        kind: "ResourceQuota",
        metadata: { name: "tenant-quota", namespace: ns },
        spec: { hard: { pods: "0" } },
      },
      provider: k8sProvider(region),
    });
    const extra = siteNamespace("acme", max + 1);
    // Standard judged with two declared regions only to show the counting (multi-region-business-only refuses the regions).
    const stack = [
      namespace(NS, HOME),
      namespace(extra, HOME),
      retiredQuota(extra, SECOND),
      namespace(extra, SECOND),
    ];
    expect(
      await stackViolationsOf(stackPolicy("sites-and-domains-within-tier"), stack, {
        ...STANDARD,
        regions: [HOME, SECOND],
      }),
    ).toEqual([`the tenant has ${max + 1} site namespaces; the Standard tier allows ${max}`]);
  });

  const BUCKET = "minio:index/s3Bucket:S3Bucket";
  const bucket = (name: string, quota: number, server: string): FakeResource => ({
    type: BUCKET,
    name: `${server}-${name}`,
    props: { bucket: name, quota },
    provider: provider("minio", server),
    protect: true,
  });
  const fullBuckets = (server: string) =>
    (["products", "sav", "newsletters"] as const).map((b) =>
      bucket(`tenant-acme-${b}`, gbToBytes(getTier("standard").objectStorage.buckets[b].quotaGb), server),
    );

  it("refuses a second MinIO provider in a one-region stack: the tier's object storage twice on one server", async () => {
    const policy = stackPolicy("bucket-quota-sum-within-tier");
    expect(await stackViolationsOf(policy, fullBuckets("acme-object-storage-minio"), STANDARD)).toEqual([]);
    expect(
      await stackViolationsOf(
        policy,
        [...fullBuckets("acme-object-storage-minio"), ...fullBuckets("acme-object-storage-minio-again")],
        STANDARD,
      ),
    ).toEqual([
      expect.stringMatching(
        /buckets are on 2 object storage servers \(MinIO providers\); the stack's 1 region\(s\) have 1/,
      ),
    ]);
  });

  it("still gives each declared region the tier's whole object storage", async () => {
    const servers = [HOME, SECOND, THIRD].map((r) => `acme-${r}-object-storage-minio`);
    expect(
      await stackViolationsOf(
        stackPolicy("bucket-quota-sum-within-tier"),
        servers.flatMap(fullBuckets),
        BUSINESS,
      ),
    ).toEqual([]);
  });

  const VHOST = "rabbitmq:index/vHost:VHost";
  const LIMITS = "pulumi-nodejs:dynamic/collect-verything:RabbitVhostLimits";
  const vhostOn = (region: string): FakeResource => ({
    type: VHOST,
    name: `${region}-vhost`,
    urn: urnOf(VHOST, `${region}-vhost`),
    props: { name: NS },
    provider: provider("rabbitmq", `${region}-rabbitmq`),
  });
  const limitsOf = (
    region: string,
    dependencies: readonly string[] = [vhostOn(region).urn!],
  ): FakeResource => ({
    type: LIMITS,
    name: `${region}-vhost-limits-${dependencies.length}`,
    props: { vhost: NS, maxConnections: 30, maxQueues: 52 },
    dependencies,
  });

  it("refuses vhost limits that are all on one region's server while another region's vhost has none", async () => {
    const policy = stackPolicy("data-service-limits-present");
    const limitsMessages = async (resources: FakeResource[]) =>
      (await stackViolationsOf(policy, resources, BUSINESS)).filter((m) => m.includes("RabbitVhostLimits"));
    expect(await limitsMessages([vhostOn(HOME), vhostOn(SECOND), limitsOf(HOME), limitsOf(SECOND)])).toEqual(
      [],
    );
    // Two limits for the home vhost (the count matches the vhosts), none for the second region's.
    expect(
      await limitsMessages([
        vhostOn(HOME),
        vhostOn(SECOND),
        limitsOf(HOME),
        { ...limitsOf(HOME), name: "again" },
      ]),
    ).toEqual([
      expect.stringMatching(
        new RegExp(
          `vhost ${NS} has no connection and queue limits \\(a RabbitVhostLimits that depends on it\\) on ${SECOND}-rabbitmq`,
        ),
      ),
    ]);
    // One limits resource that claims both vhosts limits one server (its management endpoint is one URL).
    const both = limitsOf(HOME, [vhostOn(HOME).urn!, vhostOn(SECOND).urn!]);
    expect(await limitsMessages([vhostOn(HOME), vhostOn(SECOND), both, limitsOf(HOME)])).toEqual([
      expect.stringMatching(
        /RabbitVhostLimits .* depends on 2 vhosts; it limits the one vhost its management endpoint reaches/,
      ),
      expect.stringMatching(
        new RegExp(`vhost ${NS} has no connection and queue limits .* on ${SECOND}-rabbitmq`),
      ),
    ]);
  });
});

describe("policy config games", () => {
  it.each([
    ["empty", []],
    ["duplicated", [HOME, HOME]],
    ["unknown", [HOME, "mars-north-1"]],
    ["uppercase", ["EU-WEST-3"]],
  ])("refuses regions %s in the policy config", (_what, regions) => {
    const result = resolveTierContext({ tier: "business", regions }, new Map(), "acme");
    expect(result.ok).toBe(false);
  });

  it("refuses a stack of one declared region that reaches another region's cluster, whatever the tier", async () => {
    for (const tier of ["standard", "premium", "business"]) {
      const violations = await violationsOf(
        resourcePolicy("kubernetes-through-regional-provider"),
        configMap(k8sProvider(SECOND)),
        { tier, regions: [HOME] },
      );
      expect(violations, tier).toEqual([
        expect.stringMatching(
          /goes through kubernetes-eu-central-1, which is not one of the stack's regional providers \(kubernetes-eu-west-3\)/,
        ),
      ]);
    }
  });
});

describe("config input", () => {
  const parse =
    (overrides: Record<string, unknown>, tier = "business") =>
    () =>
      parseStackConfig(tenantConfig("acme", tier, 1, overrides).config);
  const adminRegion = {
    rabbitmq: { user: "admin", password: "p", managementUrl: "http://rabbitmq.example:15672" },
    objectStorage: { user: "admin", password: "p" },
  };
  const withAdmin = (regions: Record<string, unknown>) => {
    const base = JSON.parse(tenantConfig("acme", "business", 1).config["tenant:adminCredentials"]!) as Record<
      string,
      unknown
    >;
    return { ...base, regions };
  };

  it.each([
    ["null", null],
    ["a number", 3],
    ["numbers", [1, 2]],
    ["nested arrays", [[HOME]]],
    ["a region and null", [HOME, null]],
    ["100 entries", Array.from({ length: 100 }, () => HOME)],
    ["a region with whitespace", [` ${HOME}`]],
  ])("refuses regions as %s", (_what, regions) => {
    expect(parse({ regions })).toThrow(TenantRequestError);
  });

  it("refuses admin accounts for a region the tenant is not in (they would be silently unused)", () => {
    expect(
      parse({ regions: [HOME, SECOND], adminCredentials: withAdmin({ [SECOND]: adminRegion }) }),
    ).not.toThrow();
    expect(parse({ regions: [HOME, SECOND], adminCredentials: withAdmin({ [THIRD]: adminRegion }) })).toThrow(
      /adminCredentials.regions.us-east-1: us-east-1 is not one of the tenant's other regions/,
    );
  });

  it("refuses admin accounts under regions for the home region (the top-level accounts are the home region's)", () => {
    expect(parse({ regions: [HOME, SECOND], adminCredentials: withAdmin({ [HOME]: adminRegion }) })).toThrow(
      /adminCredentials.regions.eu-west-3: eu-west-3 is not one of the tenant's other regions/,
    );
  });

  it("refuses admin accounts for an unknown region or with unknown keys", () => {
    expect(
      parse({ regions: [HOME, SECOND], adminCredentials: withAdmin({ "mars-north-1": adminRegion }) }),
    ).toThrow(TenantRequestError);
    expect(
      parse({
        regions: [HOME, SECOND],
        adminCredentials: withAdmin({ [SECOND]: { ...adminRegion, mysql: { user: "root", password: "p" } } }),
      }),
    ).toThrow(/unknown config key "mysql"/);
  });

  it("refuses a federation upstream named like one of the tenant's own regions' upstreams", () => {
    const upstream = (name: string) => ({
      dataServices: { federationUpstreams: [{ name, uri: "amqps://u:p@mq.example.com" }] },
      regions: [HOME, SECOND],
    });
    expect(parse(upstream("us-partner"))).not.toThrow();
    expect(parse(upstream(`region-${SECOND}`))).toThrow(
      /dataServices.federationUpstreams\[0\].name: "region-eu-central-1" is the name of the upstream of the tenant's region eu-central-1/,
    );
  });

  it.each([
    ["a slash", "collect-verything/platform"],
    ["a parent path", ".."],
    ["whitespace", "collect verything"],
    ["a newline", "collect-verything\nx"],
    ["an expression", "${org}"],
    ["the platform's own name", "collect-verything"],
  ])(
    "refuses a platform.stackOrganization (%s): the platform stacks are not the tenant's to choose",
    (_what, stackOrganization) => {
      expect(parse({ platform: { stackOrganization } })).toThrow(
        /platform.stackOrganization: is a platform fact/,
      );
    },
  );
});

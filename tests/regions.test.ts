/**
 * Business tenants across regions (issue 14): one Kubernetes provider per region built from that
 * region's platform stack, every namespaced object bound to its region's provider, the tier's
 * whole quota in each region, databases in the home region with credentials everywhere,
 * federation between the regions' vhosts, a load balancer with one pool per region; and the
 * single-region stacks that exist today keep every resource they had, under the same URN.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../policy/analysis/objects";
import { parseQuotaHard, quotaHardOf } from "../policy/analysis/usage";
import { TIER_POLICIES } from "../policy/policies";
import { synthesize, SynthFailure, type RecordedResource } from "../synth/engine";
import { disabledDefaultProviders } from "../synth/programs";
import { synthCommand } from "../synth/cli";
import {
  coreNamespace,
  crossRegionHost,
  effectiveProfile,
  PLATFORM_REGIONS,
  REGION_NAMES,
  regionGatewayHostname,
  TenantRequestError,
  type RegionName,
} from "../tiers";
import { mandatory, runPack } from "./helpers/policy";
import { localResources } from "../synth/policyCheck";
import { ofKind, synthOf, synthShape, type Shape } from "./helpers/synth";

interface EgressRule {
  readonly to?: readonly { readonly ipBlock?: { readonly cidr: string } }[];
  readonly ports?: readonly { readonly port?: number }[];
}

const THREE: Shape = { tier: "business", sites: 3, regions: REGION_NAMES };
const [HOME, ...OTHERS] = REGION_NAMES as [RegionName, ...RegionName[]];
const byType = (resources: readonly RecordedResource[], type: string) =>
  resources.filter((r) => r.type === type);
const providerName = (resources: readonly RecordedResource[], r: RecordedResource) =>
  resources.find((p) => p.urn === r.provider)?.name;

describe("a Business tenant in three regions", () => {
  it("reads each region's platform stack and builds that region's Kubernetes provider from its kubeconfig (a secret)", async () => {
    const { result } = await synthOf(THREE);
    const references = byType(result.resources, "pulumi:pulumi:StackReference");
    expect(references.map((r) => r.inputs["name"]).sort()).toEqual(
      REGION_NAMES.map((r) => `collect-verything/platform/${r}`).sort(),
    );
    const providers = byType(result.resources, "pulumi:providers:kubernetes");
    expect(providers.map((p) => p.name).sort()).toEqual(REGION_NAMES.map((r) => `kubernetes-${r}`).sort());
    for (const p of providers) expect(p.inputs["kubeconfig"]).toBe("[secret]");
  });

  it("binds every Kubernetes object to its region's provider, none to a default provider", async () => {
    const { result } = await synthOf(THREE);
    const objects = result.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
    expect(objects.length).toBeGreaterThan(0);
    const unbound = objects.filter((o) => !providerName(result.resources, o)?.startsWith("kubernetes-"));
    expect(unbound.map((o) => o.name)).toEqual([]);
    // Every custom resource has an explicit provider, whatever its package (random and dynamic reach nothing).
    const defaults = result.resources.filter(
      (r) =>
        r.custom &&
        !r.type.startsWith("pulumi:") &&
        !r.type.startsWith("random:") &&
        !r.type.startsWith("pulumi-nodejs:") &&
        r.provider === undefined,
    );
    expect(defaults.map((r) => `${r.type} ${r.name}`)).toEqual([]);
  });

  it("gives each region the tenant's namespaces, workloads and routes, with the tier's whole quota in each", async () => {
    const { clusters } = await synthOf(THREE);
    expect([...clusters.keys()].sort()).toEqual([...REGION_NAMES].sort());
    const q = effectiveProfile("business").quota;
    // The replication Job's name hashes its targets, which differ per region.
    const shapeOf = (objects: readonly KubeObject[]) =>
      objects
        .map(
          (o) =>
            `${o.kind}/${o.metadata?.namespace ?? ""}/${o.metadata?.name?.replace(/^bucket-replication-[0-9a-f]+$/, "bucket-replication")}`,
        )
        .sort();
    const home = clusters.get(HOME)!;
    for (const region of OTHERS) {
      const objects = clusters.get(region)!;
      expect(
        ofKind(objects, "Namespace")
          .map((n) => n.metadata?.name)
          .sort(),
      ).toEqual(
        ofKind(home, "Namespace")
          .map((n) => n.metadata?.name)
          .sort(),
      );
      expect(ofKind(objects, "Deployment")).toHaveLength(ofKind(home, "Deployment").length);
      expect(ofKind(objects, "HTTPRoute")).toHaveLength(3);
      // The same objects as the home region's (its backup plan excepted: backups run where the databases are).
      expect(shapeOf(objects)).toEqual(
        shapeOf(home).filter((key) => !key.startsWith("ConfigMap/") || !key.includes("backup")),
      );
    }
    for (const [region, objects] of clusters) {
      const sum = ofKind(objects, "ResourceQuota").reduce(
        (total, quota) => total + parseQuotaHard(quotaHardOf(quota)).requestsCpu,
        0,
      );
      expect(sum, region).toBe(q.requestsCpu);
    }
  });

  it("keeps the databases in the home region and gives every region their credentials, reaching the home region across the peering", async () => {
    const { result, clusters } = await synthOf(THREE);
    const mysqlProviders = byType(result.resources, "pulumi:providers:mysql");
    expect(mysqlProviders).toHaveLength(1);
    expect(byType(result.resources, "mysql:index/database:Database")).toHaveLength(11);
    const homeSecrets = result.resources.filter(
      (r) => r.type === "kubernetes:core/v1:Secret" && /^acme-databases-.*-credentials$/.test(r.name),
    );
    expect(homeSecrets).toHaveLength(12);
    for (const region of OTHERS) {
      // The same Secrets (their data is secret, so only their names and keys show), through the region's provider.
      const copies = result.resources.filter(
        (r) =>
          r.type === "kubernetes:core/v1:Secret" &&
          r.name.endsWith(`-credentials-${region}`) &&
          r.name.startsWith("acme-databases-"),
      );
      expect(copies.map((s) => s.name.replace(`-${region}`, "")).sort()).toEqual(
        homeSecrets.map((s) => s.name).sort(),
      );
      for (const s of copies) {
        expect(providerName(result.resources, s)).toBe(`kubernetes-${region}`);
        expect(Object.keys(s.inputs["stringData"] as object)).toContain("DB_HOST");
      }
      const objects = clusters.get(region)!;
      // The core namespace may reach MySQL only in the home region's VPC, on MySQL's port.
      const egress = ofKind(objects, "NetworkPolicy")
        .filter(
          (p) =>
            p.metadata?.namespace === coreNamespace("acme") &&
            !p.metadata?.name?.startsWith("bucket-replication"),
        )
        .flatMap((p) => (p.spec as { egress?: EgressRule[] }).egress ?? []);
      const toHome = egress.filter((rule) =>
        (rule.to ?? []).some((peer) => peer.ipBlock?.cidr === PLATFORM_REGIONS[HOME].vpcCidr),
      );
      expect(toHome.flatMap((rule) => (rule.ports ?? []).map((p) => p.port))).toEqual([3306]);
    }
  });

  it("federates each region's vhost from the other regions' (same user, one hop, URIs secret)", async () => {
    const { result } = await synthOf(THREE);
    const vhosts = byType(result.resources, "rabbitmq:index/vHost:VHost");
    expect(vhosts).toHaveLength(3);
    const upstreams = byType(result.resources, "rabbitmq:index/federationUpstream:FederationUpstream");
    for (const vhost of vhosts) {
      const server = vhost.provider;
      const own = upstreams.filter((u) => u.provider === server);
      const region = REGION_NAMES.find((r) => providerName(result.resources, vhost)?.includes(r)) ?? HOME;
      expect(own.map((u) => u.inputs["name"]).sort()).toEqual(
        REGION_NAMES.filter((r) => r !== region)
          .map((r) => `region-${r}`)
          .sort(),
      );
      // The definition holds the URI with the password, so all of it is secret: its keys show.
      for (const u of own)
        expect(Object.keys(u.inputs["definition"] as object).sort()).toEqual([
          "ackMode",
          "maxHops",
          "trustUserId",
          "uri",
        ]);
    }
    expect(
      byType(result.resources, "rabbitmq:index/policy:Policy").filter(
        (p) => p.inputs["name"] === "federate-platform-exchange",
      ),
    ).toHaveLength(3);
  });

  it("creates each region's buckets on that region's object storage", async () => {
    const { result } = await synthOf(THREE);
    const minio = byType(result.resources, "pulumi:providers:minio");
    expect(minio.map((p) => p.inputs["minioServer"]).sort()).toEqual(
      [
        "minio.minio.svc.cluster.local:9000",
        ...OTHERS.map((r) => `${crossRegionHost(r, "objectStorage")}:9000`),
      ].sort(),
    );
    for (const p of minio)
      expect(
        byType(result.resources, "minio:index/s3Bucket:S3Bucket").filter((b) => b.provider === p.urn),
      ).toHaveLength(3);
  });

  it("puts a load balancer in front with one pool per region, the home region first and as fallback", async () => {
    const { result } = await synthOf(THREE);
    const pools = byType(result.resources, "cloudflare:index/loadBalancerPool:LoadBalancerPool");
    expect(pools.map((p) => (p.inputs["origins"] as { address: string }[])[0]!.address)).toEqual(
      REGION_NAMES.map((r) => (r === HOME ? "gateway.dev.collect-verything.test" : regionGatewayHostname(r))),
    );
    const monitors = byType(result.resources, "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor");
    expect(monitors).toHaveLength(1);
    expect(byType(result.resources, "cloudflare:index/loadBalancer:LoadBalancer")).toHaveLength(1);
  });

  it("tags the tenant's AWS resources with tenant and tier", async () => {
    const { result } = await synthOf(THREE);
    const [aws] = byType(result.resources, "pulumi:providers:aws");
    expect(JSON.parse(String(aws!.inputs["defaultTags"]))).toEqual({
      tags: { "collect-verything:tenant": "acme", "collect-verything:tier": "business" },
    });
    for (const r of result.resources.filter((x) => x.type.startsWith("aws:")))
      expect(providerName(result.resources, r)).toBe("aws");
  });

  it("passes the pack, which refuses the same stack declared in fewer regions or judged as Premium", async () => {
    const resources = localResources((await synthOf(THREE)).result.resources);
    expect(await runPack(TIER_POLICIES, resources, { tier: "business", regions: REGION_NAMES })).toEqual([]);
    const undeclared = mandatory(
      await runPack(TIER_POLICIES, resources, { tier: "business", regions: [HOME] }),
    );
    // Three regions' object storage and pools against one declared region: the tier's allowance three times, traffic to undeclared clusters.
    expect(new Set(undeclared.map((v) => v.policy))).toEqual(
      new Set([
        "kubernetes-through-regional-provider",
        "stack-references-platform-only",
        "bucket-quota-sum-within-tier",
        "load-balancer-pools-of-stack",
        // The undeclared regions' brokers and object storage, and their VPCs, are no platform the stack may reach.
        "providers-of-platform",
        "network-policy-within-tenant",
      ]),
    );
    const premium = mandatory(
      await runPack(TIER_POLICIES, resources, { tier: "premium", regions: REGION_NAMES }),
    );
    expect(premium.map((v) => v.policy)).toContain("multi-region-business-only");
  });
});

describe("single-region stacks", () => {
  const before = JSON.parse(
    readFileSync(join(__dirname, "fixtures", "urns-before-regions.json"), "utf8"),
  ) as Record<string, string[]>;
  const shapes: Record<string, [Shape["tier"], number, Record<string, unknown>]> = {
    "standard-1": ["standard", 1, {}],
    "premium-3": ["premium", 3, {}],
    "business-4": ["business", 4, {}],
    "business-2-dedicated": [
      "business",
      2,
      {
        dataServices: {
          dedicatedMysqlCluster: true,
          federationUpstreams: [{ name: "us-east", uri: "amqps://u:p@us.example.com" }],
        },
      },
    ],
  };

  // An existing stack keeps every resource under its URN: a renamed or re-parented one would be
  // replaced (databases and buckets deleted and created empty). Only the region's provider, its
  // platform reference and the tenant's AWS provider are new, and on Business the bucket
  // replication (which, with one region, keeps the buckets free of rules to regions left).
  it.each(Object.keys(shapes))(
    "%s keeps every URN it had before regions, and gains only the explicit providers",
    async (key) => {
      const [tier, sites, overrides] = shapes[key]!;
      const { result } = await synthShape(tier, sites, "acme", overrides);
      const now = new Set(result.resources.map((r) => r.urn));
      expect(before[key]!.filter((urn) => !now.has(urn))).toEqual([]);
      const added = result.resources
        .filter((r) => !before[key]!.includes(r.urn))
        .map((r) => `${r.type}::${r.name}`);
      const replication = [
        "collect-verything:tenant:BucketReplication::acme-bucket-replication",
        "kubernetes:batch/v1:Job::acme-bucket-replication-job",
        "kubernetes:core/v1:Secret::acme-bucket-replication-credentials",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy::acme-bucket-replication-egress",
        "minio:index/iamPolicy:IamPolicy::acme-object-storage-replicator-policy",
        "minio:index/iamUser:IamUser::acme-object-storage-replicator",
        "minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment::acme-object-storage-replicator-policy-attachment",
        "random:index/randomPassword:RandomPassword::acme-object-storage-replicator-secret-key",
      ];
      // The tenant's budget (tests/budget.test.ts) is new too.
      const budget = [
        "collect-verything:tenant:TenantBudget::acme-budget",
        "aws:budgets/budget:Budget::acme-budget-cost",
      ];
      // The origin lockdown on the tenant's zone (issue 22 item 7, tests/originLockdown.test.ts).
      const originPulls = [
        "cloudflare:index/authenticatedOriginPullsSettings:AuthenticatedOriginPullsSettings::acme-edge-origin-pulls",
        "cloudflare:index/authenticatedOriginPullsCertificate:AuthenticatedOriginPullsCertificate::acme-edge-origin-pull-certificate",
      ];
      const providers = [
        ...budget,
        ...originPulls,
        "pulumi:providers:aws::aws",
        `pulumi:providers:kubernetes::kubernetes-${HOME}`,
        `pulumi:pulumi:StackReference::platform-${HOME}`,
      ];
      // The SLA work (issue 24) only adds: the SLO rules, the hostnames' probes, and the PDBs of site
      // gateways that now run two replicas (tests/noSinglePointOfFailure.test.ts).
      const slaAddition =
        /^kubernetes:(monitoring\.coreos\.com\/v1:(PrometheusRule::acme-monitoring-slo-rules|Probe::acme-monitoring-probe-)|policy\/v1:PodDisruptionBudget::acme-site-\d+-api-gateway$)/;
      const sla = added.filter((a) => slaAddition.test(a));
      expect(sla.some((a) => a.includes("slo-rules"))).toBe(true);
      expect(added.filter((a) => !sla.includes(a)).sort()).toEqual(
        [...providers, ...(tier === "business" ? replication : [])].sort(),
      );
    },
  );
});

describe("regions as input", () => {
  it.each([
    [
      "standard",
      [HOME, "us-east-1"],
      /regions: the Standard tier runs in one region; multi-region deployment is a Business feature \(got 2 regions\)/,
    ],
    [
      "premium",
      REGION_NAMES,
      /regions: the Premium tier runs in one region; multi-region deployment is a Business feature \(got 3 regions\)/,
    ],
    ["business", [HOME, HOME], /regions\[1\]: "eu-west-3" is already regions\[0\]/],
    ["business", ["eu-west-3", "ap-south-1"], /regions\[1\]: "ap-south-1" is not a supported region/],
    ["business", [], /regions: must list at least one region/],
  ] as const)("refuses %s in %j before registering anything", async (tier, regions, message) => {
    const failure = await synthShape(tier, 1, "acme", { regions }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(SynthFailure);
    expect((failure as SynthFailure).cause).toBeInstanceOf(TenantRequestError);
    expect((failure as SynthFailure).message).toMatch(message);
    expect((failure as SynthFailure).registered.filter((r) => r.custom)).toEqual([]);
  });

  it("refuses a dedicated cluster across regions (it would need an InnoDB ClusterSet)", async () => {
    const failure = await synthShape("business", 1, "acme", {
      regions: REGION_NAMES,
      dataServices: { dedicatedMysqlCluster: true },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((failure as SynthFailure).message).toMatch(
      /dataServices.dedicatedMysqlCluster: a dedicated cluster runs in the home region only/,
    );
  });

  it("runs a Standard tenant in another home region, alone there", async () => {
    const { clusters, result } = await synthShape("standard", 1, "acme", { regions: ["us-east-1"] });
    expect([...clusters.keys()]).toEqual(["us-east-1"]);
    expect(byType(result.resources, "pulumi:pulumi:StackReference").map((r) => r.inputs["name"])).toEqual([
      "collect-verything/platform/us-east-1",
    ]);
  });

  it("takes --regions on the synth command line: 0 for Business (manifests per region), 2 for Premium", async () => {
    const { mkdtempSync, readdirSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const out = join(mkdtempSync(join(tmpdir(), "regions-")), "out");
    expect(
      await synthCommand([
        "--tenant",
        "acme",
        "--tier",
        "business",
        "--sites",
        "2",
        "--regions",
        REGION_NAMES.join(","),
        "--out",
        out,
        "--quiet",
      ]),
    ).toBe(0);
    expect(readdirSync(join(out, "manifests")).sort()).toEqual([...REGION_NAMES].sort());
    await expect(
      synthCommand([
        "--tenant",
        "acme",
        "--tier",
        "premium",
        "--regions",
        `${HOME},us-east-1`,
        "--out",
        out,
        "--quiet",
      ]),
    ).rejects.toBeInstanceOf(SynthFailure);
  });
});

describe("default providers", () => {
  it("are disabled in both projects for every package that reaches something", () => {
    for (const file of ["Pulumi.yaml", join("platform", "Pulumi.yaml")]) {
      expect(disabledDefaultProviders(join(__dirname, "..", file)).sort(), file).toEqual([
        "aws",
        "cloudflare",
        "kubernetes",
        "minio",
        "mysql",
        "rabbitmq",
      ]);
    }
  });

  it("fail the offline synth as they fail the engine: an object without its region's provider is refused", async () => {
    const { ConfigMap } = await import("@pulumi/kubernetes/core/v1");
    const program = async () =>
      void new ConfigMap("stray", { metadata: { name: "stray", namespace: "default" } });
    const failure = await synthesize(program, {
      project: "tenant",
      stack: "acme",
      config: {},
      disabledDefaultProviders: ["kubernetes"],
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((failure as SynthFailure).message).toMatch(
      /kubernetes:core\/v1:ConfigMap "stray" has no explicit provider, and the default kubernetes provider is disabled/,
    );
    // Without the setting the same program registers (the engine would use the ambient kubeconfig).
    await expect(
      synthesize(program, { project: "tenant", stack: "acme", config: {} }),
    ).resolves.toMatchObject({ resources: expect.any(Array) });
  });
});

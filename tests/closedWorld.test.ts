/**
 * Issue 22 item 3: the closed-world check across the two stacks. Every reference a tenant synth
 * makes to its region's platform resolves to something the platform synth declares; removing each
 * kind of platform piece fails the tenant synth naming the reference and the expected object.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  assertClosedWorld,
  closedWorldProblems,
  ClosedWorldError,
  platformInventory,
} from "../synth/closedWorld";
import type { RecordedResource, SynthResult } from "../synth/engine";
import { offlinePlatformStack } from "../synth/platformStandIn";
import { synthPlatform, synthTenant } from "../synth/programs";
import { PRIMARY_REGION } from "../tiers";
import { ALL_SHAPES, regionsOf, tenantConfig } from "./helpers/synth";

let platform: SynthResult;
beforeAll(async () => {
  platform = await synthPlatform(PRIMARY_REGION);
});

/** The platform synth without the resources `drop` matches, as its inventory. */
const without = (drop: (r: RecordedResource) => boolean) => {
  const inventory = platformInventory(
    { ...platform, resources: platform.resources.filter((r) => !drop(r)) },
    PRIMARY_REGION,
  );
  return () => inventory;
};
const objectNamed = (kind: string, name: string) => (r: RecordedResource) =>
  r.type.endsWith(`:${kind}`) && (r.inputs as { metadata?: { name?: string } }).metadata?.name === name;

const failureWith = (tier: string, sites: number, inventory: ReturnType<typeof without>): Promise<Error> =>
  synthTenant("acme", tenantConfig("acme", tier, sites), offlinePlatformStack, inventory).then(
    () => new Error("synthesized"),
    (e: unknown) => e as Error,
  );

describe("a tenant synth fails for each missing platform piece, naming it", () => {
  it.each([
    [
      "the Gateway",
      "standard",
      objectNamed("Gateway", "platform-gateway"),
      /HTTPRoute .* references Gateway gateway-system\/platform-gateway, but the platform declares no Gateway gateway-system\/platform-gateway/,
    ],
    [
      "the edge namespace",
      "standard",
      objectNamed("Namespace", "envoy-gateway-system"),
      /NetworkPolicy .* references namespace envoy-gateway-system, but the platform declares no Namespace envoy-gateway-system/,
    ],
    [
      "the tier's StorageClass",
      "premium",
      objectNamed("StorageClass", "tier-premium-storage"),
      /PersistentVolumeClaim .* references StorageClass tier-premium-storage, but the platform declares no StorageClass tier-premium-storage/,
    ],
    [
      "the tier's VolumeAttributesClass",
      "premium",
      objectNamed("VolumeAttributesClass", "tier-premium-iops"),
      /references VolumeAttributesClass tier-premium-iops/,
    ],
    [
      "the tier's PriorityClass",
      "standard",
      objectNamed("PriorityClass", "tier-standard"),
      /Deployment .* references PriorityClass tier-standard, but the platform declares no PriorityClass tier-standard/,
    ],
    [
      "the shared RabbitMQ cluster",
      "standard",
      objectNamed("RabbitmqCluster", "rabbitmq"),
      /references Service host rabbitmq\.rabbitmq, but the platform declares no Service rabbitmq\.rabbitmq/,
    ],
    [
      "the shared MySQL cluster",
      "standard",
      objectNamed("InnoDBCluster", "mysql"),
      /pulumi:providers:mysql .* references Service host mysql\.mysql/,
    ],
    [
      "the MinIO release",
      "standard",
      (r: RecordedResource) => (r.inputs as { name?: string }).name === "minio",
      /references Service host minio\.minio/,
    ],
    [
      "KEDA (its CRDs)",
      "premium",
      (r: RecordedResource) => (r.inputs as { name?: string }).name === "keda",
      /ScaledObject .* references kind keda\.sh\/v1alpha1 ScaledObject, but the platform declares no release installing the keda\.sh CRDs/,
    ],
    [
      "the Prometheus operator (its CRDs)",
      "standard",
      (r: RecordedResource) => (r.inputs as { name?: string }).name === "kube-prometheus-stack",
      /references kind monitoring\.coreos\.com\/v1 PrometheusRule/,
    ],
    [
      "the cluster's OIDC provider",
      "standard",
      (r: RecordedResource) => r.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
      /aws:iam\/role:Role .* references IAM identity arn:aws:iam::\d{12}:oidc-provider\/oidc\.eks\.eu-west-3/,
    ],
    [
      "the backup key",
      "standard",
      (r: RecordedResource) => r.type === "aws:kms/key:Key" && r.name === "tenant-backups-key",
      /references KMS key arn:aws:kms:eu-west-3:\d{12}:key\/tenant-backups-key-id/,
    ],
    [
      "the backup bucket",
      "standard",
      (r: RecordedResource) => r.type === "aws:s3/bucket:Bucket",
      /references bucket cv-tenant-backups, but the platform declares no S3 bucket cv-tenant-backups/,
    ],
  ] as [string, string, (r: RecordedResource) => boolean, RegExp][])(
    "without %s",
    async (_piece, tier, drop, message) => {
      const failure = await failureWith(tier, 1, without(drop));
      expect(failure).toBeInstanceOf(ClosedWorldError);
      expect(failure.message).toMatch(message);
    },
  );

  it("without the listener the routes name: names the listener and its Gateway", async () => {
    const inventory = platformInventory(platform, PRIMARY_REGION);
    const renamed = {
      ...inventory,
      gateways: new Map([["gateway-system/platform-gateway", new Set(["http"])]]),
    };
    const failure = await failureWith("standard", 1, () => renamed);
    expect(failure.message).toMatch(
      /references listener https of Gateway gateway-system\/platform-gateway, but the platform declares no listener https on Gateway gateway-system\/platform-gateway/,
    );
  });

  it("reads a Service host in each string and key on its own: after an escaped newline, in a key", async () => {
    const tenant = await synthTenant(
      "acme",
      tenantConfig("acme", "standard", 1),
      offlinePlatformStack,
      false,
    );
    const probe: RecordedResource = {
      urn: "urn:pulumi:acme::tenant::kubernetes:core/v1:ConfigMap::probe",
      type: "kubernetes:core/v1:ConfigMap",
      name: "probe",
      custom: true,
      parent: "",
      inputs: {
        metadata: { name: "probe", namespace: "acme" },
        data: { "upstream.conf": "upstream\nghost.nowhere.svc:8080", "spare.elsewhere.svc": "key" },
      },
      protect: false,
      retainOnDelete: false,
      ignoreChanges: [],
      dependsOn: [],
    };
    const problems = closedWorldProblems(
      { ...tenant, resources: [...tenant.resources, probe] },
      PRIMARY_REGION,
      () => platformInventory(platform, PRIMARY_REGION),
    );
    expect(problems).toEqual([
      "kubernetes:core/v1:ConfigMap probe references Service host ghost.nowhere, but the platform declares no Service ghost.nowhere",
      "kubernetes:core/v1:ConfigMap probe references Service host spare.elsewhere, but the platform declares no Service spare.elsewhere",
    ]);
  });

  it("checks each region's objects against that region's platform", async () => {
    const home = platformInventory(platform, PRIMARY_REGION);
    const bare = platformInventory({ ...platform, resources: [] }, "us-east-1");
    const failure = await synthTenant(
      "acme",
      tenantConfig("acme", "business", 1, { regions: [PRIMARY_REGION, "us-east-1"] }),
      offlinePlatformStack,
      (region) => (region === PRIMARY_REGION ? home : bare),
    ).then(
      () => new Error("synthesized"),
      (e: unknown) => e as Error,
    );
    const lines = failure.message.split("\n").slice(1);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/us-east-1/);
  });
});

describe("passes every shape the tests synthesize", () => {
  it.each(
    ALL_SHAPES.filter((s) => s.sites === 1 || s.regions.length > 1).map(
      (s) => [`${s.tier} ${s.sites} site(s) in ${s.regions.join(",")}`, s] as const,
    ),
  )("%s", async (_name, shape) => {
    await expect(
      synthTenant("acme", tenantConfig("acme", shape.tier, shape.sites, regionsOf(shape))),
    ).resolves.toBeDefined();
  });

  it("Business with a dedicated MySQL cluster: its routers' Service is the tenant's own", async () => {
    await expect(
      synthTenant(
        "acme",
        tenantConfig("acme", "business", 2, { dataServices: { dedicatedMysqlCluster: true } }),
      ),
    ).resolves.toBeDefined();
  });

  it("the check is what fails, not the program: the same tenant passes with the whole platform", async () => {
    const tenant = await synthTenant("acme", tenantConfig("acme", "premium", 2), offlinePlatformStack, false);
    expect(() =>
      assertClosedWorld(tenant, PRIMARY_REGION, () => platformInventory(platform, PRIMARY_REGION)),
    ).not.toThrow();
  });
});

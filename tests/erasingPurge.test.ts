/**
 * The purge in erasing mode on the offline engine: the TenantService sets `tenant:erasing`, runs
 * the update (the state then records nothing protected or retained), destroys and removes the
 * stack; the report lists every resource the program kept (namespaces, buckets, volume claims,
 * the Business dedicated cluster), the Cloudflare objects and the IAM role as deleted and gone
 * from the engine's state, and is complete. A neighbour whose id starts with the tenant's keeps
 * its stack, its protection and its config.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ERASING_CONFIG_KEY } from "../automation/erasure/erasingMode";
import { OfflineEngine } from "../automation/offlineEngine";
import type { StateResource } from "../automation/engine";
import { TenantService } from "../automation/tenantService";
import type { ErasureSetup } from "../automation/erasure/purge";
import { EbsVolumeEraser, PVC_NAMESPACE_TAG } from "../automation/erasure/ebsVolumeEraser";
import { kubernetesApi } from "../automation/erasure/kubernetesApi";
import { KubernetesVolumeEraser } from "../automation/erasure/kubernetesVolumeEraser";
import { EC2Client } from "@aws-sdk/client-ec2";
import { coreNamespace, databaseNamespace } from "../tiers";
import { FakeEc2, FakeKubernetes } from "./helpers/volumeFakes";
import { REQUEST_OUTPUT, type TenantConfigInput } from "../stacks/config";
import { DEV_ADMIN_CREDENTIALS, DEV_CLOUDFLARE } from "../synth/programs";

const request = (tenantId: string): TenantConfigInput => ({
  tenantId,
  tier: "business",
  images: { registry: "registry.example.com/cv", tag: "1.0.0" },
  adminCredentials: DEV_ADMIN_CREDENTIALS,
  cloudflare: DEV_CLOUDFLARE,
  dataServices: { dedicatedMysqlCluster: true },
});

/** The offline engine, keeping what its state held when the stack was removed. */
class WatchedEngine extends OfflineEngine {
  readonly atRemoval = new Map<string, { resources: readonly StateResource[]; file: unknown }>();
  override async remove(tenantId: string): Promise<void> {
    this.atRemoval.set(tenantId, {
      resources: await this.stateResources(tenantId),
      file: JSON.parse(readFileSync(join(dir, `${tenantId}.json`), "utf8")),
    });
    await super.remove(tenantId);
  }
}

let dir: string;
let clock: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "erasing-purge-"));
  clock = Date.parse("2026-11-22T10:00:00Z");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const serviceOn = (engine: OfflineEngine, erasure?: ErasureSetup) =>
  new TenantService({
    ...(erasure ? { erasure } : {}),
    engine,
    usage: {
      productCount: async () => 100,
      storageUsedGi: async () => 10,
      averageConcurrentUsers: async () => 50,
    },
    now: () => clock,
    backup: { backup: async (t, reason) => ({ location: `s3://backups/${t}/${reason}` }) },
  });

describe("purge in erasing mode (offline engine)", () => {
  it("deletes what the program keeps, verified gone from the engine's state, and spares the neighbour", async () => {
    const engine = new WatchedEngine({ stateDir: dir, now: () => clock });
    const svc = serviceOn(engine);
    await svc.provisionTenant(request("acme"));
    await svc.provisionTenant(request("acme-shop"));
    const neighbourBefore = await engine.stateResources("acme-shop");
    const kept = (await engine.stateResources("acme")).filter((r) => r.protect || r.retainOnDelete);
    const keptTypes = new Set(kept.map((r) => r.type));
    for (const type of [
      "kubernetes:core/v1:Namespace",
      "minio:index/s3Bucket:S3Bucket",
      "kubernetes:core/v1:PersistentVolumeClaim",
      "kubernetes:mysql.oracle.com/v2:InnoDBCluster",
    ])
      expect(keptTypes).toContain(type);
    await svc.deprovisionTenant("acme", { retainDays: 30 });

    const { erasure } = await svc.purgeTenant("acme", { early: true, reason: "GDPR-2026-0042" });

    // The destroy left nothing in the state; the erasing update recorded the request without the flag.
    const removed = engine.atRemoval.get("acme")!;
    expect(removed.resources).toEqual([]);
    const recorded = (removed.file as { secretOutputs: Record<string, Record<string, unknown>> })
      .secretOutputs;
    expect(recorded).toEqual({});
    expect(existsSync(join(dir, "acme.json"))).toBe(false);
    expect(erasure).toMatchObject({
      tenantId: "acme",
      reason: "GDPR-2026-0042",
      complete: true,
      noop: false,
    });
    expect(erasure.items.filter((i) => i.action === "retained")).toEqual([]);
    const deleted = new Map(erasure.items.map((i) => [i.name, i]));
    for (const r of kept)
      expect(deleted.get(r.urn), r.urn).toMatchObject({
        system: "stack",
        kind: r.type,
        action: "deleted",
        verifiedAbsent: true,
      });
    const kinds = new Set(erasure.items.map((i) => i.kind));
    expect([...kinds].some((k) => k.startsWith("cloudflare:"))).toBe(true);
    expect(kinds).toContain("aws:iam/role:Role");
    expect(erasure.items.every((i) => i.name === "acme" || i.name.startsWith("urn:pulumi:acme::"))).toBe(
      true,
    );

    // The neighbour: same stack, still protected, no erasing flag.
    expect(await engine.stateResources("acme-shop")).toEqual(neighbourBefore);
    expect(neighbourBefore.some((r) => r.protect)).toBe(true);
    expect(Object.keys(await engine.readConfig("acme-shop"))).not.toContain(ERASING_CONFIG_KEY);
  }, 120_000);

  it("records the erasing update's state: nothing protected or retained, the request without the flag", async () => {
    const engine = new OfflineEngine({ stateDir: dir, now: () => clock });
    const svc = serviceOn(engine);
    await svc.provisionTenant(request("acme"));
    const { enterErasingMode } = await import("../automation/erasure/erasingMode");
    const kept = await enterErasingMode(engine, "acme");
    expect(kept.length).toBeGreaterThan(0);
    expect((await engine.stateResources("acme")).filter((r) => r.protect || r.retainOnDelete)).toEqual([]);
    expect((await engine.readConfig("acme"))[ERASING_CONFIG_KEY]).toEqual({ value: "true", secret: false });
    const file = JSON.parse(readFileSync(join(dir, "acme.json"), "utf8")) as {
      secretOutputs: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(file.secretOutputs[REQUEST_OUTPUT]!)).not.toContain("erasing");
    // A stack in erasing mode is never handed back: only a purge finishes it.
    await svc.deprovisionTenant("acme", { retainDays: 30 });
    await expect(svc.reinstateTenant("acme")).rejects.toMatchObject({ outcome: "conflict" });
  }, 120_000);
});

describe("purge with the volume erasers (local protocol fakes for Kubernetes and EC2)", () => {
  const ec2 = new FakeEc2();
  const kube = new FakeKubernetes("purge-token");
  beforeAll(() => Promise.all([ec2.start(), kube.start()]));
  afterAll(() => Promise.all([ec2.close(), kube.close()]));

  it("erases the stack, then the released volumes and their disks, in one complete report", async () => {
    const client = new EC2Client({
      endpoint: ec2.endpoint,
      region: "eu-west-3",
      credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
    });
    for (const [tenant, namespace] of [
      ["acme", coreNamespace("acme")],
      ["acme", databaseNamespace("acme")],
      ["acme-shop", coreNamespace("acme-shop")],
    ] as const) {
      const id = `vol-${namespace}`;
      ec2.volumes.set(id, { id, state: "available", tags: { [PVC_NAMESPACE_TAG]: namespace } });
      kube.pvs.set(`pv-${namespace}`, {
        name: `pv-${namespace}`,
        claimNamespace: namespace,
        claimName: `${tenant}-data`,
        volumeHandle: id,
      });
    }
    const engine = new OfflineEngine({ stateDir: dir, now: () => clock });
    const svc = serviceOn(engine, {
      erasers: () => [
        new KubernetesVolumeEraser({
          api: kubernetesApi({ server: kube.url, token: kube.token }),
          pollMs: 5,
        }),
        new EbsVolumeEraser({ client, where: "ec2:eu-west-3 (local fake)", pollMs: 5 }),
      ],
    });
    await svc.provisionTenant(request("acme"));
    await svc.deprovisionTenant("acme", { retainDays: 0 });
    clock += 1_000;
    const { erasure } = await svc.purgeTenant("acme");
    client.destroy();
    expect(erasure.complete).toBe(true);
    expect(erasure.items.map((i) => i.system)).toEqual(
      expect.arrayContaining(["stack", "kubernetes", "ebs"]),
    );
    expect(
      erasure.items
        .filter((i) => i.system !== "stack")
        .map((i) => i.name)
        .sort(),
    ).toEqual(
      [
        `pv-${coreNamespace("acme")}`,
        `pv-${databaseNamespace("acme")}`,
        `vol-${coreNamespace("acme")}`,
        `vol-${databaseNamespace("acme")}`,
      ].sort(),
    );
    expect([...kube.pvs.keys()]).toEqual([`pv-${coreNamespace("acme-shop")}`]);
    expect([...ec2.volumes.keys()]).toEqual([`vol-${coreNamespace("acme-shop")}`]);
  }, 120_000);
});

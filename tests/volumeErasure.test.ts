/**
 * The volume erasers against local protocol fakes (tests/helpers/volumeFakes.ts), not real
 * services: the real EC2 SDK client pointed at a local server speaking the EC2 Query API, and the
 * Kubernetes client at a local server speaking the PersistentVolume endpoints. The tenant's
 * released volumes and their EBS volumes are deleted and verified absent across pages; the
 * neighbour `<id>-shop`, whose namespaces start with the tenant's, keeps everything; a second
 * erasure is a no-op.
 */
import { EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EbsVolumeEraser, PVC_NAMESPACE_TAG } from "../automation/erasure/ebsVolumeEraser";
import { credentialsFromKubeconfig, kubernetesApi } from "../automation/erasure/kubernetesApi";
import { KubernetesVolumeEraser } from "../automation/erasure/kubernetesVolumeEraser";
import { eraseTenant } from "../automation/erasure/report";
import { coreNamespace, databaseNamespace, siteNamespace } from "../tiers";
import { FakeEc2, FakeKubernetes } from "./helpers/volumeFakes";

const TENANT = "acme";
const NEIGHBOUR = "acme-shop";
const ec2 = new FakeEc2();
const kube = new FakeKubernetes("t0ken-erasure");
let client: EC2Client;

/** A tenant's claims: core (Redis), a site's namespace, the dedicated database namespace. */
function seed(tenantId: string): void {
  const namespaces = [coreNamespace(tenantId), siteNamespace(tenantId, 2), databaseNamespace(tenantId)];
  namespaces.forEach((namespace, i) => {
    const id = `vol-${tenantId}-${i}`;
    ec2.volumes.set(id, {
      id,
      state: "available",
      tags: { [PVC_NAMESPACE_TAG]: namespace, "kubernetes.io/created-for/pvc/name": `data-${i}` },
    });
    kube.pvs.set(`pvc-${tenantId}-${i}`, {
      name: `pvc-${tenantId}-${i}`,
      claimNamespace: namespace,
      claimName: `data-${i}`,
      volumeHandle: id,
    });
  });
}

const erasers = () => [
  new KubernetesVolumeEraser({ api: kubernetesApi({ server: kube.url, token: kube.token }), pollMs: 5 }),
  new EbsVolumeEraser({ client, where: "ec2:eu-west-3 (local fake)", pollMs: 5 }),
];

beforeAll(async () => {
  await Promise.all([ec2.start(), kube.start()]);
  client = new EC2Client({
    endpoint: ec2.endpoint,
    region: "eu-west-3",
    credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
  });
  seed(TENANT);
  seed(NEIGHBOUR);
  // Not a tenant's: an unclaimed volume, an untagged disk.
  kube.pvs.set("pv-unclaimed", { name: "pv-unclaimed" });
  ec2.volumes.set("vol-root", { id: "vol-root", state: "in-use", tags: {} });
});

afterAll(async () => {
  client?.destroy();
  await Promise.all([ec2.close(), kube.close()]);
});

describe("released volumes and their EBS volumes (local protocol fakes)", () => {
  it("deletes the tenant's PersistentVolumes and EBS volumes, each verified absent, and nothing of the neighbour's", async () => {
    const report = await eraseTenant(TENANT, erasers(), { reason: "test" });
    expect(report).toMatchObject({ complete: true, noop: false });
    const names = (system: string) => report.items.filter((i) => i.system === system).map((i) => i.name);
    expect(names("kubernetes").sort()).toEqual(["pvc-acme-0", "pvc-acme-1", "pvc-acme-2"]);
    expect(names("ebs").sort()).toEqual(["vol-acme-0", "vol-acme-1", "vol-acme-2"]);
    for (const item of report.items) expect(item).toMatchObject({ action: "deleted", verifiedAbsent: true });
    expect(report.items.find((i) => i.name === "pvc-acme-2")?.note).toContain(
      `claim ${databaseNamespace(TENANT)}/data-2`,
    );
    expect([...kube.pvs.keys()].sort()).toEqual([
      "pv-unclaimed",
      "pvc-acme-shop-0",
      "pvc-acme-shop-1",
      "pvc-acme-shop-2",
    ]);
    expect([...ec2.volumes.keys()].sort()).toEqual([
      "vol-acme-shop-0",
      "vol-acme-shop-1",
      "vol-acme-shop-2",
      "vol-root",
    ]);
    // Every request carried the token; the list was followed across pages.
    expect(kube.requests.filter((r) => r.includes("continue=")).length).toBeGreaterThan(0);
    expect(ec2.actions.filter((a) => a === "DeleteVolume")).toHaveLength(3);
    // The SDK's Query serialization reached the fake as the API defines it: a tag-key filter, volume ids.
    expect(ec2.describes).toContainEqual({ tagKeys: [PVC_NAMESPACE_TAG], ids: [] });
    expect(ec2.describes).toContainEqual({ tagKeys: [], ids: ["vol-acme-0"] });
  });

  it("is a no-op the second time", async () => {
    const again = await eraseTenant(TENANT, erasers(), { reason: "test" });
    expect(again).toMatchObject({ complete: true, noop: true });
    expect(again.items.map((i) => i.action)).toEqual(["absent", "absent"]);
  });

  it("reports an attached EBS volume as not verified absent, so the erasure is not complete", async () => {
    ec2.volumes.set("vol-stuck", {
      id: "vol-stuck",
      state: "in-use",
      tags: { [PVC_NAMESPACE_TAG]: coreNamespace("stuck") },
    });
    const report = await eraseTenant(
      "stuck",
      [new EbsVolumeEraser({ client, where: "fake", settleMs: 20, pollMs: 5 })],
      {
        reason: "test",
      },
    );
    expect(report.complete).toBe(false);
    expect(report.items[0]).toMatchObject({ name: "vol-stuck", verifiedAbsent: false });
    expect(report.items[0]?.note).toContain("VolumeInUse");
    ec2.volumes.delete("vol-stuck");
  });

  it("refuses a wrong token instead of reporting nothing found", async () => {
    const wrong = new KubernetesVolumeEraser({ api: kubernetesApi({ server: kube.url, token: "wrong" }) });
    await expect(wrong.erase(NEIGHBOUR, () => "now")).rejects.toThrow(/HTTP 401/);
  });
});

describe("kubeconfig credentials", () => {
  const kubeconfig = (user: string) => `
apiVersion: v1
kind: Config
current-context: platform
contexts: [{ name: platform, context: { cluster: eks, user: eraser } }]
clusters: [{ name: eks, cluster: { server: "https://example.eks.amazonaws.com", certificate-authority-data: ${Buffer.from("CA PEM").toString("base64")} } }]
users: [{ name: eraser, user: ${user} }]
`;

  it("takes the current context's server, CA and token", () => {
    expect(credentialsFromKubeconfig(kubeconfig("{ token: abc }"))).toEqual({
      server: "https://example.eks.amazonaws.com",
      ca: "CA PEM",
      token: "abc",
    });
  });

  it("refuses exec credentials and a user without any", () => {
    expect(() =>
      credentialsFromKubeconfig(kubeconfig("{ exec: { command: aws, args: [eks, get-token] } }")),
    ).toThrow(/exec credentials are not supported/);
    expect(() => credentialsFromKubeconfig(kubeconfig("{}"))).toThrow(
      /neither a token nor a client certificate/,
    );
  });
});

/**
 * Suspension (issue 25, the first "What must be shown" item), on the offline engine running the
 * real program: a deprovision takes the storefront offline at once (every Deployment at zero
 * replicas, no HPA left, every KEDA ScaledObject paused at zero, every hostname of every site and
 * region routed to the 503 maintenance response) before the final backup, with every stateful
 * resource (databases, users, vhost, queues, buckets, volume claims, namespaces, the dedicated
 * cluster) exactly as it was; a restore within the window brings back exactly the active stack.
 * Against the real MariaDB: a row written before the suspension is in the final backup and still
 * in the database the restored stack names. `tenant:suspended` is the operations' key: a request
 * that sets it is refused by name.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TAGS, TenantService, type BackupHook, type DeprovisionResult } from "../automation";
import { DirectoryStore } from "../automation/backupStore";
import { DumpBackup } from "../automation/dumpBackup";
import { STATEFUL_TYPES } from "../automation/engine";
import { tenantMysqlNames } from "../automation/erasure/mysqlEraser";
import { tenantBuckets } from "../automation/erasure/targets";
import { OfflineEngine } from "../automation/offlineEngine";
import { toStackConfig } from "../automation/requestConfig";
import { KEDA_PAUSED_REPLICAS } from "../components/tenant/workloadAutoscaler";
import { MAINTENANCE_RESPONSE } from "../components/tenant/siteRouting";
import { parseStackConfig, parseTenantRequest, type TenantConfigInput } from "../stacks/config";
import type { RecordedResource, SynthResult } from "../synth/engine";
import { checkPolicies } from "../synth/policyCheck";
import { DEV_ADMIN_CREDENTIALS, DEV_CLOUDFLARE, synthTenant } from "../synth/programs";
import type { StackConfig } from "../synth/stackConfig";
import { REGION_NAMES, TenantRequestError } from "../tiers";
import { MYSQL, mysqlQuery, serverAvailable } from "./helpers/servers";

const request = (tenantId: string, extra: Partial<TenantConfigInput> = {}): TenantConfigInput => ({
  tenantId,
  tier: "premium",
  images: { registry: "registry.example.com/cv", tag: "1.0.0" },
  adminCredentials: DEV_ADMIN_CREDENTIALS,
  cloudflare: DEV_CLOUDFLARE,
  ...extra,
});

/** What holds data (written out here, so the test does not trust the code's own list). */
const STATEFUL = new Set([
  "mysql:index/database:Database",
  "mysql:index/user:User",
  "mysql:index/grant:Grant",
  "minio:index/s3Bucket:S3Bucket",
  "minio:index/s3BucketVersioning:S3BucketVersioning",
  "rabbitmq:index/vHost:VHost",
  "rabbitmq:index/queue:Queue",
  "rabbitmq:index/user:User",
  "kubernetes:core/v1:PersistentVolumeClaim",
  "kubernetes:core/v1:Namespace",
  "kubernetes:mysql.oracle.com/v2:InnoDBCluster",
]);

const SHAPES: readonly { label: string; request: Partial<TenantConfigInput> }[] = [
  {
    label: "standard, 1 site with a custom domain",
    request: { tier: "standard", sites: [{ customDomains: ["shop.acme.example"] }] },
  },
  {
    label: "premium, 3 sites with custom domains",
    request: {
      tier: "premium",
      sites: [
        { customDomains: ["shop.acme.example", "www.acme.example"] },
        { customDomains: ["outlet.acme.example"] },
        { customDomains: [] },
      ],
    },
  },
  {
    label: "business, 2 sites in two regions",
    request: {
      tier: "business",
      regions: REGION_NAMES.slice(0, 2),
      sites: [{ customDomains: ["shop.acme.example"] }, { customDomains: [] }],
    },
  },
  {
    label: "business, its own MySQL cluster",
    request: { tier: "business", dataServices: { dedicatedMysqlCluster: true } },
  },
];

/** The program is deterministic: one synth per distinct config serves every run. */
const synths = new Map<string, Promise<SynthResult>>();
/** The last synth of a suspended config, with that config (for the policy pack). */
let lastSuspended: { config: StackConfig; result: Promise<SynthResult> } | undefined;
const sharedSynth = (tenantId: string, config: StackConfig): Promise<SynthResult> => {
  const key = JSON.stringify([tenantId, config]);
  let result = synths.get(key);
  if (!result) synths.set(key, (result = synthTenant(tenantId, config)));
  if (config.config["tenant:suspended"] === "true") lastSuspended = { config, result };
  return result;
};

const root = mkdtempSync(join(tmpdir(), "suspension-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let stacks = 0;

interface StackFile {
  tags: Record<string, string>;
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
}

/** A tenant service on its own offline backend; `state()` reads the stack file as the backend holds it. */
function offlineTenant(tenantId: string, backup?: BackupHook, now?: () => number) {
  const stateDir = join(root, String(stacks++));
  const engine = new OfflineEngine({ stateDir, synth: sharedSynth });
  const state = (): StackFile =>
    JSON.parse(readFileSync(join(stateDir, `${tenantId}.json`), "utf8")) as StackFile;
  const service = new TenantService({
    engine,
    backup: backup ?? { backup: async (t) => ({ location: `s3://backups/${t}` }) },
    ...(now ? { now } : {}),
  });
  return { engine, service, state };
}

type Manifest = {
  kind?: string;
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
};
const manifest = (r: RecordedResource) => r.inputs as Manifest;
const ofType = (resources: readonly RecordedResource[], type: string) =>
  resources.filter((r) => r.type === type);
const byUrn = (resources: readonly RecordedResource[]) => new Map(resources.map((r) => [r.urn, r]));
/** Each stateful resource as the engine holds it: identity, inputs, protection. */
const statefulOf = (resources: readonly RecordedResource[]) =>
  resources
    .filter((r) => STATEFUL.has(r.type))
    .map((r) => ({ urn: r.urn, inputs: r.inputs, protect: r.protect, retainOnDelete: r.retainOnDelete }))
    .sort((a, b) => a.urn.localeCompare(b.urn));

type HttpRoute = {
  hostnames: string[];
  rules: {
    backendRefs?: unknown[];
    filters?: { type: string; extensionRef: { group: string; kind: string; name: string } }[];
  }[];
};

/** The hostnames each region's routes answer (region = the route's Kubernetes provider). */
function routedHostnames(resources: readonly RecordedResource[]): Map<string, string[]> {
  const routes = new Map<string, string[]>();
  for (const r of ofType(resources, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute")) {
    const key = r.provider ?? "";
    routes.set(
      key,
      [...(routes.get(key) ?? []), ...(manifest(r).spec as unknown as HttpRoute).hostnames].sort(),
    );
  }
  return routes;
}

describe.each(SHAPES)("$label", ({ request: shape }) => {
  let active: StackFile;
  let suspended: StackFile;
  let restored: StackFile;
  let deprovisioned: DeprovisionResult;
  let suspendedSynth: { config: StackConfig; result: Promise<SynthResult> } | undefined;
  /** The stack as the final backup found it. */
  let atBackup: StackFile | undefined;

  beforeAll(async () => {
    let read: () => StackFile = () => {
      throw new Error("no stack yet");
    };
    const tenant = offlineTenant("acme", {
      backup: async (t) => ((atBackup = read()), { location: `s3://backups/${t}/final` }),
    });
    read = tenant.state;
    await tenant.service.provisionTenant(request("acme", shape));
    active = tenant.state();
    deprovisioned = await tenant.service.deprovisionTenant("acme", { retainDays: 30 });
    suspended = tenant.state();
    suspendedSynth = lastSuspended;
    await tenant.service.reinstateTenant("acme");
    restored = tenant.state();
  }, 300_000);

  it("suspends before the final backup: the backup found the storefront already offline", () => {
    expect(atBackup!.resources).toEqual(suspended.resources);
    expect(suspended.tags[TAGS.retainUntil]).toBe(deprovisioned.retainUntil);
    expect(deprovisioned.suspension.summary.replace).toBeUndefined();
  });

  it("runs no workload: every Deployment (Redis too) at zero replicas, and nothing that can raise one", () => {
    const deployments = ofType(suspended.resources, "kubernetes:apps/v1:Deployment");
    expect(deployments.length).toBeGreaterThan(0);
    expect(ofType(active.resources, "kubernetes:apps/v1:Deployment").map((d) => d.urn)).toEqual(
      deployments.map((d) => d.urn),
    );
    for (const d of deployments) expect([d.name, manifest(d).spec?.["replicas"]]).toEqual([d.name, 0]);
    // No StatefulSet of the tenant's own (the dedicated cluster's are its operator's: see docs).
    expect(ofType(suspended.resources, "kubernetes:apps/v1:StatefulSet")).toEqual([]);
    expect(ofType(suspended.resources, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")).toEqual([]);
    const scaled = ofType(suspended.resources, "kubernetes:keda.sh/v1alpha1:ScaledObject");
    for (const s of scaled) expect(manifest(s).metadata?.annotations?.[KEDA_PAUSED_REPLICAS]).toBe("0");
    // The active stack did autoscale these workloads: the suspension took something away.
    const autoscalers =
      ofType(active.resources, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").length + scaled.length;
    expect(autoscalers).toBeGreaterThan(0);
  });

  it("answers every hostname, of every site and region, with the maintenance response", () => {
    const hostnames = (active.outputs["hostnames"] as string[][]).flat();
    const before = routedHostnames(active.resources);
    const after = routedHostnames(suspended.resources);
    expect(after).toEqual(before);
    expect(after.size).toBe(shape.regions?.length ?? 1);
    for (const routed of after.values()) expect(routed).toEqual([...hostnames].sort());
    const filters = byUrn(
      ofType(suspended.resources, "kubernetes:gateway.envoyproxy.io/v1alpha1:HTTPRouteFilter"),
    );
    // A filter answers for the routes of its own cluster and namespace.
    const where = (r: RecordedResource, name?: string) =>
      `${r.provider}|${manifest(r).metadata?.namespace}/${name ?? manifest(r).metadata?.name}`;
    const filterIn = new Map([...filters.values()].map((f) => [where(f), f]));
    for (const route of ofType(suspended.resources, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute")) {
      const spec = manifest(route).spec as unknown as HttpRoute;
      expect(spec.rules).toHaveLength(1);
      expect(spec.rules[0]!.backendRefs).toBeUndefined();
      const ref = spec.rules[0]!.filters![0]!.extensionRef;
      expect(ref).toMatchObject({ group: "gateway.envoyproxy.io", kind: "HTTPRouteFilter" });
      const filter = filterIn.get(where(route, ref.name));
      expect(filter?.provider).toBe(route.provider);
      expect(manifest(filter!).spec).toEqual({
        directResponse: {
          statusCode: 503,
          contentType: MAINTENANCE_RESPONSE.contentType,
          body: { type: "Inline", inline: MAINTENANCE_RESPONSE.body },
          header: {
            set: [
              { name: "Retry-After", value: String(MAINTENANCE_RESPONSE.retryAfterSeconds) },
              { name: "Cache-Control", value: "no-store" },
            ],
          },
        },
      });
    }
  });

  it("pages no one: no alert or SLO rule and no probe of its hostnames while suspended, metrics kept", () => {
    for (const type of [
      "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
      "kubernetes:monitoring.coreos.com/v1:Probe",
    ]) {
      expect(ofType(active.resources, type).length).toBeGreaterThan(0);
      expect(ofType(suspended.resources, type)).toEqual([]);
    }
    const monitors = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
    expect(ofType(suspended.resources, monitors)).toEqual(ofType(active.resources, monitors));
  });

  it("keeps every stateful resource exactly as it was, and the names the eraser works from", () => {
    expect(STATEFUL_TYPES.size).toBeGreaterThan(0);
    expect(statefulOf(suspended.resources)).toEqual(statefulOf(active.resources));
    expect(statefulOf(restored.resources)).toEqual(statefulOf(active.resources));
    const steps = deprovisioned.suspension.steps.filter((s) => STATEFUL.has(s.type));
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.filter((s) => s.op !== "same")).toEqual([]);
    for (const key of ["databases", "vhost", "buckets", "namespaces"])
      expect([key, suspended.outputs[key]]).toEqual([key, active.outputs[key]]);
    // The purge's erasers go by exact names derived from the id: the stack still holds those.
    const databases = ofType(suspended.resources, "mysql:index/database:Database").map(
      (d) => d.inputs["name"],
    );
    expect(tenantMysqlNames("acme").databases).toEqual(expect.arrayContaining(databases));
    const buckets = ofType(suspended.resources, "minio:index/s3Bucket:S3Bucket").map(
      (b) => b.inputs["bucket"],
    );
    expect(tenantBuckets("acme").buckets).toEqual(expect.arrayContaining(buckets));
  });

  it("restores exactly the active stack: the same resources with the same inputs, the window ended", () => {
    expect(restored.resources.map((r) => [r.urn, r.inputs])).toEqual(
      active.resources.map((r) => [r.urn, r.inputs]),
    );
    expect(restored.tags[TAGS.retainUntil]).toBe("");
  });

  it("passes the policy pack while suspended (zero replicas, maintenance routes of its own hostnames)", async () => {
    const check = await checkPolicies(await suspendedSynth!.result, suspendedSynth!.config);
    expect(check.violations).toEqual([]);
  });
});

describe("tenant:suspended is the operations' key", () => {
  it("is refused in a request, by name, with the rest still judged", () => {
    const refused = (raw: Record<string, unknown>) => {
      try {
        parseTenantRequest(raw);
      } catch (error) {
        if (error instanceof TenantRequestError) return error.problems;
        throw error;
      }
      throw new Error("accepted");
    };
    expect(refused({ ...request("acme"), suspended: true })).toEqual([
      { field: "suspended", message: expect.stringMatching(/set by the tenant operations.*cannot set it/) },
    ]);
    expect(refused({ ...request("acme"), suspended: false, tier: "gold" })).toEqual([
      { field: "suspended", message: expect.stringMatching(/set by the tenant operations/) },
      { field: "tier", message: expect.stringMatching(/unknown tier "gold"/) },
    ]);
    // The service's body and the stack config writer go through the same judge.
    expect(() => toStackConfig({ ...request("acme"), suspended: "true" })).toThrow(
      /suspended: is set by the tenant operations/,
    );
  });

  it("is refused in a provision request before the stack is touched", async () => {
    const { service, engine } = offlineTenant("acme");
    await expect(
      service.provisionTenant({ ...request("acme"), suspended: true } as TenantConfigInput),
    ).rejects.toMatchObject({ outcome: "invalid" });
    expect(await engine.exists("acme")).toBe(false);
  });

  it("is judged in the stack config: a boolean, as Pulumi stores it (a string) or JSON", () => {
    const config = (suspended: string) => ({
      ...Object.fromEntries(Object.entries(toStackConfig(request("acme"))).map(([k, e]) => [k, e.value])),
      "tenant:suspended": suspended,
    });
    expect(parseStackConfig(config("true")).suspended).toBe(true);
    expect(parseStackConfig(config("false")).suspended).toBeUndefined();
    expect(() => parseStackConfig(config("yes"))).toThrow(/suspended: must be true or false/);
  });

  it("survives a provision or a tier change of a suspended stack, which never resumes it", async () => {
    const { service, engine, state } = offlineTenant("acme");
    await service.provisionTenant(request("acme"));
    await service.deprovisionTenant("acme");
    // Refused while deprovisioned (the window's tag), and the config still says suspended.
    await expect(service.provisionTenant(request("acme", { tier: "business" }))).rejects.toMatchObject({
      outcome: "conflict",
    });
    expect((await engine.readConfig("acme"))["tenant:suspended"]).toEqual({ value: "true", secret: false });
    // An operator who ends the window by hand (the tag) without a restore still gets a suspended stack.
    await engine.setTag("acme", TAGS.retainUntil, "");
    await service.changeTier("acme", "business");
    expect((await engine.readConfig("acme"))["tenant:suspended"]).toEqual({ value: "true", secret: false });
    for (const d of ofType(state().resources, "kubernetes:apps/v1:Deployment"))
      expect(manifest(d).spec?.["replicas"]).toBe(0);
  }, 120_000);
});

describe("a deprovision that fails after the suspension", () => {
  it("leaves the tenant offline and in its window; a retry keeps the window, a restore resumes it", async () => {
    let failures = 1;
    let clock = Date.parse("2026-12-01T00:00:00Z");
    const { service, state } = offlineTenant(
      "acme",
      {
        backup: async (t) => {
          if (failures-- > 0) throw new Error("backup store unreachable");
          return { location: `s3://backups/${t}/final` };
        },
      },
      () => clock,
    );
    await service.provisionTenant(request("acme"));
    const active = state();
    await expect(service.deprovisionTenant("acme", { retainDays: 30 })).rejects.toThrow(
      /backup store unreachable/,
    );
    const failed = state();
    expect(failed.tags[TAGS.retainUntil]).toBe("2026-12-31T00:00:00.000Z");
    for (const d of ofType(failed.resources, "kubernetes:apps/v1:Deployment"))
      expect(manifest(d).spec?.["replicas"]).toBe(0);
    clock += 86_400_000;
    const retried = await service.deprovisionTenant("acme", { retainDays: 30 });
    expect(retried.retainUntil).toBe("2026-12-31T00:00:00.000Z");
    // Nothing left to change: the first attempt's update had suspended it.
    expect(Object.keys(retried.suspension.summary)).toEqual(["same"]);
    await service.reinstateTenant("acme");
    expect(state().resources).toEqual(active.resources);
  }, 120_000);
});

describe("against the real MariaDB: the same rows after suspend and restore", () => {
  const tenantId = `susp${randomBytes(4).toString("hex")}`;
  const { databases } = tenantMysqlNames(tenantId);
  let up = false;
  const backupDir = mkdtempSync(join(tmpdir(), "suspension-backups-"));

  beforeAll(async () => {
    up = await serverAvailable("MySQL", MYSQL.host, MYSQL.port);
  });
  afterAll(async () => {
    rmSync(backupDir, { recursive: true, force: true });
    if (up) await mysqlQuery(databases.map((d) => `DROP DATABASE IF EXISTS \`${d}\`;`).join("\n"));
  });

  it("keeps a row written before the suspension in the database the restored stack names, and in the final backup", async (ctx) => {
    if (!up) ctx.skip();
    const mysql = await import("mysql2/promise");
    const { service, state } = offlineTenant(tenantId, new DumpBackup(MYSQL, new DirectoryStore(backupDir)));
    await service.provisionTenant(request(tenantId));
    // The databases the stack declares, created as the provider would (the offline engine creates none).
    const declared = ofType(state().resources, "mysql:index/database:Database").map((d) =>
      String(d.inputs["name"]),
    );
    expect(declared.sort()).toEqual([...databases].sort());
    await mysqlQuery(declared.map((d) => `CREATE DATABASE \`${d}\`;`).join("\n"));
    const orders = declared.find((d) => d.endsWith("_orders"))!;
    await mysqlQuery(
      `CREATE TABLE \`${orders}\`.orders (id INT PRIMARY KEY, reference VARCHAR(40));` +
        `INSERT INTO \`${orders}\`.orders VALUES (1, 'written-before-suspension');`,
    );

    const { backup } = await service.deprovisionTenant(tenantId);
    expect(readFileSync(join(backupDir, backup), "utf8")).toContain("'written-before-suspension'");
    await service.reinstateTenant(tenantId);

    const after = ofType(state().resources, "mysql:index/database:Database").map((d) =>
      String(d.inputs["name"]),
    );
    expect(after.sort()).toEqual(declared.sort());
    const db = await mysql.createConnection(MYSQL);
    try {
      const [rows] = await db.query(`SELECT id, reference FROM \`${orders}\`.orders`);
      expect(rows).toEqual([{ id: 1, reference: "written-before-suspension" }]);
    } finally {
      await db.end();
    }
  }, 120_000);
});

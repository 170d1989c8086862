/**
 * The tenant operations without the Pulumi CLI: the offline engine runs the real program through
 * the synth. Idempotency, per-tenant serialization, error mapping, pre-flight refusal, data-loss
 * abort, tier changes through either entry point (backup, release of the Redis volume, restore on
 * failure), stale-lock recovery, cancellation, deprovision and purge.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  InvalidRequestError,
  mapEngineError,
  OperationCancelledError,
  PreflightRefusedError,
  ProtectedResourceError,
  StackLockedError,
  StatefulReplacementError,
  TAGS,
  TenantBusyError,
  TenantExistsError,
  TenantNotFoundError,
  TenantService,
  type TenantEngine,
  type UsageSource,
} from "../automation";
import {
  ConcurrentUpdateError,
  StackAlreadyExistsError,
  StackNotFoundError,
} from "@pulumi/pulumi/automation";
import { OfflineEngine } from "../automation/offlineEngine";
import type { TenantConfigInput } from "../stacks/config";
import { setProtection } from "../automation/localWorkspaceEngine";
import { DEV_ADMIN_CREDENTIALS, DEV_CLOUDFLARE } from "../synth/programs";
import { gate, InstrumentedEngine } from "./helpers/engines";

const request = (
  tenantId: string,
  tier: TenantConfigInput["tier"],
  extra: Partial<TenantConfigInput> = {},
): TenantConfigInput => ({
  tenantId,
  tier,
  images: { registry: "registry.example.com/cv", tag: "1.0.0" },
  adminCredentials: DEV_ADMIN_CREDENTIALS,
  cloudflare: DEV_CLOUDFLARE,
  ...extra,
});

const fitting: UsageSource = {
  productCount: async () => 100,
  storageUsedGi: async () => 10,
  averageConcurrentUsers: async () => 50,
};

let dir: string;
let clock: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tenants-"));
  clock = Date.parse("2026-11-22T10:00:00Z");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const offline = () => new OfflineEngine({ stateDir: dir, now: () => clock });
const service = (
  engine: TenantEngine = offline(),
  extra: Partial<ConstructorParameters<typeof TenantService>[0]> = {},
) =>
  new TenantService({
    engine,
    usage: fitting,
    now: () => clock,
    backup: { backup: async (t, reason) => ({ location: `s3://backups/${t}/${reason}` }) },
    ...extra,
  });

describe("provisionTenant", () => {
  it("creates the stack, applies the program and returns typed outputs; the same request again changes nothing", async () => {
    const svc = service();
    const first = await svc.provisionTenant(request("acme", "standard"));
    expect(first.outcome).toBe("created");
    expect(first.outputs).toMatchObject({
      tenantId: "acme",
      tier: "standard",
      namespaces: ["e-commerce-tenant-acme"],
      vhost: "e-commerce-tenant-acme",
    });
    const again = await svc.provisionTenant(request("acme", "standard"));
    expect(again).toEqual({ tenantId: "acme", outcome: "unchanged", outputs: first.outputs });
    const changed = await svc.provisionTenant(
      request("acme", "standard", { sites: [{ customDomains: ["shop.acme.example"] }] }),
    );
    expect(changed.outcome).toBe("updated");
    expect(changed.outputs["hostnames"]).toEqual([["acme.shops.collect-verything.com", "shop.acme.example"]]);
  });

  it("rejects an invalid request naming the field, and creates nothing", async () => {
    const svc = service();
    const error = await svc
      .provisionTenant(request("acme", "standard", { sites: [{ customDomains: [] }, { customDomains: [] }] }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).problems[0]).toMatchObject({ field: "sites" });
    expect(await svc.listTenants()).toEqual([]);
  });

  it("keeps admin passwords out of the stack files", async () => {
    await service().provisionTenant(
      request("acme", "standard", {
        adminCredentials: { ...DEV_ADMIN_CREDENTIALS, mysql: { user: "root", password: "Sup3r-secret" } },
      }),
    );
    expect(readFileSync(join(dir, "acme.json"), "utf8")).not.toContain("Sup3r-secret");
  });
});

describe("one operation per tenant", () => {
  it("answers a second concurrent operation on the same tenant with a busy outcome, and lets other tenants run", async () => {
    const g = gate();
    const engine = new InstrumentedEngine(offline(), {
      before: (op) => (op === "up" ? g.wait : Promise.resolve()),
    });
    const svc = service(engine);
    const first = svc.provisionTenant(request("acme", "standard"));
    await new Promise((r) => setTimeout(r, 20));
    await expect(svc.provisionTenant(request("acme", "premium"))).rejects.toBeInstanceOf(TenantBusyError);
    await expect(svc.changeTier("acme", "premium")).rejects.toMatchObject({ outcome: "busy" });
    const other = svc.provisionTenant(request("bigco", "premium"));
    g.open();
    await expect(first).resolves.toMatchObject({ outcome: "created" });
    await expect(other).resolves.toMatchObject({ outcome: "created" });
  });
});

describe("error mapping", () => {
  it("maps a missing stack and an existing stack to typed outcomes", async () => {
    const engine = offline();
    await expect(service(engine).changeTier("ghost", "premium")).rejects.toBeInstanceOf(TenantNotFoundError);
    await engine.create("acme");
    await expect(engine.create("acme")).rejects.toBeInstanceOf(TenantExistsError);
    await expect(service(engine).deprovisionTenant("ghost")).rejects.toMatchObject({ outcome: "not-found" });
  });
});

describe("errors of the Pulumi engine", () => {
  it("maps `pulumi preview`'s refusal of a protected resource to would-lose-data, retained deletes flagged from the reported steps", () => {
    const urn =
      "urn:pulumi:acme::tenant::collect-verything:tenant:TenantStack$collect-verything:tenant:RedisCache$kubernetes:core/v1:PersistentVolumeClaim::acme-redis-data";
    const db =
      "urn:pulumi:acme::tenant::collect-verything:tenant:TenantStack$mysql:index/database:Database::acme-databases-orders";
    const message = `error: Preview failed: unable to delete resource "${urn}"\nas it is currently marked for protection.\nerror: unable to replace resource "${db}"\nas it is currently marked for protection.`;
    const seen = [
      {
        op: "delete" as const,
        urn,
        type: "kubernetes:core/v1:PersistentVolumeClaim",
        name: "acme-redis-data",
        retained: true,
      },
    ];
    const mapped = mapEngineError("acme", new Error(message), seen);
    expect(mapped).toBeInstanceOf(ProtectedResourceError);
    expect((mapped as ProtectedResourceError).steps).toEqual([
      seen[0],
      { op: "replace", urn: db, type: "mysql:index/database:Database", name: "acme-databases-orders" },
    ]);
    expect((mapped as ProtectedResourceError).outcome).toBe("would-lose-data");
  });

  it("maps the Automation API's own errors (told by name, without loading it) to typed outcomes", () => {
    // The classes take a command result and keep its text as their message; a string stands in for it.
    const result = (stderr: string) => stderr;
    const locked = mapEngineError(
      "acme",
      new ConcurrentUpdateError(result("error: the stack is currently locked by 1 lock(s)\ndetails")),
    );
    expect(locked).toBeInstanceOf(StackLockedError);
    expect(locked.message).toContain("the stack is currently locked");
    expect(locked.message).not.toContain("details");
    expect(mapEngineError("acme", new StackNotFoundError(result("no stack named 'acme'")))).toBeInstanceOf(
      TenantNotFoundError,
    );
    expect(mapEngineError("acme", new StackAlreadyExistsError(result("stack 'acme' exists")))).toBeInstanceOf(
      TenantExistsError,
    );
    // Any other command error is passed on as it is.
    const other = new Error("boom");
    expect(mapEngineError("acme", other)).toBe(other);
    expect(mapEngineError("acme", "a string")).toEqual(new Error("a string"));
  });

  it("lifts the protection of exactly the released resources in the exported checkpoint", async () => {
    const checkpoint = {
      version: 3,
      deployment: {
        resources: [
          { urn: "urn:a", protect: true },
          { urn: "urn:b", protect: true },
        ],
      },
    };
    let imported: unknown;
    const stack = {
      exportStack: async () => structuredClone(checkpoint),
      importStack: async (state: unknown) => void (imported = state),
    };
    await setProtection(stack, (urn) => urn === "urn:b", false);
    expect(imported).toEqual({
      version: 3,
      deployment: {
        resources: [
          { urn: "urn:a", protect: true },
          { urn: "urn:b", protect: false },
        ],
      },
    });
  });
});

describe("changeTier", () => {
  it("upgrades in place: new resources, nothing holding data replaced", async () => {
    const svc = service();
    await svc.provisionTenant(request("acme", "standard"));
    const result = await svc.changeTier("acme", "premium");
    expect(result.outcome).toBe("changed");
    expect(result.plan!.summary.create).toBeGreaterThan(0);
    expect(result.plan!.steps.filter((s) => s.op === "replace")).toEqual([]);
    expect(result.outputs).toMatchObject({ tier: "premium" });
    expect(await svc.tierOf("acme")).toBe("premium");
  });

  it("refuses a downgrade the tenant's usage does not fit, with the report, and changes nothing", async () => {
    const busy: UsageSource = { ...fitting, productCount: async () => 9000 };
    const svc = service(offline(), { usage: busy });
    await svc.provisionTenant(request("acme", "premium"));
    const error = await svc.changeTier("acme", "standard").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightRefusedError);
    expect((error as PreflightRefusedError).report.checks.find((c) => c.status === "fail")).toMatchObject({
      name: "products",
      actual: 9000,
      limit: 2000,
    });
    expect(await svc.tierOf("acme")).toBe("premium");
  });

  it("downgrades when the usage fits, dropping what the lower tier does not sell", async () => {
    const svc = service();
    await svc.provisionTenant(
      request("acme", "business", { addOns: { extraCpuCores: 2 }, trustedCidrs: ["203.0.113.0/24"] }),
    );
    const result = await svc.changeTier("acme", "premium");
    expect(result).toMatchObject({ outcome: "changed", from: "business", to: "premium" });
    expect(result.preflight?.ok).toBe(true);
    expect(result.outputs).toMatchObject({ tier: "premium", addOns: { extraCpuCores: 0 } });
  });

  it("shows the pre-flight report and the plan on a dry run, and leaves the stack as it was", async () => {
    const svc = service();
    await svc.provisionTenant(request("acme", "premium"));
    const result = await svc.changeTier("acme", "standard", { dryRun: true });
    expect(result.outcome).toBe("dry-run");
    expect(result.preflight?.checks).toHaveLength(6);
    expect(result.plan!.steps.length).toBeGreaterThan(0);
    expect(await svc.tierOf("acme")).toBe("premium");
  });

  it("aborts, applying nothing, when the preview would replace a resource that holds data", async () => {
    const engine = new InstrumentedEngine(offline(), {
      preview: (plan) => ({
        ...plan,
        steps: [
          ...plan.steps,
          {
            op: "replace",
            urn: "urn:x",
            type: "mysql:index/database:Database",
            name: "acme-databases-orders",
          },
        ],
      }),
    });
    const svc = service(engine);
    await svc.provisionTenant(request("acme", "standard"));
    const error = await svc.changeTier("acme", "premium").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StatefulReplacementError);
    expect((error as Error).message).toContain("replace mysql:index/database:Database acme-databases-orders");
    expect(await svc.tierOf("acme")).toBe("standard");
    expect(engine.calls.filter((c) => c.startsWith("up:"))).toEqual(["up:acme"]);
  });
});

describe("tier changes that keep data, whatever the entry point", () => {
  const stackFile = () => readFileSync(join(dir, "acme.json"), "utf8");
  const state = () =>
    JSON.parse(stackFile()) as {
      tags: Record<string, string>;
      resources: { name: string; type: string; protect: boolean; retainOnDelete: boolean }[];
    };
  const redisClaim = () => state().resources.find((r) => r.name === "acme-redis-data");
  const recording = (events: string[]) => ({
    backup: async (t: string, reason: string, tier: string) => (
      events.push(`backup:${reason}:${tier}`),
      { location: `s3://backups/${t}/${reason}` }
    ),
  });

  it.each(["premium", "business"] as const)(
    "downgrades %s to Standard: backup first, then the Redis volume leaves the stack and stays in the cluster",
    async (from) => {
      const engine = new InstrumentedEngine(offline());
      const svc = service(engine, { backup: recording(engine.calls) });
      await svc.provisionTenant(request("acme", from));
      expect(redisClaim()).toMatchObject({ protect: true, retainOnDelete: true });
      engine.calls.length = 0;
      const result = await svc.changeTier("acme", "standard");
      expect(result).toMatchObject({
        outcome: "changed",
        from,
        to: "standard",
        backup: "s3://backups/acme/tier-change",
        outputs: { tier: "standard" },
      });
      expect(result.released).toEqual([
        expect.objectContaining({
          op: "delete",
          type: "kubernetes:core/v1:PersistentVolumeClaim",
          name: "acme-redis-data",
          retained: true,
        }),
      ]);
      // Taken under the tier being left: it keeps the retention the data had.
      expect(engine.calls).toEqual([
        "preview:acme",
        `backup:tier-change:${from}`,
        "unprotect:acme:1",
        "up:acme",
      ]);
      expect(redisClaim()).toBeUndefined();
      expect(state().tags[TAGS.tier]).toBe("standard");
      await expect(svc.changeTier("acme", "standard")).resolves.toMatchObject({ outcome: "unchanged" });
    },
  );

  it("predicts the release and the engine's refusal on a dry run, and changes nothing", async () => {
    const engine = offline();
    const backups: string[] = [];
    const svc = service(engine, { backup: recording(backups) });
    await svc.provisionTenant(request("acme", "premium"));
    const before = stackFile();
    const result = await svc.changeTier("acme", "standard", { dryRun: true });
    expect(result).toMatchObject({
      outcome: "dry-run",
      released: [expect.objectContaining({ name: "acme-redis-data", retained: true })],
    });
    expect(stackFile()).toBe(before);
    expect(backups).toEqual([]);
    // What `pulumi preview` does: the offline preview itself refuses the protected delete.
    const config = await engine.readConfig("acme");
    await engine.writeConfig("acme", { ...config, "tenant:tier": { value: "standard", secret: false } });
    const refusal = await engine.preview("acme").catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(ProtectedResourceError);
    expect(refusal).toMatchObject({
      outcome: "would-lose-data",
      message: expect.stringContaining(
        "refusing to delete protected kubernetes:core/v1:PersistentVolumeClaim acme-redis-data",
      ),
    });
  });

  it("refuses as would-lose-data, with the stack exactly as before, when a protected resource would be deleted outright", async () => {
    const backups: string[] = [];
    const svc = service(offline(), { backup: recording(backups) });
    await svc.provisionTenant(request("acme", "premium"));
    const path = join(dir, "acme.json");
    const file = JSON.parse(readFileSync(path, "utf8")) as {
      resources: { name: string; retainOnDelete: boolean }[];
    };
    file.resources.find((r) => r.name === "acme-redis-data")!.retainOnDelete = false;
    writeFileSync(path, JSON.stringify(file, null, 1));
    const before = stackFile();
    // The dry run refuses what the apply would refuse.
    await expect(svc.changeTier("acme", "standard", { dryRun: true })).rejects.toMatchObject({
      outcome: "would-lose-data",
    });
    const error = await svc.changeTier("acme", "standard").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StatefulReplacementError);
    expect(error).toMatchObject({
      outcome: "would-lose-data",
      steps: [expect.objectContaining({ op: "delete", name: "acme-redis-data" })],
    });
    expect(stackFile()).toBe(before);
    expect(backups).toEqual([]);
  });

  it("puts the config, the tier tag and the protection back when the update fails, so a retry applies", async () => {
    let failures = 0;
    const engine = new InstrumentedEngine(offline(), {
      before: async (op) => {
        if (op === "up" && failures-- > 0) throw new Error("the cluster is unreachable");
      },
    });
    const svc = service(engine);
    await svc.provisionTenant(request("acme", "premium"));
    failures = 1;
    const before = stackFile();
    await expect(svc.changeTier("acme", "standard")).rejects.toThrow("the cluster is unreachable");
    expect(stackFile()).toBe(before);
    expect(redisClaim()).toMatchObject({ protect: true });
    expect(await svc.tierOf("acme")).toBe("premium");
    await expect(svc.changeTier("acme", "standard")).resolves.toMatchObject({ outcome: "changed" });
  });

  it("completes a change a crash interrupted after its config was written, instead of calling it unchanged", async () => {
    const engine = offline();
    const svc = service(engine);
    await svc.provisionTenant(request("acme", "premium"));
    // What a process that died inside the update leaves: the new config, the old state and tier tag.
    const config = await engine.readConfig("acme");
    await engine.writeConfig("acme", { ...config, "tenant:tier": { value: "standard", secret: false } });
    const result = await svc.changeTier("acme", "standard");
    expect(result).toMatchObject({
      outcome: "changed",
      from: "standard",
      to: "standard",
      released: [expect.objectContaining({ name: "acme-redis-data" })],
    });
    expect(state().tags[TAGS.tier]).toBe("standard");
    expect(redisClaim()).toBeUndefined();
  });

  it("runs the pre-flight when provisionTenant asks an existing tenant for a lower tier: the 50,000-product Business tenant stays Business", async () => {
    const big: UsageSource = {
      productCount: async () => 50_000,
      storageUsedGi: async () => 290,
      averageConcurrentUsers: async () => 800,
    };
    const svc = service(offline(), { usage: big });
    await svc.provisionTenant(request("acme", "business"));
    const before = stackFile();
    const error = await svc.provisionTenant(request("acme", "premium")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightRefusedError);
    expect((error as PreflightRefusedError).report.checks.filter((c) => c.status === "fail")).toEqual([
      expect.objectContaining({ name: "products", actual: 50_000, limit: 15_000 }),
      expect.objectContaining({ name: "storage", actual: 290, limit: 150 }),
    ]);
    expect(stackFile()).toBe(before);
  });

  it("guards provisionTenant of an existing tenant against a plan that loses data, and backs up before it removes sites", async () => {
    const backups: string[] = [];
    let inject = true;
    const engine = new InstrumentedEngine(offline(), {
      preview: (plan) =>
        inject
          ? {
              ...plan,
              steps: [
                ...plan.steps,
                {
                  op: "replace",
                  urn: "urn:q",
                  type: "rabbitmq:index/queue:Queue",
                  name: "acme-messaging-priority-queue",
                },
              ],
            }
          : plan,
    });
    const svc = service(engine, { backup: recording(backups) });
    await svc.provisionTenant(
      request("acme", "business", {
        sites: [{ customDomains: [] }, { customDomains: [] }, { customDomains: [] }],
      }),
    );
    const before = stackFile();
    await expect(svc.provisionTenant(request("acme", "business"))).rejects.toMatchObject({
      outcome: "would-lose-data",
    });
    expect(stackFile()).toBe(before);
    inject = false;
    const result = await svc.provisionTenant(request("acme", "business"));
    expect(result).toMatchObject({ outcome: "updated", backup: "s3://backups/acme/tier-change" });
    expect(
      result
        .plan!.steps.filter((s) => s.op === "delete" && s.type === "kubernetes:core/v1:Namespace")
        .every((s) => s.retained),
    ).toBe(true);
    expect(backups).toEqual(["backup:tier-change:business"]);
  });

  it("keeps every queue as declared across tiers: a tier change neither replaces nor deletes one", async () => {
    const svc = service();
    await svc.provisionTenant(request("acme", "business"));
    for (const target of ["premium", "standard", "business"] as const) {
      const { plan } = await svc.changeTier("acme", target);
      const queues = plan!.steps.filter((s) => s.type === "rabbitmq:index/queue:Queue");
      expect(queues.map((q) => `${q.name}:${q.op}`).sort(), target).toEqual([
        "acme-messaging-consumer-queue:same",
        "acme-messaging-dead-letter-queue:same",
        "acme-messaging-priority-queue:same",
      ]);
    }
  });
});

describe("stack locks", () => {
  const lockLeftBy = (startedMinutesAgo: number, holder?: string) => {
    const path = join(dir, "acme.json");
    const file = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    const since = new Date(clock - startedMinutesAgo * 60_000).toISOString();
    file["lock"] = { since };
    (file["tags"] as Record<string, string>)[TAGS.operation] = JSON.stringify({
      operation: "update",
      startedAt: since,
      ...(holder ? { holder } : {}),
    });
    writeFileSync(path, JSON.stringify(file));
  };
  const leaseTag = async (engine: TenantEngine) => (await engine.readTags("acme"))[TAGS.operation];

  it("keeps the evidence of a fresh lock through refused retries, and cancels it once it is stale", async () => {
    const engine = offline();
    const svc = service(engine);
    await svc.provisionTenant(request("acme", "standard"));
    lockLeftBy(2, "op-crashed");
    const evidence = await leaseTag(engine);
    for (let retry = 0; retry < 3; retry++) {
      await expect(svc.changeTier("acme", "premium", { holder: "op-next" })).rejects.toBeInstanceOf(
        StackLockedError,
      );
      expect(await leaseTag(engine)).toBe(evidence);
      clock += 60_000;
    }
    clock += 30 * 60_000;
    await expect(svc.changeTier("acme", "premium", { holder: "op-next" })).resolves.toMatchObject({
      outcome: "changed",
    });
    expect(await leaseTag(engine)).toBe("");
  });

  it("cancels at once a lock left by an earlier attempt of the same operation (a worker killed mid-update)", async () => {
    const svc = service();
    await svc.provisionTenant(request("acme", "standard"));
    lockLeftBy(1, "op-1");
    await expect(svc.changeTier("acme", "premium", { holder: "op-1" })).resolves.toMatchObject({
      outcome: "changed",
    });
  });

  it("cancels a fresh lock whose holder the service says is over, and no other", async () => {
    const over = new Set(["op-finished"]);
    const svc = service(offline(), { abandoned: async (holder) => over.has(holder) });
    await svc.provisionTenant(request("acme", "standard"));
    lockLeftBy(1, "op-running");
    await expect(svc.changeTier("acme", "premium", { holder: "op-2" })).rejects.toBeInstanceOf(
      StackLockedError,
    );
    lockLeftBy(1, "op-finished");
    await expect(svc.changeTier("acme", "premium", { holder: "op-2" })).resolves.toMatchObject({
      outcome: "changed",
    });
  });

  it("cancels a stale lock left by a crashed run and goes on", async () => {
    const svc = service();
    await svc.provisionTenant(request("acme", "standard"));
    lockLeftBy(90);
    await expect(svc.changeTier("acme", "premium")).resolves.toMatchObject({ outcome: "changed" });
  });

  it("reports a fresh lock as locked instead of breaking it", async () => {
    const svc = service();
    await svc.provisionTenant(request("acme", "standard"));
    lockLeftBy(2);
    await expect(svc.changeTier("acme", "premium")).rejects.toBeInstanceOf(StackLockedError);
  });
});

describe("cancellation", () => {
  it("cancels an operation through its AbortSignal and releases the lock", async () => {
    const controller = new AbortController();
    const engine = new InstrumentedEngine(offline(), {
      before: async (op) => (op === "up" ? controller.abort() : undefined),
    });
    const svc = service(engine);
    await expect(
      svc.provisionTenant(request("acme", "standard"), { signal: controller.signal }),
    ).rejects.toBeInstanceOf(OperationCancelledError);
    await expect(svc.provisionTenant(request("acme", "standard"))).resolves.toMatchObject({
      outcome: "updated",
    });
  });
});

describe("deprovision and purge", () => {
  it("takes the final backup (under the tenant's tier), keeps everything for the retention window, then destroys and removes the stack", async () => {
    const backups: string[] = [];
    const svc = service(offline(), {
      backup: {
        backup: async (t, reason, tier) => (
          backups.push(`${t}:${reason}:${tier}`),
          { location: `s3://backups/${t}` }
        ),
      },
    });
    await svc.provisionTenant(request("acme", "premium"));
    const result = await svc.deprovisionTenant("acme", { retainDays: 30 });
    expect(backups).toEqual(["acme:final:premium"]);
    expect(result).toMatchObject({
      tenantId: "acme",
      backup: "s3://backups/acme",
      retainUntil: "2026-12-22T10:00:00.000Z",
    });
    // The suspension's update ran and touched no data (tests/suspension.test.ts has the details).
    expect(result.suspension.summary.update).toBeGreaterThan(0);
    expect(result.suspension.summary.replace).toBeUndefined();
    clock += 29 * 86_400_000;
    expect(await svc.purgeExpired()).toEqual([]);
    expect(await svc.listTenants()).toEqual(["acme"]);
    clock += 2 * 86_400_000;
    expect(await svc.purgeExpired()).toEqual(["acme"]);
    expect(await svc.listTenants()).toEqual([]);
  });

  it("reinstates a deprovisioned tenant within its window, which a later purge then passes by", async () => {
    const svc = service(offline(), { backup: { backup: async (t) => ({ location: `s3://backups/${t}` }) } });
    await svc.provisionTenant(request("acme", "premium"));
    await expect(svc.reinstateTenant("acme")).rejects.toMatchObject({ outcome: "invalid" });
    await expect(svc.reinstateTenant("ghost")).rejects.toMatchObject({ outcome: "not-found" });
    await svc.deprovisionTenant("acme", { retainDays: 30 });
    await expect(svc.reinstateTenant("acme")).resolves.toMatchObject({
      tenantId: "acme",
      wasRetainedUntil: "2026-12-22T10:00:00.000Z",
      resumption: { summary: { update: expect.any(Number) } },
    });
    clock += 31 * 86_400_000;
    expect(await svc.purgeExpired()).toEqual([]);
    expect(await svc.listTenants()).toEqual(["acme"]);
  });

  it("never destroys protected resources without the deliberate purge", async () => {
    const engine = offline();
    await service(engine).provisionTenant(request("acme", "standard"));
    await expect(engine.destroy("acme")).rejects.toThrow(/cannot destroy protected resources/);
  });
});

/**
 * The tenant operations without the Pulumi CLI: the offline engine runs the real program through
 * the synth. Idempotency, per-tenant serialization, error mapping, pre-flight refusal, data-loss
 * abort, stale-lock recovery, cancellation, deprovision and purge.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  InvalidRequestError,
  OperationCancelledError,
  PreflightRefusedError,
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
import { OfflineEngine } from "../automation/offlineEngine";
import type { TenantConfigInput } from "../stacks/config";
import { DEV_ADMIN_CREDENTIALS } from "../synth/programs";
import { gate, InstrumentedEngine } from "./helpers/engines";

const request = (tenantId: string, tier: TenantConfigInput["tier"], extra: Partial<TenantConfigInput> = {}): TenantConfigInput => ({
  tenantId,
  tier,
  images: { registry: "registry.example.com/cv", tag: "1.0.0" },
  adminCredentials: DEV_ADMIN_CREDENTIALS,
  ...extra,
});

const fitting: UsageSource = { productCount: async () => 100, storageUsedGi: async () => 10, averageConcurrentUsers: async () => 50 };

let dir: string;
let clock: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "tenants-"));
  clock = Date.parse("2026-11-22T10:00:00Z");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const offline = () => new OfflineEngine({ stateDir: dir, now: () => clock });
const service = (engine: TenantEngine = offline(), extra: Partial<ConstructorParameters<typeof TenantService>[0]> = {}) =>
  new TenantService({ engine, usage: fitting, now: () => clock, backup: { finalBackup: async (t) => ({ location: `s3://backups/${t}/final` }) }, ...extra });

describe("provisionTenant", () => {
  it("creates the stack, applies the program and returns typed outputs; the same request again changes nothing", async () => {
    const svc = service();
    const first = await svc.provisionTenant(request("acme", "standard"));
    expect(first.outcome).toBe("created");
    expect(first.outputs).toMatchObject({ tenantId: "acme", tier: "standard", namespaces: ["e-commerce-tenant-acme"], vhost: "e-commerce-tenant-acme" });
    const again = await svc.provisionTenant(request("acme", "standard"));
    expect(again).toEqual({ tenantId: "acme", outcome: "unchanged", outputs: first.outputs });
    const changed = await svc.provisionTenant(request("acme", "standard", { sites: [{ customDomains: ["shop.acme.example"] }] }));
    expect(changed.outcome).toBe("updated");
    expect(changed.outputs["hostnames"]).toEqual([["acme.shops.collect-verything.com", "shop.acme.example"]]);
  });

  it("rejects an invalid request naming the field, and creates nothing", async () => {
    const svc = service();
    const error = await svc.provisionTenant(request("acme", "standard", { sites: [{ customDomains: [] }, { customDomains: [] }] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).problems[0]).toMatchObject({ field: "sites" });
    expect(await svc.listTenants()).toEqual([]);
  });

  it("keeps admin passwords out of the stack files", async () => {
    await service().provisionTenant(request("acme", "standard", { adminCredentials: { ...DEV_ADMIN_CREDENTIALS, mysql: { user: "root", password: "Sup3r-secret" } } }));
    expect(readFileSync(join(dir, "acme.json"), "utf8")).not.toContain("Sup3r-secret");
  });
});

describe("one operation per tenant", () => {
  it("answers a second concurrent operation on the same tenant with a busy outcome, and lets other tenants run", async () => {
    const g = gate();
    const engine = new InstrumentedEngine(offline(), { before: (op) => (op === "up" ? g.wait : Promise.resolve()) });
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
    expect((error as PreflightRefusedError).report.checks.find((c) => c.status === "fail")).toMatchObject({ name: "products", actual: 9000, limit: 2000 });
    expect(await svc.tierOf("acme")).toBe("premium");
  });

  it("downgrades when the usage fits, dropping what the lower tier does not sell", async () => {
    const svc = service();
    await svc.provisionTenant(request("acme", "business", { addOns: { extraCpuCores: 2 }, trustedCidrs: ["203.0.113.0/24"] }));
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
      preview: (plan) => ({ ...plan, steps: [...plan.steps, { op: "replace", urn: "urn:x", type: "mysql:index/database:Database", name: "acme-databases-orders" }] }),
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

describe("stack locks", () => {
  const lockLeftBy = (startedMinutesAgo: number) => {
    const path = join(dir, "acme.json");
    const file = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    const since = new Date(clock - startedMinutesAgo * 60_000).toISOString();
    file["lock"] = { since };
    (file["tags"] as Record<string, string>)[TAGS.operation] = JSON.stringify({ operation: "update", startedAt: since });
    writeFileSync(path, JSON.stringify(file));
  };

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
    const engine = new InstrumentedEngine(offline(), { before: async (op) => (op === "up" ? controller.abort() : undefined) });
    const svc = service(engine);
    await expect(svc.provisionTenant(request("acme", "standard"), { signal: controller.signal })).rejects.toBeInstanceOf(OperationCancelledError);
    await expect(svc.provisionTenant(request("acme", "standard"))).resolves.toMatchObject({ outcome: "updated" });
  });
});

describe("deprovision and purge", () => {
  it("takes the final backup, keeps everything for the retention window, then destroys and removes the stack", async () => {
    const backups: string[] = [];
    const svc = service(offline(), { backup: { finalBackup: async (t) => (backups.push(t), { location: `s3://backups/${t}` }) } });
    await svc.provisionTenant(request("acme", "premium"));
    const result = await svc.deprovisionTenant("acme", { retainDays: 30 });
    expect(backups).toEqual(["acme"]);
    expect(result).toEqual({ tenantId: "acme", backup: "s3://backups/acme", retainUntil: "2026-12-22T10:00:00.000Z" });
    clock += 29 * 86_400_000;
    expect(await svc.purgeExpired()).toEqual([]);
    expect(await svc.listTenants()).toEqual(["acme"]);
    clock += 2 * 86_400_000;
    expect(await svc.purgeExpired()).toEqual(["acme"]);
    expect(await svc.listTenants()).toEqual([]);
  });

  it("never destroys protected resources without the deliberate purge", async () => {
    const engine = offline();
    await service(engine).provisionTenant(request("acme", "standard"));
    await expect(engine.destroy("acme")).rejects.toThrow(/cannot destroy protected resources/);
  });
});

/** Fleet operations over offline stacks: bounded concurrency, filters, stop on failure, summary. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fleetTable, runFleet, TenantService, type FleetProgress } from "../automation";
import { OfflineEngine } from "../automation/offlineEngine";
import { DEV_ADMIN_CREDENTIALS, DEV_CLOUDFLARE } from "../synth/programs";
import { InstrumentedEngine } from "./helpers/engines";

const TENANTS = [
  ["alpha", "standard"],
  ["bravo", "premium"],
  ["charlie", "standard"],
  ["delta", "business"],
  ["echo", "premium"],
] as const;

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fleet-"));
  const svc = new TenantService({ engine: new OfflineEngine({ stateDir: dir }) });
  for (const [tenantId, tier] of TENANTS) {
    await svc.provisionTenant({
      tenantId,
      tier,
      images: { registry: "registry.example.com/cv", tag: "1.0.0" },
      adminCredentials: DEV_ADMIN_CREDENTIALS,
      cloudflare: DEV_CLOUDFLARE,
    });
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const slowEngine = (failFor: string[] = []) =>
  new InstrumentedEngine(new OfflineEngine({ stateDir: dir }), {
    before: () => new Promise((r) => setTimeout(r, 30)),
    failFor: new Set(failFor),
  });

describe("fleet", () => {
  it("previews every stack with at most `concurrency` in flight, reporting progress and a summary", async () => {
    const engine = slowEngine();
    const progress: FleetProgress[] = [];
    const summary = await runFleet(new TenantService({ engine }), {
      command: "preview",
      concurrency: 2,
      onProgress: (p) => progress.push(p),
    });
    expect(engine.maxInFlight).toBe(2);
    expect(summary.entries.map((e) => e.tenantId)).toEqual(TENANTS.map(([t]) => t));
    expect(summary.counts).toEqual({ changed: 0, unchanged: 5, failed: 0, skipped: 0 });
    expect(progress.map((p) => p.done)).toEqual([1, 2, 3, 4, 5]);
    expect(progress.every((p) => p.total === 5)).toBe(true);
  });

  it("filters by tier", async () => {
    const summary = await runFleet(new TenantService({ engine: slowEngine() }), {
      command: "preview",
      filter: { tier: "premium" },
    });
    expect(summary.entries.map((e) => e.tenantId)).toEqual(["bravo", "echo"]);
  });

  it("keeps going past a failure by default, with the reason in the summary", async () => {
    const summary = await runFleet(new TenantService({ engine: slowEngine(["bravo"]) }), {
      command: "up",
      concurrency: 1,
    });
    expect(summary.counts).toEqual({ changed: 0, unchanged: 4, failed: 1, skipped: 0 });
    // An update previews first (the data-loss guard), so the engine's failure comes from that preview.
    expect(summary.entries[1]).toMatchObject({
      tenantId: "bravo",
      status: "failed",
      outcome: "error",
      reason: "preview of bravo failed",
    });
    expect(fleetTable(summary)).toMatch(/bravo\s+failed\s+preview of bravo failed/);
    expect(fleetTable(summary)).toContain("up: 0 changed, 4 unchanged, 1 failed, 0 skipped");
  });

  it("stops starting stacks after the first failure when asked", async () => {
    const engine = slowEngine(["alpha"]);
    const summary = await runFleet(new TenantService({ engine }), {
      command: "preview",
      concurrency: 1,
      stopOnFailure: true,
    });
    expect(summary.entries.map((e) => e.status)).toEqual([
      "failed",
      "skipped",
      "skipped",
      "skipped",
      "skipped",
    ]);
    expect(engine.calls).toEqual(["preview:alpha"]);
  });

  it("skips what has not started once cancelled", async () => {
    const controller = new AbortController();
    const summary = await runFleet(new TenantService({ engine: slowEngine() }), {
      command: "preview",
      concurrency: 1,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    expect(summary.entries.filter((e) => e.status === "skipped").length).toBe(4);
    expect(summary.entries.every((e) => e.status !== "skipped" || e.reason === "cancelled")).toBe(true);
  });
  it("never applies a plan that would replace a database: fleet up refuses that tenant and updates the others", async () => {
    // A catalog change whose code would replace bravo's products database (as a renamed database would).
    const engine = new InstrumentedEngine(new OfflineEngine({ stateDir: dir }), {
      preview: (plan, tenantId) =>
        tenantId === "bravo"
          ? {
              ...plan,
              steps: [
                ...plan.steps,
                {
                  op: "replace",
                  urn: "urn:pulumi:bravo::tenant::mysql:index/database:Database::bravo-products",
                  type: "mysql:index/database:Database",
                  name: "bravo-products",
                },
              ],
            }
          : plan,
    });
    const summary = await runFleet(new TenantService({ engine }), { command: "up", concurrency: 1 });
    expect(summary.entries.find((e) => e.tenantId === "bravo")).toMatchObject({ status: "failed" });
    expect(summary.entries.filter((e) => e.tenantId !== "bravo").every((e) => e.status !== "failed")).toBe(
      true,
    );
    expect(engine.calls).toContain("preview:bravo");
    expect(engine.calls).not.toContain("up:bravo");
    expect(engine.calls).toContain("up:alpha");
  });
});

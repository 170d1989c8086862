/**
 * The offline engine in child processes (automation/engineProcess.ts): the TenantService works
 * through it as through the engine itself, steps stream back, typed failures arrive as their own
 * classes (so stale-lock recovery and outcomes work), a cancelled call ends its child's run, and
 * a child that dies fails its call with a retryable error and is replaced.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ResourceStep } from "../automation/engine";
import { StackLockedError, TenantNotFoundError } from "../automation/errors";
import { ProcessEngine } from "../automation/engineProcess";
import { TAGS, TenantService } from "../automation/tenantService";
import { toOperationError } from "../service/outcomes";
import { tenantRequest } from "./helpers/service";

let dir: string;
let engine: ProcessEngine;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "engine-process-"));
  // The child's own cancel must end an aborted call here, not the grace kill (tested on its own
  // with abortGraceMs 1): on a loaded machine a child at nice 10 can take longer than the 10 s default.
  engine = new ProcessEngine({ stateDir: dir, processes: 2, abortGraceMs: 120_000 });
});
afterEach(() => {
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("ProcessEngine", () => {
  it("provisions through the TenantService, streaming the steps, and repeats as unchanged", async () => {
    const service = new TenantService({ engine });
    const steps: string[] = [];
    const first = await service.provisionTenant(tenantRequest("acme", "standard"), {
      onStep: (s) => steps.push(`${s.op} ${s.type}`),
    });
    expect(first).toMatchObject({ outcome: "created", outputs: { tenantId: "acme", tier: "standard" } });
    expect(steps).toContain("create kubernetes:core/v1:Namespace");
    expect((await service.provisionTenant(tenantRequest("acme", "standard"))).outcome).toBe("unchanged");
    // Every step arrives, in order, before the answer (the child sends them in batches).
    const streamed: ResourceStep[] = [];
    const plan = await engine.preview("acme", { onStep: (s) => streamed.push(s) });
    expect(plan.steps.length).toBeGreaterThan(10);
    expect(streamed).toEqual(plan.steps);
  }, 120_000);

  it("hands typed failures over as their own classes", async () => {
    const missing = await engine.readConfig("ghost").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(TenantNotFoundError);
    expect(toOperationError(missing)).toMatchObject({ outcome: "not-found" });
    await engine.create("acme");
    const path = join(dir, "acme.json");
    const file = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...file, lock: { since: "2026-01-01T00:00:00.000Z" } }));
    const locked = await engine.up("acme").catch((e: unknown) => e);
    expect(locked).toBeInstanceOf(StackLockedError);
    expect((locked as StackLockedError).tenantId).toBe("acme");
    // The stale-lock recovery sees the class: a lock its own earlier attempt left is cancelled.
    await engine.setTag(
      "acme",
      TAGS.operation,
      JSON.stringify({ operation: "update", startedAt: new Date().toISOString(), holder: "op-1" }),
    );
    const service = new TenantService({ engine });
    await expect(
      service.provisionTenant(tenantRequest("acme", "standard"), { holder: "op-1" }),
    ).resolves.toMatchObject({ outcome: "updated" });
  }, 120_000);

  // The child polls its IPC pipe once after the synth and before writing: an abort sent while the
  // program runs is seen (it used to be seen only after the run, whenever both messages arrived apart).
  it("cancels a run through its AbortSignal while the child runs it", { timeout: 120_000 }, async () => {
    await new TenantService({ engine }).provisionTenant(tenantRequest("acme-abort", "standard"));
    const before = readFileSync(join(dir, "acme-abort.json"), "utf8");
    const controller = new AbortController();
    const run = engine.up("acme-abort", { signal: controller.signal });
    controller.abort(); // reaches the child while its program runs
    await expect(run).rejects.toMatchObject({ outcome: "cancelled" });
    // Nothing written, and the lock released: the next run goes through.
    expect(JSON.parse(readFileSync(join(dir, "acme-abort.json"), "utf8"))).toMatchObject({
      resources: (JSON.parse(before) as { resources: unknown[] }).resources,
    });
    await expect(engine.up("acme-abort")).resolves.toMatchObject({ summary: {} });
  });

  it(
    "kills a child that does not answer an abort in time; the call ends cancelled",
    { timeout: 120_000 },
    async () => {
      const impatient = new ProcessEngine({ stateDir: dir, processes: 1, abortGraceMs: 1 });
      try {
        await new TenantService({ engine: impatient }).provisionTenant(tenantRequest("charlie", "standard"));
        const child = (impatient as unknown as { hosts: { child?: ChildProcess }[] }).hosts[0]!.child!;
        const exited = new Promise((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
        const controller = new AbortController();
        const run = impatient.up("charlie", { signal: controller.signal });
        // Abort once the run holds the stack's lock and its program runs.
        const path = join(dir, "charlie.json");
        while (!("lock" in (JSON.parse(readFileSync(path, "utf8")) as object)))
          await new Promise((r) => setTimeout(r, 2));
        controller.abort();
        await expect(run).rejects.toMatchObject({ outcome: "cancelled" });
        // Made before the killed child's exit is seen: it goes to a new child, not the dying one.
        const next = impatient.up("charlie");
        // Its refusal can arrive while the exit is awaited: handled now, asserted below.
        next.catch(() => undefined);
        expect(await exited).toBe("SIGKILL");
        // The new child answers; the killed run's lock is a crashed run's.
        await expect(next).rejects.toMatchObject({ outcome: "locked" });
      } finally {
        impatient.close();
      }
    },
  );

  it(
    "refuses a run whose signal is already aborted, and replaces a child that died",
    { timeout: 120_000 },
    async () => {
      await new TenantService({ engine }).provisionTenant(tenantRequest("acme", "standard"));
      await expect(engine.up("acme")).resolves.toMatchObject({ summary: {} });
      await expect(engine.up("acme", { signal: AbortSignal.abort() })).rejects.toMatchObject({
        outcome: "cancelled",
      });

      const lonely = new ProcessEngine({ stateDir: dir, processes: 1 });
      try {
        await lonely.create("bravo");
        const children = (lonely as unknown as { hosts: { child?: { kill(s: string): void } }[] }).hosts;
        const pending = lonely.up("bravo");
        children[0]!.child!.kill("SIGKILL");
        const died = await pending.catch((e: unknown) => e);
        expect(toOperationError(died)).toMatchObject({ outcome: "error" });
        expect(await lonely.exists("bravo")).toBe(true);
      } finally {
        lonely.close();
      }
    },
  );
});

/**
 * The embedded service end to end: requests through the HTTP API, in-process workers running
 * them through the TenantService on the offline engine. Outcomes and events per operation kind,
 * one operation per tenant at a time in request order, retries with backoff, typed failures
 * not retried, graceful stop releasing the running operation, and a restart (or a crashed
 * worker's expired lease) finishing what was accepted.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TenantEngine } from "../automation/engine";
import { OfflineEngine } from "../automation/offlineEngine";
import type { UsageSource } from "../automation/preflight";
import { TAGS, TenantService } from "../automation/tenantService";
import { EmbeddedWorkers } from "../service/embeddedWorkers";
import type { PlatformEvent } from "../service/events";
import { Executor, type RestoreHandler } from "../service/executor";
import { FileStore } from "../service/fileStore";
import { buildHttpApp, type HttpApp } from "../service/http";
import { createLogger } from "../service/log";
import { Metrics } from "../service/metrics";
import { SecretBox } from "../service/secrets";
import { runIsOver } from "../service/executorFactory";
import { synthTenant } from "../synth/programs";
import { isFinished, type Operation } from "../service/operations";
import { gate, InstrumentedEngine } from "./helpers/engines";
import { CREDENTIALS, eventually, tenantRequest } from "./helpers/service";

const TOKEN = "worker-test-token-0123456789";
const auth = { authorization: `Bearer ${TOKEN}` };
const log = createLogger({ level: "silent" });
const fitting: UsageSource = {
  productCount: async () => 10,
  storageUsedGi: async () => 1,
  averageConcurrentUsers: async () => 5,
};

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "service-workers-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface Harness {
  readonly app: HttpApp;
  readonly store: FileStore;
  readonly workers: EmbeddedWorkers;
  readonly events: PlatformEvent[];
  stop(drainMs?: number): Promise<void>;
}

async function harness(
  options: {
    engine?: (inner: TenantEngine) => TenantEngine;
    usage?: UsageSource;
    restore?: RestoreHandler;
    workers?: number;
    maxAttempts?: number;
    owner?: string;
  } = {},
): Promise<Harness> {
  const store = new FileStore({ path: join(dir, "operations.jsonl") });
  // The key file survives a restart of the harness, as the embedded service's does.
  const secrets = SecretBox.fromFile(join(dir, "service.key"));
  const inner = new OfflineEngine({ stateDir: join(dir, "stacks") });
  const engine = options.engine ? options.engine(inner) : inner;
  const service = new TenantService({
    engine,
    usage: options.usage ?? fitting,
    backup: { backup: async (t) => ({ location: `file:///backups/${t}.sql` }) },
    abandoned: (holder) => runIsOver(store, holder),
  });
  const events: PlatformEvent[] = [];
  const executor = new Executor({
    service,
    store,
    owner: options.owner ?? "test-worker",
    leaseMs: 5_000,
    log,
    events: { publish: async (e) => void events.push(e) },
    secrets,
    ...(options.restore ? { restore: options.restore } : {}),
  });
  const workers = new EmbeddedWorkers({
    store,
    executor,
    concurrency: options.workers ?? 2,
    maxAttempts: options.maxAttempts ?? 3,
    backoffBaseMs: 1,
    pollMs: 20,
    log,
  });
  const app = await buildHttpApp({
    store,
    dispatcher: { dispatch: async () => workers.notify() },
    token: TOKEN,
    metrics: new Metrics(),
    log,
    secrets,
  });
  workers.start();
  return {
    app,
    store,
    workers,
    events,
    stop: async (drainMs = 30_000) => {
      await app.close();
      await workers.stop(drainMs);
      await store.close();
    },
  };
}

const post = async (h: Harness, url: string, payload: object) =>
  (await h.app.inject({ method: "POST", url, headers: auth, payload })).json().operation as Operation;
const finished = (h: Harness, id: string) =>
  eventually(`operation ${id} to finish`, async () => {
    const op = await h.store.get(id);
    return op && isFinished(op) ? op : undefined;
  });

describe("embedded service", () => {
  it("provisions, changes tier, deprovisions and restores a tenant, publishing one event each", async () => {
    const restored: string[] = [];
    const h = await harness({
      restore: {
        restore: async (tenantId, payload, { tier }) => (
          restored.push(`${tenantId} ${tier} ${String(payload["backup"])}`),
          { restoredFrom: `file:///backups/${tenantId}.sql` }
        ),
      },
    });
    try {
      const provision = await finished(h, (await post(h, "/tenants", tenantRequest("acme", "standard"))).id);
      expect(provision).toMatchObject({
        status: "succeeded",
        attempts: 1,
        result: { outcome: "created", outputs: { tenantId: "acme", tier: "standard" } },
      });
      const view = await h.app.inject({ method: "GET", url: `/operations/${provision.id}`, headers: auth });
      expect(view.json().log.some((l: string) => l.includes("create kubernetes:core/v1:Namespace"))).toBe(
        true,
      );
      expect(view.json().log.at(-1)).toMatch(/succeeded$/);
      // Ended: the store no longer keeps the request's credentials (the stack config has them).
      expect(JSON.stringify((await h.store.get(provision.id))!.payload)).not.toContain(
        CREDENTIALS.mysql.password,
      );

      const upgrade = await finished(h, (await post(h, "/tenants/acme/tier", { tier: "business" })).id);
      expect(upgrade).toMatchObject({
        status: "succeeded",
        result: { from: "standard", to: "business", outcome: "changed" },
      });
      const tenant = (await h.app.inject({ method: "GET", url: "/tenants/acme", headers: auth })).json();
      expect(tenant).toMatchObject({
        tier: "business",
        status: "active",
        outputs: { tier: "business" },
        lastOperation: { id: upgrade.id, status: "succeeded" },
      });

      const gone = await h.app.inject({ method: "DELETE", url: "/tenants/acme?retainDays=3", headers: auth });
      expect(await finished(h, gone.json().operation.id)).toMatchObject({
        status: "succeeded",
        result: { backup: "file:///backups/acme.sql" },
      });
      expect((await h.store.tenant("acme"))?.status).toBe("retained");
      const again = await h.app.inject({
        method: "POST",
        url: "/tenants",
        headers: auth,
        payload: tenantRequest("acme"),
      });
      expect(again.statusCode).toBe(409); // retained: restore, do not provision over it

      // A backup loaded into a deprovisioned tenant: the handler runs with the stack's tier, then the window ends.
      const restore = await finished(
        h,
        (await post(h, "/tenants/acme/restore", { backup: "2026-11-30T14-05-09-000Z" })).id,
      );
      expect(restore).toMatchObject({
        status: "succeeded",
        result: { restored: { restoredFrom: "file:///backups/acme.sql" }, reinstated: { tenantId: "acme" } },
      });
      expect(restored).toEqual(["acme business 2026-11-30T14-05-09-000Z"]);
      expect((await h.store.tenant("acme"))?.status).toBe("active");
      // The event follows the recorded success (service/executor.ts): wait for it, never for a clock.
      await vi.waitFor(() =>
        expect(h.events.map((e) => `${e.event} ${e.tenantId}`)).toEqual([
          "tenant.provisioned acme",
          "tenant.tier_changed acme",
          "tenant.deprovisioned acme",
          "tenant.restored acme",
        ]),
      );
    } finally {
      await h.stop();
    }
  });

  it("runs one operation per tenant at a time, in request order, while other tenants proceed", async () => {
    const first = gate();
    const starts: string[] = [];
    let engine!: InstrumentedEngine;
    const h = await harness({
      workers: 3,
      engine: (inner) =>
        (engine = new InstrumentedEngine(inner, {
          before: async (op, tenantId) => {
            if (op !== "up") return;
            starts.push(tenantId);
            if (tenantId === "acme" && starts.filter((t) => t === "acme").length === 1) await first.wait;
          },
        })),
    });
    try {
      const a1 = await post(h, "/tenants", tenantRequest("acme", "standard"));
      const a2 = await post(
        h,
        "/tenants",
        tenantRequest("acme", "standard", { sites: [{ customDomains: ["shop.acme.example"] }] }),
      );
      const b = await post(h, "/tenants", tenantRequest("beta", "standard"));
      // beta finishes while acme's first operation is held; acme's second has not started.
      expect((await finished(h, b.id)).status).toBe("succeeded");
      expect((await h.store.get(a2.id))?.status).toBe("queued");
      expect(starts.filter((t) => t === "acme")).toHaveLength(1);
      first.open();
      expect((await finished(h, a2.id)).result).toMatchObject({ outcome: "updated" });
      expect((await h.store.get(a1.id))?.result).toMatchObject({ outcome: "created" });
      expect((await h.store.get(a1.id))!.finishedAt! <= (await h.store.get(a2.id))!.startedAt!).toBe(true);
      expect(engine.maxInFlight).toBe(2); // acme and beta at once, never acme twice
    } finally {
      await h.stop();
    }
  });

  it("retries an untyped failure with backoff, and gives up after maxAttempts with tenant.failed", async () => {
    let failures = 1;
    const h = await harness({
      maxAttempts: 3,
      engine: (inner) =>
        new InstrumentedEngine(inner, {
          before: async (op, tenantId) => {
            if (op === "up" && tenantId === "acme" && failures-- > 0)
              throw new Error("connection reset by the backend");
            if (op === "up" && tenantId === "doomed") throw new Error("backend unreachable");
          },
        }),
    });
    try {
      const ok = await finished(h, (await post(h, "/tenants", tenantRequest("acme", "standard"))).id);
      expect(ok).toMatchObject({ status: "succeeded", attempts: 2 });
      const logLines = await h.store.logLines(ok.id);
      expect(logLines.some((l) => l.includes("error: connection reset by the backend"))).toBe(true);
      const doomed = await finished(h, (await post(h, "/tenants", tenantRequest("doomed", "standard"))).id);
      expect(doomed).toMatchObject({
        status: "failed",
        attempts: 3,
        error: { outcome: "error", message: "backend unreachable" },
      });
      expect((await h.store.tenant("doomed"))?.status).toBe("failed");
      // The event follows the operation's end (the store first), so it may come a moment later.
      const failedEvents = () => h.events.filter((e) => e.event === "tenant.failed").map((e) => e.tenantId);
      await eventually("the tenant.failed event", async () => (failedEvents().length > 0 ? true : undefined));
      expect(failedEvents()).toEqual(["doomed"]);
    } finally {
      await h.stop();
    }
  });

  it("does not retry a typed refusal: a downgrade that does not fit ends with the pre-flight report", async () => {
    const h = await harness({
      usage: {
        productCount: async () => 50_000,
        storageUsedGi: async () => 1,
        averageConcurrentUsers: async () => 5,
      },
    });
    try {
      await finished(h, (await post(h, "/tenants", tenantRequest("acme", "business"))).id);
      const refused = await finished(h, (await post(h, "/tenants/acme/tier", { tier: "standard" })).id);
      expect(refused).toMatchObject({ status: "failed", attempts: 1, error: { outcome: "refused" } });
      const report = refused.error!.details!["report"] as {
        ok: boolean;
        checks: { name: string; status: string }[];
      };
      expect(report.ok).toBe(false);
      expect(report.checks.find((c) => c.name === "products")?.status).toBe("fail");
      expect((await h.store.tenant("acme"))?.tier).toBe("business");
    } finally {
      await h.stop();
    }
  });

  it("restores a deprovisioned tenant without a handler by ending its retention window, and refuses a backup it cannot load", async () => {
    const h = await harness();
    try {
      await finished(h, (await post(h, "/tenants", tenantRequest("acme", "standard"))).id);
      await finished(
        h,
        (await h.app.inject({ method: "DELETE", url: "/tenants/acme", headers: auth })).json().operation.id,
      );
      const fromBackup = await finished(
        h,
        (
          await post(h, "/tenants/acme/restore", {
            backup: "tenants/acme/dumps/2026-11-30T14-05-09-000Z.sql",
          })
        ).id,
      );
      expect(fromBackup).toMatchObject({
        status: "failed",
        attempts: 1,
        error: { outcome: "unsupported", message: expect.stringMatching(/needs a restore handler/) },
      });
      const restore = await finished(h, (await post(h, "/tenants/acme/restore", {})).id);
      expect(restore).toMatchObject({
        status: "succeeded",
        result: { tenantId: "acme", wasRetainedUntil: expect.any(String) },
      });
      expect((await h.store.tenant("acme"))?.status).toBe("active");
      // The stack no longer carries a retention date, so a purge passes it by.
      const tags = await new OfflineEngine({ stateDir: join(dir, "stacks") }).readTags("acme");
      expect(tags["collect-verything:retain-until"] ?? "").toBe("");
    } finally {
      await h.stop();
    }
  });
});

describe("fleet operations", () => {
  it("previews or updates every active tenant (or a tier's) as one operation per tenant on the same workers", async () => {
    const h = await harness({ workers: 2 });
    try {
      for (const [t, tier] of [
        ["acme", "standard"],
        ["beta", "standard"],
        ["gamma", "premium"],
      ] as const)
        await finished(h, (await post(h, "/tenants", tenantRequest(t, tier))).id);
      const bad = await h.app.inject({
        method: "POST",
        url: "/fleet/preview",
        headers: auth,
        payload: { tier: "gold" },
      });
      expect(bad.statusCode).toBe(400);
      expect(
        (await h.app.inject({ method: "POST", url: "/fleet/destroy", headers: auth, payload: {} }))
          .statusCode,
      ).toBe(400);
      const standard = (
        await h.app.inject({
          method: "POST",
          url: "/fleet/preview",
          headers: auth,
          payload: { tier: "standard" },
        })
      ).json().fleet as { operations: { tenantId: string; id: string }[] };
      expect(standard.operations.map((o) => o.tenantId)).toEqual(["acme", "beta"]);
      for (const o of standard.operations) {
        const done = await finished(h, o.id);
        expect(done).toMatchObject({ kind: "preview", status: "succeeded" });
        // Nothing changed since they were provisioned: every step is "same".
        expect(Object.keys((done.result as { summary: Record<string, number> }).summary)).toEqual(["same"]);
      }
      const all = (
        await h.app.inject({ method: "POST", url: "/fleet/up", headers: auth, payload: {} })
      ).json().fleet as { operations: { id: string }[] };
      expect(
        (await Promise.all(all.operations.map((o) => finished(h, o.id)))).map(
          (o) => `${o.tenantId} ${o.kind} ${o.status}`,
        ),
      ).toEqual(["acme update succeeded", "beta update succeeded", "gamma update succeeded"]);
      expect(h.events.filter((e) => e.event !== "tenant.provisioned")).toEqual([]); // a fleet run is no tenant event
    } finally {
      await h.stop();
    }
  });
});

describe("durability", () => {
  it("a graceful stop releases the running operation; after a restart it runs to the end", async () => {
    const held = gate();
    const h = await harness({
      engine: (inner) =>
        new InstrumentedEngine(inner, { before: (op) => (op === "up" ? held.wait : Promise.resolve()) }),
    });
    const op = await post(h, "/tenants", tenantRequest("acme", "standard"));
    await eventually("the operation to run", async () =>
      (await h.store.get(op.id))?.status === "running" ? true : undefined,
    );
    const stopped = h.workers.stop(0); // no drain time: the interrupt timer fires first...
    await new Promise((r) => setTimeout(r, 50));
    held.open(); // ...then the engine call returns, into a cancelled run
    await stopped;
    expect(await h.store.get(op.id)).toMatchObject({ status: "queued", attempts: 1 });
    await h.stop();
    const restarted = await harness({ owner: "second-worker" });
    try {
      const done = await finished(restarted, op.id);
      // The first attempt had created the stack before it was interrupted: the second updates it.
      expect(done).toMatchObject({
        status: "succeeded",
        attempts: 2,
        result: { outcome: "updated", outputs: { tenantId: "acme" } },
      });
      expect((await restarted.store.tenant("acme"))?.status).toBe("active");
    } finally {
      await restarted.stop();
    }
  });

  it("an operation a dead worker held is taken over once its lease expires", async () => {
    // A worker claims it and dies: nothing renews its lease or ends it.
    const before = new FileStore({ path: join(dir, "operations.jsonl") });
    const { operation } = await before.submit({
      tenantId: "acme",
      kind: "provision",
      payload: { ...tenantRequest("acme", "standard") },
    });
    const claim = await before.claim("dead-worker", 200);
    expect("claimed" in claim && claim.claimed.id).toBe(operation.id);
    expect(await before.claim("other", 200, operation.id)).toEqual({ wait: true }); // lease still live
    await before.close();
    await new Promise((r) => setTimeout(r, 250));
    const h = await harness({ owner: "survivor" });
    try {
      expect(await finished(h, operation.id)).toMatchObject({ status: "succeeded", attempts: 2 });
      expect(
        await h.store.finish(operation.id, "dead-worker", {
          status: "failed",
          error: { outcome: "error", message: "late" },
        }),
      ).toBe(false);
    } finally {
      await h.stop();
    }
  });

  it("a worker killed mid-update leaves its stack locked; the next worker cancels that lock on its evidence and completes", async () => {
    const first = await harness();
    const provisioned = await post(first, "/tenants", tenantRequest("acme", "standard"));
    expect((await finished(first, provisioned.id)).status).toBe("succeeded");
    await first.stop();

    const before = new FileStore({ path: join(dir, "operations.jsonl") });
    const { operation } = await before.submit({
      tenantId: "acme",
      kind: "change-tier",
      payload: { tier: "premium" },
    });
    const claim = await before.claim("dead-worker", 200);
    expect("claimed" in claim && claim.claimed.id).toBe(operation.id);
    // The dead worker's update: its preview ran, then its update took the stack's lock and never came back.
    let runs = 0;
    const hung = new TenantService({
      engine: new OfflineEngine({
        stateDir: join(dir, "stacks"),
        synth: (tenantId, config) =>
          ++runs === 1 ? synthTenant(tenantId, config) : new Promise(() => undefined),
      }),
    });
    void hung.changeTier("acme", "premium", { holder: operation.id });
    await eventually("the dead worker's lock", async () =>
      JSON.parse(readFileSync(join(dir, "stacks", "acme.json"), "utf8")).lock ? true : undefined,
    );
    await before.close();
    await new Promise((r) => setTimeout(r, 250));

    // The default stale threshold (30 min) is far away: only the evidence can unlock it.
    const survivor = await harness({ owner: "survivor" });
    try {
      expect(await finished(survivor, operation.id)).toMatchObject({ status: "succeeded", attempts: 2 });
      expect(await survivor.store.tenant("acme")).toMatchObject({ status: "active", tier: "premium" });
    } finally {
      await survivor.stop();
    }
  });
});

describe("one truth per tenant", () => {
  const stackTags = (tenantId: string) =>
    (
      JSON.parse(readFileSync(join(dir, "stacks", `${tenantId}.json`), "utf8")) as {
        tags: Record<string, string>;
      }
    ).tags;
  const request = (h: Harness, method: "POST" | "DELETE", url: string, payload?: object) =>
    h.app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) });

  it("refuses a re-provision or tier change with 409 while a deprovision is queued; the deprovision wins", async () => {
    const held = gate();
    const h = await harness({
      engine: (inner) =>
        new InstrumentedEngine(inner, {
          before: (op, t) => (op === "up" && t === "acme" && updates++ === 1 ? held.wait : Promise.resolve()),
        }),
    });
    let updates = 0;
    try {
      expect(
        (await finished(h, (await post(h, "/tenants", tenantRequest("acme", "standard"))).id)).status,
      ).toBe("succeeded");
      // An update held mid-way keeps the deprovision behind it queued.
      const update = await post(
        h,
        "/tenants",
        tenantRequest("acme", "standard", { sites: [{ customDomains: ["a.acme.example"] }] }),
      );
      const deprovision = await request(h, "DELETE", "/tenants/acme?retainDays=0");
      expect(deprovision.statusCode).toBe(202);
      for (const [method, url, payload] of [
        ["POST", "/tenants", tenantRequest("acme", "premium")],
        ["POST", "/tenants/acme/tier", { tier: "business" }],
        ["POST", "/tenants/acme/purge", undefined],
      ] as const) {
        const refused = await request(h, method, url, payload);
        expect(refused.statusCode, url).toBe(409);
        expect(refused.json().error.outcome, url).toBe("conflict");
      }
      held.open();
      expect((await finished(h, update.id)).status).toBe("succeeded");
      expect((await finished(h, deprovision.json().operation.id)).status).toBe("succeeded");
      expect(await h.store.tenant("acme")).toMatchObject({ status: "retained" });
      expect(stackTags("acme")[TAGS.retainUntil]).toBeTruthy();
    } finally {
      await h.stop();
    }
  });

  it("two API processes accepted a deprovision and a re-provision: the first stored wins, the other fails with conflict, and the views agree", async () => {
    const h = await harness();
    try {
      expect(
        (await finished(h, (await post(h, "/tenants", tenantRequest("acme", "standard"))).id)).status,
      ).toBe("succeeded");
      // Another API process accepted both before either ran (no submit-time check between them).
      const { operation: gone } = await h.store.submit({
        tenantId: "acme",
        kind: "deprovision",
        payload: { retainDays: 0 },
      });
      const { operation: again } = await h.store.submit({
        tenantId: "acme",
        kind: "provision",
        payload: { ...tenantRequest("acme", "standard") },
      });
      const { operation: tier } = await h.store.submit({
        tenantId: "acme",
        kind: "change-tier",
        payload: { tier: "premium" },
      });
      h.workers.notify();
      expect((await finished(h, gone.id)).status).toBe("succeeded");
      for (const id of [again.id, tier.id])
        expect(await finished(h, id)).toMatchObject({ status: "failed", error: { outcome: "conflict" } });
      expect(await h.store.tenant("acme")).toMatchObject({ status: "retained" });
      expect(stackTags("acme")[TAGS.retainUntil]).toBeTruthy();

      // The window (0 days) has passed: the purge the service's view and the stack agree on runs.
      const purge = await request(h, "POST", "/tenants/acme/purge");
      expect(purge.statusCode).toBe(202);
      expect((await finished(h, purge.json().operation.id)).status).toBe("succeeded");
      expect(await h.store.tenant("acme")).toMatchObject({ status: "purged" });
      expect(existsSync(join(dir, "stacks", "acme.json"))).toBe(false);
    } finally {
      await h.stop();
    }
  });

  it("purge refuses an active tenant (409), and a purge the stack contradicts reconciles the service's view instead of destroying", async () => {
    const h = await harness();
    try {
      const provisioned = await post(h, "/tenants", tenantRequest("acme", "standard"));
      expect((await finished(h, provisioned.id)).status).toBe("succeeded");
      const refused = await request(h, "POST", "/tenants/acme/purge");
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error.outcome).toBe("conflict");

      // A record that says retained while the stack was never deprovisioned (what a lost race left before).
      await h.workers.stop();
      const { operation: forged } = await h.store.submit({
        tenantId: "acme",
        kind: "deprovision",
        payload: {},
      });
      const claim = await h.store.claim("forger", 60_000, forged.id);
      expect("claimed" in claim).toBe(true);
      await h.store.finish(forged.id, "forger", {
        status: "succeeded",
        result: {},
        tenant: { status: "retained", retainUntil: "2020-01-01T00:00:00.000Z" },
      });
      await h.store.close();
    } finally {
      await h.app.close();
    }
    const after = await harness();
    try {
      const purge = await request(after, "POST", "/tenants/acme/purge");
      expect(purge.statusCode).toBe(202);
      expect(await finished(after, purge.json().operation.id)).toMatchObject({
        status: "failed",
        error: { outcome: "conflict" },
      });
      expect(await after.store.tenant("acme")).toMatchObject({ status: "active" });
      expect((await after.store.tenant("acme"))?.retainUntil).toBeUndefined();
      expect(existsSync(join(dir, "stacks", "acme.json"))).toBe(true);
    } finally {
      await after.stop();
    }
  });
});

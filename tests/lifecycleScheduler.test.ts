/**
 * Scheduled downgrades and grace periods (service/lifecycleScheduler.ts) with a controllable
 * clock, in both operation stores (the journal, reopened mid-period; MySQL on the real MariaDB),
 * and the reminders on a real RabbitMQ topic exchange.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, it, type TestContext } from "vitest";
import type { LifecycleEvent, PlatformEvent } from "../service/events";
import { FileStore } from "../service/fileStore";
import { buildHttpApp } from "../service/http";
import { Metrics } from "../service/metrics";
import { SecretBox } from "../service/secrets";
import { GRACE_STEPS } from "../service/lifecycle";
import { LifecycleScheduler } from "../service/lifecycleScheduler";
import { createLogger } from "../service/log";
import { MysqlStore } from "../service/mysqlStore";
import type { Operation, OperationStore, TenantUpdate } from "../service/operations";
import { RabbitEvents, RabbitLink } from "../service/rabbit";
import { AMQP_URL, MYSQL, mysqlQuery, removeLinkTopology, serverAvailable } from "./helpers/servers";

const RUN = `${process.pid}_${randomBytes(3).toString("hex")}`;
const DAY = 86_400_000;
const T0 = Date.parse("2026-12-01T09:00:00Z");
const log = createLogger({ level: "silent" });
/** A grace period left to run out: opened, a reminder on days 7, 14, 21 and 28, the final warning, the end. */
const GRACE_RUN_OUT = [
  "tenant.grace_opened",
  "tenant.grace_reminder",
  "tenant.grace_reminder",
  "tenant.grace_reminder",
  "tenant.grace_reminder",
  "tenant.grace_final_warning",
  "tenant.grace_ended",
];

/** A clock the test moves. */
function fakeClock(start = T0) {
  let t = start;
  return { now: () => t, to: (ms: number) => (t = ms) };
}
type Clock = ReturnType<typeof fakeClock>;

/** Runs the tenant's oldest pending operation to its end as a worker would, with the record update given. */
async function runPending(store: OperationStore, tenantId: string, tenant: TenantUpdate): Promise<Operation> {
  const [head] = await store.pending(tenantId);
  if (!head) throw new Error(`tenant ${tenantId} has nothing pending`);
  const claim = await store.claim("test-worker", 60_000, head.id);
  if (!("claimed" in claim)) throw new Error(`could not claim ${head.id}`);
  await store.finish(head.id, "test-worker", { status: "succeeded", result: {}, tenant });
  return head;
}

async function activeTenant(store: OperationStore, tenantId: string, tier = "premium"): Promise<void> {
  await store.submit({ tenantId, kind: "provision", payload: {} });
  await runPending(store, tenantId, { status: "active", tier });
}

interface Setup {
  readonly store: OperationStore;
  reopen(): Promise<OperationStore>;
  close(): Promise<void>;
}

type StoreFactory = (clock: () => number) => Promise<Setup>;

function harness(clock: Clock) {
  const events: LifecycleEvent[] = [];
  const dispatched: Operation[] = [];
  const scheduler = (s: OperationStore) =>
    new LifecycleScheduler({
      store: s,
      events: { publish: async (e) => void events.push(e as LifecycleEvent) },
      dispatch: async (op) => void dispatched.push(op),
      log,
      now: clock.now,
    });
  return { events, dispatched, scheduler, names: () => events.map((e) => e.event) };
}
type Harness = ReturnType<typeof harness>;

const fileStore: StoreFactory = async (now) => {
  const dir = mkdtempSync(join(tmpdir(), `lifecycle-${RUN}-`));
  const path = join(dir, "operations.jsonl");
  let store = new FileStore({ path, now });
  return {
    get store() {
      return store;
    },
    async reopen() {
      await store.close();
      store = new FileStore({ path, now });
      return store;
    },
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

let mysqlUp = false;
let rabbitUp = false;
beforeAll(async () => {
  mysqlUp = await serverAvailable("MySQL", MYSQL.host, MYSQL.port);
  const amqpUrl = new URL(AMQP_URL);
  rabbitUp = await serverAvailable("RabbitMQ (AMQP)", amqpUrl.hostname, Number(amqpUrl.port || 5672));
});

let mysqlDatabases = 0;
const mysqlStore: StoreFactory = async () => {
  const database = `lifecycle_${RUN}_${(mysqlDatabases += 1)}`;
  let store = await MysqlStore.open({ ...MYSQL, database });
  return {
    get store() {
      return store;
    },
    async reopen() {
      await store.close();
      store = await MysqlStore.open({ ...MYSQL, database });
      return store;
    },
    async close() {
      await store.close();
      await mysqlQuery(`DROP DATABASE IF EXISTS \`${database}\``);
    },
  };
};

describe.each([
  ["the journal (FileStore)", fileStore, (): boolean => true],
  ["MySQL (real MariaDB)", mysqlStore, (): boolean => mysqlUp],
] as const)("lifecycle in %s", (_name, open, available) => {
  /** A store (closed after `body`) with one active tenant, a clock at T0 and a harness on that clock. */
  async function withActiveTenant(
    context: TestContext,
    tenantId: string,
    tier: string,
    body: (t: { clock: Clock; setup: Setup; h: Harness }) => Promise<void>,
  ): Promise<void> {
    if (!available()) context.skip();
    const clock = fakeClock();
    const setup = await open(clock.now);
    try {
      await activeTenant(setup.store, tenantId, tier);
      await body({ clock, setup, h: harness(clock) });
    } finally {
      await setup.close();
    }
  }

  it("a grace period: reminders on days 7, 14, 21, 28 and 24 h before the end, in order, across a restart; then suspension", (context) =>
    withActiveTenant(context, "grace1", "premium", async ({ clock, setup, h }) => {
      const opened = await h.scheduler(setup.store).openGracePeriod("grace1", "payment-failed");
      expect(opened.opened).toBe(true);
      expect(opened.state.grace?.endsAt).toBe("2026-12-31T09:00:00.000Z");
      // Asked again (billing retries): the same period, no second event.
      expect((await h.scheduler(setup.store).openGracePeriod("grace1", "payment-failed")).opened).toBe(false);

      let scheduler = h.scheduler(setup.store);
      clock.to(T0 + 7 * DAY - 1);
      await scheduler.tick();
      expect(h.names()).toEqual(["tenant.grace_opened"]);
      clock.to(T0 + 7 * DAY);
      await scheduler.tick();
      await scheduler.tick(); // a second round in the same instant sends nothing twice
      expect(h.events.at(-1)).toMatchObject({ event: "tenant.grace_reminder", details: { day: 7 } });
      clock.to(T0 + 14 * DAY + 3_600_000);
      await scheduler.tick();

      // A restart: a new store and scheduler read what was sent from the store.
      scheduler = h.scheduler(await setup.reopen());
      clock.to(T0 + 20 * DAY);
      await scheduler.tick();
      expect(h.events.filter((e) => e.event === "tenant.grace_reminder")).toHaveLength(2);
      // Down for a week: the steps that fell due meanwhile go out in their order.
      clock.to(T0 + 29 * DAY + 1);
      await scheduler.tick();
      // All but the end.
      expect(h.names()).toEqual(GRACE_RUN_OUT.slice(0, -1));
      expect(
        h.events.filter((e) => e.event === "tenant.grace_reminder").map((e) => e.details?.["day"]),
      ).toEqual([7, 14, 21, 28]);
      expect(h.events.at(-1)?.details?.["dueAt"]).toBe("2026-12-30T09:00:00.000Z");
      expect(await setup.store.pending("grace1")).toEqual([]);

      clock.to(T0 + 30 * DAY);
      await scheduler.tick();
      await scheduler.tick();
      const ended = h.events.at(-1)!;
      expect(ended).toMatchObject({ event: "tenant.grace_ended", details: { suspended: true } });
      const pending = await setup.store.pending("grace1");
      expect(pending.map((o) => o.kind)).toEqual(["deprovision"]);
      expect(ended.operationId).toBe(pending[0]!.id);
      expect(h.dispatched.map((o) => o.id)).toEqual([pending[0]!.id]);
      expect((await setup.store.lifecycle("grace1"))?.state).toMatchObject({
        suspended: { operationId: pending[0]!.id },
      });
      expect(GRACE_STEPS.map((s) => s.step)).toEqual([
        "day-7",
        "day-14",
        "day-21",
        "day-28",
        "final-24h",
        "ended",
      ]);

      // Payment arrives after the suspension ran: the tenant is restored (a restore {}: data never left).
      await runPending(setup.store, "grace1", {
        status: "retained",
        retainUntil: "2027-01-30T09:00:00.000Z",
      });
      const cancelled = await scheduler.cancelGracePeriod("grace1");
      expect(cancelled.operation?.kind).toBe("restore");
      expect(h.events.at(-1)).toMatchObject({ event: "tenant.grace_cancelled", details: { restored: true } });
      expect((await setup.store.lifecycle("grace1"))?.state).toEqual({});
    }));

  it("a grace period cancelled before its end: no more reminders, no suspension", (context) =>
    withActiveTenant(context, "grace2", "premium", async ({ clock, setup, h }) => {
      const scheduler = h.scheduler(setup.store);
      await scheduler.openGracePeriod("grace2", "payment-failed");
      clock.to(T0 + 8 * DAY);
      await scheduler.tick();
      await scheduler.cancelGracePeriod("grace2");
      clock.to(T0 + 40 * DAY);
      await scheduler.tick();
      expect(h.names()).toEqual(["tenant.grace_opened", "tenant.grace_reminder", "tenant.grace_cancelled"]);
      expect(await setup.store.pending("grace2")).toEqual([]);
      await expect(scheduler.cancelGracePeriod("grace2")).rejects.toThrow(/no grace period to cancel/);
      // A retained tenant opens none.
      await setup.store.submit({ tenantId: "grace2", kind: "deprovision", payload: {} });
      await expect(scheduler.openGracePeriod("grace2", "payment-failed")).rejects.toThrow(/retained/);
    }));

  it("a downgrade scheduled for the end of the billing period runs then, once; held while suspended", (context) =>
    withActiveTenant(context, "down1", "business", async ({ clock, setup, h }) => {
      const scheduler = h.scheduler(setup.store);
      const end = "2026-12-31T23:59:59Z";
      await expect(scheduler.scheduleDowngrade("down1", "business", end)).rejects.toThrow(
        /not below business/,
      );
      await expect(scheduler.scheduleDowngrade("down1", "premium", "2026-11-30T00:00:00Z")).rejects.toThrow(
        /not in the future/,
      );
      await expect(scheduler.scheduleDowngrade("down1", "gold", end)).rejects.toThrow(/not a tier/);
      await expect(scheduler.scheduleDowngrade("down1", "premium", "tomorrow")).rejects.toThrow(
        /UTC timestamp/,
      );
      await expect(scheduler.scheduleDowngrade("nobody", "premium", end)).rejects.toThrow(/no tier/);
      await scheduler.scheduleDowngrade("down1", "standard", end);
      await scheduler.cancelDowngrade("down1");
      await scheduler.scheduleDowngrade("down1", "premium", end);

      clock.to(Date.parse(end) - 1);
      await scheduler.tick();
      expect(await setup.store.pending("down1")).toEqual([]);
      clock.to(Date.parse(end));
      await scheduler.tick();
      await scheduler.tick();
      const pending = await setup.store.pending("down1");
      expect(pending.map((o) => [o.kind, o.payload])).toEqual([["change-tier", { tier: "premium" }]]);
      expect(h.names()).toEqual([
        "tenant.downgrade_scheduled",
        "tenant.downgrade_cancelled",
        "tenant.downgrade_scheduled",
        "tenant.downgrade_started",
      ]);
      expect(h.events.at(-1)).toMatchObject({ tier: "premium", operationId: pending[0]!.id });
      await runPending(setup.store, "down1", { tier: "premium" });

      // Suspended when the time comes: it waits (one event), and runs once the tenant is back.
      await scheduler.scheduleDowngrade("down1", "standard", "2027-01-31T00:00:00Z");
      await setup.store.submit({ tenantId: "down1", kind: "deprovision", payload: {} });
      clock.to(Date.parse("2027-02-01T00:00:00Z"));
      await scheduler.tick();
      await scheduler.tick();
      expect(h.names().at(-1)).toBe("tenant.downgrade_held");
      expect((await setup.store.pending("down1")).map((o) => o.kind)).toEqual(["deprovision"]);
      await runPending(setup.store, "down1", { status: "retained" });
      await setup.store.submit({ tenantId: "down1", kind: "restore", payload: {} });
      await runPending(setup.store, "down1", { status: "active" });
      await scheduler.tick();
      expect((await setup.store.pending("down1")).map((o) => [o.kind, o.payload])).toEqual([
        ["change-tier", { tier: "standard" }],
      ]);
      expect(h.names().filter((n) => n === "tenant.downgrade_held")).toHaveLength(1);
    }));

  it("two schedulers on one store send each reminder once", (context) =>
    withActiveTenant(context, "race1", "premium", async ({ clock, setup, h }) => {
      await h.scheduler(setup.store).openGracePeriod("race1", "payment-failed");
      clock.to(T0 + 30 * DAY);
      await Promise.all([h.scheduler(setup.store).tick(), h.scheduler(setup.store).tick()]);
      expect(h.names()).toEqual(GRACE_RUN_OUT);
      expect((await setup.store.pending("race1")).map((o) => o.kind)).toEqual(["deprovision"]);
    }));
});

describe("grace events on the platform exchange (real RabbitMQ)", () => {
  it("publishes the reminders, the final warning and the end on a topic exchange, in order", async (context) => {
    if (!rabbitUp) context.skip();
    const exchange = `lifecycle-events-${RUN}`;
    const prefix = `lifecycle-${RUN}`;
    const clock = fakeClock();
    const setup = await fileStore(clock.now);
    const link = await RabbitLink.connect({
      url: AMQP_URL,
      prefix,
      eventsExchange: exchange,
    });
    const connection = await amqp.connect(AMQP_URL);
    try {
      const channel = await connection.createChannel();
      await channel.assertExchange(exchange, "topic", { durable: true });
      const { queue } = await channel.assertQueue("", { exclusive: true });
      for (const key of [
        "tenant.grace_opened",
        "tenant.grace_reminder",
        "tenant.grace_final_warning",
        "tenant.grace_ended",
      ])
        await channel.bindQueue(queue, exchange, key);
      const received: { key: string; body: PlatformEvent }[] = [];
      await channel.consume(
        queue,
        (m) =>
          m &&
          received.push({
            key: m.fields.routingKey,
            body: JSON.parse(m.content.toString()) as PlatformEvent,
          }),
        { noAck: true },
      );
      await activeTenant(setup.store, "amqp1");
      const scheduler = new LifecycleScheduler({
        store: setup.store,
        events: new RabbitEvents(link),
        dispatch: async () => undefined,
        log,
        now: clock.now,
      });
      await scheduler.openGracePeriod("amqp1", "payment-failed");
      for (const day of [7, 14, 21, 28, 29, 30]) {
        clock.to(T0 + day * DAY);
        await scheduler.tick();
      }
      const deadline = Date.now() + 10_000;
      while (received.length < 7 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(received.map((r) => r.key)).toEqual(GRACE_RUN_OUT);
      expect(received.every((r) => r.body.tenantId === "amqp1")).toBe(true);
      await channel.deleteExchange(exchange);
    } finally {
      // The link declared its prefix's queues and exchanges on the shared broker: none is left behind.
      await connection.close();
      await removeLinkTopology(prefix);
      await link.close();
      await setup.close();
    }
  });
});

afterAll(async () => {
  if (mysqlUp) {
    for (let i = 1; i <= mysqlDatabases; i += 1)
      await mysqlQuery(`DROP DATABASE IF EXISTS \`lifecycle_${RUN}_${i}\``);
  }
});

describe("the lifecycle's HTTP API", () => {
  it("schedules and cancels downgrades, opens and cancels grace periods; bad requests are typed 4xx", async () => {
    const clock = fakeClock();
    const setup = await fileStore(clock.now);
    const h = harness(clock);
    const dispatched: Operation[] = [];
    const token = "test-token-0123456789abcdef";
    const headers = { authorization: `Bearer ${token}` };
    const app = await buildHttpApp({
      store: setup.store,
      dispatcher: { dispatch: async (op) => void dispatched.push(op) },
      token,
      metrics: new Metrics(),
      log,
      secrets: new SecretBox(randomBytes(32)),
      lifecycle: h.scheduler(setup.store),
    });
    try {
      await activeTenant(setup.store, "http1", "business");
      const call = (
        method: "GET" | "PUT" | "POST" | "DELETE",
        url: string,
        payload?: Record<string, unknown>,
      ) => app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

      expect((await app.inject({ method: "GET", url: "/tenants/http1/lifecycle" })).statusCode).toBe(401);
      expect((await call("GET", "/tenants/nobody/lifecycle")).statusCode).toBe(404);
      const bad = await call("PUT", "/tenants/http1/scheduled-tier", {
        tier: "gold",
        at: "2027-01-01T00:00:00Z",
      });
      expect(bad.statusCode).toBe(400);
      const up = await call("PUT", "/tenants/http1/scheduled-tier", {
        tier: "business",
        at: "2027-01-01T00:00:00Z",
      });
      expect([up.statusCode, up.json().error.outcome]).toEqual([400, "invalid"]);
      const scheduled = await call("PUT", "/tenants/http1/scheduled-tier", {
        tier: "premium",
        at: "2027-01-01T00:00:00Z",
      });
      expect(scheduled.statusCode).toBe(200);
      expect(scheduled.json().lifecycle.scheduled).toMatchObject({
        tier: "premium",
        at: "2027-01-01T00:00:00.000Z",
      });
      expect((await call("DELETE", "/tenants/http1/scheduled-tier")).statusCode).toBe(200);
      const again = await call("DELETE", "/tenants/http1/scheduled-tier");
      expect([again.statusCode, again.json().error.outcome]).toEqual([409, "conflict"]);

      expect((await call("POST", "/tenants/http1/grace", { reason: "payment-failed" })).statusCode).toBe(201);
      expect((await call("POST", "/tenants/http1/grace", {})).statusCode).toBe(200);
      expect((await call("POST", "/tenants/http1/grace", { reason: "Robert'); DROP" })).statusCode).toBe(400);
      const state = (await call("GET", "/tenants/http1/lifecycle")).json();
      expect(state.lifecycle.grace.endsAt).toBe("2026-12-31T09:00:00.000Z");
      expect((await call("DELETE", "/tenants/http1/grace")).statusCode).toBe(200);
      expect(h.names()).toEqual([
        "tenant.downgrade_scheduled",
        "tenant.downgrade_cancelled",
        "tenant.grace_opened",
        "tenant.grace_cancelled",
      ]);
      // The scheduler's idempotency keys are its own.
      const stolen = await app.inject({
        method: "DELETE",
        url: "/tenants/http1",
        headers: { ...headers, "idempotency-key": "lifecycle:grace-end:http1:2026-12-01T09:00:00.000Z" },
      });
      expect(stolen.statusCode).toBe(400);
      expect(dispatched).toEqual([]);
    } finally {
      await app.close();
      await setup.close();
    }
  });
});

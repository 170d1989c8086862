/**
 * The provisioning service in production mode, against the real RabbitMQ (AMQP) and MariaDB:
 * duplicate requests with one idempotency key make one operation; competing consumers share
 * the load; one tenant's operations never overlap and run in order; failures are retried and
 * dead-lettered after maxAttempts; events reach the events exchange; and 20 trials of kill -9
 * of a worker process mid-operation lose no request and leave no tenant locked.
 * Each run uses its own database, queue prefix and exchange. Skipped when a server is
 * unreachable, failing under CI=true (tests/helpers/servers.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import amqp from "amqplib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { OfflineEngine } from "../automation/offlineEngine";
import { TenantService } from "../automation/tenantService";
import type { TenantEvent } from "../service/events";
import { Executor } from "../service/executor";
import { createLogger } from "../service/log";
import { MysqlStore } from "../service/mysqlStore";
import { isFinished, type Operation, type OperationStore } from "../service/operations";
import { linkTopology, RabbitDispatcher, RabbitEvents, RabbitLink, RabbitWorkers } from "../service/rabbit";
import { SecretBox } from "../service/secrets";
import { serviceConfigFromEnv } from "../service/config";
import { startService, type RunningService } from "../service/runtime";
import { gate, InstrumentedEngine } from "./helpers/engines";
import { AMQP_URL, MYSQL, mysqlQuery, RABBITMQ, serverAvailable } from "./helpers/servers";
import { eventually, tenantRequest } from "./helpers/service";
import { TYPESCRIPT_NODE_ARGS } from "../lib/typescriptNode";

const RUN = `${process.pid}_${randomBytes(3).toString("hex")}`;
const log = createLogger({ level: "silent" });
const amqpUrl = new URL(AMQP_URL);

let available = false;
beforeAll(async () => {
  available =
    (await serverAvailable("MySQL", MYSQL.host, MYSQL.port)) &&
    (await serverAvailable("RabbitMQ (AMQP)", amqpUrl.hostname, Number(amqpUrl.port || 5672)));
});
beforeEach((context) => {
  if (!available) context.skip();
});

/** Deletes the queues and exchanges of a run's prefix (delay queues included) and its database. */
async function cleanUp(prefix: string, database: string, exchanges: string[]): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  const auth = `Basic ${Buffer.from(`${RABBITMQ.user}:${RABBITMQ.password}`).toString("base64")}`;
  const listed = await fetch(`${RABBITMQ.url}/api/queues/%2F?columns=name`, {
    headers: { authorization: auth },
  })
    .then((r) => r.json() as Promise<{ name: string }[]>)
    .catch(() => [] as { name: string }[]);
  const { queue, deadQueue, exchange, deadExchange } = linkTopology(prefix);
  const queues = new Set([
    queue,
    deadQueue,
    ...listed.map((q) => q.name).filter((n) => n.startsWith(`${prefix}.`)),
  ]);
  for (const q of queues) await channel.deleteQueue(q);
  for (const e of [exchange, deadExchange, ...exchanges]) await channel.deleteExchange(e);
  await connection.close();
  await mysqlQuery(`DROP DATABASE IF EXISTS \`${database}\``);
}

const finished = (store: OperationStore, id: string, timeoutMs = 120_000) =>
  eventually(
    `operation ${id} to finish`,
    async () => {
      const op = await store.get(id);
      return op && isFinished(op) ? op : undefined;
    },
    timeoutMs,
  );

describe("RabbitMQ workers over the MySQL store (in process)", () => {
  const prefix = `svc-test-${RUN}`;
  const database = `svc_test_${RUN}`;
  const eventsExchange = `svc-test-events-${RUN}`;
  let dir: string;
  let store: MysqlStore;
  const links: RabbitLink[] = [];

  beforeAll(async () => {
    if (!available) return;
    dir = mkdtempSync(join(tmpdir(), "service-broker-"));
    store = await MysqlStore.open({ ...MYSQL, database });
  });
  afterAll(async () => {
    if (!available) return;
    for (const link of links) await link.close();
    await store.close();
    await cleanUp(prefix, database, [eventsExchange]);
    rmSync(dir, { recursive: true, force: true });
  });

  const link = async () => {
    const l = await RabbitLink.connect({ url: AMQP_URL, prefix, eventsExchange, deliveryLimit: 5 });
    links.push(l);
    return l;
  };
  const workers = async (
    owner: string,
    engine: (inner: OfflineEngine) => InstrumentedEngine,
    maxAttempts = 3,
  ) => {
    const l = await link();
    const service = new TenantService({
      engine: engine(new OfflineEngine({ stateDir: join(dir, "stacks") })),
      backup: { backup: async (t) => ({ location: `file:///backups/${t}` }) },
    });
    const executor = new Executor({
      service,
      store,
      owner,
      leaseMs: 10_000,
      log,
      events: new RabbitEvents(l),
      secrets: new SecretBox(randomBytes(32)),
    });
    const w = new RabbitWorkers({
      link: l,
      store,
      executor,
      concurrency: 1,
      maxAttempts,
      backoffBaseMs: 50,
      waitMs: 100,
      log,
    });
    await w.start();
    return w;
  };

  it("makes one operation of concurrent duplicate requests with one idempotency key, and refuses the key for another request", async () => {
    const request = {
      tenantId: "idem",
      kind: "provision" as const,
      payload: { ...tenantRequest("idem", "standard") },
      idempotencyKey: `key-${RUN}`,
    };
    const results = await Promise.all(Array.from({ length: 8 }, () => store.submit(request)));
    expect(new Set(results.map((r) => r.operation.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    await expect(
      store.submit({ ...request, payload: { ...tenantRequest("idem", "business") } }),
    ).rejects.toThrow(/already used for a different request/);
    await mysqlQuery(`DELETE FROM \`${database}\`.operations; DELETE FROM \`${database}\`.tenants`);
  });

  it("shares the load among competing workers, runs one tenant's operations in order, and publishes events", async () => {
    const events = await (async () => {
      const connection = await amqp.connect(AMQP_URL);
      const channel = await connection.createChannel();
      await channel.assertExchange(eventsExchange, "topic", { durable: true });
      const { queue } = await channel.assertQueue("", { exclusive: true });
      await channel.bindQueue(queue, eventsExchange, "tenant.#");
      const received: TenantEvent[] = [];
      await channel.consume(
        queue,
        (m) => m && received.push(JSON.parse(m.content.toString()) as TenantEvent),
        { noAck: true },
      );
      return { received, close: () => connection.close() };
    })();
    const held = gate();
    const engines: InstrumentedEngine[] = [];
    const make = (inner: OfflineEngine) => {
      const e = new InstrumentedEngine(inner, {
        before: (op) => (op === "up" ? held.wait : Promise.resolve()),
      });
      engines.push(e);
      return e;
    };
    const pool = [await workers("w1", make), await workers("w2", make), await workers("w3", make)];
    const dispatcher = new RabbitDispatcher(links[0]!, store, log);
    const submit = async (tenantId: string, extra = {}) => {
      const { operation } = await store.submit({
        tenantId,
        kind: "provision",
        payload: { ...tenantRequest(tenantId, "standard", extra) },
      });
      await dispatcher.dispatch(operation);
      return operation;
    };
    const first = await submit("alpha");
    const second = await submit("alpha", { sites: [{ customDomains: ["shop.alpha.example"] }] });
    const others = [await submit("bravo"), await submit("charlie")];
    // Three workers, three tenants: each worker holds one, and alpha's second waits.
    const running = await eventually("three operations running", async () => {
      const ops = await Promise.all([first, ...others].map((o) => store.get(o.id)));
      return ops.every((o) => o?.status === "running") ? (ops as Operation[]) : undefined;
    });
    expect(new Set(running.map((o) => o.owner))).toEqual(new Set(["w1", "w2", "w3"]));
    expect((await store.get(second.id))?.status).toBe("queued");
    held.open();
    const done = await Promise.all([first, second, ...others].map((o) => finished(store, o.id)));
    expect(done.map((o) => o.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded"]);
    expect(done[0]!.finishedAt! <= done[1]!.startedAt!).toBe(true);
    expect(done[1]!.result).toMatchObject({ outcome: "updated" });
    // Ended: the database no longer keeps the requests' credentials.
    for (const op of done)
      expect(op.payload["adminCredentials"]).toMatchObject({
        mysql: { password: "[secret]" },
        rabbitmq: { password: "[secret]" },
      });
    expect(Math.max(...engines.map((e) => e.maxInFlight))).toBe(1);
    await eventually("four events", async () => (events.received.length >= 4 ? true : undefined));
    expect(events.received.map((e) => `${e.event} ${e.tenantId}`).sort()).toEqual([
      "tenant.provisioned alpha",
      "tenant.provisioned alpha",
      "tenant.provisioned bravo",
      "tenant.provisioned charlie",
    ]);
    await events.close();
    for (const w of pool) await w.stop();
  });

  it("retries a failing operation with backoff, then fails it, says so, and dead-letters it", async () => {
    const pool = [
      await workers("f1", (inner) => new InstrumentedEngine(inner, { failFor: new Set(["doomed"]) }), 3),
    ];
    const dispatcher = new RabbitDispatcher(links.at(-1)!, store, log);
    const { operation } = await store.submit({
      tenantId: "doomed",
      kind: "provision",
      payload: { ...tenantRequest("doomed", "standard") },
    });
    await dispatcher.dispatch(operation);
    const failed = await finished(store, operation.id);
    expect(failed).toMatchObject({
      status: "failed",
      attempts: 3,
      error: { outcome: "error", message: "up of doomed failed" },
    });
    expect((await store.tenant("doomed"))?.status).toBe("failed");
    const dead = await eventually("the dead-lettered message", async () => {
      const message = await links.at(-1)!.channel.get(`${prefix}.dead`, { noAck: true });
      return message ? (JSON.parse(message.content.toString()) as { id: string; reason: string }) : undefined;
    });
    expect(dead).toEqual({ id: operation.id, reason: "failed 3 times" });
    for (const w of pool) await w.stop();
  });
  it("publishes again, once, a request whose message was lost: the head of its tenant first, then the next", async () => {
    const l = await link();
    const dispatcher = new RabbitDispatcher(l, store, log);
    const submit = async (tag: string) =>
      (
        await store.submit({
          tenantId: "lost",
          kind: "provision",
          payload: {
            ...tenantRequest("lost", "standard", { images: { registry: "registry.example.com/cv", tag } }),
          },
        })
      ).operation;
    const first = await submit("1.0.0"); // stored, never published (the API died before publishing)
    const second = await submit("1.0.1");
    // Windows of 500 ms: the second look must come within one, even on a loaded machine (20 ms did not).
    await new Promise((r) => setTimeout(r, 600));
    expect((await store.reclaimStale(500)).map((o) => o.id)).toEqual([first.id]); // not the one queued behind it
    expect(await store.reclaimStale(500)).toEqual([]); // marked: not again before another 500 ms
    await dispatcher.publishAgain([first]);
    const pool = [await workers("s1", (inner) => new InstrumentedEngine(inner))];
    expect((await finished(store, first.id)).status).toBe("succeeded");
    expect((await store.get(second.id))?.status).toBe("queued");
    await new Promise((r) => setTimeout(r, 30));
    expect(await dispatcher.sweep(20)).toBe(1);
    expect((await finished(store, second.id)).result).toMatchObject({ outcome: "updated" });
    for (const w of pool) await w.stop();
  });
});

describe("kill -9 of worker processes mid-operation (20 trials)", () => {
  const prefix = `svc-kill-${RUN}`;
  const database = `svc_kill_${RUN}`;
  const eventsExchange = `svc-kill-events-${RUN}`;
  const TRIALS = 20;
  const WORKERS = 3;
  let dir: string;
  let api: RunningService;
  const children = new Map<number, ChildProcess>();
  const killed = new Set<number>();
  let env: Record<string, string>;

  const spawnWorker = () => {
    const child = spawn(
      process.execPath,
      [...TYPESCRIPT_NODE_ARGS, resolve(__dirname, "helpers/serviceWorkerChild.ts")],
      { env, stdio: ["ignore", "ignore", "pipe"] },
    );
    child.stderr!.on("data", () => undefined);
    children.set(child.pid!, child);
    child.on("exit", () => children.delete(child.pid!));
  };

  beforeAll(async () => {
    if (!available) return;
    dir = mkdtempSync(join(tmpdir(), "service-kill-"));
    writeFileSync(join(dir, "trace.jsonl"), "");
    env = {
      ...(process.env as Record<string, string>),
      AMQP_URL,
      SERVICE_DATABASE: database,
      QUEUE_PREFIX: prefix,
      EVENTS_EXCHANGE: eventsExchange,
      TENANT_SERVICE_TOKEN: `kill-trials-token-${RUN}`,
      SERVICE_SECRET_KEY: randomBytes(32).toString("base64"),
      TENANT_ENGINE: "offline",
      TENANT_STATE_DIR: join(dir, "stacks"),
      SERVICE_DATA_DIR: join(dir, "data"),
      TRACE_FILE: join(dir, "trace.jsonl"),
      SLOW_MS: "1500",
      WORKERS: "1",
      LEASE_MS: "4000",
      // The default: a killed worker's stack lock is cancelled on its evidence, not because it aged.
      STALE_LOCK_MS: "600000",
      MAX_ATTEMPTS: "10",
      BACKOFF_MS: "200",
      MYSQL_HOST: MYSQL.host,
      MYSQL_PORT: String(MYSQL.port),
      MYSQL_USER: MYSQL.user,
      MYSQL_PASSWORD: MYSQL.password,
      LOG_LEVEL: "warn",
      SERVICE_ROLE: "worker",
    };
    api = await startService(serviceConfigFromEnv({ ...env, SERVICE_ROLE: "api", PORT: "0" }), { log });
  });
  afterAll(async () => {
    if (!available) return;
    for (const child of children.values()) child.kill("SIGKILL");
    await api.stop();
    await cleanUp(prefix, database, [eventsExchange]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("loses no request, leaves no tenant locked, and never runs one tenant in two processes", async () => {
    for (let i = 0; i < WORKERS; i++) spawnWorker();
    const headers = {
      authorization: `Bearer ${env["TENANT_SERVICE_TOKEN"]}`,
      "content-type": "application/json",
    };
    const post = async (path: string, body: object, key: string) => {
      const res = await fetch(`${api.url}${path}`, {
        method: "POST",
        headers: { ...headers, "idempotency-key": key },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(202);
      return ((await res.json()) as { operation: Operation }).operation.id;
    };
    const tenants = ["t-one", "t-two", "t-three", "t-four", "t-five", "t-six", "t-seven", "t-eight"];
    const ids: string[] = [];
    for (const t of tenants) {
      ids.push(await post("/tenants", tenantRequest(t, "standard"), `${t}-provision`));
      ids.push(
        await post(
          "/tenants",
          tenantRequest(t, "standard", { images: { registry: "registry.example.com/cv", tag: "1.0.1" } }),
          `${t}-update`,
        ),
      );
      ids.push(await post(`/tenants/${t}/tier`, { tier: "premium" }, `${t}-tier`));
    }
    // A client retrying every request (same keys) adds nothing.
    await post("/tenants", tenantRequest("t-one", "standard"), "t-one-provision");
    const store = api.store;
    expect(
      (await store.counts()).queued + (await store.counts()).running + (await store.counts()).succeeded,
    ).toBe(ids.length);

    for (let trial = 0; trial < TRIALS; trial++) {
      // A worker of ours in the middle of an operation (not one we already took over often).
      const victim = await eventually(
        `a running operation (trial ${trial + 1})`,
        async () => {
          for (const id of ids) {
            const op = await store.get(id);
            const pid = Number(op?.owner?.split(":").at(-1));
            if (op?.status === "running" && op.attempts <= 3 && children.has(pid) && !killed.has(pid))
              return pid;
          }
          return undefined;
        },
        300_000,
      );
      killed.add(victim);
      children.get(victim)!.kill("SIGKILL");
      spawnWorker();
    }

    const done = await Promise.all(ids.map((id) => finished(store, id, 600_000)));
    expect(
      done.filter((o) => o.status !== "succeeded").map((o) => `${o.tenantId} ${o.kind}: ${o.error?.message}`),
    ).toEqual([]);
    // Every kill interrupted a claimed operation, which was taken over (a new attempt).
    expect(done.reduce((n, o) => n + o.attempts - 1, 0)).toBeGreaterThanOrEqual(TRIALS);
    for (const t of tenants)
      expect(await store.tenant(t)).toMatchObject({ status: "active", tier: "premium" });
    // Not locked: a new operation on each tenant runs and succeeds (all at once: the workers share them).
    const again = await Promise.all(
      tenants.map((t) => post(`/tenants/${t}/tier`, { tier: "business" }, `${t}-after`)),
    );
    for (const op of await Promise.all(again.map((id) => finished(store, id, 300_000))))
      expect(op.status, op.tenantId).toBe("succeeded");
    // Per tenant, an engine call started while another was running only if that one's process was killed.
    const trace = readFileSync(join(dir, "trace.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { tenantId: string; pid: number; event: "start" | "end" });
    const holder = new Map<string, number>();
    for (const line of trace) {
      const current = holder.get(line.tenantId);
      if (line.event === "start") {
        if (current !== undefined)
          expect(
            killed.has(current),
            `${line.tenantId}: ${line.pid} started while ${current} was running`,
          ).toBe(true);
        holder.set(line.tenantId, line.pid);
      } else {
        expect(current).toBe(line.pid);
        holder.delete(line.tenantId);
      }
    }
  }, 1_500_000);
});

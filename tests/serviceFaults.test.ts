/**
 * Fault trials of the provisioning service in production mode, against a RabbitMQ and a MariaDB
 * this test starts on ports of its own (tests/helpers/extraServers.ts) and an API and two worker
 * processes: the broker stopped and started again, the database restarted. After every trial no
 * process has died, and in the end every operation accepted has succeeded exactly once (none
 * lost, none failed, none dead-lettered). During a broker outage the API keeps accepting into the
 * store and says it is degraded; during a database outage it answers 503 and says so.
 * The API killed (kill -9) while requests are in flight: every 202 it gave is served by the API
 * started again and runs once; a client retrying an unanswered request with its Idempotency-Key
 * gets one operation, never two. (The kill -9 trials of workers are in tests/serviceBroker.test.ts.)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import amqp from "amqplib";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canRunExtraServers, ExtraMariadb, ExtraRabbit } from "./helpers/extraServers";
import { reachable } from "./helpers/servers";
import { eventually, tenantRequest } from "./helpers/service";
import { TYPESCRIPT_NODE_ARGS } from "../lib/typescriptNode";

const BROKER_TRIALS = 3;
const DATABASE_TRIALS = 3;
const API_KILL_TRIALS = 3;
const PREFIX = "faults";
const TOKEN = `faults-token-${randomBytes(8).toString("hex")}`;

async function freePort(from: number): Promise<number> {
  for (let port = from + (process.pid % 150); port < from + 400; port++) {
    if (await reachable("127.0.0.1", port)) continue;
    const free = await new Promise<boolean>((done) => {
      const server = createServer().once("error", () => done(false));
      server.listen(port, "127.0.0.1", () => server.close(() => done(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port from ${from}`);
}

const run = canRunExtraServers() ? describe : describe.skip;

run("fault trials against extra RabbitMQ and MariaDB instances", () => {
  let dir: string;
  let rabbit: ExtraRabbit;
  let db: ExtraMariadb;
  let api: string;
  let apiEnv: Record<string, string>;
  const processes = new Map<string, ChildProcess>();
  const died: string[] = [];
  const ready = new Set<string>();
  const accepted: string[] = [];

  const spawnRole = (name: string, env: Record<string, string>) => {
    const child = spawn(
      process.execPath,
      [...TYPESCRIPT_NODE_ARGS, resolve(__dirname, "helpers/serviceWorkerChild.ts")],
      {
        env: { ...(process.env as Record<string, string>), ...env },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr = (stderr + String(chunk)).slice(-2000);
      if (stderr.includes(" ready")) ready.add(name);
    });
    child.on("exit", (code, signal) => {
      if (processes.get(name) === child) died.push(`${name} exited ${code ?? signal}: ${stderr}`);
    });
    processes.set(name, child);
  };

  const call = async (method: string, path: string, body?: object) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  const provision = async (tenantId: string) => {
    const res = await call("POST", "/tenants", tenantRequest(tenantId, "standard"));
    if (res.status === 202) accepted.push((res.body["operation"] as { id: string }).id);
    return res;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "service-faults-"));
    rabbit = new ExtraRabbit(await freePort(5700), join(dir, "rabbit"));
    db = new ExtraMariadb(await freePort(3400), join(dir, "mariadb"));
    await Promise.all([rabbit.start(), db.start()]);
    const apiPort = await freePort(18_400);
    writeFileSync(join(dir, "trace.jsonl"), "");
    const env = {
      AMQP_URL: rabbit.url,
      SERVICE_DATABASE: "tenant_service_faults",
      QUEUE_PREFIX: PREFIX,
      TENANT_SERVICE_TOKEN: TOKEN,
      SERVICE_SECRET_KEY: randomBytes(32).toString("base64"),
      TENANT_ENGINE: "offline",
      TENANT_STATE_DIR: join(dir, "stacks"),
      SERVICE_DATA_DIR: join(dir, "data"),
      TRACE_FILE: join(dir, "trace.jsonl"),
      SLOW_MS: "300",
      WORKERS: "2",
      LEASE_MS: "10000",
      MAX_ATTEMPTS: "5",
      BACKOFF_MS: "200",
      MYSQL_HOST: "127.0.0.1",
      MYSQL_PORT: String(db.port),
      MYSQL_USER: "root",
      MYSQL_PASSWORD: "",
      LOG_LEVEL: "fatal",
    };
    apiEnv = { ...env, SERVICE_ROLE: "api", PORT: String(apiPort) };
    spawnRole("api", apiEnv);
    api = `http://127.0.0.1:${apiPort}`;
    await eventually("the API", async () =>
      (await fetch(`${api}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined,
    );
    for (const name of ["worker-1", "worker-2"]) spawnRole(name, { ...env, SERVICE_ROLE: "worker" });
    // Started (consuming) before any fault: a start against an unreachable server fails on purpose.
    await eventually("the workers to start", async () => (ready.size === 3 ? true : undefined), 120_000);
  }, 180_000);

  afterAll(async () => {
    for (const child of processes.values()) child.kill("SIGKILL");
    processes.clear();
    await Promise.all([rabbit?.stop(), db?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  const everythingSucceeded = async () => {
    const connection = await mysql.createConnection({
      host: "127.0.0.1",
      port: db.port,
      user: "root",
      database: "tenant_service_faults",
    });
    try {
      const ids = await eventually(
        "every accepted operation to end",
        async () => {
          const [rows] = await connection.query<mysql.RowDataPacket[]>(
            "SELECT id, status, attempts, error FROM operations",
          );
          return rows.every((r) => r["status"] === "succeeded" || r["status"] === "failed")
            ? rows
            : undefined;
        },
        240_000,
      );
      // None lost, none made twice, none failed.
      expect(ids.map((r) => r["id"] as string).sort()).toEqual([...accepted].sort());
      expect(ids.filter((r) => r["status"] !== "succeeded").map((r) => `${r["id"]}: ${r["error"]}`)).toEqual(
        [],
      );
    } finally {
      await connection.end();
    }
    const link = await amqp.connect(rabbit.url);
    const channel = await link.createChannel();
    expect((await channel.checkQueue(`${PREFIX}.dead`)).messageCount).toBe(0);
    await link.close();
    expect(died).toEqual([]);
  };

  it(`broker stopped and started (${BROKER_TRIALS} trials): no process dies, the API keeps accepting, nothing lost or dead-lettered`, async () => {
    for (let trial = 0; trial < BROKER_TRIALS; trial++) {
      for (const n of [0, 1]) expect((await provision(`b${trial}-before-${n}`)).status).toBe(202);
      await rabbit.stop();
      for (const n of [0, 1]) expect((await provision(`b${trial}-during-${n}`)).status).toBe(202);
      const health = await call("GET", "/healthz");
      expect(health.body).toMatchObject({ status: "degraded", broker: "down", store: "up" });
      expect((await call("GET", "/readyz")).status).toBe(503);
      expect((await fetch(`${api}/metrics`)).status).toBe(200);
      await rabbit.start();
      expect(died).toEqual([]);
    }
    await eventually("the API to see the broker again", async () =>
      (await call("GET", "/readyz")).status === 200 ? true : undefined,
    );
    await everythingSucceeded();
  }, 600_000);

  it(`database restarted (${DATABASE_TRIALS} trials): no process dies, nothing dead-lettered, every operation succeeds`, async () => {
    for (let trial = 0; trial < DATABASE_TRIALS; trial++) {
      for (const n of [0, 1, 2]) expect((await provision(`d${trial}-before-${n}`)).status).toBe(202);
      await new Promise((r) => setTimeout(r, 300)); // workers mid-operation
      await db.stop();
      const refused = await provision(`d${trial}-during`);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ error: { outcome: "unavailable" } });
      expect((await call("GET", "/healthz")).body).toMatchObject({ status: "degraded", store: "down" });
      expect((await fetch(`${api}/metrics`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2000));
      await db.start();
      expect(died).toEqual([]);
    }
    await everythingSucceeded();
  }, 600_000);

  it(`API killed (kill -9) mid-load (${API_KILL_TRIALS} trials): every 202 is kept and served by the API started again, none duplicated`, async () => {
    const keyed = async (tenantId: string, key: string) => {
      const res = await fetch(`${api}/tenants`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${TOKEN}`,
          "content-type": "application/json",
          "idempotency-key": key,
        },
        body: JSON.stringify(tenantRequest(tenantId, "standard")),
      }).catch(() => undefined);
      if (res?.status !== 202) return undefined;
      return ((await res.json()) as { operation: { id: string } }).operation.id;
    };
    const answered = new Map<string, string>();
    let unanswered = 0;
    for (let trial = 0; trial < API_KILL_TRIALS; trial++) {
      const tenants = Array.from({ length: 12 }, (_, n) => `k${trial}-${n}`);
      const inFlight = tenants.map(async (t) => {
        const id = await keyed(t, `kill-${trial}-${t}`);
        if (id) answered.set(t, id);
      });
      await new Promise((r) => setTimeout(r, 5 + 15 * trial)); // some answered, some not yet
      const victim = processes.get("api")!;
      processes.delete("api"); // killed on purpose: not a death to report
      ready.delete("api");
      victim.kill("SIGKILL");
      await Promise.all(inFlight);
      spawnRole("api", apiEnv);
      await eventually("the API started again", async () =>
        (await fetch(`${api}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined,
      );
      // The restarted API serves every operation it had answered 202 for.
      for (const [t, id] of answered) {
        if (!t.startsWith(`k${trial}-`)) continue;
        const res = await call("GET", `/operations/${id}`);
        expect(res.status).toBe(200);
      }
      unanswered += tenants.filter((t) => !answered.has(t)).length;
      // A client retries what went unanswered, with the same key: one operation per request.
      for (const t of tenants) {
        const id = await keyed(t, `kill-${trial}-${t}`);
        expect(id).toBeDefined();
        if (answered.has(t)) expect(id).toBe(answered.get(t));
        accepted.push(id!);
      }
    }
    // The kills did cut requests off (else this trial would show nothing).
    expect(unanswered).toBeGreaterThan(0);
    expect(died).toEqual([]);
    await everythingSucceeded();
  }, 600_000);
});

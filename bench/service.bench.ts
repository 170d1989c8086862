/**
 * `npm run bench:service` (also the end of `npm run bench`): the provisioning service's numbers.
 *
 * 1. Latency at BENCH_CONNECTIONS (100) concurrent connections for BENCH_SECONDS (10) each, by
 *    autocannon from this process against servers in processes of their own:
 *    - the floor: a fastify server doing no work (bench/floorServer.ts), GET and POST;
 *    - the embedded default (`service/main.ts`: journal, its workers running the signups it
 *      accepts on the offline engine in child processes): `POST /tenants` (a new tenant each)
 *      and `GET /tenants/:id`;
 *    - production mode, the API against MySQL and RabbitMQ (this machine's servers, a database
 *      and queue prefix of its own, removed after): the same two requests. Skipped when the
 *      servers are unreachable.
 *    p50/p99 per run, and each p99 as a ratio to the floor's. Goals: POST p99 < 50 ms, GET < 20 ms.
 * 2. Restart: a journal of BENCH_REOPEN_OPERATIONS (6000) ended provisions reopened, after a
 *    crash and after a clean restart (bench/reopenChild.ts). Goal: < 2 s.
 * 3. Fleet preview on the offline engine, in a fresh process per size (BENCH_FLEET_TENANTS,
 *    default "100"): tenants previewed per minute and the peak RSS.
 * Every request body is a valid request (bench/serviceBodies.ts); any non-2xx answer fails the run.
 * Prints the figures, then one JSON line.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import amqp from "amqplib";
import autocannon from "autocannon";
import mysql from "mysql2/promise";
import { signupBody } from "./serviceBodies";
import { TYPESCRIPT_NODE_ARGS } from "../lib/typescriptNode";

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const REOPEN = Number(process.env.BENCH_REOPEN_OPERATIONS ?? 6000);
const FLEET_SIZES = (process.env.BENCH_FLEET_TENANTS ?? "100").split(",").filter(Boolean).map(Number);
const TOKEN = `bench-token-${randomBytes(8).toString("hex")}`;
const ROOT = resolve(__dirname, "..");
const MYSQL = {
  host: process.env.MYSQL_HOST ?? "127.0.0.1",
  port: Number(process.env.MYSQL_PORT ?? 3306),
  user: process.env.MYSQL_USER ?? "root",
  password: process.env.MYSQL_PASSWORD ?? "",
};
const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";

interface Latency {
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly requests_per_second: number;
}

const children: ChildProcess[] = [];

function start(script: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [...TYPESCRIPT_NODE_ARGS, resolve(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(child);
  return child;
}

async function ready(url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await fetch(url).catch(() => undefined))?.ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer in ${timeoutMs} ms`);
}

let port = 18_800 + (process.pid % 500);
const nextPort = () => port++;

/** A template signup whose tenant id each request replaces (one new tenant per request). */
const TEMPLATE = JSON.stringify(signupBody("bench-tenant-xxxxxx"));
let sequence = 0;

async function measure(url: string, method: "GET" | "POST", signups = false): Promise<Latency> {
  const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method,
        headers,
        ...(method === "POST"
          ? signups
            ? {
                setupRequest: (request) => ({
                  ...request,
                  body: TEMPLATE.replaceAll("xxxxxx", String(++sequence).padStart(6, "0")),
                }),
              }
            : { body: TEMPLATE }
          : {}),
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0)
    throw new Error(
      `${method} ${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  return {
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    requests_per_second: Math.round(result.requests.average),
  };
}

async function floor() {
  const p = nextPort();
  start("bench/floorServer.ts", { PORT: String(p) });
  await ready(`http://127.0.0.1:${p}/floor`);
  return {
    get: await measure(`http://127.0.0.1:${p}/floor`, "GET"),
    post: await measure(`http://127.0.0.1:${p}/floor`, "POST"),
  };
}

/** The service's two requests: signups (a new tenant each) and a tenant read. */
async function serviceRuns(base: string) {
  const known = await fetch(`${base}/tenants`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(signupBody("bench-known")),
  });
  if (known.status !== 202) throw new Error(`POST /tenants answered ${known.status}: ${await known.text()}`);
  return {
    post: await measure(`${base}/tenants`, "POST", true),
    get: await measure(`${base}/tenants/bench-known`, "GET"),
  };
}

async function embedded(work: string) {
  const p = nextPort();
  const service = start("service/main.ts", {
    TENANT_SERVICE_TOKEN: TOKEN,
    PORT: String(p),
    SERVICE_DATA_DIR: join(work, "embedded"),
    TENANT_STATE_DIR: join(work, "embedded-stacks"),
    TENANT_ENGINE: "offline",
    WORKERS: "2",
  });
  await ready(`http://127.0.0.1:${p}/readyz`);
  try {
    return await serviceRuns(`http://127.0.0.1:${p}`);
  } finally {
    // Its workers would go on provisioning through the next runs.
    await stop(service);
  }
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill("SIGKILL");
  if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once("exit", r));
}

async function production(work: string) {
  const database = `bench_service_${process.pid}`;
  const prefix = `bench-service-${process.pid}`;
  const reachable = await mysql
    .createConnection(MYSQL)
    .then((c) => c.end().then(() => true))
    .catch(() => false);
  const broker = await amqp.connect(AMQP_URL).catch(() => undefined);
  if (!reachable || !broker) return undefined;
  const p = nextPort();
  try {
    start("service/main.ts", {
      TENANT_SERVICE_TOKEN: TOKEN,
      SERVICE_SECRET_KEY: randomBytes(32).toString("base64"),
      SERVICE_ROLE: "api",
      AMQP_URL,
      SERVICE_DATABASE: database,
      QUEUE_PREFIX: prefix,
      PORT: String(p),
      SERVICE_DATA_DIR: join(work, "production"),
      MYSQL_HOST: MYSQL.host,
      MYSQL_PORT: String(MYSQL.port),
      MYSQL_USER: MYSQL.user,
      MYSQL_PASSWORD: MYSQL.password,
    });
    await ready(`http://127.0.0.1:${p}/readyz`);
    return await serviceRuns(`http://127.0.0.1:${p}`);
  } finally {
    const channel = await broker.createChannel();
    for (const q of [`${prefix}.operations`, `${prefix}.dead`])
      await channel.deleteQueue(q).catch(() => undefined);
    for (const e of [prefix, `${prefix}.dead`]) await channel.deleteExchange(e).catch(() => undefined);
    await broker.close().catch(() => undefined);
    const admin = await mysql.createConnection(MYSQL);
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.end();
  }
}

function child<T>(script: string, args: string[]): T {
  const run = spawnSync(process.execPath, [...TYPESCRIPT_NODE_ARGS, resolve(__dirname, script), ...args], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`${script} failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").pop()!) as T;
}

const ratio = (value: number, base: number) => (base > 0 ? Math.round((value / base) * 10) / 10 : null);

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "bench-service-"));
  try {
    const base = await floor();
    const line = (what: string, l: Latency, against: Latency) =>
      process.stdout.write(
        `${what}: p50 ${l.p50_ms} ms, p99 ${l.p99_ms} ms (${ratio(l.p99_ms, against.p99_ms)}x the floor's p99), ${l.requests_per_second} req/s\n`,
      );
    process.stdout.write(`${CONNECTIONS} connections, ${SECONDS} s per run\n`);
    line("floor GET", base.get, base.get);
    line("floor POST", base.post, base.post);
    const emb = await embedded(work);
    line("embedded POST /tenants (workers running)", emb.post, base.post);
    line("embedded GET /tenants/:id (workers running)", emb.get, base.get);
    const prod = await production(work);
    if (prod) {
      line("production POST /tenants (API, MySQL, RabbitMQ)", prod.post, base.post);
      line("production GET /tenants/:id", prod.get, base.get);
    } else process.stdout.write("production: MySQL or RabbitMQ unreachable, skipped\n");
    for (const c of children.splice(0)) c.kill("SIGTERM");

    const reopen = child<{
      operations: number;
      reopen_ms: number;
      reopen_compacted_ms: number;
      rss_growth_mb: number;
    }>("reopenChild.ts", [String(REOPEN), join(work, "reopen.jsonl")]);
    process.stdout.write(
      `reopen ${reopen.operations} ended operations: ${reopen.reopen_ms} ms after a crash, ${reopen.reopen_compacted_ms} ms compacted, RSS +${reopen.rss_growth_mb} MB\n`,
    );
    const fleets = FLEET_SIZES.map((n) => {
      const r = child<{
        tenants: number;
        tenants_per_minute: number;
        peak_rss_mb: number;
        preview_ms: number;
      }>("fleetChild.ts", [String(n), join(work, `fleet-${n}`)]);
      process.stdout.write(
        `fleet preview of ${r.tenants} tenants: ${r.tenants_per_minute} tenants/min (${r.preview_ms} ms), peak RSS ${r.peak_rss_mb} MB\n`,
      );
      return r;
    });
    const ratios = (runs: { post: Latency; get: Latency } | undefined) =>
      runs && {
        post_p99_ratio: ratio(runs.post.p99_ms, base.post.p99_ms),
        get_p99_ratio: ratio(runs.get.p99_ms, base.get.p99_ms),
      };
    process.stdout.write(
      `${JSON.stringify({
        connections: CONNECTIONS,
        seconds: SECONDS,
        floor: base,
        embedded: { ...emb, ...ratios(emb) },
        production: prod ? { ...prod, ...ratios(prod) } : null,
        reopen,
        fleet: fleets,
      })}\n`,
    );
  } finally {
    for (const c of children) c.kill("SIGTERM");
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});

/**
 * What the service benchmarks share (bench/service.bench.ts, bench/serviceCpu.ts,
 * bench/serviceCost.bench.ts): their server processes, the local servers' settings, and the load
 * they send with autocannon from the bench's own process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import amqp from "amqplib";
import autocannon, { type Request } from "autocannon";
import mysql from "mysql2/promise";
import { signupBody } from "./serviceBodies";
import { TYPESCRIPT_NODE_ARGS } from "../lib/typescriptNode";

export const ROOT = resolve(__dirname, "..");
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
/** The token every service started by a bench accepts. */
export const BENCH_TOKEN = `bench-token-${randomBytes(8).toString("hex")}`;
export const MYSQL = {
  host: process.env.MYSQL_HOST ?? "127.0.0.1",
  port: Number(process.env.MYSQL_PORT ?? 3306),
  user: process.env.MYSQL_USER ?? "root",
  password: process.env.MYSQL_PASSWORD ?? "",
};
export const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
/** Reads go over this many tenants in turn (the first signups): not one object read again and again. */
export const READ_TENANTS = 1000;

const started: ChildProcess[] = [];

/** `script` in a node process of its own (the repository's TypeScript loader), logging at warn. */
export function startNode(
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, ...TYPESCRIPT_NODE_ARGS, resolve(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  started.push(child);
  return child;
}

/** Ends every process startNode started that still runs. */
export function killStarted(signal: NodeJS.Signals = "SIGKILL"): void {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill(signal);
}

/** Stops `child` and waits for its exit (SIGINT/SIGTERM let --cpu-prof write its profile). */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill(signal);
  await exited;
}

export async function ready(url: string, timeoutMs = 120_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if ((await fetch(url).catch(() => undefined))?.ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer in ${timeoutMs} ms`);
}

/** The embedded default's environment: journal and stacks under `dir`, two engine workers. */
export function embeddedEnv(port: number, dir: string): Record<string, string> {
  return {
    TENANT_SERVICE_TOKEN: BENCH_TOKEN,
    PORT: String(port),
    SERVICE_DATA_DIR: resolve(dir, "embedded"),
    TENANT_STATE_DIR: resolve(dir, "embedded-stacks"),
    TENANT_ENGINE: "offline",
    WORKERS: "2",
  };
}

/** Production mode's API: this machine's MySQL and RabbitMQ, under a database and prefix of its own. */
export function productionEnv(
  port: number,
  dir: string,
  database: string,
  prefix: string,
): Record<string, string> {
  return {
    TENANT_SERVICE_TOKEN: BENCH_TOKEN,
    SERVICE_SECRET_KEY: randomBytes(32).toString("base64"),
    SERVICE_ROLE: "api",
    AMQP_URL,
    SERVICE_DATABASE: database,
    QUEUE_PREFIX: prefix,
    PORT: String(port),
    SERVICE_DATA_DIR: dir,
    MYSQL_HOST: MYSQL.host,
    MYSQL_PORT: String(MYSQL.port),
    MYSQL_USER: MYSQL.user,
    MYSQL_PASSWORD: MYSQL.password,
  };
}

/** Removes what a production run made: its queues, exchanges and database. */
export async function dropProduction(database: string, prefix: string): Promise<void> {
  const broker = await amqp.connect(AMQP_URL).catch(() => undefined);
  if (broker) {
    const channel = await broker.createChannel();
    for (const q of [`${prefix}.operations`, `${prefix}.dead`])
      await channel.deleteQueue(q).catch(() => undefined);
    for (const e of [prefix, `${prefix}.dead`]) await channel.deleteExchange(e).catch(() => undefined);
    await broker.close().catch(() => undefined);
  }
  const admin = await mysql.createConnection(MYSQL);
  await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
  await admin.end();
}

export interface Latency {
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly requests_per_second: number;
}

/** How long a run lasts: `{ duration }` seconds or `{ amount }` requests. */
export type RunLength = { readonly duration: number } | { readonly amount: number };

/** One autocannon run of `request` against `url`; any non-2xx answer, error or timeout fails it. */
export async function run(url: string, request: Request, length: RunLength): Promise<Latency> {
  const headers = { authorization: `Bearer ${BENCH_TOKEN}`, "content-type": "application/json" };
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    ...length,
    requests: [{ ...request, headers }],
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0)
    throw new Error(
      `${request.method} ${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  return {
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    requests_per_second: Math.round(result.requests.average),
  };
}

/** A signup whose tenant id each request replaces; as it is, the floor's POST body (the same size). */
export const SIGNUP_TEMPLATE = JSON.stringify(signupBody("bench-xxxxxxxx"));
const tenantId = (n: number) => `bench-${String(n).padStart(8, "0")}`;

/** The service's two requests against one service: signups (a new tenant each), then reads of them. */
export class ServiceLoad {
  private signed = 0;
  private read = 0;

  constructor(private readonly base: string) {}

  /** `POST /tenants`, a valid signup of a new tenant each. */
  signups(length: RunLength): Promise<Latency> {
    return run(
      `${this.base}/tenants`,
      {
        method: "POST",
        setupRequest: (request) => ({
          ...request,
          body: SIGNUP_TEMPLATE.replaceAll("bench-xxxxxxxx", tenantId(++this.signed)),
        }),
      },
      length,
    );
  }

  /** `GET /tenants/:id` over the first READ_TENANTS tenants signed up, in turn. */
  reads(length: RunLength): Promise<Latency> {
    const tenants = Math.min(this.signed, READ_TENANTS);
    if (tenants === 0) throw new Error("reads need signups first");
    return run(
      `${this.base}/tenants`,
      {
        method: "GET",
        setupRequest: (request) => ({
          ...request,
          path: `/tenants/${tenantId((this.read++ % tenants) + 1)}`,
        }),
      },
      length,
    );
  }
}

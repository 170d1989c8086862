/**
 * What the service benchmarks share (bench/service.bench.ts, bench/serviceCpu.ts,
 * bench/serviceCost.bench.ts): their server processes, the local servers' settings, and the load
 * they send.
 *
 * The load is wrk's (Debian's package), one thread, CONNECTIONS connections in a closed loop: a C
 * client costs about 17 us of CPU per request where autocannon, in the bench's own node process,
 * cost about 160 us, half a core taken from the servers it measured on a 2-core machine.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import amqp from "amqplib";
import mysql from "mysql2/promise";
import { signupBody } from "./serviceBodies";
import { linkTopology } from "../service/rabbit";
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
function killStarted(): void {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
}

/**
 * A service bench's main: runs `body` in a temporary work directory (`prefix` names it); however
 * it ends, every process startNode started is killed and the directory removed. A failure is one
 * line on stderr and exit code 1.
 */
export function benchMain(prefix: string, body: (work: string) => Promise<void>): void {
  const work = mkdtempSync(join(tmpdir(), prefix));
  body(work)
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    })
    .finally(() => {
      killStarted();
      rmSync(work, { recursive: true, force: true });
    });
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

/** The events exchange of a production run: its own, not the platform's on this machine's broker. */
const eventsExchangeOf = (prefix: string): string => `${prefix}.events`;

/**
 * Production mode's API: this machine's MySQL and RabbitMQ, under a database, prefix and events
 * exchange of its own.
 */
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
    EVENTS_EXCHANGE: eventsExchangeOf(prefix),
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
    const { queue, deadQueue, exchange, deadExchange } = linkTopology(prefix);
    for (const q of [queue, deadQueue]) await channel.deleteQueue(q).catch(() => undefined);
    for (const e of [exchange, deadExchange, eventsExchangeOf(prefix)])
      await channel.deleteExchange(e).catch(() => undefined);
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
  /** Requests answered in the run. */
  readonly requests: number;
}

let scripts: string | undefined;
/** A Lua script for wrk, in this process's own directory (removed when the process exits). */
function scriptFile(text: string): string {
  if (!scripts) {
    const dir = (scripts = mkdtempSync(join(tmpdir(), "bench-wrk-")));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  const path = join(scripts, `run-${randomBytes(4).toString("hex")}.lua`);
  writeFileSync(path, text);
  return path;
}

let wrkChecked = false;
function requireWrk(): void {
  if (wrkChecked) return;
  if (spawnSync("wrk", ["--version"]).error)
    throw new Error("the service benchmarks need wrk on PATH (Debian: apt-get install wrk)");
  wrkChecked = true;
}

/** Lua: the token, and one JSON line with the figures when the run ends. */
const COMMON_LUA = `
wrk.headers["authorization"] = "Bearer ${BENCH_TOKEN}"
wrk.headers["content-type"] = "application/json"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\\n{"p50_us":%d,"p99_us":%d,"requests":%d,"us":%d,"errors":%d,"non2xx":%d}\\n',
    latency:percentile(50), latency:percentile(99), summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status))
end
`;

/** A request as wrk sends it: a method, and Lua returning each request's path and body. */
export interface LoadRequest {
  readonly method: "GET" | "POST";
  /** Lua defining `request` (wrk's per-request hook); none: the url's path, no body. */
  readonly lua?: string;
}

/** One wrk run of `seconds` against `url`; any non-2xx answer, error or timeout fails it. */
export function run(url: string, request: LoadRequest, seconds: number): Promise<Latency> {
  requireWrk();
  const script = scriptFile(`wrk.method = "${request.method}"\n${COMMON_LUA}\n${request.lua ?? ""}`);
  const args = ["-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "--timeout", "10s", "-s", script, url];
  return new Promise((done, fail) => {
    const wrk = spawn("wrk", args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    wrk.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    wrk.on("error", fail);
    wrk.on("close", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code !== 0 || !line.startsWith("{")) return fail(new Error(`wrk ${url} exited ${code}: ${out}`));
      const r = JSON.parse(line) as Record<
        "p50_us" | "p99_us" | "requests" | "us" | "errors" | "non2xx",
        number
      >;
      if (r.errors > 0 || r.non2xx > 0)
        return fail(new Error(`${request.method} ${url}: ${r.non2xx} non-2xx answers, ${r.errors} errors`));
      done({
        p50_ms: Math.round(r.p50_us / 100) / 10,
        p99_ms: Math.round(r.p99_us / 100) / 10,
        requests_per_second: Math.round((r.requests * 1e6) / r.us),
        requests: r.requests,
      });
    });
  });
}

/** `text` as a Lua long string (no escapes inside). */
function luaString(text: string): string {
  let level = "";
  while (text.includes(`]${level}]`)) level += "=";
  return `[${level}[${text}]${level}]`;
}

/**
 * A signup as a template: every request replaces TENANT_ID_PLACEHOLDER with a new tenant's id. The
 * placeholder is itself a valid id, so signupBody's schema check passes on the template.
 */
const TENANT_ID_PLACEHOLDER = "bench-xxxxxxxx";
const SIGNUP_TEMPLATE = JSON.stringify(signupBody(TENANT_ID_PLACEHOLDER));

/** The floor's two requests: GET, and POST with a signup's body (the floor parses it, nothing more). */
export const floorRequests = {
  get: { method: "GET" } satisfies LoadRequest,
  post: { method: "POST", lua: `wrk.body = ${luaString(SIGNUP_TEMPLATE)}` } satisfies LoadRequest,
};

/** The service's two requests against one service: signups (a new tenant each), then reads of them. */
export class ServiceLoad {
  private runs = 0;
  /** Tenants the first signup run made (read in turn by `reads`). */
  private readable: readonly string[] = [];

  constructor(private readonly base: string) {}

  /** `POST /tenants`, a valid signup of a new tenant each (ids `bench-<run>-<n>`). */
  async signups(seconds: number): Promise<Latency> {
    const prefix = `bench-${++this.runs}-`;
    const lua = `local template = ${luaString(SIGNUP_TEMPLATE)}
local n = 0
request = function()
  n = n + 1
  local body = template:gsub("${TENANT_ID_PLACEHOLDER.replaceAll("-", "%-")}", string.format("${prefix}%08d", n))
  return wrk.format(nil, "/tenants", nil, body)
end`;
    const result = await run(`${this.base}/tenants`, { method: "POST", lua }, seconds);
    if (this.readable.length === 0) this.readable = await this.existing(prefix, result.requests);
    return result;
  }

  /**
   * Up to READ_TENANTS of the ids `prefix` 1..count the service knows (wrk may generate a request it
   * never sends, so the answered count does not name them exactly).
   */
  private async existing(prefix: string, count: number): Promise<string[]> {
    const ids = Array.from(
      { length: Math.min(count + 100, READ_TENANTS + 100) },
      (_, i) => `${prefix}${String(i + 1).padStart(8, "0")}`,
    );
    const known = await Promise.all(
      ids.map(async (id, i) => {
        await new Promise((r) => setTimeout(r, i)); // 1 request per ms: not a burst of its own
        const res = await fetch(`${this.base}/tenants/${id}`, {
          headers: { authorization: `Bearer ${BENCH_TOKEN}` },
        });
        return res.status === 200 ? id : undefined;
      }),
    );
    return known.filter((id): id is string => id !== undefined).slice(0, READ_TENANTS);
  }

  /** `GET /tenants/:id` over the first READ_TENANTS tenants signed up, in turn. */
  reads(seconds: number): Promise<Latency> {
    if (this.readable.length === 0) throw new Error("reads need signups first");
    const lua = `local ids = { ${this.readable.map((id) => `"${id}"`).join(", ")} }
local n = 0
request = function()
  n = n % #ids + 1
  return wrk.format(nil, "/tenants/" .. ids[n])
end`;
    return run(`${this.base}/tenants`, { method: "GET", lua }, seconds);
  }
}

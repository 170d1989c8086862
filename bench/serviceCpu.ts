/**
 * `npm run bench:service-cpu`: CPU time per request of the embedded service's API process (and of
 * its engine children), against the floor server measured the same way in the same run. Latency
 * on a shared machine is noise; CPU time per request is what the latency of a closed loop
 * follows (latency ~ connections / throughput ~ connections x CPU per request on a saturated core).
 *
 * Each server runs in a process of its own; its CPU time is the sum of its threads'
 * (/proc/<pid>/task/<tid>/schedstat, nanoseconds), read before and after a fixed number of requests
 * sent by autocannon from this process. The embedded service runs its workers meanwhile (as in
 * `npm run bench:service`): what they cost the API process counts. BENCH_CPU_REQUESTS (default
 * 6000) requests per run after BENCH_CPU_WARMUP (2000); BENCH_CPU_PROFILE=dir writes a --cpu-prof
 * of the service there (and prints, on stderr, the window of each run in the profile's clock). Linux
 * only. Prints the figures, then one JSON line.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import autocannon from "autocannon";
import { signupBody } from "./serviceBodies";
import { TYPESCRIPT_NODE_ARGS } from "../lib/typescriptNode";

const REQUESTS = Number(process.env.BENCH_CPU_REQUESTS ?? 6000);
const WARMUP = Number(process.env.BENCH_CPU_WARMUP ?? 2000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const PROFILE = process.env.BENCH_CPU_PROFILE;
const TOKEN = `bench-token-${randomBytes(8).toString("hex")}`;
const ROOT = resolve(__dirname, "..");
const children: ChildProcess[] = [];

function start(script: string, env: Record<string, string>, profile = false): ChildProcess {
  const args = [
    ...TYPESCRIPT_NODE_ARGS,
    ...(profile && PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE}`] : []),
  ];
  const child = spawn(process.execPath, [...args, resolve(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(child);
  return child;
}

async function ready(url: string): Promise<void> {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
    if ((await fetch(url).catch(() => undefined))?.ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer`);
}

/** CPU time (ms) of all the threads of process `pid`. */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // a thread that ended meanwhile
    }
  }
  return ns / 1e6;
}

/** The processes whose parent is `pid` (the engine children). */
function childPids(pid: number): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1]!.split(" ")[1] === String(pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const TEMPLATE = JSON.stringify(signupBody("bench-tenant-xxxxxx"));
let sequence = 0;

async function send(url: string, method: "GET" | "POST", amount: number, signups: boolean): Promise<void> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    amount,
    requests: [
      {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        ...(method === "POST"
          ? signups
            ? {
                setupRequest: (request) => ({
                  ...request,
                  body: TEMPLATE.replaceAll("xxxxxx", String(++sequence).padStart(7, "0")),
                }),
              }
            : { body: TEMPLATE }
          : {}),
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0)
    throw new Error(`${method} ${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
}

interface Cost {
  /** API process CPU per request, microseconds. */
  readonly api_us: number;
  /** Its children's (the engine processes'), per request. */
  readonly children_us: number;
}

async function cost(pid: number, url: string, method: "GET" | "POST", signups = false): Promise<Cost> {
  await send(url, method, WARMUP, signups);
  const kids = childPids(pid);
  const total = () => kids.reduce((sum, k) => sum + cpuMs(k), 0);
  const [api0, kids0] = [cpuMs(pid), total()];
  const from = process.hrtime.bigint() / 1000n;
  await send(url, method, REQUESTS, signups);
  const [api1, kids1] = [cpuMs(pid), total()];
  // The window to read in the profile (its sample times are the same monotonic clock, in us).
  if (PROFILE)
    process.stderr.write(`profile window ${method} ${url}: ${from} ${process.hrtime.bigint() / 1000n}\n`);
  const us = (ms: number) => Math.round((ms * 1000) / REQUESTS);
  return { api_us: us(api1 - api0), children_us: us(kids1 - kids0) };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "bench-service-cpu-"));
  try {
    const floorPort = 19_300 + (process.pid % 300);
    const floor = start("bench/floorServer.ts", { PORT: String(floorPort) });
    await ready(`http://127.0.0.1:${floorPort}/floor`);
    const floorUrl = `http://127.0.0.1:${floorPort}/floor`;
    const floorGet = await cost(floor.pid!, floorUrl, "GET");
    const floorPost = await cost(floor.pid!, floorUrl, "POST");
    floor.kill("SIGTERM");

    const port = floorPort + 1;
    const service = start(
      "service/main.ts",
      {
        TENANT_SERVICE_TOKEN: TOKEN,
        PORT: String(port),
        SERVICE_DATA_DIR: join(work, "embedded"),
        TENANT_STATE_DIR: join(work, "embedded-stacks"),
        TENANT_ENGINE: "offline",
        WORKERS: "2",
        DRAIN_MS: "0",
      },
      true,
    );
    const base = `http://127.0.0.1:${port}`;
    await ready(`${base}/readyz`);
    const known = await fetch(`${base}/tenants`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(signupBody("bench-known")),
    });
    if (known.status !== 202) throw new Error(`POST /tenants answered ${known.status}`);
    const post = await cost(service.pid!, `${base}/tenants`, "POST", true);
    const get = await cost(service.pid!, `${base}/tenants/bench-known`, "GET");
    // SIGINT: a graceful stop, so --cpu-prof writes its profile.
    service.kill("SIGINT");
    await new Promise((r) => service.once("exit", r));
    const row = (what: string, c: Cost, f: Cost) =>
      process.stdout.write(
        `${what}: API ${c.api_us} us/request (floor ${f.api_us}), engine children ${c.children_us} us/request\n`,
      );
    row("POST /tenants", post, floorPost);
    row("GET /tenants/:id", get, floorGet);
    process.stdout.write(
      `${JSON.stringify({ requests: REQUESTS, floor: { get: floorGet, post: floorPost }, embedded: { post, get } })}\n`,
    );
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});

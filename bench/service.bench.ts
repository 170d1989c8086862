/**
 * `npm run bench:service` (also the end of `npm run bench`): the provisioning service's numbers.
 *
 * 1. Latency at BENCH_CONNECTIONS (100) concurrent connections for BENCH_SECONDS (10) each, after
 *    BENCH_WARMUP_SECONDS (3) of the same requests not measured, by wrk (bench/serviceHarness.ts)
 *    against servers in processes of their own:
 *    - the floor: a fastify server doing no work (bench/floorServer.ts), GET and POST;
 *    - the embedded default (`service/main.ts`: journal, its workers running the signups it
 *      accepts on the offline engine in child processes): `POST /tenants` (a new tenant each)
 *      and `GET /tenants/:id` (the first 1,000 tenants signed up, in turn);
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
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import mysql from "mysql2/promise";
import amqp from "amqplib";
import {
  AMQP_URL,
  CONNECTIONS,
  dropProduction,
  embeddedEnv,
  benchMain,
  MYSQL,
  productionEnv,
  ready,
  floorRequests,
  run,
  ServiceLoad,
  startNode,
  stopProcess,
  type Latency,
} from "./serviceHarness";
import { TYPESCRIPT_NODE_ARGS } from "../lib/typescriptNode";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** Each measured run follows one of this length, not measured: a cold process (its first thousand
 * requests in the interpreter, every pool still opening) put p99 at 5-10x the warm figure. */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);

/** `send` once to warm up, then measured. */
async function warm<T>(send: (seconds: number) => Promise<T>): Promise<T> {
  await send(WARMUP_SECONDS);
  return send(SECONDS);
}
const REOPEN = Number(process.env.BENCH_REOPEN_OPERATIONS ?? 6000);
const FLEET_SIZES = (process.env.BENCH_FLEET_TENANTS ?? "100").split(",").filter(Boolean).map(Number);

let port = 18_800 + (process.pid % 500);
const nextPort = () => port++;

async function floor() {
  const url = `http://127.0.0.1:${nextPort()}/floor`;
  const server = startNode("bench/floorServer.ts", { PORT: new URL(url).port });
  await ready(url);
  try {
    return {
      get: await warm((seconds) => run(url, floorRequests.get, seconds)),
      post: await warm((seconds) => run(url, floorRequests.post, seconds)),
    };
  } finally {
    await stopProcess(server);
  }
}

/** The service's two requests: signups (a new tenant each), then reads of the first thousand in turn. */
async function serviceRuns(base: string) {
  const load = new ServiceLoad(base);
  return {
    post: await warm((seconds) => load.signups(seconds)),
    get: await warm((seconds) => load.reads(seconds)),
  };
}

async function embedded(work: string) {
  const p = nextPort();
  const service = startNode("service/main.ts", embeddedEnv(p, work));
  await ready(`http://127.0.0.1:${p}/readyz`);
  try {
    return await serviceRuns(`http://127.0.0.1:${p}`);
  } finally {
    // Its workers would go on provisioning through the next runs.
    await stopProcess(service);
  }
}

async function production(work: string) {
  const database = `bench_service_${process.pid}`;
  const prefix = `bench-service-${process.pid}`;
  const reachable = await mysql
    .createConnection(MYSQL)
    .then((c) => c.end().then(() => true))
    .catch(() => false);
  const broker = await amqp.connect(AMQP_URL).catch(() => undefined);
  await broker?.close();
  if (!reachable || !broker) return undefined;
  const p = nextPort();
  const api = startNode("service/main.ts", productionEnv(p, join(work, "production"), database, prefix));
  try {
    await ready(`http://127.0.0.1:${p}/readyz`);
    return await serviceRuns(`http://127.0.0.1:${p}`);
  } finally {
    await stopProcess(api);
    await dropProduction(database, prefix);
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

benchMain("bench-service-", async (work) => {
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
});

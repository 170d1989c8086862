/**
 * `npm run bench:service-cost`: what one request costs the production service's machine, in CPU
 * time per process and in database work, rather than in latency (a p99 on a shared 2-core machine
 * says more about the neighbours than about the service). Starts the API (SERVICE_ROLE=api,
 * MySQL and RabbitMQ on this machine, a database and queue prefix of its own, removed after),
 * warms it up, then sends signups for COST_SECONDS (5), and tenant reads as long, with wrk at
 * BENCH_CONNECTIONS (100) and reports, per request answered:
 * - the API process's CPU (user + system, from /proc);
 * - mariadbd's CPU: the threads serving this database's connections (exact: MariaDB runs one
 *   thread per connection and names it in PROCESSLIST.TID), and the whole server (shared: other
 *   clients' work counts too, so an idle window of the same length is measured and subtracted);
 * - beam.smp's CPU (RabbitMQ, the whole VM, idle window subtracted likewise);
 * - the server's commits, redo-log fsyncs and statements (SHOW GLOBAL STATUS, idle-corrected).
 * The API logs at COST_LOG_LEVEL (default warn, as bench:service: no line per request; "info"
 * measures what fastify's two lines per request cost). Prints one line per request kind, then
 * one JSON line.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import mysql, { type Connection, type RowDataPacket } from "mysql2/promise";
import {
  benchMain,
  CONNECTIONS,
  dropProduction,
  MYSQL,
  productionEnv,
  ready,
  ServiceLoad,
  startNode,
  stopProcess,
  type Latency,
} from "./serviceHarness";

const SECONDS = Number(process.env.COST_SECONDS ?? 5);
/** MariaDB 10.11 counts redo-log writes and every fsync (the log's included); no log-only fsync counter. */
const COUNTERS = [
  "Com_commit",
  "Innodb_log_writes",
  "Innodb_data_fsyncs",
  "Innodb_os_log_written",
  "Questions",
] as const;
/** Which requests to measure: "post,get" (default), "post" or "get". */
const KINDS = (process.env.COST_KINDS ?? "post,get").split(",");
/** A directory for the API's CPU profile (node --cpu-prof), written when it stops. */
const PROFILE_DIR = process.env.COST_CPU_PROF;
const TICK_MS = 10; // USER_HZ = 100 on Linux

/** CPU ms (user + system) of a process or thread from its stat file; 0 once it is gone. */
function cpuMs(stat: string): number {
  try {
    const fields = readFileSync(stat, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

function pidsOf(command: string): number[] {
  return readdirSync("/proc")
    .filter((entry) => {
      try {
        return /^\d+$/.test(entry) && readFileSync(`/proc/${entry}/comm`, "utf8").trim() === command;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

/** The mariadbd serving `admin` (several may run here): the one running its connection's thread. */
async function mariadbOf(admin: Connection): Promise<number | undefined> {
  const [[me]] = await admin.query<(RowDataPacket & { TID: number })[]>(
    "SELECT TID FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()",
  );
  return pidsOf("mariadbd").find((pid) => existsSync(`/proc/${pid}/task/${me!.TID}`));
}

interface Sample {
  readonly at: number;
  readonly api: number;
  readonly mariadb: number;
  readonly mariadbMine: number;
  readonly beam: number;
  readonly threads: readonly number[];
  readonly counters: Readonly<Record<string, number>>;
}

interface Probe {
  readonly admin: Connection;
  readonly database: string;
  readonly apiPid: number;
  readonly mariadbPid: number;
  readonly beamPid: number;
}

async function sample(p: Probe): Promise<Sample> {
  const [threads] = await p.admin.query<(RowDataPacket & { TID: number })[]>(
    "SELECT TID FROM information_schema.PROCESSLIST WHERE DB = ?",
    [p.database],
  );
  const [status] = await p.admin.query<(RowDataPacket & { Variable_name: string; Value: string })[]>(
    "SHOW GLOBAL STATUS WHERE Variable_name IN (?)",
    [COUNTERS],
  );
  const tids = threads.map((t) => t.TID).sort((a, b) => a - b);
  return {
    at: Date.now(),
    api: cpuMs(`/proc/${p.apiPid}/stat`),
    mariadb: cpuMs(`/proc/${p.mariadbPid}/stat`),
    mariadbMine: tids.reduce((sum, tid) => sum + cpuMs(`/proc/${p.mariadbPid}/task/${tid}/stat`), 0),
    beam: cpuMs(`/proc/${p.beamPid}/stat`),
    threads: tids,
    counters: Object.fromEntries(status.map((s) => [s.Variable_name, Number(s.Value)])),
  };
}

type Delta = Record<string, number>;

function delta(a: Sample, b: Sample): Delta {
  return {
    ms: b.at - a.at,
    api: b.api - a.api,
    mariadb: b.mariadb - a.mariadb,
    mariadbMine: b.mariadbMine - a.mariadbMine,
    beam: b.beam - a.beam,
    ...Object.fromEntries(COUNTERS.map((c) => [c, (b.counters[c] ?? 0) - (a.counters[c] ?? 0)])),
  };
}

/** Per-request figures of a run, with the idle window's rates subtracted from the shared ones. */
function perRequest(run: Delta, idle: Delta, n: number): Delta {
  const scale = run.ms! / idle.ms!;
  const shared = ["mariadb", "beam", ...COUNTERS];
  return Object.fromEntries(
    Object.entries(run)
      .filter(([k]) => k !== "ms")
      .map(([k, v]) => [k, Math.round(((shared.includes(k) ? v - idle[k]! * scale : v) / n) * 1000) / 1000]),
  );
}

async function measure(p: Probe, method: string, send: () => Promise<Latency>): Promise<Delta> {
  const a = await sample(p);
  const timing = await send();
  const b = await sample(p);
  if (a.threads.join() !== b.threads.join())
    process.stderr.write(`warning: the database's connection threads changed during the ${method} run\n`);
  // The idle window: the same length, the service doing nothing.
  const idleMs = b.at - a.at;
  await new Promise((r) => setTimeout(r, idleMs));
  const c = await sample(p);
  return {
    ...perRequest(delta(a, b), delta(b, c), timing.requests),
    seconds: idleMs / 1000,
    p50_ms: timing.p50_ms,
    p99_ms: timing.p99_ms,
    per_second: timing.requests_per_second,
  };
}

benchMain("service-cost-", async (work) => {
  const database = `cost_service_${process.pid}`;
  const prefix = `cost-service-${process.pid}`;
  const port = 19_300 + (process.pid % 500);
  const admin = await mysql.createConnection(MYSQL);
  const mariadbPid = await mariadbOf(admin);
  const beamPid = pidsOf("beam.smp")[0];
  if (!mariadbPid || !beamPid) {
    await admin.end();
    throw new Error("no local mariadbd or beam.smp to measure (this bench reads their /proc entries)");
  }
  const profile = PROFILE_DIR ? ["--cpu-prof", "--cpu-prof-dir", PROFILE_DIR] : [];
  const api = startNode(
    "service/main.ts",
    { ...productionEnv(port, work, database, prefix), LOG_LEVEL: process.env.COST_LOG_LEVEL ?? "warn" },
    profile,
  );
  try {
    const base = `http://127.0.0.1:${port}`;
    await ready(`${base}/readyz`);
    const load = new ServiceLoad(base);
    const probe: Probe = { admin, database, apiPid: api.pid!, mariadbPid, beamPid };
    // Warm up: the JIT, and every pooled connection opened (their threads are the ones counted).
    const warmup = 2;
    await load.signups(warmup);
    const results: Record<string, Delta> = {};
    const show = (what: string, d: Delta) =>
      process.stdout.write(
        `${what}: CPU ms/request API ${d.api}, mariadbd ${d.mariadb} (its connections ${d.mariadbMine}), beam ${d.beam}; per request commits ${d.Com_commit}, log writes ${d.Innodb_log_writes}, fsyncs ${d.Innodb_data_fsyncs}, log bytes ${d.Innodb_os_log_written}, statements ${d.Questions} (${d.seconds} s; p50 ${d.p50_ms} ms, p99 ${d.p99_ms} ms, ${d.per_second}/s)\n`,
      );
    if (KINDS.includes("post")) {
      results["post"] = await measure(probe, "POST", () => load.signups(SECONDS));
      show("POST /tenants", results["post"]);
    }
    if (KINDS.includes("get")) {
      await load.reads(warmup);
      results["get"] = await measure(probe, "GET", () => load.reads(SECONDS));
      show("GET /tenants/:id", results["get"]);
    }
    process.stdout.write(`${JSON.stringify({ connections: CONNECTIONS, seconds: SECONDS, ...results })}\n`);
  } finally {
    // SIGTERM: a graceful stop, so a CPU profile is written.
    await stopProcess(api, PROFILE_DIR ? "SIGTERM" : "SIGKILL");
    await dropProduction(database, prefix);
    await admin.end();
  }
});

/**
 * `npm run bench:service-cpu`: CPU time per request of the embedded service's API process (and of
 * its engine children), against the floor server measured the same way in the same run. Latency
 * on a shared machine is noise; CPU time per request is what the latency of a closed loop
 * follows (latency ~ connections / throughput ~ connections x CPU per request on a saturated core).
 *
 * Each server runs in a process of its own; its CPU time is the sum of its threads'
 * (/proc/<pid>/task/<tid>/schedstat, nanoseconds), read before and after a fixed number of requests
 * sent by wrk (bench/serviceHarness.ts), divided by the requests answered. The embedded service runs
 * its workers meanwhile (as in `npm run bench:service`): what they cost the API process counts.
 * BENCH_CPU_SECONDS (default 5) per run after BENCH_CPU_WARMUP_SECONDS (2); BENCH_CPU_PROFILE=dir writes a --cpu-prof
 * of the service there (and prints, on stderr, the window of each run in the profile's clock). Linux
 * only. Prints the figures, then one JSON line.
 */
import { readdirSync, readFileSync } from "node:fs";
import {
  benchMain,
  embeddedEnv,
  ready,
  floorRequests,
  run,
  type Latency,
  ServiceLoad,
  startNode,
  stopProcess,
} from "./serviceHarness";

const SECONDS = Number(process.env.BENCH_CPU_SECONDS ?? 5);
const WARMUP_SECONDS = Number(process.env.BENCH_CPU_WARMUP_SECONDS ?? 2);
const PROFILE = process.env.BENCH_CPU_PROFILE;

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

interface Cost {
  /** API process CPU per request, microseconds. */
  readonly api_us: number;
  /** Its children's (the engine processes'), per request. */
  readonly children_us: number;
}

/** CPU per request of process `pid` (and of its children) over a run of SECONDS, after a warm-up run. */
async function cost(pid: number, label: string, send: (seconds: number) => Promise<Latency>): Promise<Cost> {
  await send(WARMUP_SECONDS);
  const kids = childPids(pid);
  const total = () => kids.reduce((sum, k) => sum + cpuMs(k), 0);
  const [api0, kids0] = [cpuMs(pid), total()];
  const from = process.hrtime.bigint() / 1000n;
  const { requests } = await send(SECONDS);
  const [api1, kids1] = [cpuMs(pid), total()];
  // The window to read in the profile (its sample times are the same monotonic clock, in us).
  if (PROFILE) process.stderr.write(`profile window ${label}: ${from} ${process.hrtime.bigint() / 1000n}\n`);
  const us = (ms: number) => Math.round((ms * 1000) / requests);
  return { api_us: us(api1 - api0), children_us: us(kids1 - kids0) };
}

benchMain("bench-service-cpu-", async (work) => {
  const floorPort = 19_300 + (process.pid % 300);
  const floorUrl = `http://127.0.0.1:${floorPort}/floor`;
  const floor = startNode("bench/floorServer.ts", { PORT: String(floorPort) });
  await ready(floorUrl);
  const floorGet = await cost(floor.pid!, "floor GET", (n) => run(floorUrl, floorRequests.get, n));
  const floorPost = await cost(floor.pid!, "floor POST", (n) => run(floorUrl, floorRequests.post, n));
  await stopProcess(floor);

  const port = floorPort + 1;
  const profile = PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE}`] : [];
  const service = startNode("service/main.ts", { ...embeddedEnv(port, work), DRAIN_MS: "0" }, profile);
  const load = new ServiceLoad(`http://127.0.0.1:${port}`);
  await ready(`http://127.0.0.1:${port}/readyz`);
  const post = await cost(service.pid!, "POST /tenants", (n) => load.signups(n));
  const get = await cost(service.pid!, "GET /tenants/:id", (n) => load.reads(n));
  // SIGINT: a graceful stop, so --cpu-prof writes its profile.
  await stopProcess(service, "SIGINT");
  const row = (what: string, c: Cost, f: Cost) =>
    process.stdout.write(
      `${what}: API ${c.api_us} us/request (floor ${f.api_us}), engine children ${c.children_us} us/request\n`,
    );
  row("POST /tenants", post, floorPost);
  row("GET /tenants/:id", get, floorGet);
  process.stdout.write(
    `${JSON.stringify({ seconds: SECONDS, floor: { get: floorGet, post: floorPost }, embedded: { post, get } })}\n`,
  );
});

/**
 * `npm run bench:service` (also the end of `npm run bench`): the provisioning service's numbers.
 *
 * 1. Acceptance: `POST /tenants` with autocannon at BENCH_CONNECTIONS (32) concurrent connections
 *    for BENCH_SECONDS (10): accepted (202) requests per second and p99 latency. The embedded API
 *    with its journal (an fsync per accepted request), workers off, so the figure is what the
 *    API itself accepts, not how fast operations run.
 * 2. Fleet preview on the offline engine, in a fresh process per size (BENCH_FLEET_TENANTS,
 *    default "100,300"): tenants previewed per minute and the peak RSS.
 * Prints the figures, then one JSON line.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import autocannon from "autocannon";
import { FileStore } from "../service/fileStore";
import { buildHttpApp } from "../service/http";
import { createLogger } from "../service/log";
import { Metrics } from "../service/metrics";
import { SecretBox } from "../service/secrets";
import { DEV_ADMIN_CREDENTIALS } from "../synth/programs";

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const FLEET_SIZES = (process.env.BENCH_FLEET_TENANTS ?? "100,300").split(",").filter(Boolean).map(Number);
const TOKEN = "bench-token-0123456789abcdef";

async function acceptance(work: string) {
  const store = new FileStore({ path: join(work, "operations.jsonl") });
  const app = await buildHttpApp({
    store,
    dispatcher: { dispatch: async () => undefined },
    token: TOKEN,
    metrics: new Metrics(),
    log: createLogger({ level: "silent" }),
    secrets: SecretBox.fromFile(join(work, "service.key")),
  });
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  const body = JSON.stringify({
    tenantId: "acme",
    tier: "premium",
    images: { registry: "registry.example.com/cv", tag: "1.0.0" },
    adminCredentials: DEV_ADMIN_CREDENTIALS,
  });
  try {
    const result = await autocannon({
      url: `${url}/tenants`,
      method: "POST",
      connections: CONNECTIONS,
      duration: SECONDS,
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body,
    });
    const accepted = (await store.counts()).queued;
    if (result.non2xx > 0 || result.errors > 0)
      throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`);
    return {
      connections: CONNECTIONS,
      seconds: result.duration,
      accepted,
      accepted_per_second: Math.round(accepted / result.duration),
      p99_ms: result.latency.p99,
      p50_ms: result.latency.p50,
    };
  } finally {
    await app.close();
    await store.close();
  }
}

function fleet(work: string, tenants: number) {
  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", resolve(__dirname, "fleetChild.ts"), String(tenants), join(work, `fleet-${tenants}`)],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  if (child.status !== 0) throw new Error(`fleet child (${tenants} tenants) failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").pop()!) as {
    tenants: number;
    tenants_per_minute: number;
    peak_rss_mb: number;
    preview_ms: number;
  };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "bench-service-"));
  try {
    const api = await acceptance(work);
    process.stdout.write(
      `POST /tenants: ${api.accepted_per_second} accepted/s at ${api.connections} connections, p99 ${api.p99_ms} ms (p50 ${api.p50_ms} ms), ${api.accepted} stored\n`,
    );
    const fleets = FLEET_SIZES.map((n) => {
      const r = fleet(work, n);
      process.stdout.write(
        `fleet preview of ${r.tenants} tenants: ${r.tenants_per_minute} tenants/min (${r.preview_ms} ms), peak RSS ${r.peak_rss_mb} MB\n`,
      );
      return r;
    });
    process.stdout.write(`${JSON.stringify({ api, fleet: fleets })}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});

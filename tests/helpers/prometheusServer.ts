/**
 * A real Prometheus server on a temp directory and a free loopback port, its TSDB backfilled
 * from OpenMetrics text with `promtool tsdb create-blocks-from openmetrics` (Debian's
 * `prometheus` package ships both). Nothing scrapes: it answers queries over the backfilled
 * series only. Ended by its pid; the directory is removed.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROMTOOL } from "./promtool";

export const PROMETHEUS = process.env.PROMETHEUS ?? "prometheus";

export function prometheusAvailable(): boolean {
  if (spawnSync(PROMETHEUS, ["--version"]).status === 0 && spawnSync(PROMTOOL, ["--version"]).status === 0)
    return true;
  const message = `${PROMETHEUS} or ${PROMTOOL} not found; install them with \`apt-get install -y --no-install-recommends prometheus\``;
  if (process.env.CI === "true") throw new Error(`CI=true: ${message}`);
  console.warn(`skipping real-Prometheus tests: ${message}`);
  return false;
}

export interface RealPrometheus {
  readonly url: string;
  stop(): Promise<void>;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** One sample line: `name{labels} value seconds`. */
export interface Sample {
  readonly series: string;
  readonly value: number;
  readonly atMs: number;
}

/** OpenMetrics text of `samples` (grouped by series, in time order), ending with `# EOF`. */
export function openMetricsOf(samples: Iterable<Sample>): string {
  const lines: string[] = [];
  for (const s of samples) lines.push(`${s.series} ${s.value} ${s.atMs / 1000}`);
  return [...lines, "# EOF", ""].join("\n");
}

/** Writes the series as TSDB blocks under `data`. */
function backfill(dir: string, openMetrics: string, data: string): void {
  writeFileSync(join(dir, "series.om"), openMetrics);
  // Blocks of up to 32 days (a hidden promtool flag): a month of samples makes 3 blocks, not the
  // 372 two-hour ones of the default, which took promtool over a minute and 27 CPU-s.
  const run = spawnSync(
    PROMTOOL,
    ["tsdb", "create-blocks-from", "openmetrics", "-q", "--max-block-duration=768h", "series.om", data],
    { cwd: dir, encoding: "utf8" },
  );
  if (run.status !== 0) throw new Error(`promtool backfill failed: ${run.stdout}${run.stderr}`);
  rmSync(join(dir, "series.om"));
}

/** Starts Prometheus over the series in `openMetrics` (OpenMetrics text ending with `# EOF`). */
export async function startBackfilledPrometheus(openMetrics: string): Promise<RealPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "prometheus-"));
  const data = join(dir, "data");
  try {
    backfill(dir, openMetrics, data);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  writeFileSync(join(dir, "prometheus.yml"), "global:\n  scrape_interval: 1m\n");
  const port = await freePort();
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${data}`,
      // Backfilled blocks older than the retention would be deleted on start.
      "--storage.tsdb.retention.time=100y",
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(child.pid, "SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) break;
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`prometheus did not become ready on ${url}: ${log}`);
}

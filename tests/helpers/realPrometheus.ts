/**
 * A real Prometheus (Debian's package) on a temp directory and a free loopback port, its TSDB
 * backfilled from OpenMetrics text with `promtool tsdb create-blocks-from openmetrics`. Nothing
 * scrapes: it answers queries over the backfilled series only. Stopped by its own pid.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROMTOOL } from "./promtool";

export const PROMETHEUS = process.env.PROMETHEUS ?? "prometheus";

export interface RealPrometheus {
  readonly url: string;
  stop(): Promise<void>;
}

export function prometheusAvailable(): boolean {
  if (spawnSync(PROMETHEUS, ["--version"]).status === 0 && spawnSync(PROMTOOL, ["--version"]).status === 0)
    return true;
  const message = `${PROMETHEUS} or ${PROMTOOL} not found; install them with \`apt-get install -y --no-install-recommends prometheus\``;
  if (process.env.CI === "true") throw new Error(`CI=true: ${message}`);
  console.warn(`skipping real-Prometheus tests: ${message}`);
  return false;
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

/** Starts Prometheus over the series in `openMetrics` (which must end with `# EOF`). */
export async function startBackfilledPrometheus(openMetrics: string): Promise<RealPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "prometheus-"));
  const data = join(dir, "data");
  writeFileSync(join(dir, "series.om"), openMetrics);
  const backfill = spawnSync(
    PROMTOOL,
    ["tsdb", "create-blocks-from", "openmetrics", join(dir, "series.om"), data],
    {
      encoding: "utf8",
    },
  );
  if (backfill.status !== 0)
    throw new Error(`promtool backfill failed: ${backfill.stdout}${backfill.stderr}`);
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
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
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

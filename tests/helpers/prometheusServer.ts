/**
 * A real Prometheus server on a temp directory and a free loopback port, its TSDB backfilled
 * from OpenMetrics text with `promtool tsdb create-blocks-from openmetrics` (Debian's
 * `prometheus` package ships both). Ended by its pid; the directory is removed.
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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One sample line: `name{labels} value seconds`. */
export interface Sample {
  readonly series: string;
  readonly value: number;
  readonly atMs: number;
}

/** Backfills `samples` (grouped by series, in time order) and starts Prometheus on them. */
export async function startBackfilledPrometheus(samples: Iterable<Sample>): Promise<RealPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "sla-prometheus-"));
  const lines: string[] = [];
  for (const s of samples) lines.push(`${s.series} ${s.value} ${s.atMs / 1000}`);
  lines.push("# EOF", "");
  writeFileSync(join(dir, "input.om"), lines.join("\n"));
  const data = join(dir, "data");
  const backfill = spawnSync(
    PROMTOOL,
    ["tsdb", "create-blocks-from", "openmetrics", "-q", "input.om", data],
    {
      cwd: dir,
      encoding: "utf8",
    },
  );
  if (backfill.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`promtool backfill failed: ${backfill.stdout}${backfill.stderr}`);
  }
  rmSync(join(dir, "input.om"));
  writeFileSync(join(dir, "prometheus.yml"), "global: {}\n");
  const port = await freePort();
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${data}`,
      "--storage.tsdb.retention.time=100y",
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: "ignore" },
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(child.pid, "SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; i < 300; i++) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, stop };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error("prometheus did not become ready");
}

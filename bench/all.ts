/**
 * `npm run bench`: every benchmark, one after the other, each in its own process (the synth's,
 * then the provisioning service's), ending with one JSON line that holds each one's own final
 * JSON line under its name and the whole run's duration (target: within 5 minutes on the
 * project's 2-core machine). The rounds each bench runs are its own (BENCH_* variables).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { TYPESCRIPT_NODE_ARGS } from "../lib/typescriptNode";

const BENCHES = [
  { name: "synth", script: "synth.bench.ts" },
  { name: "service", script: "service.bench.ts" },
] as const;

const started = Date.now();
const results: Record<string, unknown> = {};
for (const bench of BENCHES) {
  const run = spawnSync(process.execPath, [...TYPESCRIPT_NODE_ARGS, join(__dirname, bench.script)], {
    cwd: join(__dirname, ".."),
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stdout.write(run.stdout);
  if (run.status !== 0) {
    process.stderr.write(`bench ${bench.name} failed (exit ${run.status})\n`);
    process.exit(1);
  }
  const last = run.stdout.trim().split("\n").at(-1) ?? "";
  try {
    results[bench.name] = JSON.parse(last) as unknown;
  } catch {
    process.stderr.write(`bench ${bench.name} did not end with a JSON line: ${last}\n`);
    process.exit(1);
  }
}
const seconds = Math.round((Date.now() - started) / 1000);
process.stdout.write(`all benchmarks: ${seconds} s (target <= 300 s)\n`);
process.stdout.write(`${JSON.stringify({ ...results, total_seconds: seconds })}\n`);

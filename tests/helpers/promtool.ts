/**
 * Prometheus' own rule checker and unit-test runner (Debian's `prometheus` package ships it;
 * `.ci/run` installs it). Under CI=true a missing promtool fails the run; elsewhere the tests
 * that need it are skipped with a message.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";

export const PROMTOOL = process.env.PROMTOOL ?? "promtool";

export function promtoolAvailable(): boolean {
  if (spawnSync(PROMTOOL, ["--version"]).status === 0) return true;
  const message = `${PROMTOOL} not found; install it with \`apt-get install -y --no-install-recommends prometheus\``;
  if (process.env.CI === "true") throw new Error(`CI=true: ${message}`);
  console.warn(`skipping promtool tests: ${message}`);
  return false;
}

export interface PromtoolResult {
  readonly ok: boolean;
  readonly output: string;
}

/** Writes `files` (name -> object, as YAML) to a temp directory and runs promtool there. */
export function promtool(args: readonly string[], files: Readonly<Record<string, unknown>>): PromtoolResult {
  const dir = mkdtempSync(join(tmpdir(), "promtool-"));
  try {
    for (const [name, content] of Object.entries(files))
      writeFileSync(join(dir, name), stringify(content, { lineWidth: 0 }));
    const run = spawnSync(PROMTOOL, args, { cwd: dir, encoding: "utf8" });
    return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * V8's tiering for one-shot processes (lib/one-shot-tiering.cjs, ONE_SHOT_NODE_ARGS): it defers
 * TurboFan on the V8 it was measured on, any Node starts with it, and it is what the one-shot npm
 * scripts, the benchmark's two subjects and the tests' CLI processes start with.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { floorSubject, nodeArgs, synthSubject } from "../bench/subjects";
import { ONE_SHOT_NODE_ARGS, TYPESCRIPT_NODE_ARGS } from "../lib/typescriptNode";

const ROOT = join(__dirname, "..");
const TIERING = ["--require", join(ROOT, "lib", "one-shot-tiering.cjs")];

/** How many times V8 finished optimizing `hot` in a process that calls it 1,000 times. */
function optimizations(args: readonly string[]): number {
  const program = [
    "function hot(n) { let s = 0; for (let i = 0; i < 8; i++) s += (n * i) % 7; return s; }",
    "let t = 0; for (let k = 0; k < 1000; k++) t += hot(k);",
  ].join("\n");
  const run = spawnSync(process.execPath, [...args, "--trace-opt", "-e", program], { encoding: "utf8" });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.split("\n").filter((line) => /completed optimizing .*<JSFunction hot /.test(line)).length;
}

describe("V8's tiering for one-shot processes", () => {
  it.runIf(process.versions.v8.startsWith("11."))(
    "defers TurboFan on V8 11: a function run 1,000 times is optimized under V8's default, not with the preload",
    () => {
      expect(optimizations([])).toBeGreaterThan(0);
      expect(optimizations(TIERING)).toBe(0);
    },
  );

  it("starts on the running Node, whatever its V8 (a flag it does not know would stop it)", () => {
    const run = spawnSync(
      process.execPath,
      [...ONE_SHOT_NODE_ARGS, "-e", "process.stdout.write('started')"],
      {
        encoding: "utf8",
      },
    );
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("started");
  });

  it("is required first by every one-shot npm script, and by both of the benchmark's subjects", () => {
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
    ).scripts;
    for (const name of ["synth", "tenant", "affected", "policy:config", "docs"])
      expect(scripts[name]).toMatch(
        /^node --require \.\/lib\/one-shot-tiering\.cjs --require \.\/lib\/register-typescript\.cjs /,
      );
    expect(ONE_SHOT_NODE_ARGS).toEqual([...TIERING, ...TYPESCRIPT_NODE_ARGS]);
    for (const subject of [synthSubject(), floorSubject(482)])
      expect(nodeArgs(subject).slice(0, ONE_SHOT_NODE_ARGS.length)).toEqual(ONE_SHOT_NODE_ARGS);
  });
});

/**
 * V8's tiering for one-shot processes (lib/typescriptNode.ts): the flag is the same wherever a
 * one-shot program starts (the npm scripts, every project's `pulumi up` program, the benchmark's
 * subjects and the tests' CLI processes take ONE_SHOT_NODE_ARGS), and it does defer TurboFan.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { ONE_SHOT_NODE_ARGS, ONE_SHOT_V8_ARGS, TYPESCRIPT_NODE_ARGS } from "../lib/typescriptNode";
import { nodeArgs, synthSubject, floorSubject } from "../bench/subjects";

const ROOT = join(__dirname, "..");

/** How many times V8 finished optimizing `hot` in a process that calls it 1,000 times. */
function optimizations(v8Args: readonly string[]): number {
  const program = [
    "function hot(n) { let s = 0; for (let i = 0; i < 8; i++) s += (n * i) % 7; return s; }",
    "let t = 0; for (let k = 0; k < 1000; k++) t += hot(k);",
  ].join("\n");
  const run = spawnSync(process.execPath, [...v8Args, "--trace-opt", "-e", program], { encoding: "utf8" });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.split("\n").filter((line) => /completed optimizing .*<JSFunction hot /.test(line)).length;
}

describe("V8's tiering for one-shot processes", () => {
  it("defers TurboFan: a function run 1,000 times is optimized under V8's default, not under the one-shot budget", () => {
    expect(optimizations([])).toBeGreaterThan(0);
    expect(optimizations(ONE_SHOT_V8_ARGS)).toBe(0);
  });

  it("is given by the synth and tenant scripts and every project's Pulumi.yaml", () => {
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    for (const name of ["synth", "tenant"])
      expect(scripts[name]).toMatch(new RegExp(`^node ${ONE_SHOT_V8_ARGS.join(" ")} --require `));
    for (const project of ["Pulumi.yaml", "platform/Pulumi.yaml", "connectivity/Pulumi.yaml"]) {
      const file = load(readFileSync(join(ROOT, project), "utf8")) as {
        runtime: { options: { nodeargs: string } };
      };
      expect(file.runtime.options.nodeargs.split(" "), project).toEqual(
        expect.arrayContaining([...ONE_SHOT_V8_ARGS]),
      );
    }
  });

  it("runs both of the benchmark's subjects, the synth and the floor, under the same arguments", () => {
    expect(ONE_SHOT_NODE_ARGS).toEqual([...ONE_SHOT_V8_ARGS, ...TYPESCRIPT_NODE_ARGS]);
    for (const subject of [synthSubject(), floorSubject(482)])
      expect(nodeArgs(subject).slice(0, ONE_SHOT_NODE_ARGS.length)).toEqual(ONE_SHOT_NODE_ARGS);
  });
});

/**
 * What the benchmarks run, each in a fresh node process (lib/typescriptNode.ts): the synth of the
 * largest tenant, the floor, and the same-inputs run (bare resources carrying the synth's inputs).
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { parseChildReport, type ChildReport } from "./childReport";
import { ONE_SHOT_NODE_ARGS } from "../lib/typescriptNode";

export const ROOT = resolve(__dirname, "..");

/** The largest tenant the catalog allows: Business, 10 sites, every add-on at its maximum. */
export const LARGEST = {
  tier: "business",
  sites: 10,
  addOns: { extraCpuCores: 84, extraMemoryGi: 168, extraStorageGi: 1700 },
} as const;

/** A child process's script and arguments (relative to ROOT). */
export interface Subject {
  readonly script: string;
  readonly args: readonly string[];
}

/** The synth; with `inputsFile`, it also writes every resource's recorded inputs there. */
export function synthSubject(inputsFile?: string): Subject {
  const args = [LARGEST.tier, String(LARGEST.sites), JSON.stringify(LARGEST.addOns)];
  return { script: "bench/synthChild.ts", args: inputsFile ? [...args, inputsFile] : args };
}

/** The synth followed by the policy pack over its result, each phase timed in the child. */
export function policySubject(): Subject {
  return {
    script: "bench/policyChild.ts",
    args: [LARGEST.tier, String(LARGEST.sites), JSON.stringify(LARGEST.addOns)],
  };
}

/** The largest tenant in one region and in every region, timed in one process (the first is the baseline). */
export function regionsSubject(): Subject {
  return {
    script: "bench/regionsChild.ts",
    args: [LARGEST.tier, String(LARGEST.sites), JSON.stringify(LARGEST.addOns)],
  };
}

/** The floor: n bare resources under the runtime's mocks. */
export function floorSubject(resources: number): Subject {
  return { script: "bench/floorChild.ts", args: [String(resources)] };
}

/** The diagnostic: n bare resources carrying the synth's inputs from `inputsFile`, through the synth's engine. */
export function sameInputsSubject(resources: number, inputsFile: string): Subject {
  return { script: "bench/sameInputsChild.ts", args: [String(resources), inputsFile] };
}

/** Node's arguments for running a subject. */
export function nodeArgs({ script, args }: Subject): string[] {
  return [...ONE_SHOT_NODE_ARGS, script, ...args];
}

/** A finished child: its report and its wall time. */
export interface ChildRun extends ChildReport {
  readonly ms: number;
}

/** Runs a subject to completion; throws with its stderr if it fails. */
export function runChild(subject: Subject): ChildRun {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, nodeArgs(subject), { cwd: ROOT, encoding: "utf8" });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0)
    throw new Error(`bench child ${subject.script} ${subject.args.join(" ")} failed: ${child.stderr}`);
  return { ms, ...parseChildReport(child.stdout) };
}

/**
 * Runs each subject once before anything is measured: the synth writes its recorded inputs into
 * `work` (for the same-inputs run), and every script lands in the TypeScript loader's cache
 * (lib/register-typescript.cjs), as any second run would find it, so no measured run pays for
 * transpiling.
 */
export function prepareSubjects(work: string): { resources: number; inputsFile: string } {
  const inputsFile = join(work, "inputs.json");
  const { resources } = runChild(synthSubject(inputsFile));
  runChild(floorSubject(resources));
  runChild(sameInputsSubject(resources, inputsFile));
  runChild(policySubject());
  runChild(regionsSubject());
  return { resources, inputsFile };
}

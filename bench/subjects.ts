/**
 * What the benchmarks run, each in a fresh `node --import tsx` process: the synth of the
 * largest tenant, the floor, and the floor carrying the synth's own inputs.
 */
import { resolve } from "node:path";

export const ROOT = resolve(__dirname, "..");

/** The largest tenant the catalog allows: Business, 10 sites, every add-on at its maximum. */
export const LARGEST = { tier: "business", sites: 10, addOns: { extraCpuCores: 84, extraMemoryGi: 168, extraStorageGi: 1700 } } as const;

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

/** The floor: n bare resources; with `inputsFile`, each carries the synth's inputs from that file. */
export function floorSubject(resources: number, inputsFile?: string): Subject {
  return { script: "bench/floorChild.ts", args: inputsFile ? [String(resources), inputsFile] : [String(resources)] };
}

/** A child's own report (its last stdout line). */
export interface ChildReport {
  readonly resources: number;
  readonly maxRssMb: number;
}

export function parseChildReport(stdout: string): ChildReport {
  return JSON.parse(stdout.trim().split("\n").pop()!) as ChildReport;
}

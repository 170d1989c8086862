import { availableParallelism } from "node:os";
import { relative } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Durations (ms) of the longest files in a quiet run of the whole suite on 2 cores. They only
 * order the run (LongestFirst): a stale figure costs time, never a result.
 */
const QUIET_RUN_MS: Readonly<Record<string, number>> = {
  "tests/serviceBroker.test.ts": 91_282,
  "tests/serviceFaults.test.ts": 61_711,
  "tests/engineProcess.test.ts": 40_130,
  "tests/erasingMode.test.ts": 30_020,
  "tests/slo.test.ts": 29_793,
  "tests/tenantService.test.ts": 26_327,
  "tests/slaReport.test.ts": 24_164,
  "tests/policyPack.test.ts": 20_864,
  "tests/serviceWorkers.test.ts": 20_304,
  "tests/closedWorld.test.ts": 16_760,
  "tests/metering.test.ts": 15_128,
  "tests/cliBadInput.test.ts": 14_482,
  "tests/noSinglePointOfFailure.test.ts": 13_730,
  "tests/monitoring.test.ts": 12_996,
  "tests/synthCli.test.ts": 11_668,
  "tests/erasure.test.ts": 11_626,
  "tests/crossings.test.ts": 11_201,
  "tests/finopsCli.test.ts": 10_234,
};

/**
 * Longest files first. Each fork takes the next file when it is done with one, so a file of a
 * minute and a half started last keeps the run going that long after the others ended. Vitest
 * orders by the durations of its last run when it has them (node_modules/.vite), which a fresh
 * clone (CI's) has not: it then falls back to file size, which says little here (a short file
 * of real-server trials outlasts long tables). QUIET_RUN_MS stands in for the missing last run;
 * files not listed come after, in Vitest's own order.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const lastRun = (file: TestSpecification) =>
      this.ctx.cache.getFileTestResults(`${file.project.name}:${relative(root, file.moduleId)}`);
    if (files.every((file) => lastRun(file) !== undefined)) return super.sort(files);
    const known = (file: TestSpecification) => QUIET_RUN_MS[relative(root, file.moduleId)] ?? 0;
    // Array.prototype.sort is stable: the files not listed keep Vitest's order among themselves.
    return (await super.sort(files)).sort((a, b) => known(b) - known(a));
  }
}

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Files run in parallel, each fork a process of its own (the Pulumi runtime's global state is
    // per process); within a fork, one file at a time, tests in order. One fork more than there
    // are cores: the real-server and child-process tests spend much of their time waiting.
    pool: "forks",
    fileParallelism: true,
    maxWorkers: availableParallelism() + 1,
    // One module registry per fork for all its files: @pulumi/pulumi and the programs load once
    // per fork (not once per file), and a shape synthesized by one file is reused by the next
    // (tests/helpers/synth.ts memoizes). Every synth resets the mock runtime it sets up.
    isolate: false,
    sequence: { sequencer: LongestFirst },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

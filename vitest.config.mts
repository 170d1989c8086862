import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

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
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

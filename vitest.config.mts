import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Synth runs share the Pulumi runtime's global state: one file at a time, tests in order.
    fileParallelism: false,
    // One module registry for the whole run: @pulumi/pulumi and the programs load once (not once
    // per file, ~40 s of a 200 s run), and a shape synthesized by one file is reused by the next
    // (tests/helpers/synth.ts memoizes). Every synth resets the mock runtime it sets up.
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

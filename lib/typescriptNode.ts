/** Node's arguments for running one of this repository's TypeScript files in a process of its own. */
import { resolve } from "node:path";

/** Registers lib/register-typescript.cjs (esbuild, no tsx: see why there). */
export const TYPESCRIPT_NODE_ARGS: readonly string[] = [
  "--require",
  resolve(__dirname, "register-typescript.cjs"),
];

/**
 * A process that runs one program and exits (a synth, a CLI command): V8's tiering for it
 * (lib/one-shot-tiering.cjs), then the loader. Such a run ends before most of TurboFan's compiles
 * pay for themselves: the largest tenant's synth did 1.3 G instructions of them (serializeProperty
 * alone compiled four times). With 8 times V8's interrupt budget its synth takes 5.6 G
 * instructions instead of 6.9 G, and the SDK floor 4.3 G instead of 4.6 G (docs/benchmarks.md,
 * fifth round; Node 20). Long-lived processes (the service, its engine hosts, the test forks)
 * keep V8's default, where a hot path repeated for hours pays for its compile: the test suite ran
 * slower with it. package.json's one-shot scripts require the same preload
 * (tests/oneShotTiering.test.ts).
 */
export const ONE_SHOT_NODE_ARGS: readonly string[] = [
  "--require",
  resolve(__dirname, "one-shot-tiering.cjs"),
  ...TYPESCRIPT_NODE_ARGS,
];

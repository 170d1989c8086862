/** Node's arguments for running one of this repository's TypeScript files in a process of its own. */
import { resolve } from "node:path";

/** Registers lib/register-typescript.cjs (esbuild, no tsx: see why there). */
export const TYPESCRIPT_NODE_ARGS: readonly string[] = [
  "--require",
  resolve(__dirname, "register-typescript.cjs"),
];

/**
 * V8's tiering for a process that runs one program and exits (a synth, a CLI command, the program
 * `pulumi up` runs): its optimizing compiler (TurboFan) takes a function once it has run 8 times
 * V8's default interrupt budget (67,584 bytes of bytecode) instead of once. Such a run ends before
 * most of those compiles pay for themselves: the largest tenant's synth did 1.3 G instructions of
 * them (serializeProperty alone compiled four times). With this budget its synth takes 5.6 G
 * instructions instead of 6.9 G, and the SDK floor 4.3 G instead of 4.6 G (docs/benchmarks.md,
 * fifth round). Long-lived processes (the service, its engine hosts, the test forks) keep V8's
 * default, where a hot path repeated for hours pays for its compile: the test suite ran slower with it.
 * package.json's `synth` and `tenant` scripts and the projects' Pulumi.yaml `nodeargs` carry the
 * same flag (tests/oneShotTiering.test.ts).
 */
export const ONE_SHOT_V8_ARGS: readonly string[] = ["--interrupt-budget=540672"];

/** A one-shot TypeScript process: V8's tiering for it, then the loader. */
export const ONE_SHOT_NODE_ARGS: readonly string[] = [...ONE_SHOT_V8_ARGS, ...TYPESCRIPT_NODE_ARGS];

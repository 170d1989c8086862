/**
 * `require` as @pulumi/pulumi resolves it: the runtime's own modules and dependencies, the very
 * instances it calls, which the synth swaps or reuses (synth/engine.ts, synth/inProcessStructs.ts,
 * synth/stackTraces.ts). tests/runtimeInternals.test.ts checks each is still where it is taken from.
 */
import { createRequire } from "node:module";

export const runtimeRequire = createRequire(require.resolve("@pulumi/pulumi"));

/**
 * The stack traces the process builds while the synth runs a program. The synth never shows a
 * stack, yet the Pulumi runtime captures one for every internal promise (its leak detector's
 * `debuggablePromise`, which also wraps each promise in two more) and an unlimited one for
 * every resource's source position (`Resource.stackTrace`, which raises Error.stackTraceLimit to
 * Infinity itself), each frame mapped through source maps. While a program runs, errors carry
 * their first line only, source maps are off, and those two runtime functions are swapped for
 * ones that capture nothing: about 5% of a large tenant's synth (callgrind, 482 resources).
 * The benchmark's floor runs under the same setting, so the two measure the same runtime.
 *
 * synthesize queues its runs, but this function is exported (the floor calls it too): if calls
 * ever overlap, the first to start saves the settings and the last to end gives them back.
 */
import { runtimeRequire } from "./runtimeRequire";

/** The runtime modules whose exports are swapped (tests/runtimeInternals.test.ts checks they are still there). */
export const debuggableModule = runtimeRequire("./runtime/debuggable") as {
  debuggablePromise: <T>(promise: Promise<T>, context: unknown) => Promise<T>;
};
export const resourceClass = (
  runtimeRequire("./resource") as { Resource: { stackTrace: (skip?: number) => unknown[] } }
).Resource;

let running = 0;
let saved: (() => void) | undefined;

export async function withoutStackTraces<T>(work: () => Promise<T>): Promise<T> {
  if (running++ === 0) saved = quietRuntime();
  try {
    return await work();
  } finally {
    if (--running === 0) {
      saved?.();
      saved = undefined;
    }
  }
}

/** Switches the stack traces off; returns what switches them back on as they were. */
function quietRuntime(): () => void {
  const stackTraceLimit = Error.stackTraceLimit;
  const sourceMaps = process.sourceMapsEnabled;
  const prepareStackTrace = Error.prepareStackTrace;
  const { debuggablePromise } = debuggableModule;
  const { stackTrace } = resourceClass;
  // An error's stack is its first line only ("Error: message"): no frames captured, none
  // formatted, none mapped. Resources carry no source position, and promises no debug stack.
  Error.stackTraceLimit = 0;
  Error.prepareStackTrace = headerOnly;
  process.setSourceMapsEnabled(false);
  debuggableModule.debuggablePromise = (promise) => promise;
  resourceClass.stackTrace = () => [];
  return () => {
    Error.stackTraceLimit = stackTraceLimit;
    Error.prepareStackTrace = prepareStackTrace;
    process.setSourceMapsEnabled(sourceMaps);
    debuggableModule.debuggablePromise = debuggablePromise;
    resourceClass.stackTrace = stackTrace;
  };
}

function headerOnly(error: Error): string {
  return Error.prototype.toString.call(error);
}

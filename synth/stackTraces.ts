/**
 * The stack traces the process builds while the synth runs a program. The synth never shows a
 * stack, yet the Pulumi runtime captures one for every internal promise and an unlimited one
 * for every resource's source position (which the synth does not record), each frame mapped
 * through source maps. The benchmark's floor runs under the same setting, so the two measure
 * the same runtime.
 */
export async function withoutStackTraces<T>(work: () => Promise<T>): Promise<T> {
  const stackTraceLimit = Error.stackTraceLimit;
  const sourceMaps = process.sourceMapsEnabled;
  const prepareStackTrace = Error.prepareStackTrace;
  // An error's stack is its first line only ("Error: message"): no frames captured, none
  // formatted, none mapped. Resources then carry no source position.
  Error.stackTraceLimit = 0;
  Error.prepareStackTrace = headerOnly;
  process.setSourceMapsEnabled(false);
  try {
    return await work();
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    Error.prepareStackTrace = prepareStackTrace;
    process.setSourceMapsEnabled(sourceMaps);
  }
}

function headerOnly(error: Error): string {
  return Error.prototype.toString.call(error);
}

/**
 * The stack traces the process builds while the synth runs a program. The synth never shows a
 * stack, yet the Pulumi runtime captures one for every internal promise and an unlimited one
 * for every resource's source position, each frame mapped through source maps. The benchmark's
 * floor runs under the same setting, so the two measure the same runtime.
 */
export async function withoutStackTraces<T>(work: () => Promise<T>): Promise<T> {
  const stackTraceLimit = Error.stackTraceLimit;
  const sourceMaps = process.sourceMapsEnabled;
  // No stack for promises and errors; resource positions still get theirs (the runtime lifts
  // the limit for those) but unmapped: positions the synth does not record.
  Error.stackTraceLimit = 0;
  process.setSourceMapsEnabled(false);
  try {
    return await work();
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    process.setSourceMapsEnabled(sourceMaps);
  }
}

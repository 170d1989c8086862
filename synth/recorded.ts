/**
 * What a synth's callers branch on, without the Pulumi runtime synth/engine.ts loads: the
 * placeholder a secret is recorded as, and the failure of a program. A command that only reads
 * a stack's state (the offline engine's config, an invoice) imports these, not the engine.
 */
import type { RecordedResource } from "./engine";

/** Placeholder written wherever a Pulumi secret would be. */
export const SECRET_PLACEHOLDER = "[secret]";

/** A program that failed, with what it had registered before failing. */
export class SynthFailure extends Error {
  override readonly name = "SynthFailure";
  constructor(
    override readonly cause: unknown,
    readonly registered: readonly RecordedResource[],
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

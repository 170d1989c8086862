/**
 * The synth engine itself: what it records and answers, and the process settings it borrows
 * while a program runs (a fleet preview or a test suite runs many synths in one process).
 */
import * as core from "@pulumi/kubernetes/core/v1";
import * as random from "@pulumi/random";
import { describe, expect, it } from "vitest";
import { SECRET_PLACEHOLDER, SynthFailure, synthesize } from "../synth/engine";
import { withoutStackTraces } from "../synth/stackTraces";

const options = { project: "engine", stack: "test", config: {} };

describe("synth engine", () => {
  it("answers each registration with its inputs, so outputs flow into later resources", async () => {
    const result = await synthesize(async () => {
      const ns = new core.Namespace("ns", { metadata: { name: "shop", labels: { tier: "premium" } } });
      new core.ConfigMap("cm", { metadata: { name: "settings", namespace: ns.metadata.name }, data: { tier: ns.metadata.labels["tier"]! } });
      return { namespace: ns.metadata.name };
    }, options);
    const cm = result.resources.find((r) => r.name === "cm")!;
    expect(cm.inputs).toMatchObject({ metadata: { name: "settings", namespace: "shop" }, data: { tier: "premium" } });
    expect(cm.dependsOn).toContain(result.resources.find((r) => r.name === "ns")!.urn);
    expect(result.outputs).toEqual({ namespace: "shop" });
  });

  it("records a provider-computed secret as a placeholder where it is used, never in the inputs of its own resource", async () => {
    const result = await synthesize(async () => {
      const password = new random.RandomPassword("pw", { length: 24, special: false });
      new core.Secret("db", { stringData: { password: password.result } });
      return { password: password.result };
    }, options);
    expect(result.resources.find((r) => r.name === "pw")!.inputs).toEqual({ length: 24, special: false });
    expect(result.resources.find((r) => r.name === "db")!.inputs).toMatchObject({ stringData: { password: SECRET_PLACEHOLDER } });
    expect(result.outputs).toEqual({ password: SECRET_PLACEHOLDER });
  });

  it("reports a program's error once, with what it had registered before failing", async () => {
    const failure = await synthesize(async () => {
      new core.Namespace("before", { metadata: { name: "before" } });
      throw new Error("bad tier");
    }, options).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SynthFailure);
    expect((failure as SynthFailure).message).toBe("bad tier");
    expect((failure as SynthFailure).registered.map((r) => r.name)).toContain("before");
  });

  it.each([true, false])("gives back the process's stack settings after a run, whether it succeeds or fails (source maps %s)", async (sourceMaps) => {
    const original = process.sourceMapsEnabled;
    process.setSourceMapsEnabled(sourceMaps);
    try {
      const settings = () => [Error.stackTraceLimit, Error.prepareStackTrace, process.sourceMapsEnabled] as const;
      const before = settings();
      const seen = await withoutStackTraces(async () => ({ stack: new Error("no frames").stack, sourceMaps: process.sourceMapsEnabled }));
      expect(seen).toEqual({ stack: "Error: no frames", sourceMaps: false });
      expect(settings()).toEqual(before);
      await expect(withoutStackTraces(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
      expect(settings()).toEqual(before);
      await synthesize(async () => ({}), options);
      expect(settings()).toEqual(before);
      expect(new Error("after").stack).toMatch(/^Error: after\n\s+at /);
    } finally {
      process.setSourceMapsEnabled(original);
    }
  });
});

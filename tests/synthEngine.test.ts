/**
 * The synth engine itself: what it records and answers, and the process settings it borrows
 * while a program runs (a fleet preview or a test suite runs many synths in one process).
 */
import * as core from "@pulumi/kubernetes/core/v1";
import * as random from "@pulumi/random";
import type { Struct as StructType } from "google-protobuf/google/protobuf/struct_pb";
import { describe, expect, it } from "vitest";
import { SECRET_PLACEHOLDER, SynthFailure, synthesize } from "../synth/engine";
import { InProcessStruct } from "../synth/inProcessStructs";
import { runtimeRequire } from "../synth/runtimeRequire";
import { kubernetesObjects, manifestFiles, resourceList } from "../synth/manifests";
import { debuggableModule, resourceClass, withoutStackTraces } from "../synth/stackTraces";

/** The Struct class the Pulumi runtime encodes registrations with. */
const { Struct } = runtimeRequire("google-protobuf/google/protobuf/struct_pb") as {
  Struct: typeof StructType;
};

const options = { project: "engine", stack: "test", config: {} };

describe("synth engine", () => {
  it("answers each registration with its inputs, so outputs flow into later resources", async () => {
    const result = await synthesize(async () => {
      const ns = new core.Namespace("ns", { metadata: { name: "shop", labels: { tier: "premium" } } });
      new core.ConfigMap("cm", {
        metadata: { name: "settings", namespace: ns.metadata.name },
        data: { tier: ns.metadata.labels["tier"]! },
      });
      return { namespace: ns.metadata.name };
    }, options);
    const cm = result.resources.find((r) => r.name === "cm")!;
    expect(cm.inputs).toMatchObject({
      metadata: { name: "settings", namespace: "shop" },
      data: { tier: "premium" },
    });
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
    expect(result.resources.find((r) => r.name === "db")!.inputs).toMatchObject({
      stringData: { password: SECRET_PLACEHOLDER },
    });
    expect(result.outputs).toEqual({ password: SECRET_PLACEHOLDER });
  });

  it("fails a run that registers two resources under one URN, as the engine does", async () => {
    const failure = await synthesize(async () => {
      new core.ConfigMap("settings", { metadata: { name: "a" } });
      new core.ConfigMap("settings", { metadata: { name: "b" } });
    }, options).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SynthFailure);
    expect((failure as SynthFailure).message).toMatch(
      /^duplicate resource URN urn:pulumi:test::engine::pulumi:pulumi:Stack\$kubernetes:core\/v1:ConfigMap::settings /,
    );
    // The same name under another type or parent is another URN.
    await expect(
      synthesize(async () => {
        new core.ConfigMap("settings", { metadata: { name: "a" } });
        new core.Secret("settings", { metadata: { name: "a" } });
      }, options),
    ).resolves.toMatchObject({ resources: expect.any(Array) });
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

  it.each([true, false])(
    "gives back the process's stack settings after a run, whether it succeeds or fails (source maps %s)",
    async (sourceMaps) => {
      const original = process.sourceMapsEnabled;
      process.setSourceMapsEnabled(sourceMaps);
      try {
        const settings = () =>
          [
            Error.stackTraceLimit,
            Error.prepareStackTrace,
            process.sourceMapsEnabled,
            debuggableModule.debuggablePromise,
            resourceClass.stackTrace,
          ] as const;
        const before = settings();
        const promise = Promise.resolve(1);
        const seen = await withoutStackTraces(async () => ({
          stack: new Error("no frames").stack,
          sourceMaps: process.sourceMapsEnabled,
          // The runtime's per-promise debug stack and per-resource source position capture nothing.
          sameDebuggable: debuggableModule.debuggablePromise(promise, "ctx") === promise,
          sourcePosition: resourceClass.stackTrace(4),
        }));
        expect(seen).toEqual({
          stack: "Error: no frames",
          sourceMaps: false,
          sameDebuggable: true,
          sourcePosition: [],
        });
        expect(settings()).toEqual(before);
        await expect(withoutStackTraces(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
        expect(settings()).toEqual(before);
        await synthesize(async () => ({}), options);
        expect(settings()).toEqual(before);
        expect(new Error("after").stack).toMatch(/^Error: after\n\s+at /);
      } finally {
        process.setSourceMapsEnabled(original);
      }
    },
  );

  it("gives the settings back when the last of overlapping runs ends, not the first", async () => {
    const limit = Error.stackTraceLimit;
    let endFirst!: () => void;
    const first = withoutStackTraces(() => new Promise<void>((r) => (endFirst = r)));
    let endSecond!: () => void;
    const second = withoutStackTraces(() => new Promise<void>((r) => (endSecond = r)));
    endFirst();
    await first;
    // The second run is still going: its settings stay.
    expect(Error.stackTraceLimit).toBe(0);
    endSecond();
    await second;
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error("after").stack).toMatch(/^Error: after\n\s+at /);
  });

  it("skips the runtime's wire encoding only while a program runs, after success and after failure", async () => {
    const fromJavaScript = Struct.fromJavaScript;
    const during: unknown[] = [];
    await synthesize(async () => {
      during.push(Struct.fromJavaScript({ a: 1 }));
      return {};
    }, options);
    await synthesize(async () => {
      throw new Error("bad tier");
    }, options).catch(() => undefined);
    expect(during[0]).toBeInstanceOf(InProcessStruct);
    expect(Struct.fromJavaScript).toBe(fromJavaScript);
    const real = Struct.fromJavaScript({ a: 1 });
    expect(real).not.toBeInstanceOf(InProcessStruct);
    expect(Struct.deserializeBinary(real.serializeBinary()).toJavaScript()).toEqual({ a: 1 });
  });

  it("refuses to put an in-process struct on the wire rather than send it empty", () => {
    const struct = new InProcessStruct({ a: 1 });
    expect(struct.toJavaScript()).toEqual({ a: 1 });
    expect(() => struct.serializeBinary()).toThrow(/never leaves the process/);
    expect(() => struct.getFieldsMap()).toThrow(/toJavaScript/);
  });
});

describe("synth output", () => {
  it("writes keys sorted, whatever order the program built its objects in", async () => {
    const result = await synthesize(async () => {
      new core.ConfigMap("cm", {
        metadata: { namespace: "shop", name: "settings" },
        data: { zone: "b", app: "a" },
      });
      return {};
    }, options);
    const files = manifestFiles(kubernetesObjects(result));
    expect(files.get("shop.yaml")).toBe(
      "apiVersion: v1\ndata:\n  app: a\n  zone: b\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\n",
    );
    const entry = (resourceList(result) as { type: string; name: string; inputs: object }[]).find(
      (r) => r.name === "cm",
    );
    expect(Object.keys(entry!)).toEqual(["type", "name", "inputs", "parent"]);
    expect(JSON.stringify(entry!.inputs)).toBe(
      '{"apiVersion":"v1","data":{"app":"a","zone":"b"},"kind":"ConfigMap","metadata":{"name":"settings","namespace":"shop"}}',
    );
  });
});

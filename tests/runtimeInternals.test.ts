/**
 * What the offline synth (synth/engine.ts, synth/inProcessStructs.ts) takes from @pulumi/pulumi
 * beyond its public API. package.json pins the exact version; upgrading it must keep every check
 * here passing, and each failure names the part that changed.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { RegisterResourceResponse } from "@pulumi/pulumi/proto/resource_pb";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { describe, expect, it, vi } from "vitest";
import { closureModule, SECRET_PLACEHOLDER, synthesize } from "../synth/engine";
import { InProcessStruct } from "../synth/inProcessStructs";
import { runtimeRequire } from "../synth/runtimeRequire";
import { debuggableModule, resourceClass } from "../synth/stackTraces";

const root = resolve(__dirname, "..");

class Dynamic extends pulumi.dynamic.Resource {
  constructor(provider: pulumi.dynamic.ResourceProvider) {
    super(provider, "dyn", {});
  }
}

class Thing extends pulumi.CustomResource {
  constructor(name: string, props: pulumi.Inputs) {
    super("test:index:Thing", name, props);
  }
}

describe("@pulumi/pulumi internals the synth relies on", () => {
  it("is the exact version package.json and the lockfile pin", () => {
    const spec = (
      JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as {
        dependencies: Record<string, string>;
      }
    ).dependencies["@pulumi/pulumi"]!;
    const lock = JSON.parse(readFileSync(resolve(root, "package-lock.json"), "utf8")) as {
      packages: Record<string, { version?: string; dependencies?: Record<string, string> }>;
    };
    const installed = (runtimeRequire("./package.json") as { version: string }).version;
    expect(
      spec,
      "package.json must pin @pulumi/pulumi to one version (no range): synth/engine.ts uses its internals",
    ).toMatch(/^\d+\.\d+\.\d+$/);
    expect(
      lock.packages[""]!.dependencies!["@pulumi/pulumi"],
      "package-lock.json's root entry must pin the same version",
    ).toBe(spec);
    expect(installed, `installed @pulumi/pulumi ${installed} is not the pinned ${spec}: run npm ci`).toBe(
      spec,
    );
  });

  it("exports the mock monitor the recording monitor extends, and the hooks that install it", () => {
    expect(typeof MockMonitor, "runtime/mocks no longer exports MockMonitor").toBe("function");
    for (const method of ["registerResource", "registerResourceOutputs", "supportsFeature", "invoke"]) {
      expect(
        typeof (MockMonitor.prototype as unknown as Record<string, unknown>)[method],
        `MockMonitor.prototype.${method} is gone`,
      ).toBe("function");
    }
    const monitor = new MockMonitor({ newResource: () => ({ id: "x", state: {} }), call: () => ({}) });
    expect(
      monitor.resources,
      "MockMonitor no longer keeps its resources in a Map (RecordingMonitor fills it)",
    ).toBeInstanceOf(Map);
    for (const hook of [
      "setMocks",
      "setMockOptions",
      "setAllConfig",
      "runInPulumiStack",
      "disconnect",
      "deserializeProperties",
    ] as const) {
      expect(typeof pulumi.runtime[hook], `pulumi.runtime.${hook} is gone`).toBe("function");
    }
    const response = new RegisterResourceResponse();
    for (const setter of ["setUrn", "setId", "setObject"] as const)
      expect(typeof response[setter], `RegisterResourceResponse.${setter} is gone`).toBe("function");
  });

  it("marks secrets on the wire with the signature redactSecrets recognises", async () => {
    expect(pulumi.runtime.specialSigKey, "the runtime's signature key changed").toBe(
      "4dabf18193072939515e22adb298388d",
    );
    expect(pulumi.runtime.specialSecretSig, "the runtime's secret signature changed").toBe(
      "1b47061264138c4ac30d75fd1eb44270",
    );
    const program = async () => {
      new Thing("thing", { password: pulumi.secret("hunter2") });
      return { password: pulumi.secret("hunter2") };
    };
    const result = await synthesize(program, { project: "internals", stack: "test", config: {} });
    expect(
      JSON.stringify(result),
      "a secret reached the synth's output: the runtime's secret envelope changed",
    ).not.toContain("hunter2");
    expect(result.resources.find((r) => r.name === "thing")!.inputs).toEqual({
      password: SECRET_PLACEHOLDER,
    });
    expect(
      result.outputs,
      "MockMonitor no longer keeps the stack's registered outputs as its state (RecordingMonitor.stackOutputs reads them)",
    ).toEqual({ password: SECRET_PLACEHOLDER });
  });

  it("builds every registration's inputs with the Struct.fromJavaScript of its own google-protobuf, which the synth replaces", async () => {
    const read = vi.spyOn(InProcessStruct.prototype, "toJavaScript");
    try {
      await synthesize(async () => void new Thing("thing", { size: 3 }), {
        project: "internals",
        stack: "test",
        config: {},
      });
      expect(
        read,
        "the runtime no longer builds registrations with the Struct class synth/inProcessStructs.ts patches (or reads them without toJavaScript)",
      ).toHaveBeenCalled();
    } finally {
      read.mockRestore();
    }
    const runtimeStruct = runtimeRequire("google-protobuf/google/protobuf/struct_pb") as { Struct: unknown };
    expect(
      Object.getPrototypeOf(InProcessStruct),
      "InProcessStruct must extend the runtime's own Struct",
    ).toBe(runtimeStruct.Struct);
  });

  it("captures its promise and source-position stacks through the exports the synth swaps", async () => {
    const debuggable = vi.spyOn(debuggableModule, "debuggablePromise");
    const stackTrace = vi.spyOn(resourceClass, "stackTrace");
    try {
      await pulumi.runtime.setMocks(
        { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: () => ({}) },
        "internals",
        "test",
        false,
      );
      await pulumi.runtime.runInPulumiStack(async () => {
        new Thing("thing", { size: 3 });
        return {};
      });
      expect(
        stackTrace,
        "Resource.stackTrace is no longer how a resource takes its source position (synth/stackTraces.ts)",
      ).toHaveBeenCalled();
      expect(
        debuggable,
        "the runtime no longer wraps its promises through runtime/debuggable's exports (synth/stackTraces.ts)",
      ).toHaveBeenCalled();
    } finally {
      debuggable.mockRestore();
      stackTrace.mockRestore();
    }
  });

  it("serializes a dynamic provider through the closure module's exports object, which the synth swaps", async () => {
    const serialize = vi.fn(async () => ({
      text: "serialized by the spy",
      exportName: "handler",
      containsSecrets: false,
    }));
    const original = closureModule.serializeFunction;
    closureModule.serializeFunction = serialize;
    try {
      await pulumi.runtime.setMocks(
        { newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: () => ({}) },
        "internals",
        "test",
      );
      // A provider object of its own: the runtime caches serializations per provider.
      const provider: pulumi.dynamic.ResourceProvider = { create: async () => ({ id: "x" }) };
      new Dynamic(provider);
      expect(
        serialize,
        "pulumi.dynamic no longer calls serializeFunction through runtime/closure/serializeClosure's exports",
      ).toHaveBeenCalledTimes(1);
    } finally {
      closureModule.serializeFunction = original;
    }
  });
});

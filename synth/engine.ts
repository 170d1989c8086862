/**
 * Runs a real Pulumi program without the Pulumi engine: the runtime's mock monitor stands in
 * for the engine, and every registration is recorded with its inputs and resource options.
 * This is what the offline synth, the snapshot/schema/policy tests and the benchmark share.
 *
 * It rests on parts of @pulumi/pulumi that are not its public API (MockMonitor, setMockOptions,
 * the closure serializer's module, the protobuf Struct the runtime builds): package.json pins the
 * exact version, and tests/runtimeInternals.test.ts fails naming the part an upgrade changed.
 */
import * as pulumi from "@pulumi/pulumi";
import { ReadResourceResponse, RegisterResourceResponse } from "@pulumi/pulumi/proto/resource_pb";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import type { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { COMPUTED_ATTRIBUTES, mockId } from "./computedAttributes";
import { InProcessStruct, withInProcessStructs } from "./inProcessStructs";
import { runtimeRequire } from "./runtimeRequire";
import { withoutStackTraces } from "./stackTraces";
import { SECRET_PLACEHOLDER, SynthFailure } from "./recorded";

export { SECRET_PLACEHOLDER, SynthFailure } from "./recorded";

/**
 * A recorded resource's properties as a policy pack sees them: its inputs, and for a custom
 * resource its id, which bridged providers report among the outputs (`props.id`). A policy
 * that matches references by id (a load balancer's pools) needs it.
 */
export function policyPropsOf(r: RecordedResource): Record<string, unknown> {
  return r.custom ? { ...r.inputs, id: mockId(r.name) } : r.inputs;
}

/** The runtime's wire envelope for a secret value: {[specialSigKey]: specialSecretSig, value}. */
const { specialSigKey, specialSecretSig, unknownValue } = pulumi.runtime;

export interface RecordedResource {
  readonly urn: string;
  /** Pulumi type token, e.g. "kubernetes:apps/v1:Deployment". */
  readonly type: string;
  readonly name: string;
  /** false for ComponentResources. */
  readonly custom: boolean;
  /** URN of the parent ("" for the stack itself). */
  readonly parent: string;
  /** Inputs as the engine would receive them, with secrets replaced by SECRET_PLACEHOLDER. */
  readonly inputs: Record<string, unknown>;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly ignoreChanges: readonly string[];
  readonly dependsOn: readonly string[];
  /** URN of the explicit provider; absent for a component, or a custom resource on its package's default provider. */
  readonly provider?: string;
}

/** A stack another stack references (`pulumi.StackReference`): its outputs, and which of them are secrets. */
export interface ReferencedStack {
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly secretOutputNames: readonly string[];
}

export interface SynthResult {
  readonly project: string;
  readonly stack: string;
  /** In registration order (which is not construction order). */
  readonly resources: readonly RecordedResource[];
  /** The program's stack outputs, secrets replaced. */
  readonly outputs: Record<string, unknown>;
}

export interface SynthOptions {
  readonly project: string;
  readonly stack: string;
  /** Fully qualified config ("tenant:tier" -> string value, structured values JSON-encoded). */
  readonly config: Readonly<Record<string, string>>;
  /** Config keys that are secrets. Default none. */
  readonly secretKeys?: readonly string[];
  /** Answers `StackReference` reads by stack name (undefined: no such stack). Default: none exists. */
  readonly stackReferences?: (name: string) => ReferencedStack | undefined;
  /**
   * Packages whose default provider is disabled (`pulumi:disable-default-providers`, "*" for
   * all): a custom resource of one of them without an explicit provider fails the run, as the
   * engine would fail it. Default none.
   */
  readonly disabledDefaultProviders?: readonly string[];
}

/** A secret's shape with every value replaced: keys stay visible, values never do. */
function placeholderShape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(placeholderShape);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, placeholderShape(v)]),
    );
  }
  return SECRET_PLACEHOLDER;
}

function isSecretEnvelope(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === "object" &&
    (value as Record<string, unknown>)[specialSigKey] === specialSecretSig
  );
}

/** Replaces secret envelopes by placeholders (keeping their shape) and drops undefined values, recursively. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (isSecretEnvelope(record)) return placeholderShape(redactSecrets(record["value"]));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) if (v !== undefined) out[k] = redactSecrets(v);
    return out;
  }
  return value;
}

/**
 * Whether a value on the wire is plain JSON: no signature object (a secret, asset, resource or
 * output envelope) and no unknown anywhere in it. Deserializing and redacting such a value would
 * only copy it (the wire has no undefined values: the runtime omits them from objects and sends
 * null in arrays).
 */
function isPlainOnTheWire(value: unknown): boolean {
  if (value === unknownValue) return false;
  if (value === null || typeof value !== "object") return true;
  if (Array.isArray(value)) return value.every(isPlainOnTheWire);
  if (specialSigKey in value) return false;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (!isPlainOnTheWire(record[key])) return false;
  return true;
}

/**
 * A registration's inputs as recorded: what the runtime's deserializeProperties would give, with
 * secrets replaced (redactSecrets, keeping the runtime's hoisting of a nested secret to its
 * top-level property). A plain property is recorded as the wire holds it, shared rather than
 * copied twice: for the largest tenant that is nearly all of its inputs, ~10,000 objects that
 * otherwise stay alive twice more until the run ends. The wire value is fresh for each
 * registration and nothing writes to it.
 */
function recordedInputs(serialized: Record<string, unknown>): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const key of Object.keys(serialized)) {
    const wire = serialized[key];
    if (wire === undefined) continue;
    const value = isPlainOnTheWire(wire) ? wire : redactSecrets(pulumi.runtime.deserializeProperty(wire));
    if (value !== undefined) inputs[key] = value;
  }
  return inputs;
}

/** The fields of a RegisterResourceRequest the recorder reads. */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): Struct | undefined;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getIgnorechangesList(): string[];
  getDependenciesList(): string[];
  getProvider(): string;
}

/** The fields of a ReadResourceRequest the recorder reads. */
interface ReadRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getId(): string;
}

type Callback = (err: Error | null, response?: RegisterResourceResponse) => void;

function urnOf(project: string, stack: string, parent: string, type: string, name: string): string {
  const qualified = parent ? `${parent.split("::")[2]!.split("$").pop()}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

const STACK_REFERENCE = "pulumi:pulumi:StackReference";

/** What a wire-format secret looks like (the runtime's envelope). */
const secretOnTheWire = (value: unknown) => ({ [specialSigKey]: specialSecretSig, value });

/**
 * Outputs a provider computes that the programs read, by resource type. The engine stand-in
 * answers with placeholders so that, e.g., a generated password flows into the resources that
 * use it as a secret, as it would in a real preview.
 */
const COMPUTED_OUTPUTS: Readonly<Record<string, Record<string, unknown>>> = {
  "random:index/randomPassword:RandomPassword": {
    result: secretOnTheWire(SECRET_PLACEHOLDER),
    bcryptHash: secretOnTheWire(SECRET_PLACEHOLDER),
  },
};

/** Input of dynamic resources holding the provider's serialized code: not worth writing out. */
const DYNAMIC_PROVIDER_INPUT = "__provider";
const DYNAMIC_PROVIDER_PLACEHOLDER = "[serialized dynamic provider]";

/**
 * The runtime's closure serializer module: its real exports object, which the dynamic provider
 * calls through (pulumi.runtime.serializeFunction is a copy of the function, so patching it
 * would change nothing).
 */
export interface ClosureModule {
  serializeFunction: typeof pulumi.runtime.serializeFunction;
}
export const closureModule = runtimeRequire("./runtime/closure/serializeClosure") as ClosureModule;

/** The programs make no provider calls; one appearing is a change worth noticing. */
const strictMocks: pulumi.runtime.Mocks = {
  newResource: () => {
    throw new Error("RecordingMonitor registers resources itself");
  },
  call: (args) => {
    throw new Error(`unexpected provider call ${args.token} during synth`);
  },
};

/**
 * The engine stand-in. Like the engine during a preview of creates, it answers every
 * registration with the resource's inputs as its outputs: it hands the request's own
 * serialized inputs back instead of deserializing and re-serializing them, and records them.
 */
class RecordingMonitor extends MockMonitor {
  readonly recorded: RecordedResource[] = [];
  /** Registrations the engine would refuse (a disabled default provider, a duplicate URN): the run fails with the first. */
  readonly refused: Error[] = [];

  constructor(
    private readonly project: string,
    private readonly stack: string,
    private readonly options: Pick<SynthOptions, "stackReferences" | "disabledDefaultProviders"> = {},
  ) {
    super(strictMocks);
  }

  /** The explicit provider's URN ("urn::id" on the wire), or a failure where the package's default one is disabled. */
  private providerOf(req: RegisterRequest, type: string, name: string): string | undefined {
    const reference = req.getProvider();
    if (reference) return reference.split("::").slice(0, -1).join("::");
    const pkg = type.split(":")[0]!;
    const disabled = this.options.disabledDefaultProviders ?? [];
    if (req.getCustom() && pkg !== "pulumi" && (disabled.includes("*") || disabled.includes(pkg))) {
      // Answered as usual (a rejected registration would surface as an unhandled rejection), then failed by `run`.
      this.refused.push(
        new Error(
          `${type} "${name}" has no explicit provider, and the default ${pkg} provider is disabled (pulumi:disable-default-providers)`,
        ),
      );
    }
    return undefined;
  }

  /** A StackReference read, answered from `stackReferences` with the outputs marked secret as the engine marks them. */
  override async readResource(
    req: ReadRequest,
    callback: (err: Error | null, response?: ReadResourceResponse) => void,
  ): Promise<void> {
    try {
      const type = req.getType();
      const name = req.getName();
      if (type !== STACK_REFERENCE) throw new Error(`unexpected read of ${type} "${name}" during synth`);
      const stackName = req.getId();
      const referenced = this.options.stackReferences?.(stackName);
      if (!referenced)
        throw new Error(
          `stack reference "${name}": no stack named "${stackName}" (offline, only the stacks SynthOptions.stackReferences answers exist)`,
        );
      const outputs = Object.fromEntries(
        Object.entries(referenced.outputs).map(([key, value]) => [
          key,
          referenced.secretOutputNames.includes(key) ? secretOnTheWire(value) : value,
        ]),
      );
      const parent = req.getParent();
      const urn = urnOf(this.project, this.stack, parent, type, name);
      const state = { name: stackName, outputs, secretOutputNames: [...referenced.secretOutputNames] };
      this.recorded.push({
        urn,
        type,
        name,
        custom: true,
        parent,
        inputs: { name: stackName },
        protect: false,
        retainOnDelete: false,
        ignoreChanges: [],
        dependsOn: [],
      });
      this.resources.set(urn, { urn, id: stackName, state: {} });
      const response = new ReadResourceResponse();
      response.setUrn(urn);
      response.setProperties(new InProcessStruct(state));
      callback(null, response);
    } catch (error) {
      callback(error as Error);
    }
  }

  /**
   * The root stack's outputs as the runtime sent them (MockMonitor keeps each resource's
   * registered outputs as its state), read from the wire form, where a secret is still marked as
   * one. A secret output is the placeholder, as `pulumi stack output` shows it; secrets inside
   * other outputs are replaced as in inputs.
   */
  stackOutputs(): Record<string, unknown> {
    const root = this.recorded.find((r) => r.parent === "");
    const state = root ? (this.resources.get(root.urn)?.state as Struct | undefined) : undefined;
    const outputs = state ? (pulumi.runtime.deserializeProperties(state) as Record<string, unknown>) : {};
    return Object.fromEntries(
      Object.entries(outputs)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, isSecretEnvelope(v) ? SECRET_PLACEHOLDER : redactSecrets(v)]),
    );
  }

  /** What the provider would compute for the resource (synth/computedAttributes.ts), in its provider's region. */
  private computed(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    provider: string | undefined,
  ): Record<string, unknown> {
    const attributes = COMPUTED_ATTRIBUTES[type];
    if (!attributes) return {};
    const region = this.recorded.find((r) => r.urn === provider)?.inputs["region"];
    return attributes(name, inputs, typeof region === "string" ? region : "us-east-1");
  }

  override async registerResource(req: RegisterRequest, callback: Callback): Promise<void> {
    try {
      const type = req.getType();
      const name = req.getName();
      const parent = req.getParent();
      const custom = req.getCustom();
      const requested = req.getObject() ?? new InProcessStruct({});
      const urn = urnOf(this.project, this.stack, parent, type, name);
      // The engine refuses a second resource with a URN already registered; so does the synth.
      if (this.resources.has(urn))
        this.refused.push(
          new Error(`duplicate resource URN ${urn} (two resources of type ${type} named "${name}")`),
        );
      const provider = this.providerOf(req, type, name);
      const inputs = recordedInputs(requested.toJavaScript());
      if (DYNAMIC_PROVIDER_INPUT in inputs) inputs[DYNAMIC_PROVIDER_INPUT] = DYNAMIC_PROVIDER_PLACEHOLDER;
      this.recorded.push({
        urn,
        type,
        name,
        custom,
        parent,
        inputs,
        protect: req.getProtect() === true,
        retainOnDelete: req.getRetainondelete() === true,
        ignoreChanges: req.getIgnorechangesList(),
        dependsOn: req.getDependenciesList(),
        ...(provider ? { provider } : {}),
      });
      const id = custom ? mockId(name) : "";
      this.resources.set(urn, { urn, id, state: {} });
      const response = new RegisterResourceResponse();
      response.setUrn(urn);
      response.setId(id);
      const computed = { ...COMPUTED_OUTPUTS[type], ...this.computed(type, name, inputs, provider) };
      response.setObject(
        Object.keys(computed).length > 0
          ? new InProcessStruct({ ...requested.toJavaScript(), ...computed })
          : requested,
      );
      callback(null, response);
    } catch (error) {
      callback(error as Error);
    }
  }
}

/**
 * Runs `program` as the Pulumi runtime would (inside the root Stack resource) and returns
 * what it registered; a failure is a SynthFailure carrying what was registered before it.
 * Calls are queued: the runtime keeps global state, so runs never overlap.
 */
let queue: Promise<unknown> = Promise.resolve();

export function synthesize(program: () => Promise<unknown>, options: SynthOptions): Promise<SynthResult> {
  // The runtime's state is global: concurrent callers (a fleet preview) take turns.
  const run = queue.then(() => synthesizeNow(program, options));
  queue = run.catch(() => undefined);
  return run;
}

async function synthesizeNow(program: () => Promise<unknown>, options: SynthOptions): Promise<SynthResult> {
  const { project, stack } = options;
  // setMocks sets the runtime's feature flags for a mock monitor; ours then replaces its monitor.
  await pulumi.runtime.setMocks(strictMocks, project, stack, false);
  const monitor = new RecordingMonitor(project, stack, options);
  pulumi.runtime.setMockOptions(monitor, project, stack, false);
  pulumi.runtime.setAllConfig({ ...options.config }, [...(options.secretKeys ?? [])]);

  // A dynamic provider's code is serialized only to ship it to the engine; the synth ships
  // nothing and writes a placeholder, so it skips the serializer (a V8 inspector session and a
  // parse, ~0.4 s). tests/dataProviders.test.ts checks that both providers do serialize.
  const serializeFunction = closureModule.serializeFunction;
  closureModule.serializeFunction = async () => ({
    text: DYNAMIC_PROVIDER_PLACEHOLDER,
    exportName: "handler",
    containsSecrets: false,
  });
  try {
    return await withoutStackTraces(() => withInProcessStructs(() => run(program, options, monitor)));
  } finally {
    closureModule.serializeFunction = serializeFunction;
  }
}

async function run(
  program: () => Promise<unknown>,
  { project, stack }: SynthOptions,
  monitor: RecordingMonitor,
): Promise<SynthResult> {
  // The program's own error is caught inside the stack, so it does not reject the runtime's
  // internal promises (which nobody awaits) and is reported once, as a SynthFailure.
  let failure: { error: unknown } | undefined;
  const guarded = async () => {
    try {
      return await program();
    } catch (error) {
      failure = { error };
      return undefined;
    }
  };
  await pulumi.runtime.runInPulumiStack(guarded);
  await pulumi.runtime.disconnect();
  if (failure) throw new SynthFailure(failure.error, [...monitor.recorded]);
  if (monitor.refused.length > 0) throw new SynthFailure(monitor.refused[0], [...monitor.recorded]);
  return { project, stack, resources: monitor.recorded, outputs: monitor.stackOutputs() };
}

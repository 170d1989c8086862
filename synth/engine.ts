/**
 * Runs a real Pulumi program without the Pulumi engine: the runtime's mock monitor stands in
 * for the engine, and every registration is recorded with its inputs and resource options.
 * This is what the offline synth, the snapshot/schema/policy tests and the benchmark share.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";

/** Placeholder written wherever a Pulumi secret would be. */
export const SECRET_PLACEHOLDER = "[secret]";

/** The runtime's wire envelope for a secret value. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

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
}

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

/** Replaces secret envelopes by the placeholder and drops undefined values, recursively. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SECRET_SIG_KEY] === SECRET_SIG) return SECRET_PLACEHOLDER;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) if (v !== undefined) out[k] = redactSecrets(v);
    return out;
  }
  return value;
}

/** The fields of a RegisterResourceRequest the recorder reads. */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getIgnorechangesList(): string[];
  getDependenciesList(): string[];
}

type Callback = (err: Error | null, response: unknown) => void;

function urnOf(project: string, stack: string, parent: string, type: string, name: string): string {
  const qualified = parent ? `${parent.split("::")[2]!.split("$").pop()}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** A mock monitor that remembers the request whose inputs its mocks are about to see. */
class RecordingMonitor extends MockMonitor {
  current: RegisterRequest | undefined;

  // MockMonitor calls mocks.newResource synchronously at the start of registerResource,
  // so `current` is the request being registered when the recorder reads it.
  override async registerResource(req: RegisterRequest, callback: Callback): Promise<void> {
    this.current = req;
    return super.registerResource(req, callback);
  }
}

class Recorder implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  monitor: RecordingMonitor | undefined;

  constructor(
    private readonly project: string,
    private readonly stack: string,
  ) {}

  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const req = this.monitor?.current;
    if (!req || req.getName() !== args.name || req.getType() !== args.type) {
      throw new Error(`recorder lost track of ${args.type} ${args.name}`);
    }
    const parent = req.getParent();
    this.resources.push({
      urn: urnOf(this.project, this.stack, parent, args.type, args.name),
      type: args.type,
      name: args.name,
      custom: args.custom ?? true,
      parent,
      inputs: redactSecrets(args.inputs) as Record<string, unknown>,
      protect: req.getProtect() === true,
      retainOnDelete: req.getRetainondelete() === true,
      ignoreChanges: req.getIgnorechangesList(),
      dependsOn: req.getDependenciesList(),
    });
    return { id: args.custom === false ? undefined : `${args.name}-id`, state: args.inputs };
  }

  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    // Strict: the programs make no provider calls; one appearing is a change worth noticing.
    throw new Error(`unexpected provider call ${args.token} during synth`);
  }
}

/**
 * Runs `program` as the Pulumi runtime would (inside the root Stack resource) and returns
 * what it registered; a failure is a SynthFailure carrying what was registered before it.
 * Runs are sequential: the runtime keeps global state.
 */
export async function synthesize(program: () => Promise<unknown>, options: SynthOptions): Promise<SynthResult> {
  const { project, stack } = options;
  const recorder = new Recorder(project, stack);
  await pulumi.runtime.setMocks(recorder, project, stack, false);
  const monitor = new RecordingMonitor(recorder);
  recorder.monitor = monitor;
  pulumi.runtime.setMockOptions(monitor, project, stack, false);
  pulumi.runtime.setAllConfig({ ...options.config }, [...(options.secretKeys ?? [])]);

  // Stack traces are captured for every resource and are most of the mock runtime's cost;
  // the synth reports errors by message, so it runs without them.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
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
  try {
    const outputs = await pulumi.runtime.runInPulumiStack(guarded);
    await pulumi.runtime.disconnect();
    if (failure) throw new SynthFailure(failure.error, [...recorder.resources]);
    const resolved = outputs === undefined ? {} : await resolveOutputs(outputs);
    return { project, stack, resources: recorder.resources, outputs: redactSecrets(resolved) as Record<string, unknown> };
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

async function resolveOutputs(outputs: pulumi.Inputs): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    pulumi.output(outputs).apply((value) => {
      resolve(value as Record<string, unknown>);
      return value;
    });
  });
}

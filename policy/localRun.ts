/**
 * Runs the pack's policies in process over a list of resources, with the arguments the Pulumi
 * engine would pass: what the offline synth and the tests use to see what CI will say. Every
 * validation is awaited (a policy may be async), resource policies run before stack policies.
 */
import type {
  EnforcementLevel,
  Policies,
  PolicyProviderResource,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { ContextConfig } from "./context";

export interface LocalResource {
  readonly type: string;
  readonly name: string;
  /** "urn:pulumi:<stack>::<project>::<type>::<name>": the stack name and project are read from it. */
  readonly urn: string;
  readonly props: Record<string, unknown>;
  readonly protect?: boolean;
  /** The explicit provider, as the engine describes it; absent for a default provider. */
  readonly provider?: PolicyProviderResource;
  /** URNs of the resources it depends on (dependsOn and inputs), as the engine records them. */
  readonly dependencies?: readonly string[];
}

export interface Violation {
  readonly policy: string;
  readonly level: EnforcementLevel;
  readonly message: string;
  /** The resource reported, for resource policies and stack policies that name one. */
  readonly urn?: string;
}

export interface RunOptions {
  /** Config every policy gets (as packConfigFor writes it). */
  readonly config?: ContextConfig;
  readonly stackTags?: Readonly<Record<string, string>>;
}

class NotApplicable extends Error {}

const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason);
};

const OPTS = {
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

export function resourceArgs(r: LocalResource, options: RunOptions = {}): ResourceValidationArgs {
  const config = options.config ?? {};
  return {
    type: r.type,
    props: r.props,
    urn: r.urn,
    name: r.name,
    opts: { protect: r.protect ?? false, ...OPTS },
    ...(r.provider ? { provider: r.provider } : {}),
    stackTags: new Map(Object.entries(options.stackTags ?? {})),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
}

function policyResource(r: LocalResource): PolicyResource {
  const { type, props, urn, name, opts, provider } = resourceArgs(r);
  return {
    type,
    props,
    urn,
    name,
    opts,
    ...(provider ? { provider } : {}),
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: () => undefined,
  };
}

async function settle(run: () => Promise<void> | void): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof NotApplicable)) throw error;
  }
}

/** Messages of one resource policy on one resource. */
export async function resourceViolations(
  policy: ResourceValidationPolicy,
  r: LocalResource,
  options: RunOptions = {},
): Promise<string[]> {
  const found: string[] = [];
  const report: ReportViolation = (message) => found.push(message);
  for (const validate of [policy.validateResource ?? []].flat())
    await settle(() => validate(resourceArgs(r, options), report));
  return found;
}

/** Messages (and reported URNs) of one stack policy on a stack. */
export async function stackViolations(
  policy: StackValidationPolicy,
  resources: readonly LocalResource[],
  options: RunOptions = {},
): Promise<{ message: string; urn?: string }[]> {
  return judgeStack(policy, policyResources(resources), options);
}

/** The stack as the engine hands it to stack policies: each resource with its dependencies as the other resources. */
function policyResources(resources: readonly LocalResource[]): PolicyResource[] {
  const stack = resources.map(policyResource);
  const byUrn = new Map(stack.map((r) => [r.urn, r]));
  resources.forEach((r, i) =>
    stack[i]!.dependencies.push(...(r.dependencies ?? []).flatMap((urn) => byUrn.get(urn) ?? [])),
  );
  return stack;
}

async function judgeStack(
  policy: StackValidationPolicy,
  stack: PolicyResource[],
  options: RunOptions,
): Promise<{ message: string; urn?: string }[]> {
  const found: { message: string; urn?: string }[] = [];
  const config = options.config ?? {};
  await settle(() =>
    policy.validateStack(
      {
        resources: stack,
        stackTags: new Map(Object.entries(options.stackTags ?? {})),
        getConfig: <T extends object>() => config as T,
        notApplicable,
      },
      (message, urn) => found.push({ message, ...(urn ? { urn } : {}) }),
    ),
  );
  return found;
}

/** Every policy of a pack over a stack's resources, in the pack's order. */
export async function runPolicies(
  policies: Policies,
  resources: readonly LocalResource[],
  options: RunOptions = {},
): Promise<Violation[]> {
  const out: Violation[] = [];
  let stack: PolicyResource[] | undefined;
  for (const policy of policies) {
    const level = policy.enforcementLevel ?? "advisory";
    if (level === "disabled") continue;
    if ("validateStack" in policy) {
      stack ??= policyResources(resources);
      for (const v of await judgeStack(policy, stack, options))
        out.push({ policy: policy.name, level, ...v });
    } else {
      for (const r of resources) {
        for (const message of await resourceViolations(policy, r, options))
          out.push({ policy: policy.name, level, message, urn: r.urn });
      }
    }
  }
  return out;
}

/**
 * Calls CrossGuard policies directly with hand-built arguments, as the Pulumi engine would
 * (without the engine): typed fake args, a pack runner over synthesized stacks.
 */
import type {
  EnforcementLevel,
  Policies,
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { ContextConfig } from "../../policy/context";
import type { RecordedResource } from "../../synth/engine";

export interface FakeResource {
  readonly type: string;
  readonly props: Record<string, unknown>;
  readonly name?: string;
  readonly protect?: boolean;
}

class NotApplicable extends Error {}

const urnOf = (type: string, name: string) => `urn:pulumi:test::tenant::${type}::${name}`;

function nameOf(r: FakeResource): string {
  const meta = (r.props["metadata"] ?? {}) as { name?: string; namespace?: string };
  return r.name ?? [meta.namespace, meta.name].filter(Boolean).join("-") ?? "resource";
}

export function resourceArgs(r: FakeResource, config: ContextConfig = {}, tags: Record<string, string> = {}): ResourceValidationArgs {
  const name = nameOf(r);
  return {
    type: r.type,
    props: r.props,
    urn: urnOf(r.type, name),
    name,
    opts: { protect: r.protect ?? false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
    stackTags: new Map(Object.entries(tags)),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string) => {
      throw new NotApplicable(reason);
    },
  };
}

export function policyResource(r: FakeResource): PolicyResource {
  const args = resourceArgs(r);
  return { type: args.type, props: args.props, urn: args.urn, name: args.name, opts: args.opts, dependencies: [], propertyDependencies: {}, isType: () => false, asType: () => undefined };
}

export const fromRecorded = (r: RecordedResource): FakeResource => ({ type: r.type, props: r.inputs, name: r.name, protect: r.protect });

export function violationsOf(policy: ResourceValidationPolicy, r: FakeResource, config: ContextConfig, tags: Record<string, string> = {}): string[] {
  const found: string[] = [];
  const validations = [policy.validateResource ?? []].flat();
  for (const validate of validations) {
    try {
      void validate(resourceArgs(r, config, tags), (message: string) => found.push(message));
    } catch (error) {
      if (!(error instanceof NotApplicable)) throw error;
    }
  }
  return found;
}

export function stackViolationsOf(policy: StackValidationPolicy, resources: readonly FakeResource[], config: ContextConfig, tags: Record<string, string> = {}): string[] {
  const found: string[] = [];
  void policy.validateStack(
    { resources: resources.map(policyResource), stackTags: new Map(Object.entries(tags)), getConfig: <T extends object>() => config as T, notApplicable: () => { throw new NotApplicable(); } },
    (message) => found.push(message),
  );
  return found;
}

export interface Violation {
  readonly policy: string;
  readonly level: EnforcementLevel;
  readonly message: string;
}

/** Runs every policy of the pack over a stack's resources. */
export function runPack(policies: Policies, resources: readonly FakeResource[], config: ContextConfig, tags: Record<string, string> = {}): Violation[] {
  const out: Violation[] = [];
  for (const policy of policies) {
    const level = policy.enforcementLevel ?? "advisory";
    const messages =
      "validateStack" in policy
        ? stackViolationsOf(policy, resources, config, tags)
        : resources.flatMap((r) => violationsOf(policy, r, config, tags));
    out.push(...messages.map((message) => ({ policy: policy.name, level, message })));
  }
  return out;
}

export const mandatory = (violations: readonly Violation[]): Violation[] => violations.filter((v) => v.level === "mandatory");

/**
 * Small helpers to declare tier-aware policies: they resolve the stack's tier once per call
 * and hand each policy a typed view of the resource. A stack without a known tier is reported
 * once, by the `tier-known` stack policy; the other policies then have nothing to judge.
 */
import type {
  EnforcementLevel,
  PolicyConfigSchema,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { KubeObject } from "./analysis/objects";
import { CONTEXT_CONFIG_SCHEMA, resolveTierContext, type ContextConfig, type TierContext } from "./context";

/** What a policy sees of one resource. */
export interface ResourceView {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: Readonly<Record<string, unknown>>;
  readonly protect: boolean;
  /** The Kubernetes object, for `kubernetes:` resources (their inputs are the manifest). */
  readonly object?: KubeObject;
}

const KUBERNETES = "kubernetes:";

export function viewOf(r: { type: string; name: string; urn: string; props: Record<string, unknown>; opts?: { protect?: boolean } }): ResourceView {
  const isObject = r.type.startsWith(KUBERNETES) && !r.type.startsWith("kubernetes:pulumi") && !r.type.includes(":helm.sh/");
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: r.props,
    protect: r.opts?.protect === true,
    ...(isObject ? { object: r.props as KubeObject } : {}),
  };
}

/** "ResourceQuota e-commerce-tenant-acme/tenant-quota", or the Pulumi name for other resources. */
export function describe(view: ResourceView): string {
  const o = view.object;
  if (!o) return `${view.type.split(":").pop()} ${view.name}`;
  const ns = o.metadata?.namespace;
  return `${o.kind} ${ns ? `${ns}/` : ""}${o.metadata?.name ?? view.name}`;
}

export interface TierResourcePolicySpec {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly configSchema?: PolicyConfigSchema;
  readonly validate: (context: TierContext, view: ResourceView, report: (message: string) => void) => void;
  /** Safe fix: returns the new props, or undefined to leave the resource as it is. */
  readonly remediate?: (context: TierContext, view: ResourceView) => Record<string, unknown> | undefined;
}

function withContextSchema(schema?: PolicyConfigSchema): PolicyConfigSchema {
  return { properties: { ...CONTEXT_CONFIG_SCHEMA.properties, ...schema?.properties } };
}

function contextOf(args: { getConfig<T extends object>(): T; stackTags: ReadonlyMap<string, string> }): TierContext | undefined {
  const resolved = resolveTierContext(args.getConfig<ContextConfig>(), args.stackTags);
  return resolved.ok ? resolved.context : undefined;
}

export function tierResourcePolicy(spec: TierResourcePolicySpec): ResourceValidationPolicy {
  return {
    name: spec.name,
    description: spec.description,
    enforcementLevel: spec.enforcementLevel,
    configSchema: withContextSchema(spec.configSchema),
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
      const context = contextOf(args);
      if (context) spec.validate(context, viewOf(args), (message) => reportViolation(message));
    },
    ...(spec.remediate
      ? {
          remediateResource: (args: ResourceValidationArgs) => {
            const context = contextOf(args);
            return context ? spec.remediate!(context, viewOf(args)) : undefined;
          },
        }
      : {}),
  };
}

export interface TierStackPolicySpec {
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: EnforcementLevel;
  readonly validate: (context: TierContext, resources: readonly ResourceView[], report: (message: string, urn?: string) => void) => void;
}

export function tierStackPolicy(spec: TierStackPolicySpec): StackValidationPolicy {
  return {
    name: spec.name,
    description: spec.description,
    enforcementLevel: spec.enforcementLevel,
    configSchema: withContextSchema(),
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
      const context = contextOf(args);
      if (context) spec.validate(context, args.resources.map((r: PolicyResource) => viewOf(r)), reportViolation);
    },
  };
}

/** Kubernetes objects of a stack, for the analyses that need them all. */
export const objectsOf = (resources: readonly ResourceView[]): KubeObject[] =>
  resources.flatMap((r) => (r.object ? [r.object] : []));

/**
 * Small helpers to declare tier-aware policies: they resolve the stack's tier once per call
 * and hand each policy a typed view of the resource. A tenant stack without a known tenant and
 * tier is reported once, by the `tier-known` stack policy; the other policies then have nothing
 * to judge. A platform stack (its URN's project is PLATFORM_PROJECT) is judged by the policies
 * that have a `validatePlatform`, without a tenant or tier.
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
import {
  CONTEXT_CONFIG_SCHEMA,
  resolveTierContext,
  stackOfUrn,
  stackRole,
  type ContextConfig,
  type ContextResult,
  type TierContext,
} from "./context";

/** What a policy sees of one resource. */
export interface ResourceView {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: Readonly<Record<string, unknown>>;
  readonly protect: boolean;
  /** The Kubernetes object, for `kubernetes:` resources (their inputs are the manifest). */
  readonly object?: KubeObject;
  /** The explicit provider the resource goes through; absent when it would use its package's default provider. */
  readonly provider?: ProviderView;
  /** URNs of the resources it depends on: known to stack policies only (the engine gives resource policies none). */
  readonly dependencies?: readonly string[];
}

export interface ProviderView {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** The provider's inputs (its configuration). */
  readonly props: Readonly<Record<string, unknown>>;
}

const KUBERNETES = "kubernetes:";

export function viewOf(r: {
  type: string;
  name: string;
  urn: string;
  props: Record<string, unknown>;
  opts?: { protect?: boolean };
  provider?: ProviderView | undefined;
  dependencies?: readonly { readonly urn: string }[];
}): ResourceView {
  // A manifest has apiVersion and kind; Helm releases, ConfigGroups and providers do not.
  const isObject =
    r.type.startsWith(KUBERNETES) &&
    typeof r.props["apiVersion"] === "string" &&
    typeof r.props["kind"] === "string";
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: r.props,
    protect: r.opts?.protect === true,
    ...(isObject ? { object: r.props as KubeObject } : {}),
    ...(r.provider
      ? {
          provider: {
            type: r.provider.type,
            name: r.provider.name,
            urn: r.provider.urn,
            props: r.provider.props ?? {},
          },
        }
      : {}),
    ...(r.dependencies ? { dependencies: r.dependencies.map((d) => d.urn) } : {}),
  };
}

/** The name a cluster goes by in messages: its provider's, or the default provider's. */
const clusterName = (view: ResourceView): string => view.provider?.name ?? "(default provider)";

/**
 * A stack's resources per Kubernetes cluster: each cluster's objects (by the provider they go
 * through) with every resource that is no Kubernetes object. Namespaces have the same names in
 * every region of a tenant, so anything judged per namespace is judged per cluster.
 */
export function clusterPartitions(
  resources: readonly ResourceView[],
): { readonly cluster: string; readonly resources: readonly ResourceView[] }[] {
  const shared = resources.filter((r) => !r.object);
  const clusters = new Map<string, ResourceView[]>();
  for (const r of resources)
    if (r.object) clusters.set(clusterName(r), [...(clusters.get(clusterName(r)) ?? []), r]);
  if (clusters.size === 0) return [{ cluster: "", resources: shared }];
  return [...clusters].map(([cluster, objects]) => ({ cluster, resources: [...objects, ...shared] }));
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
  /** How a resource of the platform stack is judged (default: not at all). */
  readonly validatePlatform?: (view: ResourceView, report: (message: string) => void) => void;
  /** Safe fix: returns the new props, or undefined to leave the resource as it is. */
  readonly remediate?: (context: TierContext, view: ResourceView) => Record<string, unknown> | undefined;
}

function withContextSchema(schema?: PolicyConfigSchema): PolicyConfigSchema {
  return { properties: { ...CONTEXT_CONFIG_SCHEMA.properties, ...schema?.properties } };
}

interface ContextArgs {
  getConfig<T extends object>(): T;
  readonly stackTags: ReadonlyMap<string, string>;
}

/** Resolved contexts by their inputs: every policy resolves the same one for each resource of a stack. */
const resolved = new Map<string, ContextResult>();
const RESOLVED_LIMIT = 256;

/** A short id per distinct config: the local runner hands every call the same object, the engine a copy. */
const configIds = new WeakMap<object, number>();
const idsByContent = new Map<string, number>();
let lastId = 0;

function configId(config: ContextConfig): number {
  let id = configIds.get(config);
  if (id === undefined) {
    const content = JSON.stringify(config);
    id = idsByContent.get(content);
    if (id === undefined) {
      if (idsByContent.size >= RESOLVED_LIMIT) idsByContent.clear();
      id = ++lastId;
      idsByContent.set(content, id);
    }
    configIds.set(config, id);
  }
  return id;
}

/** The tenant context of a tenant stack, from config, tags and the stack name in a resource URN. */
export function resolveContext(args: ContextArgs, urn: string | undefined): ContextResult {
  const config = args.getConfig<ContextConfig>();
  const stack = urn === undefined ? undefined : stackOfUrn(urn)?.stack;
  const tags = args.stackTags.size === 0 ? "" : JSON.stringify([...args.stackTags]);
  const key = `${configId(config)} ${stack ?? ""} ${tags}`;
  let result = resolved.get(key);
  if (!result) {
    if (resolved.size >= RESOLVED_LIMIT) resolved.clear();
    result = resolveTierContext(config, args.stackTags, stack);
    resolved.set(key, result);
  }
  return result;
}

/**
 * Runs a validation; an object the policy cannot read (a malformed quantity, a document that is
 * not what its type says) is reported as a violation, never an exception that ends the run.
 */
function judged(report: (message: string) => void, validate: () => void): void {
  try {
    validate();
  } catch (error) {
    report(`cannot be judged: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function contextOf(args: ContextArgs, urn: string): TierContext | undefined {
  const resolved = resolveContext(args, urn);
  return resolved.ok ? resolved.context : undefined;
}

export function tierResourcePolicy(spec: TierResourcePolicySpec): ResourceValidationPolicy {
  return {
    name: spec.name,
    description: spec.description,
    enforcementLevel: spec.enforcementLevel,
    configSchema: withContextSchema(spec.configSchema),
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
      const view = viewOf(args);
      const report = (message: string) => reportViolation(message);
      const unjudged = (message: string) => report(`${describe(view)} ${message}`);
      if (stackRole(args.urn) === "platform") {
        const validatePlatform = spec.validatePlatform;
        if (validatePlatform) judged(unjudged, () => validatePlatform(view, report));
        return;
      }
      const context = contextOf(args, args.urn);
      if (context) judged(unjudged, () => spec.validate(context, view, report));
    },
    ...(spec.remediate
      ? {
          remediateResource: (args: ResourceValidationArgs) => {
            const context = stackRole(args.urn) === "tenant" ? contextOf(args, args.urn) : undefined;
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
  readonly validate: (
    context: TierContext,
    resources: readonly ResourceView[],
    report: (message: string, urn?: string) => void,
  ) => void;
  /** Judge each Kubernetes cluster's objects on their own (clusterPartitions). Default false: the whole stack at once. */
  readonly perCluster?: boolean;
}

export function tierStackPolicy(spec: TierStackPolicySpec): StackValidationPolicy {
  return {
    name: spec.name,
    description: spec.description,
    enforcementLevel: spec.enforcementLevel,
    configSchema: withContextSchema(),
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
      const urn = args.resources[0]?.urn;
      if (stackRole(urn) === "platform") return;
      const context = contextOf(args, urn ?? "");
      if (!context) return;
      const views = args.resources.map((r: PolicyResource) => viewOf(r));
      const partitions = spec.perCluster ? clusterPartitions(views) : [{ cluster: "", resources: views }];
      for (const { cluster, resources } of partitions) {
        // Named only when there are several: one cluster's messages read as they always have.
        const report: ReportViolation =
          partitions.length > 1
            ? (message, urn) => reportViolation(`in cluster ${cluster}: ${message}`, urn)
            : reportViolation;
        judged(
          (message) => report(`the stack ${message}`),
          () => spec.validate(context, resources, report),
        );
      }
    },
  };
}

/** Kubernetes objects of a stack, for the analyses that need them all. */
export const objectsOf = (resources: readonly ResourceView[]): KubeObject[] =>
  resources.flatMap((r) => (r.object ? [r.object] : []));

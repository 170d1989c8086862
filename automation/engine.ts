/**
 * What the tenant operations need from Pulumi, as an interface with two implementations: the
 * Automation API over the project directory (`LocalWorkspaceEngine`, needs the `pulumi` CLI) and
 * the offline engine that runs the same program through the synth (`OfflineEngine`).
 */
import { DATA_HOLDING_TYPES } from "../tiers";

/** One stack config value as Pulumi stores it. */
export interface ConfigEntry {
  readonly value: string;
  readonly secret: boolean;
}

/** Fully qualified stack config ("tenant:tier" -> entry). */
export type StackConfigValues = Readonly<Record<string, ConfigEntry>>;

export type StepOp = "create" | "update" | "replace" | "delete" | "same";

export interface ResourceStep {
  readonly op: StepOp;
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** A delete of a resource with retainOnDelete: Pulumi forgets it, the cloud keeps it. */
  readonly retained?: boolean;
}

/** A resource as the stack's state records it (what the engine manages now). */
export interface StateResource {
  readonly urn: string;
  readonly type: string;
  /** false for a component (nothing in the cloud). */
  readonly custom: boolean;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
}

export interface PlanResult {
  readonly steps: readonly ResourceStep[];
  /** Count per operation, as `pulumi preview` summarizes it. */
  readonly summary: Readonly<Partial<Record<StepOp, number>>>;
}

export interface ApplyResult extends PlanResult {
  readonly outputs: Readonly<Record<string, unknown>>;
}

export interface OperationOptions {
  readonly signal?: AbortSignal;
  /** Each step as the engine reports it. */
  readonly onStep?: (step: ResourceStep) => void;
  /**
   * Who runs this operation (the service's operation id): recorded in the stack's lease tag, so
   * a later attempt can tell a lock its own crashed attempt left from someone else's.
   */
  readonly holder?: string;
}

export interface TenantEngine {
  /** Whether the tenant's stack exists. */
  exists(tenantId: string): Promise<boolean>;
  /** Creates the stack (StackAlreadyExistsError-like failure when it exists). */
  create(tenantId: string): Promise<void>;
  /** Replaces the stack's config with `config`. */
  writeConfig(tenantId: string, config: StackConfigValues): Promise<void>;
  readConfig(tenantId: string): Promise<StackConfigValues>;
  preview(tenantId: string, options?: OperationOptions): Promise<PlanResult>;
  up(tenantId: string, options?: OperationOptions): Promise<ApplyResult>;
  /** Destroys every resource; protected ones only when `unprotect` is set. */
  destroy(tenantId: string, options?: OperationOptions & { readonly unprotect?: boolean }): Promise<void>;
  /** Removes the (empty) stack. */
  remove(tenantId: string): Promise<void>;
  listStacks(): Promise<string[]>;
  /** The stack's outputs after its last update (secrets as placeholders). */
  outputs(tenantId: string): Promise<Readonly<Record<string, unknown>>>;
  /** Cancels the update holding the stack's lock (a crashed run's). */
  cancel(tenantId: string): Promise<void>;
  readTags(tenantId: string): Promise<Readonly<Record<string, string>>>;
  setTag(tenantId: string, key: string, value: string): Promise<void>;
  /**
   * Sets the protect flag of these resources in the stack's state (`pulumi state unprotect`):
   * the deliberate way a protected resource with retainOnDelete leaves the stack (the next
   * update forgets it, the cloud keeps it). URNs not in the state are ignored.
   */
  setProtected(tenantId: string, urns: readonly string[], value: boolean): Promise<void>;
  /** The resources the stack's state holds (an erasure checks what it deleted is gone from it). */
  stateResources(tenantId: string): Promise<readonly StateResource[]>;
}

export function summarize(steps: readonly ResourceStep[]): Partial<Record<StepOp, number>> {
  const summary: Partial<Record<StepOp, number>> = {};
  for (const s of steps) summary[s.op] = (summary[s.op] ?? 0) + 1;
  return summary;
}

/** A plan's summary on one line: "create=3 same=40". */
export function summaryLine(summary: PlanResult["summary"]): string {
  return Object.entries(summary)
    .map(([op, n]) => `${op}=${n}`)
    .join(" ");
}

/** Resource types a plan may not replace or delete: those holding data, and namespaces (deleting one deletes all it holds). */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  ...DATA_HOLDING_TYPES,
  "kubernetes:core/v1:Namespace",
]);

/** A refused step the service may release deliberately: a delete that leaves the resource in the cloud. */
export const isRetainedDelete = (step: ResourceStep): boolean =>
  step.op === "delete" && step.retained === true;

export function dataLosingSteps(plan: PlanResult): ResourceStep[] {
  return plan.steps.filter(
    (s) => STATEFUL_TYPES.has(s.type) && (s.op === "replace" || (s.op === "delete" && !s.retained)),
  );
}

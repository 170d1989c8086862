/**
 * Erases a tenant's stack through the engine: erasing mode first (the `tenant:erasing` flag and an
 * update, so nothing is protected or retained on delete: automation/erasure/erasingMode.ts), then
 * the destroy, then the stack's removal. What the program keeps (namespaces, volume claims,
 * buckets, a Business tenant's database cluster) and what lives outside the cluster (Cloudflare
 * records and rules, the IAM role) are reported one by one, each checked absent from the engine's
 * state after the destroy. A delete the engine still reports retained (a stack never put in
 * erasing mode) is handed to `retained`, or reported `retained` and the erasure is not complete.
 */
import { STATEFUL_TYPES, type ResourceStep, type StateResource, type TenantEngine } from "../engine";
import { enterErasingMode } from "./erasingMode";
import type { ErasedItem, Eraser } from "./report";

/** Deletes a resource Pulumi forgot but the cloud kept; resolves whether it is verified absent. */
export interface RetainedResourceDeleter {
  readonly where: string;
  deleteRetained(tenantId: string, step: ResourceStep): Promise<boolean>;
}

export interface StackEraserOptions {
  readonly engine: TenantEngine;
  /** How the report names the engine's backend. */
  readonly where: string;
  readonly retained?: RetainedResourceDeleter;
  /**
   * Puts the stack in erasing mode and destroys it, resolving what was kept before (the
   * TenantService's leased run, so a crashed purge's lock is recognised). Default
   * `enterErasingMode`, then the engine's destroy.
   */
  readonly destroy?: (
    tenantId: string,
    onStep: (step: ResourceStep) => void,
  ) => Promise<readonly StateResource[]>;
  /** Removes the empty stack. Default the engine's remove. */
  readonly remove?: (tenantId: string) => Promise<void>;
}

/** Outside the cluster's namespaces: the tenant's Cloudflare objects and records, its IAM role and policies. */
const OUTSIDE_TYPES = /^(cloudflare:|aws:iam\/)/;

/** A deleted resource the report names on its own (the rest are counted in the stack's item). */
const namedInReport = (step: ResourceStep): boolean =>
  STATEFUL_TYPES.has(step.type) || OUTSIDE_TYPES.test(step.type);

export class StackEraser implements Eraser {
  readonly system = "stack" as const;

  constructor(private readonly options: StackEraserOptions) {}

  async erase(tenantId: string, at: () => string): Promise<ErasedItem[]> {
    const { engine, where } = this.options;
    if (!(await engine.exists(tenantId)))
      return [
        {
          system: "stack",
          kind: "stack",
          name: tenantId,
          where,
          action: "absent",
          verifiedAbsent: true,
          at: at(),
        },
      ];
    const steps: ResourceStep[] = [];
    const onStep = (s: ResourceStep) => void (s.op === "delete" && steps.push(s));
    const kept = this.options.destroy
      ? await this.options.destroy(tenantId, onStep)
      : await this.destroy(tenantId, onStep);
    const remaining = new Set((await engine.stateResources(tenantId)).map((r) => r.urn));
    await (this.options.remove ?? ((id: string) => engine.remove(id)))(tenantId);
    const stack: ErasedItem = {
      system: "stack",
      kind: "stack",
      name: tenantId,
      where,
      action: "deleted",
      objects: steps.length,
      verifiedAbsent: !(await engine.exists(tenantId)),
      at: at(),
    };
    const resources = this.resourceItems(steps, kept, remaining, at);
    const retained: ErasedItem[] = [];
    for (const step of steps.filter((s) => s.retained))
      retained.push(await this.retainedItem(tenantId, step, at));
    return [stack, ...resources, ...retained];
  }

  private async destroy(
    tenantId: string,
    onStep: (step: ResourceStep) => void,
  ): Promise<readonly StateResource[]> {
    const kept = await enterErasingMode(this.options.engine, tenantId);
    await this.options.engine.destroy(tenantId, { unprotect: true, onStep });
    return kept;
  }

  /** The kept, stateful and outside resources the destroy deleted, each checked gone from the state. */
  private resourceItems(
    steps: readonly ResourceStep[],
    kept: readonly StateResource[],
    remaining: ReadonlySet<string>,
    at: () => string,
  ): ErasedItem[] {
    const keptUrns = new Set(kept.map((r) => r.urn));
    return steps
      .filter((s) => !s.retained && (keptUrns.has(s.urn) || namedInReport(s)))
      .map((s) => ({
        system: "stack" as const,
        kind: s.type,
        name: s.urn,
        where: this.options.where,
        action: "deleted" as const,
        verifiedAbsent: !remaining.has(s.urn),
        at: at(),
        note: keptUrns.has(s.urn)
          ? "was protected or retained on delete: erasing mode lifted it, the destroy deleted it (gone from the engine's state)"
          : "deleted by the destroy (gone from the engine's state)",
      }));
  }

  private async retainedItem(tenantId: string, step: ResourceStep, at: () => string): Promise<ErasedItem> {
    const deleter = this.options.retained;
    const base = { system: "stack" as const, kind: step.type, name: step.urn };
    if (!deleter)
      return {
        ...base,
        where: this.options.where,
        action: "retained",
        verifiedAbsent: false,
        at: at(),
        note: "retainOnDelete: Pulumi forgot it, the cloud keeps it; no deleter for retained resources is configured",
      };
    const gone = await deleter.deleteRetained(tenantId, step);
    return { ...base, where: deleter.where, action: "deleted", verifiedAbsent: gone, at: at() };
  }
}

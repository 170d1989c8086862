/**
 * Erases a tenant's stack through the engine: destroys every resource (protection lifted
 * deliberately) and removes the stack. Resources the program marks `retainOnDelete` (namespaces,
 * volume claims, buckets, a Business tenant's database cluster) are only forgotten by Pulumi;
 * each is reported and handed to `retained`, the deleter for what Pulumi leaves in the cloud.
 * Without one, they are reported `retained` and the erasure is not complete.
 */
import type { ResourceStep, TenantEngine } from "../engine";
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
   * Destroys and removes the stack (the TenantService's leased run, so a crashed purge's lock is
   * recognised). Default: the engine's destroy (protection lifted), then its remove.
   */
  readonly destroy?: (tenantId: string, onStep: (step: ResourceStep) => void) => Promise<void>;
}

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
    if (this.options.destroy) await this.options.destroy(tenantId, onStep);
    else {
      await engine.destroy(tenantId, { unprotect: true, onStep });
      await engine.remove(tenantId);
    }
    const items: ErasedItem[] = [
      {
        system: "stack",
        kind: "stack",
        name: tenantId,
        where,
        action: "deleted",
        objects: steps.length,
        verifiedAbsent: !(await engine.exists(tenantId)),
        at: at(),
      },
    ];
    for (const step of steps.filter((s) => s.retained))
      items.push(await this.retainedItem(tenantId, step, at));
    return items;
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

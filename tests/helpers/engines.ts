/** Engine decorators for orchestration tests: gates, failures, concurrency counting. */
import type { ApplyResult, OperationOptions, PlanResult, TenantEngine } from "../../automation/engine";

type Hooks = {
  /** Awaited before preview/up run (e.g. a gate the test opens). */
  before?: (operation: "preview" | "up", tenantId: string) => Promise<void>;
  /** Replaces the plan a preview returns. */
  preview?: (plan: PlanResult, tenantId: string) => PlanResult;
  /** Throws for these tenants. */
  failFor?: ReadonlySet<string>;
};

/** Wraps an engine, counting concurrent preview/up calls and applying the hooks. */
export class InstrumentedEngine implements TenantEngine {
  inFlight = 0;
  maxInFlight = 0;
  readonly calls: string[] = [];

  constructor(
    private readonly inner: TenantEngine,
    private readonly hooks: Hooks = {},
  ) {}

  private async around<T>(operation: "preview" | "up", tenantId: string, run: () => Promise<T>): Promise<T> {
    this.calls.push(`${operation}:${tenantId}`);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.hooks.before?.(operation, tenantId);
      if (this.hooks.failFor?.has(tenantId)) throw new Error(`${operation} of ${tenantId} failed`);
      return await run();
    } finally {
      this.inFlight -= 1;
    }
  }

  preview(tenantId: string, options?: OperationOptions): Promise<PlanResult> {
    return this.around("preview", tenantId, async () => {
      const plan = await this.inner.preview(tenantId, options);
      return this.hooks.preview ? this.hooks.preview(plan, tenantId) : plan;
    });
  }
  up(tenantId: string, options?: OperationOptions): Promise<ApplyResult> {
    return this.around("up", tenantId, () => this.inner.up(tenantId, options));
  }
  exists = (t: string) => this.inner.exists(t);
  create = (t: string) => this.inner.create(t);
  writeConfig: TenantEngine["writeConfig"] = (t, c) => this.inner.writeConfig(t, c);
  readConfig = (t: string) => this.inner.readConfig(t);
  destroy: TenantEngine["destroy"] = (t, o) => this.inner.destroy(t, o);
  remove = (t: string) => this.inner.remove(t);
  listStacks = () => this.inner.listStacks();
  outputs = (t: string) => this.inner.outputs(t);
  cancel = (t: string) => this.inner.cancel(t);
  readTags = (t: string) => this.inner.readTags(t);
  setTag = (t: string, k: string, v: string) => this.inner.setTag(t, k, v);
  setProtected: TenantEngine["setProtected"] = (t, urns, value) => {
    this.calls.push(`${value ? "protect" : "unprotect"}:${t}:${urns.length}`);
    return this.inner.setProtected(t, urns, value);
  };
  stateResources = (t: string) => this.inner.stateResources(t);
}

/** A promise the test resolves when it chooses. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

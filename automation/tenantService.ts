/**
 * What the signup service calls: provision, change tier, deprovision and purge tenants, one
 * operation per tenant at a time, idempotent, with stale locks recovered deliberately and every
 * failure mapped to a typed outcome (errors.ts).
 */
import { randomBytes } from "node:crypto";
import { TIER_TAG } from "../policy/context";
import type { TenantConfigInput } from "../stacks/config";
import { getTier, tierRank, TenantRequestError, type TierName } from "../tiers";
import { dataLosingSteps, type ApplyResult, type OperationOptions, type PlanResult, type StackConfigValues, type TenantEngine } from "./engine";
import { mapEngineError, PreflightRefusedError, StackLockedError, StatefulReplacementError, TenantNotFoundError } from "./errors";
import { KeyedLock } from "./keyedLock";
import { toTenantOutputs, type TenantOutputs } from "./outputs";
import { downgradePreflight, type PreflightReport, type UsageSource } from "./preflight";
import { appliedConfigTag, fromStackConfig, rawRequest, toStackConfig } from "./requestConfig";

export const TAGS = {
  /** The tag the policy pack falls back on for the stack's tier. */
  tier: TIER_TAG,
  appliedConfig: "collect-verything:applied-config",
  /** JSON {operation, startedAt}: set while an operation runs, left behind by a crash. */
  operation: "collect-verything:operation",
  retainUntil: "collect-verything:retain-until",
} as const;

/** Takes the tenant's final backup before deprovisioning; returns where it went. */
export interface BackupHook {
  finalBackup(tenantId: string): Promise<{ readonly location: string }>;
}

export interface TenantServiceOptions {
  readonly engine: TenantEngine;
  /** Real usage for downgrade pre-flight checks. Required for downgrades. */
  readonly usage?: UsageSource;
  /** Final backup on deprovision. Required for deprovisioning. */
  readonly backup?: BackupHook;
  /** An operation lease older than this is a crashed run whose lock may be cancelled. Default 30 min. */
  readonly staleLockMs?: number;
  /** Clock, for tests. Default Date.now. */
  readonly now?: () => number;
  /**
   * Key of the applied-config tag's HMAC (requestConfig.appliedConfigTag), from the service's
   * secret store. Default: a random key per TenantService, so after a restart the first repeat of
   * a request runs one update that changes nothing.
   */
  readonly configTagKey?: string;
}

export interface ProvisionResult {
  readonly tenantId: string;
  readonly outcome: "created" | "updated" | "unchanged";
  readonly outputs: TenantOutputs;
}

export interface ChangeTierResult {
  readonly tenantId: string;
  readonly from: TierName;
  readonly to: TierName;
  readonly outcome: "changed" | "unchanged" | "dry-run";
  readonly preflight?: PreflightReport;
  readonly plan?: PlanResult;
  readonly outputs?: TenantOutputs;
}

export interface DeprovisionResult {
  readonly tenantId: string;
  readonly backup: string;
  readonly retainUntil: string;
}

const DAY_MS = 86_400_000;

export class TenantService {
  private readonly locks = new KeyedLock();
  private readonly now: () => number;
  private readonly staleLockMs: number;
  private readonly configTagKey: string | Buffer;

  constructor(private readonly options: TenantServiceOptions) {
    this.now = options.now ?? Date.now;
    this.configTagKey = options.configTagKey ?? randomBytes(32);
    this.staleLockMs = options.staleLockMs ?? 30 * 60_000;
  }

  private get engine(): TenantEngine {
    return this.options.engine;
  }

  /** Runs `work` as the tenant's one operation: busy check, lease, typed errors. */
  private exclusive<T>(tenantId: string, operation: string, work: () => Promise<T>): Promise<T> {
    return this.locks.run(tenantId, operation, async () => {
      try {
        return await work();
      } catch (error) {
        throw mapEngineError(tenantId, error);
      }
    });
  }

  /**
   * An update under a lease tag; if the stack is locked by an update whose lease is older than
   * the stale threshold (a crashed run), cancel that lock deliberately and retry once.
   */
  private async leased<T>(tenantId: string, operation: string, run: () => Promise<T>): Promise<T> {
    // The lease a previous run left, read before this run writes its own.
    const previous = (await this.engine.readTags(tenantId))[TAGS.operation];
    const attempt = async () => {
      await this.engine.setTag(tenantId, TAGS.operation, JSON.stringify({ operation, startedAt: new Date(this.now()).toISOString() }));
      try {
        return await run();
      } finally {
        await this.engine.setTag(tenantId, TAGS.operation, "");
      }
    };
    try {
      return await attempt();
    } catch (error) {
      const mapped = mapEngineError(tenantId, error);
      if (!(mapped instanceof StackLockedError) || !this.isStale(previous)) throw mapped;
      await this.engine.cancel(tenantId);
      return attempt();
    }
  }

  /** Whether a lease records an operation that started longer ago than the stale threshold. */
  private isStale(lease: string | undefined): boolean {
    if (!lease) return false;
    const startedAt = Date.parse((JSON.parse(lease) as { startedAt: string }).startedAt);
    return this.now() - startedAt > this.staleLockMs;
  }

  private async apply(tenantId: string, config: StackConfigValues, options?: OperationOptions): Promise<ApplyResult> {
    return this.leased(tenantId, "update", async () => {
      await this.engine.writeConfig(tenantId, config);
      const result = await this.engine.up(tenantId, options);
      await this.engine.setTag(tenantId, TAGS.appliedConfig, appliedConfigTag(config, this.configTagKey));
      await this.engine.setTag(tenantId, TAGS.tier, fromStackConfig(config).tier);
      return result;
    });
  }

  /**
   * Creates or updates the tenant's stack from a request (the stack config's shape and schema).
   * Idempotent: the same request again returns the current outputs without an update.
   */
  async provisionTenant(request: TenantConfigInput, options?: OperationOptions): Promise<ProvisionResult> {
    const tenantId = request.tenantId;
    return this.exclusive(tenantId, "provision", async () => {
      const config = toStackConfig(request);
      const existed = await this.engine.exists(tenantId);
      if (!existed) await this.engine.create(tenantId);
      else if ((await this.engine.readTags(tenantId))[TAGS.appliedConfig] === appliedConfigTag(config, this.configTagKey)) {
        return { tenantId, outcome: "unchanged", outputs: toTenantOutputs(tenantId, await this.engine.outputs(tenantId)) };
      }
      const result = await this.apply(tenantId, config, options);
      return { tenantId, outcome: existed ? "updated" : "created", outputs: toTenantOutputs(tenantId, result.outputs) };
    });
  }

  /**
   * Moves a tenant to another tier. A downgrade first checks real usage and refuses with the
   * report when the tenant does not fit. The change is previewed; if it would replace or delete
   * a resource holding data, nothing is applied. `dryRun` stops after the preview.
   */
  async changeTier(tenantId: string, target: TierName, options?: OperationOptions & { readonly dryRun?: boolean }): Promise<ChangeTierResult> {
    return this.exclusive(tenantId, `change-tier to ${target}`, async () => {
      const config = await this.engine.readConfig(tenantId);
      const current = fromStackConfig(config);
      if (current.tier === target) return { tenantId, from: current.tier, to: target, outcome: "unchanged" };
      let preflight: PreflightReport | undefined;
      if (tierRank(target) < tierRank(current.tier)) {
        if (!this.options.usage) throw new Error("a downgrade needs a usage source for its pre-flight checks");
        preflight = await downgradePreflight(current, target, this.options.usage);
        if (!preflight.ok) throw new PreflightRefusedError(tenantId, preflight);
      }
      const next = toStackConfig(retargeted(rawRequest(config), target));
      const restore = () => this.engine.writeConfig(tenantId, config);
      await this.engine.writeConfig(tenantId, next);
      let plan: PlanResult;
      try {
        plan = await this.engine.preview(tenantId, options);
      } catch (error) {
        await restore();
        throw error;
      }
      const losing = dataLosingSteps(plan);
      if (losing.length > 0 || options?.dryRun) {
        await restore();
        if (losing.length > 0) throw new StatefulReplacementError(tenantId, losing);
        return { tenantId, from: current.tier, to: target, outcome: "dry-run", plan, ...(preflight ? { preflight } : {}) };
      }
      const result = await this.apply(tenantId, next, options);
      return { tenantId, from: current.tier, to: target, outcome: "changed", plan, outputs: toTenantOutputs(tenantId, result.outputs), ...(preflight ? { preflight } : {}) };
    });
  }

  /**
   * Takes the final backup and starts the retention window: the tenant's resources (and data)
   * stay until `purgeExpired` runs after `retainDays`; the stack is removed only then.
   */
  async deprovisionTenant(tenantId: string, { retainDays = 30 }: { readonly retainDays?: number } = {}): Promise<DeprovisionResult> {
    return this.exclusive(tenantId, "deprovision", async () => {
      if (!(await this.engine.exists(tenantId))) throw new TenantNotFoundError(tenantId);
      if (!this.options.backup) throw new Error("deprovisioning needs a backup hook for the final backup");
      if (!Number.isInteger(retainDays) || retainDays < 0) throw new TenantRequestError([{ field: "retainDays", message: `must be a non-negative integer, got ${retainDays}` }]);
      const backup = await this.options.backup.finalBackup(tenantId);
      const retainUntil = new Date(this.now() + retainDays * DAY_MS).toISOString();
      await this.engine.setTag(tenantId, TAGS.retainUntil, retainUntil);
      return { tenantId, backup: backup.location, retainUntil };
    });
  }

  /** Destroys (protection lifted deliberately) and removes every stack whose retention window has passed. */
  async purgeExpired(options?: OperationOptions): Promise<string[]> {
    const purged: string[] = [];
    for (const tenantId of await this.engine.listStacks()) {
      const until = (await this.engine.readTags(tenantId))[TAGS.retainUntil];
      if (!until || Date.parse(until) > this.now()) continue;
      await this.exclusive(tenantId, "purge", async () => {
        await this.leased(tenantId, "destroy", () => this.engine.destroy(tenantId, { ...options, unprotect: true }));
        await this.engine.remove(tenantId);
      });
      purged.push(tenantId);
    }
    return purged;
  }

  /** Preview or update one tenant (the fleet's unit of work). */
  async refresh(tenantId: string, command: "preview" | "up", options?: OperationOptions): Promise<PlanResult> {
    return this.exclusive(tenantId, command, () =>
      command === "preview" ? this.engine.preview(tenantId, options) : this.leased(tenantId, "update", () => this.engine.up(tenantId, options)),
    );
  }

  async tierOf(tenantId: string): Promise<TierName> {
    return fromStackConfig(await this.engine.readConfig(tenantId)).tier;
  }

  listTenants(): Promise<string[]> {
    return this.engine.listStacks();
  }
}

/** The request moved to `target`: options the target tier does not sell are dropped. */
export function retargeted(request: Record<string, unknown>, target: TierName): Record<string, unknown> {
  const tier = getTier(target);
  const next: Record<string, unknown> = { ...request, tier: target };
  if (!tier.acceptsAddOns) delete next["addOns"];
  if (!tier.rateLimit.trustedIpAllowlist) delete next["trustedCidrs"];
  const data = next["dataServices"] as { federationUpstreams?: unknown[] } | undefined;
  if (data && !tier.messaging.federation) next["dataServices"] = { ...data, federationUpstreams: [] };
  return next;
}

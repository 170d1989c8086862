/**
 * What the signup service calls: provision, change tier, deprovision and purge tenants, one
 * operation per tenant at a time, idempotent, with stale locks recovered deliberately and every
 * failure mapped to a typed outcome (errors.ts). Every change of an existing stack (a tier change,
 * or a provision request with another tier or site count) is one guarded transition.
 */
import { randomBytes } from "node:crypto";
import { TIER_TAG } from "../policy/context";
import type { TenantConfig, TenantConfigInput } from "../stacks/config";
import { getTier, retiredSitesAfter, tierRank, TenantRequestError, type TierName } from "../tiers";
import {
  dataLosingSteps,
  isRetainedDelete,
  type ApplyResult,
  type OperationOptions,
  type PlanResult,
  type ResourceStep,
  type StackConfigValues,
  type TenantEngine,
} from "./engine";
import { mapEngineError } from "./engineErrors";
import {
  PreflightRefusedError,
  TenantOperationError,
  ProtectedResourceError,
  StackLockedError,
  StatefulReplacementError,
  TenantNotFoundError,
} from "./errors";
import { enterErasingMode } from "./erasure/erasingMode";
import { eraseAfterDestroy, type ErasureSetup } from "./erasure/purge";
import type { ErasureReport } from "./erasure/report";
import { KeyedLock } from "./keyedLock";
import { toTenantOutputs, type TenantOutputs } from "./outputs";
import { downgradePreflight, type PreflightReport, type UsageSource } from "./preflight";
import {
  appliedConfigTag,
  fromStackConfig,
  operatorStateOf,
  rawRequest,
  toStackConfig,
  withOperatorState,
} from "./requestConfig";

export const TAGS = {
  /** The tag the policy pack falls back on for the stack's tier. */
  tier: TIER_TAG,
  appliedConfig: "collect-verything:applied-config",
  /** JSON {operation, startedAt, holder?}: set while an operation runs, left behind by a crash. */
  operation: "collect-verything:operation",
  retainUntil: "collect-verything:retain-until",
} as const;

/** `final`: before deprovisioning; `tier-change`: before a downgrade, a site removal or a release. */
export type BackupReason = "final" | "tier-change";

/**
 * Backs up the tenant's data; returns where it went. `tier` is the tier the backup is taken under,
 * which sets how long it is kept (the bucket's lifecycle rule of that tier): before a downgrade
 * the tier being left, so the backup keeps the retention the data had. A final backup keeps the
 * tenant's tier too: deprovisioning leaves the tenant's resources, and its scheduled backups,
 * running until `purgeExpired`, so the newest backup at the purge is kept the tier's retention
 * after it, and nothing of a departed tenant outlives the contract it was taken under.
 */
export interface BackupHook {
  backup(tenantId: string, reason: BackupReason, tier: TierName): Promise<{ readonly location: string }>;
}

export interface TenantServiceOptions {
  readonly engine: TenantEngine;
  /** Real usage for downgrade pre-flight checks. Required for downgrades. */
  readonly usage?: UsageSource;
  /** Backups before deprovisioning, downgrades and site removals. Required for those. */
  readonly backup?: BackupHook;
  /** An operation lease older than this is a crashed run whose lock may be cancelled. Default 30 min. */
  readonly staleLockMs?: number;
  /**
   * Whether the run named `holder` in a lease tag is over (the service: its operation finished, or
   * its worker's claim expired). A lock such a run left is cancelled whatever its age. Default:
   * only a lock left by an earlier attempt of the same holder counts as abandoned.
   */
  readonly abandoned?: (holder: string) => Promise<boolean>;
  /** Clock, for tests. Default Date.now. */
  readonly now?: () => number;
  /**
   * Key of the applied-config tag's HMAC (requestConfig.appliedConfigTag), from the service's
   * secret store. Default: a random key per TenantService, so after a restart the first repeat of
   * a request runs one update that changes nothing.
   */
  readonly configTagKey?: string;
  /**
   * What a purge erases besides the stack (automation/erasure/): the tenant's databases, users,
   * vhost, buckets and backup prefixes, each verified absent, with the report. Default: the
   * stack only (what its destroy deletes), and the report says what Pulumi left retained.
   */
  readonly erasure?: ErasureSetup;
}

/** What a change of an existing stack checked and did. */
export interface ChangeReport {
  /** The pre-flight report (downgrades). */
  readonly preflight?: PreflightReport;
  /** The plan the preview showed (the apply refuses anything else that loses data). */
  readonly plan?: PlanResult;
  /** Where the backup taken before the change went (downgrades, site removals, releases). */
  readonly backup?: string;
  /**
   * Protected, retained resources the target no longer declares (the dedicated Redis volume on a
   * downgrade to Standard): unprotected after the backup, then forgotten by Pulumi and kept in
   * the cluster. A dry run lists what the apply would release.
   */
  readonly released?: readonly ResourceStep[];
}

export interface ProvisionResult extends ChangeReport {
  readonly tenantId: string;
  readonly outcome: "created" | "updated" | "unchanged";
  readonly outputs: TenantOutputs;
}

export interface ChangeTierResult extends ChangeReport {
  readonly tenantId: string;
  readonly from: TierName;
  readonly to: TierName;
  readonly outcome: "changed" | "unchanged" | "dry-run";
  readonly outputs?: TenantOutputs;
}

interface Transition extends ChangeReport {
  readonly outcome: "changed" | "dry-run";
  readonly outputs?: TenantOutputs;
}

export interface DeprovisionResult {
  readonly tenantId: string;
  readonly backup: string;
  readonly retainUntil: string;
  /** The suspension's update (workloads to zero, maintenance routes): what it changed. */
  readonly suspension: PlanResult;
}

export interface ReinstateResult {
  readonly tenantId: string;
  readonly wasRetainedUntil: string;
  /** The update that resumed the tenant (replicas, autoscalers and routes back). */
  readonly resumption: PlanResult;
}

const DAY_MS = 86_400_000;

/**
 * What the stack's tags say about a tenant contradicts the operation: a provision or tier change
 * of a deprovisioned (retained) stack, a purge of a stack without an expired retention window.
 * `retainUntil` is the stack's own window (null: none), for the caller to reconcile its view with.
 */
export class TenantStateConflictError extends TenantOperationError {
  readonly outcome = "conflict";
  constructor(
    tenantId: string,
    message: string,
    readonly retainUntil: string | null,
  ) {
    super(tenantId, message);
  }
}

export interface PurgeResult {
  readonly tenantId: string;
  readonly wasRetainedUntil: string;
  /** What was erased, where, when, each verified absent (automation/erasure/report.ts). */
  readonly erasure: ErasureReport;
}

export interface PurgeOptions extends OperationOptions {
  /** A confirmed erasure request inside the retention window (GDPR): the window is not waited for. */
  readonly early?: boolean;
  /** Why, for the report (a GDPR request's reference). */
  readonly reason?: string;
}

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
   * An update under a lease tag; if the stack is locked by a run that is over (an earlier attempt
   * of this holder, a holder `abandoned` says is over, or a lease older than the stale threshold),
   * cancel that lock deliberately and retry once. A run refused by a lock puts the lease it found
   * back, so the evidence of who holds the lock survives every retry until it is judged.
   */
  private async leased<T>(
    tenantId: string,
    operation: string,
    run: () => Promise<T>,
    holder?: string,
  ): Promise<T> {
    // The lease a previous run left, read before this run writes its own.
    const previous = (await this.engine.readTags(tenantId))[TAGS.operation] ?? "";
    const lease = JSON.stringify({
      operation,
      startedAt: new Date(this.now()).toISOString(),
      ...(holder ? { holder } : {}),
    });
    const attempt = async () => {
      await this.engine.setTag(tenantId, TAGS.operation, lease);
      let refused = false;
      try {
        return await run();
      } catch (error) {
        refused = mapEngineError(tenantId, error) instanceof StackLockedError;
        throw error;
      } finally {
        await this.engine.setTag(tenantId, TAGS.operation, refused ? previous : "");
      }
    };
    try {
      return await attempt();
    } catch (error) {
      const mapped = mapEngineError(tenantId, error);
      if (!(mapped instanceof StackLockedError) || !(await this.isOver(previous, holder))) throw mapped;
      await this.engine.cancel(tenantId);
      return attempt();
    }
  }

  /** Whether the run a lease tag records is over: see `leased`. Unreadable evidence is not. */
  private async isOver(lease: string, holder: string | undefined): Promise<boolean> {
    const parsed = parseLease(lease);
    if (!parsed) return false;
    if (parsed.holder !== undefined) {
      if (parsed.holder === holder) return true;
      if (this.options.abandoned && (await this.options.abandoned(parsed.holder))) return true;
    }
    return this.now() - parsed.startedAt > this.staleLockMs;
  }

  /** Writes the config and updates; `onApplied` runs as soon as the update has succeeded. */
  private async apply(
    tenantId: string,
    config: StackConfigValues,
    options?: OperationOptions,
    onApplied?: () => void,
  ): Promise<ApplyResult> {
    return this.leased(
      tenantId,
      "update",
      async () => {
        await this.engine.writeConfig(tenantId, config);
        const result = await this.engine.up(tenantId, options);
        onApplied?.();
        await this.engine.setTag(tenantId, TAGS.appliedConfig, appliedConfigTag(config, this.configTagKey));
        await this.engine.setTag(tenantId, TAGS.tier, fromStackConfig(config).tier);
        return result;
      },
      options?.holder,
    );
  }

  /**
   * Creates or updates the tenant's stack from a request (the stack config's shape and schema).
   * Idempotent: the same request again returns the current outputs without an update. A request
   * for an applied stack is a transition like `changeTier`'s (pre-flight on a downgrade, backup,
   * data-loss guard, restore on failure), whatever it changes.
   */
  async provisionTenant(request: TenantConfigInput, options?: OperationOptions): Promise<ProvisionResult> {
    const tenantId = request.tenantId;
    return this.exclusive(tenantId, "provision", async () => {
      toStackConfig(request); // a bad request is refused before the stack is read
      const existed = await this.engine.exists(tenantId);
      if (existed) await this.refuseRetained(tenantId, "provisioned again");
      const applied = existed ? (await this.engine.readTags(tenantId))[TAGS.appliedConfig] : undefined;
      const before = applied ? await this.engine.readConfig(tenantId) : undefined;
      const requested = toStackConfig(
        before ? keepingRetiredSites(request, fromStackConfig(before)) : request,
      );
      // A request never sets the operator state: the stack's own is kept.
      const config = before ? withOperatorState(requested, operatorStateOf(before)) : requested;
      if (applied === appliedConfigTag(config, this.configTagKey)) {
        return {
          tenantId,
          outcome: "unchanged",
          outputs: toTenantOutputs(tenantId, await this.engine.outputs(tenantId)),
        };
      }
      if (before) {
        const change = await this.transition(tenantId, before, config, options);
        return { ...change, tenantId, outcome: "updated", outputs: change.outputs! };
      }
      // A new stack, or one whose first update never completed: nothing applied to guard.
      if (!existed) await this.engine.create(tenantId);
      const result = await this.apply(tenantId, config, options);
      return {
        tenantId,
        outcome: existed ? "updated" : "created",
        outputs: toTenantOutputs(tenantId, result.outputs),
      };
    });
  }

  /**
   * Moves a tenant to another tier, keeping its sites; what the target tier does not sell is
   * dropped (`retargeted`). A downgrade is refused with the pre-flight report when the tenant's
   * real usage does not fit. `dryRun` stops after the preview and predicts the apply: its
   * refusals, its plan and the resources it would release.
   */
  async changeTier(
    tenantId: string,
    target: TierName,
    options?: OperationOptions & { readonly dryRun?: boolean },
  ): Promise<ChangeTierResult> {
    return this.exclusive(tenantId, `change-tier to ${target}`, async () => {
      await this.refuseRetained(tenantId, "moved to another tier");
      const config = await this.engine.readConfig(tenantId);
      const current = fromStackConfig(config);
      // The tier tag is written once an update has applied the tier: a config ahead of it is a
      // change a crash interrupted, which this call completes instead of calling it unchanged.
      const appliedTier = (await this.engine.readTags(tenantId))[TAGS.tier];
      if (current.tier === target && appliedTier === target)
        return { tenantId, from: current.tier, to: target, outcome: "unchanged" };
      // Before the request is rebuilt: a tenant with too many sites gets the report, not a schema error.
      const preflight =
        tierRank(target) < tierRank(current.tier)
          ? await this.preflight(current, target, current.sites)
          : undefined;
      const next = withOperatorState(
        toStackConfig(retargeted(rawRequest(config), target)),
        operatorStateOf(config),
      );
      const change = await this.transition(tenantId, config, next, options, preflight);
      return { tenantId, from: current.tier, to: target, ...change };
    });
  }

  /**
   * A deprovisioned stack (its retention window tag set) is only restored or purged: a provision
   * or tier change would report it active while its purge date stands.
   */
  private async refuseRetained(tenantId: string, what: string): Promise<void> {
    const until = (await this.engine.readTags(tenantId))[TAGS.retainUntil];
    if (until)
      throw new TenantStateConflictError(
        tenantId,
        `tenant ${tenantId} is deprovisioned (retained until ${until}) and cannot be ${what}; restore it first`,
        until,
      );
  }

  /** The downgrade pre-flight; refuses with the report when the tenant does not fit. */
  private async preflight(
    current: TenantConfig,
    target: TierName,
    sites: TenantConfig["sites"],
  ): Promise<PreflightReport> {
    if (!this.options.usage) throw new Error("a downgrade needs a usage source for its pre-flight checks");
    const report = await downgradePreflight(current, target, this.options.usage, sites);
    if (!report.ok) throw new PreflightRefusedError(current.tenantId, report);
    return report;
  }

  /**
   * Moves an applied stack from config `before` to `after` as one operation: the pre-flight on a
   * downgrade (unless the caller ran it), a preview refusing anything that would replace or delete
   * data, a backup before a downgrade or a site removal, the deliberate release of protected
   * resources kept in the cluster, then the update. Until the update succeeds, any failure (and a
   * dry run) puts the config, the tier tags and the protection back as they were.
   */
  private async transition(
    tenantId: string,
    before: StackConfigValues,
    after: StackConfigValues,
    options?: OperationOptions & { readonly dryRun?: boolean },
    checked?: PreflightReport,
  ): Promise<Transition> {
    const current = fromStackConfig(before);
    const next = fromStackConfig(after);
    const downgrade = tierRank(next.tier) < tierRank(current.tier);
    const preflight =
      checked ?? (downgrade ? await this.preflight(current, next.tier, next.sites) : undefined);
    const tags = await this.engine.readTags(tenantId);
    const unprotected: string[] = [];
    let applied = false;
    try {
      // The config is ahead of the state only while the preview reads it, and then inside the
      // update's lease: a crash anywhere else leaves the stack as it was.
      await this.engine.writeConfig(tenantId, after);
      const { plan, releases } = await this.previewReleases(tenantId, options).finally(() =>
        this.engine.writeConfig(tenantId, before),
      );
      const losing = dataLosingSteps(plan);
      if (losing.length > 0) throw new StatefulReplacementError(tenantId, losing);
      const report: ChangeReport = {
        ...(preflight ? { preflight } : {}),
        plan,
        ...(releases.length > 0 ? { released: releases } : {}),
      };
      if (options?.dryRun) return { outcome: "dry-run", ...report };
      let backup: string | undefined;
      if (downgrade || next.sites.length < current.sites.length || releases.length > 0) {
        if (!this.options.backup)
          throw new Error("a downgrade or a site removal needs a backup hook for its backup");
        backup = (await this.options.backup.backup(tenantId, "tier-change", current.tier)).location;
      }
      if (releases.length > 0) {
        unprotected.push(...releases.map((s) => s.urn));
        await this.engine.setProtected(tenantId, unprotected, false);
      }
      const result = await this.apply(tenantId, after, options, () => (applied = true));
      return {
        outcome: "changed",
        ...report,
        ...(backup ? { backup } : {}),
        outputs: toTenantOutputs(tenantId, result.outputs),
      };
    } finally {
      if (!applied) await this.restore(tenantId, before, tags, unprotected);
    }
  }

  /** The preview; an engine refusal whose every step is a retained delete is a plan with those releases. */
  private async previewReleases(
    tenantId: string,
    options?: OperationOptions,
  ): Promise<{ plan: PlanResult; releases: ResourceStep[] }> {
    try {
      return { plan: await this.engine.preview(tenantId, options), releases: [] };
    } catch (error) {
      const mapped = mapEngineError(tenantId, error);
      if (mapped instanceof ProtectedResourceError && mapped.steps.every(isRetainedDelete))
        return { plan: mapped.plan, releases: [...mapped.steps] };
      throw mapped;
    }
  }

  /** Puts back the config, the tags a change writes, and the protection it lifted. */
  private async restore(
    tenantId: string,
    config: StackConfigValues,
    tags: Readonly<Record<string, string>>,
    unprotected: readonly string[],
  ): Promise<void> {
    await this.engine.writeConfig(tenantId, config);
    if (unprotected.length > 0) await this.engine.setProtected(tenantId, unprotected, true);
    const now = await this.engine.readTags(tenantId);
    for (const key of [TAGS.tier, TAGS.appliedConfig]) {
      if (now[key] !== tags[key]) await this.engine.setTag(tenantId, key, tags[key] ?? "");
    }
  }

  /**
   * Suspends the tenant and starts the retention window: the window's tag first (from then on a
   * provision or tier change is refused and `reinstateTenant` can undo whatever follows), then
   * the suspension's update (every workload at zero, every hostname answering the maintenance
   * response: the storefront is offline before the final backup, so no order is written after
   * it), then the final backup. The resources and data stay until `purgeExpired` runs after
   * `retainDays`. A failure leaves the window's tag: the deprovision is retried, or restored.
   */
  async deprovisionTenant(
    tenantId: string,
    { retainDays = 30, ...options }: { readonly retainDays?: number } & OperationOptions = {},
  ): Promise<DeprovisionResult> {
    return this.exclusive(tenantId, "deprovision", async () => {
      if (!(await this.engine.exists(tenantId))) throw new TenantNotFoundError(tenantId);
      if (!this.options.backup) throw new Error("deprovisioning needs a backup hook for the final backup");
      if (!Number.isInteger(retainDays) || retainDays < 0)
        throw new TenantRequestError([
          { field: "retainDays", message: `must be a non-negative integer, got ${retainDays}` },
        ]);
      const tier = await this.tierOf(tenantId);
      // A retried deprovision keeps the window the first attempt started.
      const retainUntil =
        (await this.engine.readTags(tenantId))[TAGS.retainUntil] ||
        new Date(this.now() + retainDays * DAY_MS).toISOString();
      await this.engine.setTag(tenantId, TAGS.retainUntil, retainUntil);
      const suspension = await this.setSuspended(tenantId, true, options);
      const backup = await this.options.backup.backup(tenantId, "final", tier);
      return { tenantId, backup: backup.location, retainUntil, suspension };
    });
  }

  /**
   * Writes the operator state `suspended` and applies it: a preview first, refusing a plan that
   * would replace or delete data (a suspension changes replicas, autoscalers and routes only),
   * the config put back when it is refused.
   */
  private async setSuspended(
    tenantId: string,
    suspended: boolean,
    options?: OperationOptions,
  ): Promise<PlanResult> {
    const before = await this.engine.readConfig(tenantId);
    const after = withOperatorState(before, { suspended });
    await this.engine.writeConfig(tenantId, after);
    let plan: PlanResult;
    try {
      plan = await this.engine.preview(tenantId, options);
      const losing = dataLosingSteps(plan);
      if (losing.length > 0) throw new StatefulReplacementError(tenantId, losing);
    } catch (error) {
      await this.engine.writeConfig(tenantId, before);
      throw error;
    }
    const { steps, summary } = await this.apply(tenantId, after, options);
    return { steps, summary };
  }

  /**
   * Takes a deprovisioned tenant back before its retention window ends: its resources and data
   * never left (deprovisioning suspends and starts the window), so an update without the
   * suspension brings its workloads, autoscalers and routes back, and ending the window makes it
   * active again (`purgeExpired` passes it by). The window's tag goes last: a failed update
   * leaves the tenant deprovisioned, to be restored again.
   */
  async reinstateTenant(tenantId: string, options?: OperationOptions): Promise<ReinstateResult> {
    return this.exclusive(tenantId, "reinstate", async () => {
      if (!(await this.engine.exists(tenantId))) throw new TenantNotFoundError(tenantId);
      const until = (await this.engine.readTags(tenantId))[TAGS.retainUntil];
      if (!until)
        throw new TenantRequestError([
          { field: "tenantId", message: `tenant ${tenantId} is not deprovisioned: nothing to reinstate` },
        ]);
      // A purge that stopped midway left the stack in erasing mode (nothing protected): it is
      // finished by purging again, never handed back to the tenant.
      if (operatorStateOf(await this.engine.readConfig(tenantId)).erasing)
        throw new TenantStateConflictError(
          tenantId,
          `tenant ${tenantId}'s erasure has started: it can only be purged again`,
          until,
        );
      const resumption = await this.setSuspended(tenantId, false, options);
      await this.engine.setTag(tenantId, TAGS.retainUntil, "");
      return { tenantId, wasRetainedUntil: until, resumption };
    });
  }

  /**
   * Erases one tenant: erasing mode (nothing protected or retained), the destroy, the stack's
   * removal and every other eraser, judged on the
   * stack's own tags: refused with TenantStateConflictError (carrying the stack's window) when the
   * stack is not deprovisioned or its retention window has not passed.
   */
  async purgeTenant(tenantId: string, options?: PurgeOptions): Promise<PurgeResult> {
    return this.exclusive(tenantId, "purge", async () => {
      if (!(await this.engine.exists(tenantId))) throw new TenantNotFoundError(tenantId);
      const until = (await this.engine.readTags(tenantId))[TAGS.retainUntil];
      if (!until)
        throw new TenantStateConflictError(
          tenantId,
          `tenant ${tenantId}'s stack is not deprovisioned: an active tenant is never purged`,
          null,
        );
      if (Date.parse(until) > this.now() && !options?.early)
        throw new TenantStateConflictError(
          tenantId,
          `tenant ${tenantId} is retained until ${until}: its data is kept until then`,
          until,
        );
      const erasure = await eraseAfterDestroy(tenantId, {
        engine: this.engine,
        setup: this.options.erasure,
        reason: options?.reason ?? (options?.early ? "early erasure" : `retention window ended ${until}`),
        now: this.now,
        // Erasing mode, then the destroy, under one lease; the eraser removes the stack after the
        // lease is cleared (clearing it writes to the stack).
        destroy: (onStep) =>
          this.leased(
            tenantId,
            "destroy",
            async () => {
              const kept = await enterErasingMode(this.engine, tenantId, options);
              await this.engine.destroy(tenantId, { ...options, unprotect: true, onStep });
              return kept;
            },
            options?.holder,
          ),
      });
      return { tenantId, wasRetainedUntil: until, erasure };
    });
  }

  /**
   * Purges (and erases) every stack whose retention window has passed; returns their ids. Each
   * purge's report goes to `onPurged` (the CLI writes them).
   */
  async purgeExpired(
    options?: OperationOptions & { readonly onPurged?: (result: PurgeResult) => void },
  ): Promise<string[]> {
    const purged: string[] = [];
    for (const tenantId of await this.engine.listStacks()) {
      const until = (await this.engine.readTags(tenantId))[TAGS.retainUntil];
      if (!until || Date.parse(until) > this.now()) continue;
      const result = await this.purgeTenant(tenantId, options);
      options?.onPurged?.(result);
      purged.push(tenantId);
    }
    return purged;
  }

  /** Preview, or preview then update, one tenant (the fleet's unit of work); an update never applies a data-losing plan. */
  async refresh(
    tenantId: string,
    command: "preview" | "up",
    options?: OperationOptions,
  ): Promise<PlanResult> {
    return this.exclusive(tenantId, command, async () => {
      const plan = await this.engine.preview(tenantId, options);
      if (command === "preview") return plan;
      // A catalog rollout applies whatever the new code plans: never a plan that loses data.
      const losing = dataLosingSteps(plan);
      if (losing.length > 0) throw new StatefulReplacementError(tenantId, losing);
      return this.leased(tenantId, "update", () => this.engine.up(tenantId, options), options?.holder);
    });
  }

  async tierOf(tenantId: string): Promise<TierName> {
    return fromStackConfig(await this.engine.readConfig(tenantId)).tier;
  }

  listTenants(): Promise<string[]> {
    return this.engine.listStacks();
  }
}

/** A lease tag's content, or undefined when it is empty or unreadable. */
function parseLease(lease: string): { startedAt: number; holder?: string } | undefined {
  if (!lease) return undefined;
  try {
    const parsed = JSON.parse(lease) as { startedAt?: unknown; holder?: unknown };
    const startedAt = typeof parsed.startedAt === "string" ? Date.parse(parsed.startedAt) : NaN;
    if (Number.isNaN(startedAt)) return undefined;
    return { startedAt, ...(typeof parsed.holder === "string" ? { holder: parsed.holder } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * The request with every site the applied stack had beyond it kept as a retired site: a signup
 * service that sends fewer sites removes them, and their namespaces (with the sites' data) stay
 * guarded until deprovision (docs/product.md, invariant 3), whether or not the request lists them.
 */
export function keepingRetiredSites(request: TenantConfigInput, current: TenantConfig): TenantConfigInput {
  const previous = {
    sites: current.sites,
    retiredSites: [...(current.retiredSites ?? []), ...(request.retiredSites ?? [])],
  };
  const retired = retiredSitesAfter(previous, request.sites?.length ?? 1);
  return retired.length > 0 ? { ...request, retiredSites: retired } : request;
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

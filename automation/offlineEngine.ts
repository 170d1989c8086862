/**
 * A TenantEngine without the Pulumi CLI: stacks are JSON files in a directory (the backend: tags,
 * the last applied graph, outputs, the update lock), their config files in a separate work
 * directory (the Automation API's local Pulumi.<stack>.yaml), and every preview or update runs
 * the real tenant program through the offline synth. It plans like the engine (create, update, replace,
 * delete), refuses deleting or replacing a protected resource in previews and updates alike (as
 * `pulumi preview` and `up` do), and leaves its lock behind if the process dies mid-update, as a
 * real backend does.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeConfigValue, recordedRequest, REQUEST_OUTPUT, tenantRequestOf } from "../stacks/config";
import type { RecordedResource, SynthResult } from "../synth/engine";
import { SECRET_PLACEHOLDER } from "../synth/recorded";
import type { StackConfig } from "../synth/stackConfig";
import {
  summarize,
  type ApplyResult,
  type OperationOptions,
  type PlanResult,
  type ResourceStep,
  type StackConfigValues,
  type StateResource,
  type TenantEngine,
} from "./engine";
import {
  OperationCancelledError,
  ProtectedResourceError,
  StackLockedError,
  TenantExistsError,
  TenantNotFoundError,
} from "./errors";
import { planBetween } from "./planDiff";
import { mapSecrets, maskSecret } from "./secretFields";
import { configFromOutputs, configValues } from "./requestConfig";

interface StackFile {
  tags: Record<string, string>;
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
  /**
   * The program's secret outputs as the backend keeps them: the synth sees only placeholders, so
   * this engine records the request its last update ran with (passwords masked, like its config).
   */
  secretOutputs?: Record<string, unknown>;
  /** Set while an update runs; left behind by a crash. */
  lock?: { since: string };
}

export interface OfflineEngineOptions {
  /** Directory of the stack files (the backend). */
  readonly stateDir: string;
  /** Directory of the stacks' config files (the local work directories). Default `<stateDir>/work`. */
  readonly workDir?: string;
  /** Clock, for tests. Default Date.now. */
  readonly now?: () => number;
  /** Runs the tenant program for a stack's config. Default the offline synth (`synthTenant`). */
  readonly synth?: (tenantId: string, config: StackConfig) => Promise<SynthResult>;
}

/**
 * The offline synth, loaded at the first run: reading a stack's state and config (an invoice, an
 * SLA report, a usage summary) never loads the tenant program or the Pulumi runtime.
 */
async function defaultSynth(tenantId: string, config: StackConfig): Promise<SynthResult> {
  const { synthTenant } = await import("../synth/programs");
  return synthTenant(tenantId, config);
}

export class OfflineEngine implements TenantEngine {
  private readonly now: () => number;
  private readonly workDir: string;

  constructor(private readonly options: OfflineEngineOptions) {
    this.now = options.now ?? Date.now;
    this.workDir = options.workDir ?? join(options.stateDir, "work");
    mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.workDir, { recursive: true, mode: 0o700 });
  }

  private path(tenantId: string): string {
    return join(this.options.stateDir, `${tenantId}.json`);
  }

  private configPath(tenantId: string): string {
    return join(this.workDir, `Pulumi.${tenantId}.json`);
  }

  private saveConfig(tenantId: string, config: StackConfigValues): void {
    writeFileSync(this.configPath(tenantId), JSON.stringify(config, null, 1), { mode: 0o600 });
  }

  private load(tenantId: string): StackFile {
    if (!existsSync(this.path(tenantId))) throw new TenantNotFoundError(tenantId);
    return JSON.parse(readFileSync(this.path(tenantId), "utf8")) as StackFile;
  }

  private save(tenantId: string, file: StackFile): void {
    const tmp = `${this.path(tenantId)}.tmp`;
    writeFileSync(tmp, JSON.stringify(file, null, 1), { mode: 0o600 });
    renameSync(tmp, this.path(tenantId));
  }

  async exists(tenantId: string): Promise<boolean> {
    return existsSync(this.path(tenantId));
  }

  async create(tenantId: string): Promise<void> {
    if (await this.exists(tenantId)) throw new TenantExistsError(tenantId);
    this.save(tenantId, { tags: {}, resources: [], outputs: {} });
  }

  async writeConfig(tenantId: string, config: StackConfigValues): Promise<void> {
    this.load(tenantId); // the stack must exist
    this.saveConfig(tenantId, maskSecretConfig(config));
  }

  /** The local config file, or when it is gone, the request the backend recorded (written back to the file). */
  async readConfig(tenantId: string): Promise<StackConfigValues> {
    const file = this.load(tenantId);
    if (existsSync(this.configPath(tenantId)))
      return JSON.parse(readFileSync(this.configPath(tenantId), "utf8")) as StackConfigValues;
    const recorded = configFromOutputs(file.secretOutputs ?? {});
    if (!recorded) return {};
    this.saveConfig(tenantId, recorded);
    return recorded;
  }

  async outputs(tenantId: string): Promise<Readonly<Record<string, unknown>>> {
    return this.load(tenantId).outputs;
  }

  async readTags(tenantId: string): Promise<Readonly<Record<string, string>>> {
    return this.load(tenantId).tags;
  }

  async setTag(tenantId: string, key: string, value: string): Promise<void> {
    const file = this.load(tenantId);
    this.save(tenantId, { ...file, tags: { ...file.tags, [key]: value } });
  }

  async listStacks(): Promise<string[]> {
    return readdirSync(this.options.stateDir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => f.slice(0, -".json".length))
      .sort();
  }

  async cancel(tenantId: string): Promise<void> {
    const file = this.load(tenantId);
    delete file.lock;
    this.save(tenantId, file);
  }

  /** Runs `work` holding the stack's lock, as `pulumi up` does; any way out but a crash releases it. */
  private async locked<T>(
    tenantId: string,
    signal: AbortSignal | undefined,
    work: (file: StackFile) => Promise<T>,
  ): Promise<T> {
    const file = this.load(tenantId);
    if (file.lock)
      throw new StackLockedError(tenantId, `an update started at ${file.lock.since} holds the lock`);
    this.save(tenantId, { ...file, lock: { since: new Date(this.now()).toISOString() } });
    try {
      const result = await work(file);
      if (signal?.aborted) throw new OperationCancelledError(tenantId);
      return result;
    } finally {
      await this.cancel(tenantId);
    }
  }

  private async plan(
    tenantId: string,
    file: StackFile,
    options?: OperationOptions,
  ): Promise<
    PlanResult & {
      graph: RecordedResource[];
      outputs: Record<string, unknown>;
      secretOutputs: Record<string, unknown>;
    }
  > {
    if (options?.signal?.aborted) throw new OperationCancelledError(tenantId);
    const stackConfig = await this.readConfig(tenantId);
    const config = configValues(stackConfig);
    const secretKeys = Object.entries(stackConfig)
      .filter(([, e]) => e.secret)
      .map(([k]) => k);
    const result = await (this.options.synth ?? defaultSynth)(tenantId, { config, secretKeys });
    // The synth runs on promise callbacks alone: no I/O is read while it runs. Let the event loop
    // poll once, so an abort that arrived meanwhile (an IPC message) is seen before anything is
    // written: one setImmediate runs in the current turn's check phase, before the next poll reads
    // the pipe; the second runs after that poll.
    await new Promise((turn) => setImmediate(() => setImmediate(turn)));
    const steps = planBetween(file.resources, result.resources);
    for (const step of steps) options?.onStep?.(step);
    const refused = protectedSteps(steps, file.resources, result.resources);
    if (refused.length > 0)
      throw new ProtectedResourceError(tenantId, refused, { steps, summary: summarize(steps) });
    // As the program records it (stacks/runningConfig.ts loadTenantConfig): the request with `suspended`,
    // never `erasing`.
    const secretOutputs = { [REQUEST_OUTPUT]: recordedRequest(tenantRequestOf(config)) };
    return {
      steps,
      summary: summarize(steps),
      graph: [...result.resources],
      outputs: result.outputs,
      secretOutputs,
    };
  }

  async preview(tenantId: string, options?: OperationOptions): Promise<PlanResult> {
    const { steps, summary } = await this.plan(tenantId, this.load(tenantId), options);
    return { steps, summary };
  }

  async up(tenantId: string, options?: OperationOptions): Promise<ApplyResult> {
    return this.locked(tenantId, options?.signal, async (file) => {
      const plan = await this.plan(tenantId, file, options);
      if (options?.signal?.aborted) return { steps: plan.steps, summary: plan.summary, outputs: {} };
      this.save(tenantId, {
        ...this.load(tenantId),
        resources: plan.graph,
        outputs: plan.outputs,
        secretOutputs: plan.secretOutputs,
      });
      return { steps: plan.steps, summary: plan.summary, outputs: plan.outputs };
    });
  }

  async destroy(
    tenantId: string,
    options?: OperationOptions & { readonly unprotect?: boolean },
  ): Promise<void> {
    await this.locked(tenantId, options?.signal, async (file) => {
      const blocked = file.resources.filter((r) => r.protect && !options?.unprotect);
      if (blocked.length > 0) {
        throw new Error(`cannot destroy protected resources: ${blocked.map((r) => r.name).join(", ")}`);
      }
      for (const r of file.resources)
        options?.onStep?.({
          op: "delete",
          urn: r.urn,
          type: r.type,
          name: r.name,
          ...(r.retainOnDelete ? { retained: true } : {}),
        });
      this.save(tenantId, { ...this.load(tenantId), resources: [], outputs: {}, secretOutputs: {} });
    });
  }

  async setProtected(tenantId: string, urns: readonly string[], value: boolean): Promise<void> {
    const file = this.load(tenantId);
    const chosen = new Set(urns);
    this.save(tenantId, {
      ...file,
      resources: file.resources.map((r) => (chosen.has(r.urn) ? { ...r, protect: value } : r)),
    });
  }

  async stateResources(tenantId: string): Promise<readonly StateResource[]> {
    return this.load(tenantId).resources.map(({ urn, type, custom, protect, retainOnDelete }) => ({
      urn,
      type,
      custom,
      protect,
      retainOnDelete,
    }));
  }

  async remove(tenantId: string): Promise<void> {
    const file = this.load(tenantId);
    if (file.resources.length > 0)
      throw new Error(`stack ${tenantId} still has ${file.resources.length} resources`);
    rmSync(this.path(tenantId));
    rmSync(this.configPath(tenantId), { force: true });
  }
}

/**
 * The steps the Pulumi engine refuses: deleting a resource protected in the state, or replacing
 * one protected in both the state and the program (unprotecting and replacing in one update is
 * allowed, as in the engine's step generator).
 */
function protectedSteps(
  steps: readonly ResourceStep[],
  before: readonly RecordedResource[],
  after: readonly RecordedResource[],
): ResourceStep[] {
  const protectedIn = (graph: readonly RecordedResource[], urn: string) =>
    graph.find((r) => r.urn === urn)?.protect === true;
  return steps.filter(
    (s) =>
      (s.op === "delete" && protectedIn(before, s.urn)) ||
      (s.op === "replace" && protectedIn(before, s.urn) && protectedIn(after, s.urn)),
  );
}

/**
 * Secret config as the offline state keeps it: every field the schema marks secret masked
 * (automation/secretFields.ts: URIs keep their shape, so the config still validates), so a stack
 * file never holds a credential (the synth would only show placeholders anyway).
 */
export function maskSecretConfig(config: StackConfigValues): StackConfigValues {
  return Object.fromEntries(
    Object.entries(config).map(([key, entry]) => {
      if (!entry.secret) return [key, entry];
      const decoded = decodeConfigValue(entry.value);
      const field = key.slice(key.indexOf(":") + 1);
      const masked = mapSecrets({ [field]: decoded }, maskSecret)[field];
      return [
        key,
        {
          secret: true,
          value: typeof decoded === "string" ? SECRET_PLACEHOLDER : JSON.stringify(masked),
        },
      ];
    }),
  );
}

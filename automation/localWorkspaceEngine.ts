/**
 * The TenantEngine over the Pulumi Automation API and CLI. Every tenant stack gets its own work
 * directory holding a Pulumi.yaml whose `main` is the project's own tenant program (a local
 * program, not a copy), its stack config file and its policy pack config, so concurrent fleet
 * operations never share files. Backends: Pulumi Cloud, `s3://...` or `file://...`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  LocalWorkspace,
  PulumiCommand,
  Stack,
  type Deployment,
  type EngineEvent,
  type OpType,
} from "@pulumi/pulumi/automation";
import { parse, stringify } from "yaml";
import { packConfigFor } from "../policy/packConfig";
import { packContextOf } from "../synth/policyCheck";
import { PROJECT } from "../stacks/config";
import {
  parsePlatformFacts,
  PLATFORM_FACTS_OUTPUT,
  PlatformContractError,
  type PlatformFacts,
} from "../stacks/platformFacts";
import { DEFAULT_PLATFORM_ORGANIZATION, platformStackName, PRIMARY_REGION, type RegionName } from "../tiers";
import { SECRET_PLACEHOLDER } from "../synth/recorded";
import {
  summarize,
  type ApplyResult,
  type OperationOptions,
  type PlanResult,
  type ResourceStep,
  type StackConfigValues,
  type StateResource,
  type StepOp,
  type TenantEngine,
} from "./engine";
import { mapEngineError } from "./engineErrors";
import { configFromOutputs, fromStackConfig, operatorStateOf } from "./requestConfig";

export interface LocalWorkspaceEngineOptions {
  /** Repository root: Pulumi.yaml, package.json, stacks/tenant.ts, policy/. */
  readonly projectDir: string;
  /** Root of the per-stack work directories. */
  readonly workRoot: string;
  /** Backend URL (`s3://bucket`, `file:///path`); undefined = Pulumi Cloud (PULUMI_ACCESS_TOKEN). */
  readonly backendUrl?: string;
  /** Secrets provider of new stacks (`awskms://...`, `passphrase`). Default: the backend's. */
  readonly secretsProvider?: string;
  /** Extra environment for the CLI (e.g. PULUMI_CONFIG_PASSPHRASE, cloud credentials). */
  readonly envVars?: Readonly<Record<string, string>>;
  /** Directory of an installed Pulumi CLI. Default: `pulumi` on PATH. */
  readonly pulumiRoot?: string;
  /** Run the policy pack on previews and updates. Default true. */
  readonly policyPack?: boolean;
}

const STEP_OPS: Readonly<Partial<Record<OpType, StepOp>>> = {
  create: "create",
  update: "update",
  delete: "delete",
  replace: "replace",
  "create-replacement": "replace",
  same: "same",
  read: "same",
};

/** The step an engine event reports, or undefined for other events. */
export function stepOfEvent(event: EngineEvent): ResourceStep | undefined {
  const metadata = event.resourcePreEvent?.metadata;
  if (!metadata) return undefined;
  const op = STEP_OPS[metadata.op];
  if (!op) return undefined;
  return {
    op,
    urn: metadata.urn,
    type: metadata.type,
    name: metadata.urn.split("::").pop() ?? metadata.urn,
    ...(op === "delete" && metadata.old?.retainOnDelete ? { retained: true } : {}),
  };
}

/** Sets the protect flag of the chosen resources by editing the checkpoint, as `pulumi state unprotect` does. */
export async function setProtection(
  stack: Pick<Stack, "exportStack" | "importStack">,
  chosen: (urn: string) => boolean,
  value: boolean,
): Promise<void> {
  const deployment = await stack.exportStack();
  const state = deployment.deployment as { resources?: { urn: string; protect?: boolean }[] };
  for (const r of state.resources ?? []) if (chosen(r.urn)) r.protect = value;
  await stack.importStack(deployment);
}

/** The resources of an exported checkpoint (`pulumi stack export`: deployment.resources). */
export function stateResourcesOf(exported: Deployment): StateResource[] {
  const state = exported.deployment as {
    resources?: {
      urn: string;
      type: string;
      custom?: boolean;
      protect?: boolean;
      retainOnDelete?: boolean;
    }[];
  };
  return (state.resources ?? []).map((r) => ({
    urn: r.urn,
    type: r.type,
    custom: r.custom === true,
    protect: r.protect === true,
    retainOnDelete: r.retainOnDelete === true,
  }));
}

/** Stack outputs with secrets replaced: what the service may return and log. */
function plainOutputs(outputs: Record<string, { value: unknown; secret: boolean }>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(outputs).map(([k, o]) => [k, o.secret ? SECRET_PLACEHOLDER : o.value]),
  );
}

export class LocalWorkspaceEngine implements TenantEngine {
  private command: Promise<PulumiCommand> | undefined;
  private renderedProject: string | undefined;

  constructor(private readonly options: LocalWorkspaceEngineOptions) {}

  private pulumi(): Promise<PulumiCommand> {
    this.command ??= PulumiCommand.get(this.options.pulumiRoot ? { root: this.options.pulumiRoot } : {});
    return this.command;
  }

  /**
   * The project's `--import tsx` resolved to the project's own tsx: the CLI runs node from the work
   * directory, outside the project, where a bare `tsx` would not resolve.
   */
  private runtimeFromProject(runtime: unknown): unknown {
    const options = (runtime as { options?: { nodeargs?: string } } | undefined)?.options;
    if (!options?.nodeargs?.includes("--import tsx")) return runtime;
    const tsxDir = join(this.options.projectDir, "node_modules", "tsx");
    const entry = (
      JSON.parse(readFileSync(join(tsxDir, "package.json"), "utf8")) as { exports: { ".": string } }
    ).exports["."];
    const loader = pathToFileURL(join(tsxDir, entry)).href;
    return {
      ...(runtime as object),
      options: { ...options, nodeargs: options.nodeargs.replace("--import tsx", `--import ${loader}`) },
    };
  }

  /** The work directories' Pulumi.yaml (the same for every tenant): read and rendered once. */
  private projectYaml(): string {
    if (this.renderedProject === undefined) {
      const project = parse(readFileSync(join(this.options.projectDir, "Pulumi.yaml"), "utf8")) as Record<
        string,
        unknown
      >;
      this.renderedProject = stringify({
        ...project,
        runtime: this.runtimeFromProject(project["runtime"]),
        main: resolve(this.options.projectDir, String(project["main"] ?? ".")),
        ...(this.options.backendUrl ? { backend: { url: this.options.backendUrl } } : {}),
      });
    }
    return this.renderedProject;
  }

  /** The tenant's work directory, with a Pulumi.yaml pointing at the project's program. */
  prepareWorkDir(tenantId: string): string {
    const dir = resolve(this.options.workRoot, tenantId);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "Pulumi.yaml"), this.projectYaml());
    return dir;
  }

  private async workspace(tenantId: string): Promise<LocalWorkspace> {
    return LocalWorkspace.create({
      workDir: this.prepareWorkDir(tenantId),
      pulumiCommand: await this.pulumi(),
      envVars: { ...this.options.envVars },
      ...(this.options.secretsProvider ? { secretsProvider: this.options.secretsProvider } : {}),
    });
  }

  private async stack(tenantId: string): Promise<Stack> {
    try {
      return await Stack.select(tenantId, await this.workspace(tenantId));
    } catch (error) {
      throw mapEngineError(tenantId, error);
    }
  }

  /**
   * The stack's config: the work directory's Pulumi.<stack>.yaml, or, when that holds no tenant
   * config (a new or lost disk), the request the program recorded in the stack's outputs in the
   * backend, written back to the file so that the next preview or update runs with it.
   */
  private async config(stack: Stack): Promise<StackConfigValues> {
    const local = Object.fromEntries(
      Object.entries(await stack.getAllConfig()).map(([k, v]) => [
        k,
        { value: v.value, secret: v.secret === true },
      ]),
    );
    if (Object.keys(local).some((k) => k.startsWith(`${PROJECT}:`))) return local;
    const outputs = Object.fromEntries(Object.entries(await stack.outputs()).map(([k, o]) => [k, o.value]));
    const recorded = configFromOutputs(outputs);
    if (!recorded) return local;
    await stack.setAllConfig({ ...recorded });
    return { ...local, ...recorded };
  }

  /**
   * The home region's platform facts, as its platform stack exports them (the pack judges the
   * tenant against them); a platform stack that cannot be read leaves the pack without them, so it
   * refuses what needs them.
   */
  private async platformFactsOf(stack: Stack, home: RegionName): Promise<PlatformFacts | undefined> {
    const name = platformStackName(DEFAULT_PLATFORM_ORGANIZATION, home);
    try {
      const outputs = await stack.workspace.stackOutputs(name);
      return parsePlatformFacts(outputs[PLATFORM_FACTS_OUTPUT]?.value, name, home);
    } catch (error) {
      if (error instanceof PlatformContractError) throw error;
      return undefined;
    }
  }

  /** Preview/update options: events to steps, the policy pack with this stack's tier. */
  private async runOptions(stack: Stack, steps: ResourceStep[], options?: OperationOptions) {
    const onEvent = (event: EngineEvent) => {
      const step = stepOfEvent(event);
      if (step) {
        steps.push(step);
        options?.onStep?.(step);
      }
    };
    const config = await this.config(stack);
    if (this.options.policyPack === false)
      return { onEvent, ...(options?.signal ? { signal: options.signal } : {}) };
    const tenant = fromStackConfig(config);
    const packConfig = join(stack.workspace.workDir, "policy-config.json");
    const facts = await this.platformFactsOf(stack, tenant.regions[0] ?? PRIMARY_REGION);
    const { erasing } = operatorStateOf(config);
    writeFileSync(packConfig, JSON.stringify(packConfigFor(packContextOf(tenant, facts), { erasing })));
    return {
      onEvent,
      policyPacks: [resolve(this.options.projectDir, "policy")],
      policyPackConfigs: [packConfig],
      ...(options?.signal ? { signal: options.signal } : {}),
    };
  }

  async exists(tenantId: string): Promise<boolean> {
    return (await this.listStacks()).includes(tenantId);
  }

  async create(tenantId: string): Promise<void> {
    try {
      await Stack.create(tenantId, await this.workspace(tenantId));
    } catch (error) {
      throw mapEngineError(tenantId, error);
    }
  }

  async writeConfig(tenantId: string, config: StackConfigValues): Promise<void> {
    const stack = await this.stack(tenantId);
    const current = Object.keys(await stack.getAllConfig());
    const stale = current.filter((k) => !(k in config));
    if (stale.length > 0) await stack.removeAllConfig(stale);
    await stack.setAllConfig(
      Object.fromEntries(Object.entries(config).map(([k, e]) => [k, { value: e.value, secret: e.secret }])),
    );
  }

  async readConfig(tenantId: string): Promise<StackConfigValues> {
    return this.config(await this.stack(tenantId));
  }

  async preview(tenantId: string, options?: OperationOptions): Promise<PlanResult> {
    const stack = await this.stack(tenantId);
    const steps: ResourceStep[] = [];
    try {
      await stack.preview(await this.runOptions(stack, steps, options));
    } catch (error) {
      throw mapEngineError(tenantId, error, steps);
    }
    return { steps, summary: summarize(steps) };
  }

  async up(tenantId: string, options?: OperationOptions): Promise<ApplyResult> {
    const stack = await this.stack(tenantId);
    const steps: ResourceStep[] = [];
    try {
      const result = await stack.up(await this.runOptions(stack, steps, options));
      return { steps, summary: summarize(steps), outputs: plainOutputs(result.outputs) };
    } catch (error) {
      throw mapEngineError(tenantId, error, steps);
    }
  }

  async destroy(
    tenantId: string,
    options?: OperationOptions & { readonly unprotect?: boolean },
  ): Promise<void> {
    const stack = await this.stack(tenantId);
    try {
      // Deliberately lift protection (the retention window is over).
      if (options?.unprotect) await setProtection(stack, () => true, false);
      await stack.destroy({
        onEvent: (event: EngineEvent) => {
          const step = stepOfEvent(event);
          if (step) options?.onStep?.(step);
        },
        ...(options?.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      throw mapEngineError(tenantId, error);
    }
  }

  async setProtected(tenantId: string, urns: readonly string[], value: boolean): Promise<void> {
    const chosen = new Set(urns);
    try {
      await setProtection(await this.stack(tenantId), (urn) => chosen.has(urn), value);
    } catch (error) {
      throw mapEngineError(tenantId, error);
    }
  }

  async stateResources(tenantId: string): Promise<readonly StateResource[]> {
    try {
      return stateResourcesOf(await (await this.stack(tenantId)).exportStack());
    } catch (error) {
      throw mapEngineError(tenantId, error);
    }
  }

  async remove(tenantId: string): Promise<void> {
    await (await this.workspace(tenantId)).removeStack(tenantId);
  }

  async listStacks(): Promise<string[]> {
    const ws = await this.workspace("_fleet");
    return (await ws.listStacks({ all: false })).map((s) => s.name.split("/").pop()!).sort();
  }

  async cancel(tenantId: string): Promise<void> {
    await (await this.stack(tenantId)).cancel();
  }

  async outputs(tenantId: string): Promise<Readonly<Record<string, unknown>>> {
    return plainOutputs(await (await this.stack(tenantId)).outputs());
  }

  async readTags(tenantId: string): Promise<Readonly<Record<string, string>>> {
    const tags = await (await this.workspace(tenantId)).listTags(tenantId);
    return { ...tags };
  }

  async setTag(tenantId: string, key: string, value: string): Promise<void> {
    await (await this.workspace(tenantId)).setTag(tenantId, key, value);
  }
}

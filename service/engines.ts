/**
 * The engine, usage source and backup the workers run with, loaded on demand: the offline
 * engine (and with it the synth and its runtime patches) only when it is the one chosen.
 */
import { chmodSync, copyFileSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { TenantEngine } from "../automation/engine";
import { hasPulumiCli } from "../automation/pulumiCli";
import type { BackupHook, BackupReason } from "../automation/tenantService";
import type { UsageSource } from "../automation/preflight";
import { tenantBackupPrefix } from "../tiers";
import type { ServiceConfig } from "./config";

export interface EngineSetup {
  readonly kind: "local" | "offline";
  readonly engine: TenantEngine;
  readonly backup: BackupHook;
  readonly usage?: UsageSource;
  /** Ends what the engine started (its child processes). */
  readonly close?: () => void;
}

/**
 * The backup of an offline stack (final, or before a tier change): a copy of its state file (an offline tenant has no
 * databases to dump; its state is all there is).
 */
export class StateFileBackup implements BackupHook {
  constructor(
    private readonly stateDir: string,
    private readonly directory: string,
    private readonly now: () => number = Date.now,
  ) {}

  async backup(tenantId: string, reason: BackupReason): Promise<{ location: string }> {
    // Under the tenant's prefix of the backup layout, so an erasure of the prefix takes it too.
    const directory = join(this.directory, tenantBackupPrefix(tenantId), "offline-state");
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const location = join(
      directory,
      `${reason}-${new Date(this.now()).toISOString().replace(/[:.]/g, "-")}.json`,
    );
    copyFileSync(join(this.stateDir, `${tenantId}.json`), location);
    chmodSync(location, 0o600);
    return { location };
  }
}

export async function engineSetup(config: ServiceConfig): Promise<EngineSetup> {
  const kind = config.engine ?? (hasPulumiCli() ? "local" : "offline");
  const usage = config.prometheusUrl
    ? new (await import("../automation/preflight")).LiveUsage(config.mysql, config.prometheusUrl)
    : undefined;
  const withUsage = usage ? { usage } : {};
  if (kind === "offline") {
    const stateDir = resolve(config.stateDir);
    const backup = new StateFileBackup(stateDir, resolve(config.dataDir, "backups"));
    if (config.engineProcesses > 0) {
      // The program runs in child processes: this one keeps answering and renewing leases.
      const { ProcessEngine } = await import("../automation/engineProcess");
      const engine = new ProcessEngine({ stateDir, processes: config.engineProcesses });
      return { kind, engine, backup, close: () => engine.close(), ...withUsage };
    }
    const { OfflineEngine } = await import("../automation/offlineEngine");
    return { kind, engine: new OfflineEngine({ stateDir }), backup, ...withUsage };
  }
  const { LocalWorkspaceEngine } = await import("../automation/localWorkspaceEngine");
  const { DumpBackup } = await import("../automation/dumpBackup");
  const { openBackupStore } = await import("../automation/backupStore");
  return {
    kind,
    engine: new LocalWorkspaceEngine({
      projectDir: resolve(__dirname, ".."),
      workRoot: resolve(config.dataDir, "pulumi-work"),
      ...(process.env.PULUMI_BACKEND_URL ? { backendUrl: process.env.PULUMI_BACKEND_URL } : {}),
      envVars: Object.fromEntries(
        Object.entries(process.env).filter(
          (e): e is [string, string] =>
            e[1] !== undefined && /^(PULUMI_|AWS_|CLOUDFLARE_|KUBECONFIG)/.test(e[0]),
        ),
      ),
    }),
    // The store the restore handler reads (service/restoreHandler.ts).
    backup: new DumpBackup(
      config.mysql,
      await openBackupStore(config.backups),
      config.rabbitmq ? { rabbitmq: config.rabbitmq } : {},
    ),
    ...withUsage,
  };
}

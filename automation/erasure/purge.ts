/**
 * A purge's erasure: the stack first (through the engine, in erasing mode: its destroy deletes
 * what the program otherwise keeps), then every other eraser, which deletes what the stack never
 * held (released volumes and their EBS volumes, databases and vhosts a crash left, backups,
 * binlogs) and checks everything absent. The report is returned and, with `reportDir`, written there.
 */
import { join } from "node:path";
import type { ResourceStep, StateResource, TenantEngine } from "../engine";
import { eraseTenant, writeErasureReport, type ErasureReport, type Eraser } from "./report";
import { StackEraser, type RetainedResourceDeleter } from "./stackEraser";

export interface ErasureSetup {
  /** The erasers besides the stack's, for one tenant (MySQL, RabbitMQ, object storage). */
  readonly erasers: (tenantId: string) => readonly Eraser[];
  /** Deletes what Pulumi forgot but the cloud kept (retainOnDelete). */
  readonly retained?: RetainedResourceDeleter;
  /** Where each report is written as `<tenant>-<time>.json`. Default: not written (the caller keeps it). */
  readonly reportDir?: string;
  /** How reports name the engine's backend. Default "pulumi". */
  readonly stackWhere?: string;
}

export async function eraseAfterDestroy(
  tenantId: string,
  options: {
    readonly engine: TenantEngine;
    readonly setup?: ErasureSetup;
    readonly reason: string;
    readonly now: () => number;
    /** Erasing mode and the destroy of the stack (leased by the TenantService); resolves what was kept before. */
    readonly destroy: (onStep: (step: ResourceStep) => void) => Promise<readonly StateResource[]>;
  },
): Promise<ErasureReport> {
  const { setup } = options;
  const stack = new StackEraser({
    engine: options.engine,
    where: setup?.stackWhere ?? "pulumi",
    destroy: (_id, onStep) => options.destroy(onStep),
    ...(setup?.retained ? { retained: setup.retained } : {}),
  });
  const report = await eraseTenant(tenantId, [stack, ...(setup?.erasers(tenantId) ?? [])], {
    reason: options.reason,
    now: options.now,
  });
  if (setup?.reportDir)
    writeErasureReport(
      join(setup.reportDir, `${tenantId}-${report.finishedAt.replace(/[:.]/g, "-")}.json`),
      report,
    );
  return report;
}

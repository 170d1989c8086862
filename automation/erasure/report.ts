/**
 * The erasure report: what was erased, where, when, and that each thing was verified absent
 * afterwards. Machine-readable (JSON, `ERASURE_REPORT_VERSION`), written next to the audit trail
 * of the purge; a second erasure of the same tenant reports every item `absent` (nothing to do).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export const ERASURE_REPORT_VERSION = 1;

export type ErasureSystem =
  "mysql" | "rabbitmq" | "object-storage" | "backups" | "binlogs" | "stack" | "kubernetes" | "ebs";

/** One thing the tenant had. */
export interface ErasedItem {
  readonly system: ErasureSystem;
  /** database, user, vhost, bucket, prefix, stack, resource ... */
  readonly kind: string;
  readonly name: string;
  /** The server, store or stack it lived in (no credentials). */
  readonly where: string;
  /** `deleted` now; `absent` when there was nothing to delete (a second erasure); `retained` when it was left on purpose (see `note`). */
  readonly action: "deleted" | "absent" | "retained";
  /** Objects (every version and delete marker) removed from a bucket or prefix. */
  readonly objects?: number;
  /** Checked after the deletion: the system answered that it no longer exists. */
  readonly verifiedAbsent: boolean;
  readonly at: string;
  readonly note?: string;
}

export interface ErasureReport {
  readonly version: typeof ERASURE_REPORT_VERSION;
  readonly tenantId: string;
  /** Why: the retention window ended, or a confirmed GDPR request (its reference). */
  readonly reason: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly items: readonly ErasedItem[];
  /** Every item deleted or absent, and verified absent. */
  readonly complete: boolean;
  /** True when nothing was left to delete: this erasure changed nothing. */
  readonly noop: boolean;
}

/** One system's part of an erasure: deletes what the tenant has there and checks each thing gone. */
export interface Eraser {
  readonly system: ErasureSystem;
  erase(tenantId: string, at: () => string): Promise<ErasedItem[]>;
}

export interface EraseOptions {
  readonly reason: string;
  /** Clock. Default Date.now. */
  readonly now?: () => number;
}

/**
 * Runs every eraser in order (the stack first: its programs would otherwise create again what
 * the others delete) and returns the report. An eraser that throws stops the erasure: the report
 * is not written, and the purge is retried (each step is idempotent).
 */
export async function eraseTenant(
  tenantId: string,
  erasers: readonly Eraser[],
  options: EraseOptions,
): Promise<ErasureReport> {
  const now = options.now ?? Date.now;
  const at = () => new Date(now()).toISOString();
  const startedAt = at();
  const items: ErasedItem[] = [];
  for (const eraser of erasers) items.push(...(await eraser.erase(tenantId, at)));
  return {
    version: ERASURE_REPORT_VERSION,
    tenantId,
    reason: options.reason,
    startedAt,
    finishedAt: at(),
    items,
    complete: items.every((i) => i.verifiedAbsent),
    noop: items.every((i) => i.action !== "deleted"),
  };
}

/** Writes the report as JSON (0600: it names the tenant's resources). */
export function writeErasureReport(path: string, report: ErasureReport): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`, { mode: 0o600 });
}

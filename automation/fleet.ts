/**
 * Fleet operations: preview or update every tenant stack (or a filtered set) with bounded
 * concurrency, progress events, an optional stop on the first failure, and a summary.
 */
import type { TierName } from "../tiers";
import { summaryLine, type PlanResult } from "./engine";
import { TenantOperationError } from "./errors";
import type { TenantService } from "./tenantService";

export interface FleetFilter {
  /** Only tenants of this tier. */
  readonly tier?: TierName;
  /** Only these tenants. */
  readonly tenants?: readonly string[];
}

export interface FleetOptions {
  readonly command: "preview" | "up";
  /** Stacks in flight at once. Default 4. */
  readonly concurrency?: number;
  readonly filter?: FleetFilter;
  /** Start no new stack after the first failure (running ones finish). Default false. */
  readonly stopOnFailure?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: FleetProgress) => void;
}

export type FleetStatus = "changed" | "unchanged" | "failed" | "skipped";

export interface FleetEntry {
  readonly tenantId: string;
  readonly status: FleetStatus;
  readonly summary?: PlanResult["summary"];
  /** Outcome code of a typed failure ("busy", "locked", ...), or "error". */
  readonly outcome?: string;
  readonly reason?: string;
  readonly durationMs?: number;
}

export interface FleetProgress {
  readonly done: number;
  readonly total: number;
  readonly entry: FleetEntry;
}

export interface FleetSummary {
  readonly command: "preview" | "up";
  readonly entries: readonly FleetEntry[];
  readonly counts: Readonly<Record<FleetStatus, number>>;
}

const changed = (plan: PlanResult) =>
  Object.entries(plan.summary).some(([op, n]) => op !== "same" && (n ?? 0) > 0);

export async function runFleet(service: TenantService, options: FleetOptions): Promise<FleetSummary> {
  let tenants = await service.listTenants();
  if (options.filter?.tenants) tenants = tenants.filter((t) => options.filter!.tenants!.includes(t));
  if (options.filter?.tier) {
    const tiers = await Promise.all(tenants.map(async (t) => [t, await service.tierOf(t)] as const));
    tenants = tiers.filter(([, tier]) => tier === options.filter!.tier).map(([t]) => t);
  }
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const entries = new Map<string, FleetEntry>();
  let next = 0;
  let failed = false;
  const record = (entry: FleetEntry) => {
    entries.set(entry.tenantId, entry);
    options.onProgress?.({ done: entries.size, total: tenants.length, entry });
  };

  const worker = async () => {
    while (next < tenants.length) {
      const tenantId = tenants[next++]!;
      if ((failed && options.stopOnFailure) || options.signal?.aborted) {
        record({
          tenantId,
          status: "skipped",
          reason: options.signal?.aborted ? "cancelled" : "stopped after a failure",
        });
        continue;
      }
      const started = performance.now();
      try {
        const plan = await service.refresh(
          tenantId,
          options.command,
          options.signal ? { signal: options.signal } : {},
        );
        record({
          tenantId,
          status: changed(plan) ? "changed" : "unchanged",
          summary: plan.summary,
          durationMs: Math.round(performance.now() - started),
        });
      } catch (error) {
        failed = true;
        record({
          tenantId,
          status: "failed",
          outcome: error instanceof TenantOperationError ? error.outcome : "error",
          reason: error instanceof Error ? error.message : String(error),
          durationMs: Math.round(performance.now() - started),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tenants.length) }, worker));

  const ordered = tenants.map((t) => entries.get(t)!);
  const counts: Record<FleetStatus, number> = { changed: 0, unchanged: 0, failed: 0, skipped: 0 };
  for (const e of ordered) counts[e.status] += 1;
  return { command: options.command, entries: ordered, counts };
}

/** The summary as a fixed-width table for humans. */
export function fleetTable(summary: FleetSummary): string {
  const rows = summary.entries.map((e) => [
    e.tenantId,
    e.status,
    e.summary ? summaryLine(e.summary) : "",
    e.reason ?? "",
  ]);
  const header = ["tenant", "status", "changes", "reason"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  const c = summary.counts;
  return [
    line(header),
    ...rows.map(line),
    "",
    `${summary.command}: ${c.changed} changed, ${c.unchanged} unchanged, ${c.failed} failed, ${c.skipped} skipped`,
  ].join("\n");
}

/**
 * `npm run tenant -- restore <tenant> [--to <timestamp>]`: the operator's front to TenantRestore
 * (the command itself is in scripts/tenantCommand.ts). The tenant's tier comes from its stack
 * (never from the operator), so a Business tenant is always restored with its binary logs.
 */
import { resolve } from "node:path";
import type { TierName } from "../tiers";
import { DirectoryStore } from "./backupStore";
import type { MysqlServer } from "./mysqlTools";
import { TenantRestore, type RestoreResult } from "./restore";

/** What `restore --help` says after the options. */
export const RESTORE_DETAILS = `
Restores the tenant's 11 databases into a fresh set of databases, verifies them (every database
present, every table passes CHECK TABLE, nothing RENAME TABLE could not move), then swaps them in
with one atomic RENAME TABLE. The data it replaces is kept in <database>_p<yyyymmddhhmmss>.

--to is the end of that second, UTC: 2026-11-30T14:05:09Z or "2026-11-30 14:05:09". Business
(point-in-time recovery, 30 days): the newest dump before it plus the binary logs up to it.
Standard and Premium: the newest dump taken at or before it. Default: the newest state the
backups hold. The tier is the tenant stack's. MySQL admin account from MYSQL_HOST, MYSQL_PORT,
MYSQL_USER, MYSQL_PASSWORD.
`;

/** A --to value: ISO 8601 with a zone, or "YYYY-MM-DD HH:MM:SS" read as UTC. */
export function parseRestorePoint(value: string): Date {
  const text = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value) ? `${value.replace(" ", "T")}Z` : value;
  const at = /(Z|[+-]\d{2}:\d{2})$/.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) throw new RestoreUsageError(`--to: expected a UTC timestamp such as 2026-11-30T14:05:09Z, got ${JSON.stringify(value)}`);
  return at;
}

export class RestoreUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RestoreUsageError";
  }
}

export interface RestoreRequest {
  readonly tenantId: string;
  /** The tenant's tier, from its stack. */
  readonly tier: TierName;
  readonly to?: Date;
  readonly mysql: MysqlServer;
  /** Backup store directory (layout of tiers/backups.ts). */
  readonly backupDir: string;
  /** The binlog archive of the tenant's MySQL server (Business). */
  readonly binlogServer?: string;
}

/** Restores the tenant from the backup store (see TenantRestore). */
export function runRestore(request: RestoreRequest): Promise<RestoreResult> {
  const restore = new TenantRestore({
    mysql: request.mysql,
    store: new DirectoryStore(resolve(request.backupDir)),
    ...(request.binlogServer ? { binlogServer: request.binlogServer } : {}),
  });
  return restore.restore({ tenantId: request.tenantId, tier: request.tier, ...(request.to ? { to: request.to } : {}) });
}

/** The result for a human. */
export function restoreSummary(r: RestoreResult): string {
  const rows = r.tables.map((t) => `  ${t.database}.${t.table}: ${t.rows} rows`).join("\n");
  return [
    `restored ${r.tenantId} to ${r.restoredTo} from ${r.dump}${r.binlogs.length ? ` + binlogs ${r.binlogs.join(", ")}` : ""}`,
    rows,
    `replaced data kept in ${r.previous[0]} and ${r.previous.length - 1} more`,
  ].join("\n");
}

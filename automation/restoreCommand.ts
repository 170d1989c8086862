/**
 * `npm run tenant -- restore <tenant> [--to <timestamp>]`: the operator's front to TenantRestore
 * (the command itself is in scripts/tenantCommand.ts). The tenant's tier comes from its stack
 * (never from the operator), so a Business tenant is always restored with its binary logs.
 */
import { resolve } from "node:path";
import type { TierName } from "../tiers";
import { DirectoryStore, type BackupStore } from "./backupStore";
import type { MysqlServer } from "./mysqlTools";
import type { RabbitManagement } from "./rabbitDefinitions";
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

--backup names one dump of the tenant: its key (tenants/<tenant>/dumps/<stamp>.sql), stamp
(2026-11-30T14-05-09-000Z) or time; restored as it was (with --to on Business: plus the binary
logs up to --to). Backups are read from BACKUP_BUCKET (S3, AWS SDK environment) when set, else
from --backup-dir. With RABBITMQ_MANAGEMENT_URL (RABBITMQ_USER, RABBITMQ_PASSWORD) the tenant
vhost's definitions taken with the dump are loaded too: what the vhost lacks is created and
verified before the swap, what exists is kept; a file naming another vhost is refused.
`;

export { parseRestorePoint, RestoreUsageError } from "./restoreRequest";

export interface RestoreRequest {
  readonly tenantId: string;
  /** The tenant's tier, from its stack. */
  readonly tier: TierName;
  readonly to?: Date;
  /** A dump of the tenant (key, stamp or time) instead of the newest at or before `to`. */
  readonly backup?: string;
  readonly mysql: MysqlServer;
  /** Backup store directory (layout of tiers/backups.ts). */
  readonly backupDir: string;
  /** Another store than that directory (the platform's bucket). */
  readonly store?: BackupStore;
  /** The binlog archive of the tenant's MySQL server (Business). */
  readonly binlogServer?: string;
  /** Restore the vhost definitions too, through this management API. */
  readonly rabbitmq?: RabbitManagement;
}

/** Restores the tenant from the backup store (see TenantRestore). */
export function runRestore(request: RestoreRequest): Promise<RestoreResult> {
  const restore = new TenantRestore({
    mysql: request.mysql,
    store: request.store ?? new DirectoryStore(resolve(request.backupDir)),
    ...(request.binlogServer ? { binlogServer: request.binlogServer } : {}),
    ...(request.rabbitmq ? { rabbitmq: request.rabbitmq } : {}),
  });
  return restore.restore({
    tenantId: request.tenantId,
    tier: request.tier,
    ...(request.to ? { to: request.to } : {}),
    ...(request.backup !== undefined ? { backup: request.backup } : {}),
  });
}

/** The result for a human. */
export function restoreSummary(r: RestoreResult): string {
  const rows = r.tables.map((t) => `  ${t.database}.${t.table}: ${t.rows} rows`).join("\n");
  return [
    `restored ${r.tenantId} to ${r.restoredTo} from ${r.dump}${r.binlogs.length ? ` + binlogs ${r.binlogs.join(", ")}` : ""}`,
    rows,
    `replaced data kept in ${r.previous[0]} and ${r.previous.length - 1} more`,
    r.definitions
      ? `vhost ${r.definitions.vhost} from ${r.definitions.key}: created ${Object.entries(
          r.definitions.created,
        )
          .map(([k, names]) => `${names.length} ${k}`)
          .join(
            ", ",
          )}${r.definitions.kept.length ? `; kept as they are: ${r.definitions.kept.join(", ")}` : ""}`
      : "vhost definitions: not restored (no RABBITMQ_MANAGEMENT_URL, or no export at or before that point)",
  ].join("\n");
}

/**
 * `npm run tenant -- restore <tenant> [--to <timestamp>]`: the operator's front to TenantRestore.
 * The tenant's tier comes from its stack (never from the operator), so a Business tenant is
 * always restored with its binary logs.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { TierName } from "../tiers";
import { DirectoryStore } from "./backupStore";
import type { MysqlServer } from "./mysqlTools";
import { TenantRestore, type RestoreResult } from "./restore";

export const RESTORE_HELP = `Usage: npm run tenant -- restore <tenant> [--to <timestamp>] [options]

Restores the tenant's 11 databases into a fresh set of databases, verifies them (every database
present, every table passes CHECK TABLE, nothing RENAME TABLE could not move), then swaps them in
with one atomic RENAME TABLE. The data it replaces is kept in <database>_p<yyyymmddhhmmss>.

  --to <timestamp>        restore the state at the end of this second, UTC: 2026-11-30T14:05:09Z
                          or "2026-11-30 14:05:09". Business (point-in-time recovery, 30 days):
                          the newest dump before it plus the binary logs up to it. Standard and
                          Premium: the newest dump taken at or before it. Default: the newest
                          state the backups hold.
  --backup-dir <dir>      backup store (layout of tiers/backups.ts). Default $BACKUP_DIR or backups/
  --binlog-server <name>  the binlog archive of the tenant's MySQL server (Business).
                          Default $BINLOG_SERVER
  --engine, --state-dir   where the tenant's stack (and so its tier) is read, as for other commands
  --json                  print the result as JSON

MySQL admin account from MYSQL_HOST, MYSQL_PORT, MYSQL_USER, MYSQL_PASSWORD.
`;

export interface RestoreCommandDeps {
  readonly mysql: MysqlServer;
  /** The tenant's tier, from its stack. */
  tierOf(tenantId: string, engine: { readonly kind?: string; readonly stateDir: string }): Promise<TierName>;
  readonly out?: (text: string) => void;
}

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

function human(r: RestoreResult): string {
  const rows = r.tables.map((t) => `  ${t.database}.${t.table}: ${t.rows} rows`).join("\n");
  return [
    `restored ${r.tenantId} to ${r.restoredTo} from ${r.dump}${r.binlogs.length ? ` + binlogs ${r.binlogs.join(", ")}` : ""}`,
    rows,
    `replaced data kept in ${r.previous[0]} and ${r.previous.length - 1} more`,
  ].join("\n");
}

/** Runs the command; returns the exit code (2 for usage errors). */
export async function restoreCommand(argv: readonly string[], deps: RestoreCommandDeps): Promise<number> {
  const out = deps.out ?? ((text: string) => process.stdout.write(text));
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      to: { type: "string" },
      "backup-dir": { type: "string" },
      "binlog-server": { type: "string" },
      engine: { type: "string" },
      "state-dir": { type: "string", default: ".tenants" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    out(RESTORE_HELP);
    return 0;
  }
  const [tenantId, ...extra] = positionals;
  if (!tenantId || extra.length > 0) throw new RestoreUsageError(`expected one tenant id\n\n${RESTORE_HELP}`);
  const to = values.to === undefined ? undefined : parseRestorePoint(values.to);
  const tier = await deps.tierOf(tenantId, { ...(values.engine ? { kind: values.engine } : {}), stateDir: values["state-dir"]! });
  const binlogServer = values["binlog-server"] ?? process.env.BINLOG_SERVER;
  const restore = new TenantRestore({
    mysql: deps.mysql,
    store: new DirectoryStore(resolve(values["backup-dir"] ?? process.env.BACKUP_DIR ?? "backups")),
    ...(binlogServer ? { binlogServer } : {}),
  });
  const result = await restore.restore({ tenantId, tier, ...(to ? { to } : {}) });
  out(values.json ? `${JSON.stringify(result, null, 2)}\n` : `${human(result)}\n`);
  return 0;
}

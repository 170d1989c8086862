/**
 * Continuous backup for point-in-time recovery: ships a MySQL server's binary logs to the backup
 * store (`binlogs/<server>/<file>`), as the raw files `mariadb-binlog --read-from-remote-server
 * --raw` fetches. Closed logs are shipped once; the active one on every run (it grows), and once
 * more after it closes.
 * The marker `ARCHIVED_AT` records when the run started: every event committed before it is in
 * the store, which is what a restore checks before trusting the archive up to a second.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binlogMarkerKey, binlogPrefix } from "../tiers";
import type { BackupStore } from "./backupStore";
import { connectionArgs, runTool, withConnection, type MysqlServer } from "./mysqlTools";

export interface BinlogArchiveOptions {
  /** Binlog reader. Default `mysqlbinlog`. */
  readonly command?: string;
  /** Clock, for tests. Default Date.now. */
  readonly now?: () => number;
}

export class BinlogArchive {
  private readonly command: string;
  private readonly now: () => number;

  constructor(
    private readonly mysql: MysqlServer,
    /** Name of the server in the store (e.g. "shared-eu-west-3", "dedicated-acme"). */
    readonly server: string,
    private readonly store: BackupStore,
    options: BinlogArchiveOptions = {},
  ) {
    this.command = options.command ?? "mysqlbinlog";
    this.now = options.now ?? Date.now;
  }

  /** Ships the logs not yet archived and the active one; returns the files shipped. */
  async archive(): Promise<string[]> {
    const startedAt = new Date(this.now());
    const logs = await withConnection(this.mysql, async (db) => {
      const [rows] = await db.query("SHOW BINARY LOGS").catch((error: Error) => {
        throw new Error(`binlog archive of ${this.server}: the server has no binary logs (${error.message})`);
      });
      return (rows as { Log_name: string }[]).map((r) => r.Log_name);
    });
    const prefix = binlogPrefix(this.server);
    const archived = new Set((await this.store.list(prefix)).map((k) => k.slice(prefix.length)));
    const active = logs.at(-1);
    // The newest archived log was the active one when it was shipped, so its copy may stop short:
    // it is shipped again (now closed, or still active). Every older archived log was closed then.
    const lastArchived = logs.filter((log) => archived.has(log)).at(-1);
    const toShip = logs.filter((log) => log === active || log === lastArchived || !archived.has(log));
    const dir = await mkdtemp(join(tmpdir(), "binlogs-"));
    try {
      for (const log of toShip) {
        await runTool(this.mysql, {
          what: `binlog archive of ${this.server} (${log})`,
          command: this.command,
          args: [
            "--read-from-remote-server",
            ...connectionArgs(this.mysql),
            "--raw",
            `--result-file=${dir}/`,
            log,
          ],
        });
        await this.store.putFile(`${prefix}${log}`, join(dir, log));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await this.store.putText(binlogMarkerKey(this.server), startedAt.toISOString());
    return toShip;
  }
}

/**
 * Logical backups of a tenant's 11 databases: one consistent `mysqldump`/`mariadb-dump` of all of
 * them (one transaction, so one point in time) into the backup store at `dumpKey(tenant, start)`.
 * With binary logging on the server, the dump records the binlog position it is consistent with
 * (`--master-data=2`), which a point-in-time restore replays from. With a RabbitMQ management API,
 * the tenant vhost's definitions are exported next to it at `definitionsKey(tenant, start)`, as the
 * scheduled runners do. This is also the BackupHook the tenant service calls before a downgrade or
 * deprovision.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { databaseName, DATABASE_SERVICES, definitionsKey, dumpKey, type TierName } from "../tiers";
import type { BackupStore } from "./backupStore";
import { connectionArgs, runTool, withConnection, type MysqlServer } from "./mysqlTools";
import { RabbitDefinitions, type RabbitManagement } from "./rabbitDefinitions";
import type { BackupHook, BackupReason } from "./tenantService";

export interface DumpBackupOptions {
  /** Dump client. Default `mysqldump`. */
  readonly command?: string;
  /** Clock, for tests. Default Date.now. */
  readonly now?: () => number;
  /** Also export the tenant vhost's definitions (a failed export fails the backup). Default: databases only. */
  readonly rabbitmq?: RabbitManagement;
}

export const tenantDatabases = (tenantId: string): string[] =>
  DATABASE_SERVICES.map((s) => databaseName(tenantId, s.name));

export class DumpBackup implements BackupHook {
  private readonly command: string;
  private readonly now: () => number;
  private readonly definitions?: RabbitDefinitions;

  constructor(
    private readonly mysql: MysqlServer,
    private readonly store: BackupStore,
    options: DumpBackupOptions = {},
  ) {
    this.command = options.command ?? "mysqldump";
    this.now = options.now ?? Date.now;
    if (options.rabbitmq) this.definitions = new RabbitDefinitions(options.rabbitmq);
  }

  /**
   * Dumps the tenant's databases into the store; returns the key. Every reason (a downgrade, a
   * site removal, deprovisioning) takes the same dump: restore picks dumps by time, not by why.
   * `tier`, the tier the dump is taken under, sets its retention in the store (PutOptions).
   */
  async backup(
    tenantId: string,
    reason: BackupReason = "final",
    tier?: TierName,
  ): Promise<{ readonly location: string }> {
    const at = new Date(this.now());
    const key = dumpKey(tenantId, at);
    const binlog = await withConnection(this.mysql, async (db) => {
      const [rows] = await db.query("SELECT @@log_bin AS on_");
      return Number((rows as { on_: number | string }[])[0]?.on_) === 1;
    });
    const dir = await mkdtemp(join(tmpdir(), "dump-"));
    try {
      const file = join(dir, "dump.sql");
      const args = [
        ...connectionArgs(this.mysql),
        "--single-transaction",
        "--routines",
        "--triggers",
        "--events",
        // The binlog coordinates of the snapshot, as a comment: where a point-in-time restore starts.
        ...(binlog ? ["--master-data=2"] : []),
        "--databases",
        ...tenantDatabases(tenantId),
      ];
      await runTool(this.mysql, {
        what: `${reason} backup of ${tenantId}`,
        command: this.command,
        args,
        stdoutFile: file,
      });
      await this.store.putFile(key, file, tier ? { retention: tier } : {});
      // Same stamp as the dump: a restore of this dump finds the definitions taken with it.
      if (this.definitions)
        await this.store.putText(
          definitionsKey(tenantId, at),
          await this.definitions.export(tenantId),
          tier ? { retention: tier } : {},
        );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return { location: key };
  }
}

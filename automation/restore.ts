/**
 * Restore as an operation: a tenant's 11 databases rebuilt from the backup store into a fresh set
 * of databases next to the live ones, verified, and only then swapped in by one atomic RENAME
 * TABLE (all databases at once). The live data before the restore is kept in `<db>_p<stamp>`.
 *
 * - Without `to`: the newest state the backups hold (the newest dump; on a tier with point-in-time
 *   recovery, plus every archived binary log).
 * - With `to`: the state at the end of that second. With point-in-time recovery the newest dump
 *   taken at or before it, plus the binary logs replayed up to it, filtered to the tenant's
 *   databases (a shared server's logs hold every tenant's changes) and rewritten to the fresh
 *   names; without, the newest dump at or before it.
 * - With `backup` (a dump of the tenant, restoreRequest.ts): that dump as it was; with `to` as well
 *   (point-in-time recovery only), that dump plus the binary logs up to `to`.
 * RabbitMQ: with a management API, the vhost definitions exported with the chosen dump (same stamp,
 * else the newest at or before the restored point) are checked to be the tenant vhost's before any
 * database work, then loaded (what the vhost lacks, rabbitDefinitions.ts) and verified before the
 * swap. No export at or before the point: the vhost is left as it is (`definitions` says so).
 * Limits: binlog DDL is replayed when it runs in the service's own database (as migrations do);
 * routines and triggers cannot move with RENAME TABLE, so a restore holding any is not swapped.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { finished } from "node:stream/promises";
import {
  binlogMarkerKey,
  binlogPrefix,
  definitionsPrefix,
  dumpPrefix,
  getTier,
  parseBackupStamp,
  rabbitVhost,
  type TierName,
} from "../tiers";
import type { BackupStore } from "./backupStore";
import { tenantDatabases } from "./dumpBackup";
import { connectionArgs, runTool, withConnection, type MysqlServer } from "./mysqlTools";
import {
  parseVhostDefinitions,
  RabbitDefinitions,
  type DefinitionsRestore,
  type RabbitManagement,
  type VhostDefinitions,
} from "./rabbitDefinitions";
import { dumpKeyOf } from "./restoreRequest";

export interface RestoreRequest {
  readonly tenantId: string;
  /** The tenant's tier: whether binary logs are replayed, and how far back. */
  readonly tier: TierName;
  /** Restore to the end of this second (UTC). Default: the newest state the backups hold. */
  readonly to?: Date;
  /** Restore this dump (key, stamp or time; restoreRequest.ts) instead of choosing one by `to`. */
  readonly backup?: string;
  /** Stops the restore before its next step (and always before the swap). */
  readonly signal?: AbortSignal;
}

export interface RestoreOptions {
  /** Admin account of the server holding the tenant's databases. */
  readonly mysql: MysqlServer;
  readonly store: BackupStore;
  /** Name of that server's binlog archive in the store; required on tiers with point-in-time recovery. */
  readonly binlogServer?: string;
  /** SQL client. Default `mysql`. */
  readonly client?: string;
  /** Binlog reader. Default `mysqlbinlog`. */
  readonly binlogReader?: string;
  /** Clock, for tests. Default Date.now. */
  readonly now?: () => number;
  /** RabbitMQ management API: the vhost definitions are restored too. Default: databases only. */
  readonly rabbitmq?: RabbitManagement;
}

export interface RestoredTable {
  readonly database: string;
  readonly table: string;
  readonly rows: number;
}

export interface RestoreResult {
  readonly tenantId: string;
  /** The dump the restore started from. */
  readonly dump: string;
  /** The point restored: `to`, or the dump's time, or the binlog archive's time. */
  readonly restoredTo: string;
  /** Binlog files replayed on top of the dump. */
  readonly binlogs: readonly string[];
  readonly tables: readonly RestoredTable[];
  /** Databases now holding the data the restore replaced. */
  readonly previous: readonly string[];
  /** The vhost definitions loaded; absent when no management API was given or the backups hold no export at or before the point. */
  readonly definitions?: DefinitionsRestore;
}

export class RestoreError extends Error {
  /** Typed, so the provisioning service fails the operation instead of retrying it. */
  readonly outcome = "refused";
  constructor(message: string) {
    super(message);
    this.name = "RestoreError";
  }
}

const DAY_MS = 86_400_000;
const quote = (identifier: string): string => `\`${identifier.replace(/`/g, "``")}\``;
const compactStamp = (at: Date): string => at.toISOString().replace(/\D/g, "").slice(0, 14);
/** mariadb-binlog's datetime form (read as UTC: the tools run with TZ=UTC). */
const binlogTime = (at: Date): string => at.toISOString().slice(0, 19).replace("T", " ");

/** The binlog coordinates `--master-data=2` wrote into a dump. */
function binlogStart(line: string): { file: string; position: number } | undefined {
  const m = /^-- CHANGE MASTER TO MASTER_LOG_FILE='([^']+)', MASTER_LOG_POS=(\d+);/.exec(line);
  return m ? { file: m[1]!, position: Number(m[2]) } : undefined;
}

export class TenantRestore {
  private readonly client: string;
  private readonly binlogReader: string;
  private readonly now: () => number;

  constructor(private readonly options: RestoreOptions) {
    this.client = options.client ?? "mysql";
    this.binlogReader = options.binlogReader ?? "mysqlbinlog";
    this.now = options.now ?? Date.now;
  }

  async restore(request: RestoreRequest): Promise<RestoreResult> {
    const { tenantId, to, backup, signal } = request;
    const backups = getTier(request.tier).backups;
    const pitr = backups.pointInTimeRecovery;
    const started = new Date(this.now());
    // A named dump alone is restored as it was; binary logs are replayed only up to a point.
    const replays = pitr && (backup === undefined || to !== undefined);
    if (replays && !this.options.binlogServer)
      throw new RestoreError("point-in-time restore needs the binlog archive's server name (binlogServer)");
    if (to && to.getTime() > started.getTime())
      throw new RestoreError(`--to ${to.toISOString()} is in the future`);
    if (to && started.getTime() - to.getTime() > backups.retentionDays * DAY_MS) {
      throw new RestoreError(
        `--to ${to.toISOString()} is older than the ${request.tier} tier's ${backups.retentionDays}-day backup retention`,
      );
    }
    if (backup !== undefined && to && !pitr) {
      throw new RestoreError(
        `a named backup restores the state it holds; a later point (--to) needs point-in-time recovery, which the ${request.tier} tier does not have`,
      );
    }
    const dump =
      backup !== undefined ? await this.namedDump(tenantId, backup) : await this.chooseDump(tenantId, to);
    if (backup !== undefined && to && to.getTime() + 999 < dump.at.getTime())
      throw new RestoreError(`--to ${to.toISOString()} is before ${dump.key} was taken`);
    const archivedUntil = replays ? await this.archivedUntil(to) : undefined;
    const point = replays ? (to ?? archivedUntil!) : dump.at;
    // Read and checked before any database work: a file naming another vhost stops the restore here.
    const definitions = this.options.rabbitmq
      ? await this.chooseDefinitions(tenantId, dump, point)
      : undefined;
    signal?.throwIfAborted();

    const stamp = compactStamp(started);
    const live = tenantDatabases(tenantId);
    const fresh = new Map(live.map((db) => [db, `${db}_r${stamp}`]));
    const previous = live.map((db) => `${db}_p${stamp}`);
    const dir = await mkdtemp(join(tmpdir(), "restore-"));
    try {
      await this.assertAbsent([...fresh.values(), ...previous]);
      const start = await this.loadDump(tenantId, dump.key, fresh, dir);
      let binlogs: string[] = [];
      if (replays) {
        if (!start)
          throw new RestoreError(
            `${dump.key} records no binlog position (was binary logging on when it was taken?)`,
          );
        signal?.throwIfAborted();
        binlogs = await this.replay(tenantId, start, fresh, dir, to);
      }
      const tables = await this.verify(tenantId, [...fresh.values()]);
      signal?.throwIfAborted();
      const loaded = definitions
        ? await new RabbitDefinitions(this.options.rabbitmq!).restore(
            tenantId,
            definitions.definitions,
            definitions.key,
          )
        : undefined;
      signal?.throwIfAborted();
      await this.swap(fresh, previous);
      return {
        tenantId,
        dump: dump.key,
        restoredTo: point.toISOString(),
        binlogs,
        tables: tables.map((t) => ({ ...t, database: [...fresh].find(([, f]) => f === t.database)![0] })),
        previous,
        ...(loaded ? { definitions: loaded } : {}),
      };
    } catch (error) {
      await this.dropIfPresent([...fresh.values()]);
      throw error;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The dump `backup` names, which must be one of the tenant's and in the store. */
  private async namedDump(tenantId: string, backup: string): Promise<{ key: string; at: Date }> {
    const key = dumpKeyOf(tenantId, backup);
    const at = key ? parseBackupStamp(key) : undefined;
    if (!key || !at)
      throw new RestoreError(
        `backup ${backup} is not one of ${tenantId}'s dumps (${dumpPrefix(tenantId)}<stamp>.sql)`,
      );
    if (!(await this.options.store.list(dumpPrefix(tenantId))).includes(key))
      throw new RestoreError(`no backup ${key}`);
    return { key, at };
  }

  /** The definitions export taken with `dump` (same stamp), else the newest at or before `point`; checked to be the tenant vhost's. */
  private async chooseDefinitions(
    tenantId: string,
    dump: { at: Date },
    point: Date,
  ): Promise<{ key: string; definitions: VhostDefinitions } | undefined> {
    const exports = (await this.options.store.list(definitionsPrefix(tenantId)))
      .map((key) => ({ key, at: parseBackupStamp(key) }))
      .filter(
        (d): d is { key: string; at: Date } =>
          d.at !== undefined && d.at.getTime() <= Math.max(point.getTime() + 999, dump.at.getTime()),
      )
      .sort((a, b) => a.at.getTime() - b.at.getTime());
    const chosen = exports.find((d) => d.at.getTime() === dump.at.getTime()) ?? exports.at(-1);
    if (!chosen) return undefined;
    const text = await this.options.store.getText(chosen.key);
    if (text === undefined) throw new RestoreError(`${chosen.key} vanished from the backup store`);
    return { key: chosen.key, definitions: parseVhostDefinitions(text, rabbitVhost(tenantId), chosen.key) };
  }

  /** The newest dump at or before `to` (any dump without `to`). */
  private async chooseDump(tenantId: string, to: Date | undefined): Promise<{ key: string; at: Date }> {
    const dumps = (await this.options.store.list(dumpPrefix(tenantId)))
      .map((key) => ({ key, at: parseBackupStamp(key) }))
      .filter(
        (d): d is { key: string; at: Date } =>
          d.at !== undefined && (!to || d.at.getTime() <= to.getTime() + 999),
      );
    const newest = dumps.sort((a, b) => a.at.getTime() - b.at.getTime()).at(-1);
    if (!newest)
      throw new RestoreError(`no backup of ${tenantId}${to ? ` at or before ${to.toISOString()}` : ""}`);
    return newest;
  }

  /** When the binlog archive last ran; it must cover `to`. */
  private async archivedUntil(to: Date | undefined): Promise<Date> {
    const server = this.options.binlogServer!;
    const marker = await this.options.store.getText(binlogMarkerKey(server));
    const until = marker ? new Date(marker.trim()) : undefined;
    if (!until || Number.isNaN(until.getTime())) throw new RestoreError(`no binlog archive for ${server}`);
    if (to && until.getTime() < to.getTime() + 1000) {
      throw new RestoreError(
        `binary logs of ${server} are archived up to ${until.toISOString()}, before ${to.toISOString()}: archive again first`,
      );
    }
    return until;
  }

  private async assertAbsent(databases: readonly string[]): Promise<void> {
    const existing = await this.existing(databases);
    if (existing.length > 0)
      throw new RestoreError(
        `databases ${existing.join(", ")} already exist (another restore in the same second?)`,
      );
  }

  private existing(databases: readonly string[]): Promise<string[]> {
    return withConnection(this.options.mysql, async (db) => {
      const [rows] = await db.query(
        "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?)",
        [databases],
      );
      return (rows as { name: string }[]).map((r) => r.name);
    });
  }

  private async dropIfPresent(databases: readonly string[]): Promise<void> {
    const existing = await this.existing(databases).catch(() => []);
    if (existing.length === 0) return;
    await withConnection(this.options.mysql, async (db) => {
      for (const name of existing) await db.query(`DROP DATABASE ${quote(name)}`);
    });
  }

  /** Loads the dump into the fresh databases; returns the binlog position it is consistent with. */
  private async loadDump(tenantId: string, key: string, fresh: ReadonlyMap<string, string>, dir: string) {
    const original = join(dir, "dump.sql");
    const renamed = join(dir, "dump.fresh.sql");
    await this.options.store.getFile(key, original);
    let start: { file: string; position: number } | undefined;
    const out = createWriteStream(renamed);
    // Only a dump's own CREATE DATABASE and USE lines name the databases; data lines stay as they are.
    const statement = /^(CREATE DATABASE \/\*!32312 IF NOT EXISTS\*\/ |USE )`([^`]+)`/;
    for await (const line of createInterface({ input: createReadStream(original), crlfDelay: Infinity })) {
      start ??= binlogStart(line);
      const m = statement.exec(line);
      const target = m ? fresh.get(m[2]!) : undefined;
      const text = m && target ? line.replace(`\`${m[2]}\``, quote(target)) : line;
      if (!out.write(`${text}\n`)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    }
    out.end();
    await finished(out);
    await runTool(this.options.mysql, {
      what: `restore of ${tenantId} (loading ${key})`,
      command: this.client,
      args: connectionArgs(this.options.mysql),
      stdin: createReadStream(renamed),
    });
    return start;
  }

  /** Replays the archived binlogs from the dump's position, each live database into its fresh one. */
  private async replay(
    tenantId: string,
    start: { file: string; position: number },
    fresh: ReadonlyMap<string, string>,
    dir: string,
    to: Date | undefined,
  ): Promise<string[]> {
    const prefix = binlogPrefix(this.options.binlogServer!);
    const files = (await this.options.store.list(prefix))
      .map((k) => k.slice(prefix.length))
      .filter((f) => f !== "ARCHIVED_AT" && f >= start.file)
      .sort();
    if (files[0] !== start.file)
      throw new RestoreError(`binlog ${start.file}, where ${tenantId}'s dump starts, is not in the archive`);
    for (const f of files) await this.options.store.getFile(`${prefix}${f}`, join(dir, f));
    for (const [liveDb, freshDb] of fresh) {
      const events = join(dir, `${freshDb}.binlog.sql`);
      await runTool(this.options.mysql, {
        what: `restore of ${tenantId} (reading binlogs for ${liveDb})`,
        command: this.binlogReader,
        args: [
          `--database=${liveDb}`,
          `--rewrite-db=${liveDb}->${freshDb}`,
          `--start-position=${start.position}`,
          // The end of the chosen second: events stamped `to` are in, the next second's are not.
          ...(to
            ? [`--stop-datetime=${binlogTime(new Date(Math.floor(to.getTime() / 1000) * 1000 + 1000))}`]
            : []),
          ...files.map((f) => join(dir, f)),
        ],
        stdoutFile: events,
      });
      await runTool(this.options.mysql, {
        what: `restore of ${tenantId} (replaying binlogs into ${freshDb})`,
        command: this.client,
        args: connectionArgs(this.options.mysql),
        stdin: createReadStream(events),
      });
    }
    return files;
  }

  /** Every fresh database exists, every table passes CHECK TABLE, nothing a swap would lose. */
  private verify(tenantId: string, databases: readonly string[]): Promise<RestoredTable[]> {
    return withConnection(this.options.mysql, async (db) => {
      const [schemas] = await db.query(
        "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?)",
        [databases],
      );
      const present = new Set((schemas as { name: string }[]).map((r) => r.name));
      const missing = databases.filter((d) => !present.has(d));
      if (missing.length > 0)
        throw new RestoreError(`restore of ${tenantId}: the backup did not create ${missing.join(", ")}`);
      const [unmovable] = await db.query(
        `SELECT ROUTINE_SCHEMA AS db FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA IN (?)
         UNION SELECT TRIGGER_SCHEMA FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA IN (?)
         UNION SELECT TABLE_SCHEMA FROM information_schema.VIEWS WHERE TABLE_SCHEMA IN (?)`,
        [databases, databases, databases],
      );
      if ((unmovable as unknown[]).length > 0) {
        throw new RestoreError(
          `restore of ${tenantId}: routines, triggers or views cannot be swapped in by RENAME TABLE`,
        );
      }
      const [tables] = await db.query(
        "SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?) AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1, 2",
        [databases],
      );
      const result: RestoredTable[] = [];
      for (const t of tables as { db: string; name: string }[]) {
        const table = `${quote(t.db)}.${quote(t.name)}`;
        const [check] = await db.query(`CHECK TABLE ${table}`);
        const bad = (check as { Msg_type: string; Msg_text: string }[]).filter(
          (r) => r.Msg_type === "error" || (r.Msg_type === "status" && r.Msg_text !== "OK"),
        );
        if (bad.length > 0)
          throw new RestoreError(
            `restore of ${tenantId}: ${t.db}.${t.name} fails CHECK TABLE: ${bad.map((r) => r.Msg_text).join("; ")}`,
          );
        const [count] = await db.query(`SELECT COUNT(*) AS n FROM ${table}`);
        result.push({ database: t.db, table: t.name, rows: Number((count as { n: number }[])[0]!.n) });
      }
      return result;
    });
  }

  /** One RENAME TABLE: every live table to its `_p` database, every restored one into place. */
  private swap(fresh: ReadonlyMap<string, string>, previous: readonly string[]): Promise<void> {
    return withConnection(this.options.mysql, async (db) => {
      const live = [...fresh.keys()];
      const tablesOf = async (schema: string) => {
        const [rows] = await db.query(
          "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?",
          [schema],
        );
        return (rows as { name: string }[]).map((r) => r.name);
      };
      const renames: string[] = [];
      for (const [i, liveDb] of live.entries()) {
        await db.query(`CREATE DATABASE ${quote(previous[i]!)}`);
        await db.query(`CREATE DATABASE IF NOT EXISTS ${quote(liveDb)}`);
        for (const t of await tablesOf(liveDb))
          renames.push(`${quote(liveDb)}.${quote(t)} TO ${quote(previous[i]!)}.${quote(t)}`);
        for (const t of await tablesOf(fresh.get(liveDb)!))
          renames.push(`${quote(fresh.get(liveDb)!)}.${quote(t)} TO ${quote(liveDb)}.${quote(t)}`);
      }
      if (renames.length > 0) await db.query(`RENAME TABLE ${renames.join(", ")}`);
      for (const f of fresh.values()) await db.query(`DROP DATABASE ${quote(f)}`);
    });
  }
}

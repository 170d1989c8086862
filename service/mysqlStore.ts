/**
 * The production operation store: MySQL/MariaDB, shared by the API and every worker machine.
 * Claims are transactions that lock the tenant's oldest unfinished operation (SELECT ... FOR
 * UPDATE), so two workers never run one tenant at once and a tenant's operations run in order.
 * Leases are on the database's clock, so workers on other machines agree on when one expired.
 */
import { randomUUID } from "node:crypto";
import mysql, {
  type Pool,
  type PoolConnection,
  type RowDataPacket,
  type ResultSetHeader,
} from "mysql2/promise";
import {
  IdempotencyConflictError,
  isFinished,
  redactedPayload,
  boundedLog,
  requestDigest,
  type ClaimResult,
  type Finish,
  type NewOperation,
  type Operation,
  type OperationKind,
  type OperationStatus,
  type OperationStore,
  type StoreCounts,
  type TenantRecord,
} from "./operations";
import { Batcher, keyedBatcher } from "./batch";
import { BY_SEQ, LOOKUPS, UNFINISHED } from "./mysqlLookups";
import { exportedHostnames, normalize, requestedCustomDomains } from "./domainClaims";
import { isEmptyLifecycle, type LifecycleRecord, type LifecycleState } from "./lifecycle";

export interface MysqlStoreOptions {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The service's database (created with its tables when missing). */
  readonly database: string;
  /** Connections in the pool. Default 20. */
  readonly connectionLimit?: number;
  /** How long an ended operation is kept (with its log lines). Default 30 days. */
  readonly retentionMs?: number;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS operations (
    seq BIGINT AUTO_INCREMENT PRIMARY KEY,
    id CHAR(36) NOT NULL UNIQUE,
    tenant_id VARCHAR(63) NOT NULL,
    kind VARCHAR(32) NOT NULL,
    payload LONGTEXT NOT NULL,
    digest CHAR(64) NOT NULL,
    idempotency_key VARCHAR(200) NULL UNIQUE,
    status VARCHAR(16) NOT NULL,
    attempts INT NOT NULL DEFAULT 0,
    owner VARCHAR(200) NULL,
    lease_until DATETIME(3) NULL,
    not_before DATETIME(3) NULL,
    created_at DATETIME(3) NOT NULL,
    updated_at DATETIME(3) NOT NULL,
    started_at DATETIME(3) NULL,
    finished_at DATETIME(3) NULL,
    result LONGTEXT NULL,
    error LONGTEXT NULL,
    KEY tenant_seq (tenant_id, seq),
    KEY status_seq (status, seq)
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS operation_logs (
    seq BIGINT AUTO_INCREMENT PRIMARY KEY,
    operation_id CHAR(36) NOT NULL,
    line TEXT NOT NULL,
    KEY operation_seq (operation_id, seq)
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS operation_log_batches (
    seq BIGINT AUTO_INCREMENT PRIMARY KEY,
    operation_id CHAR(36) NOT NULL,
    log_lines MEDIUMTEXT NOT NULL,
    KEY operation_seq (operation_id, seq)
  ) ENGINE=InnoDB`,
  `CREATE TABLE IF NOT EXISTS tenants (
    tenant_id VARCHAR(63) PRIMARY KEY,
    tier VARCHAR(16) NULL,
    status VARCHAR(16) NOT NULL,
    outputs LONGTEXT NULL,
    retain_until VARCHAR(40) NULL,
    last_operation_id CHAR(36) NOT NULL,
    updated_at DATETIME(3) NOT NULL
  ) ENGINE=InnoDB`,
  // Added by the lifecycle (issue 25): a new table, so an existing database needs no migration.
  `CREATE TABLE IF NOT EXISTS tenant_lifecycle (
    tenant_id VARCHAR(63) PRIMARY KEY,
    revision INT NOT NULL,
    state LONGTEXT NOT NULL,
    updated_at DATETIME(3) NOT NULL
  ) ENGINE=InnoDB`,
];

function toLifecycle(row: RowDataPacket): LifecycleRecord {
  return {
    tenantId: row["tenant_id"] as string,
    revision: row["revision"] as number,
    state: JSON.parse(row["state"] as string) as LifecycleState,
    updatedAt: (row["updated_at"] as Date).toISOString(),
  };
}

/** The database's clock, in a multi-row insert's values. */
const NOW = { toSqlString: () => "NOW(3)" };

interface OperationRow extends RowDataPacket {
  seq: number;
  id: string;
  tenant_id: string;
  kind: string;
  payload: string;
  status: string;
  attempts: number;
  owner: string | null;
  lease_until: Date | null;
  not_before: Date | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  result: string | null;
  error: string | null;
}

const iso = (d: Date | null) => d?.toISOString();

function toOperation(row: OperationRow): Operation {
  const optional = (key: string, value: unknown) =>
    value === undefined || value === null ? {} : { [key]: value };
  return {
    id: row.id,
    tenantId: row.tenant_id,
    kind: row.kind as OperationKind,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    status: row.status as OperationStatus,
    attempts: row.attempts,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    ...optional("startedAt", iso(row.started_at)),
    ...optional("finishedAt", iso(row.finished_at)),
    ...optional("owner", row.owner),
    ...optional("leaseUntil", iso(row.lease_until)),
    ...optional("notBefore", iso(row.not_before)),
    ...(row.result !== null ? { result: JSON.parse(row.result) as unknown } : {}),
    ...(row.error !== null ? { error: JSON.parse(row.error) as Operation["error"] } : {}),
  };
}

function toTenant(row: RowDataPacket): TenantRecord {
  return {
    tenantId: row["tenant_id"] as string,
    status: row["status"] as TenantRecord["status"],
    lastOperationId: row["last_operation_id"] as string,
    updatedAt: (row["updated_at"] as Date).toISOString(),
    ...(row["tier"] ? { tier: row["tier"] as string } : {}),
    ...(row["outputs"] ? { outputs: JSON.parse(row["outputs"] as string) as unknown } : {}),
    ...(row["retain_until"] ? { retainUntil: row["retain_until"] as string } : {}),
  };
}

/**
 * A pool whose sessions are in UTC: every timestamp on the database's clock, in UTC. The time
 * zone is set by a callback, so a connection lost meanwhile is an ignored error, never an
 * unhandled one (mysql2 hands the callback-style connection to this event, whatever its typings say).
 */
function utcPool(
  options: MysqlStoreOptions,
  extra: { readonly connectionLimit: number; readonly multipleStatements?: boolean },
): Pool {
  const pool = mysql.createPool({
    host: options.host,
    port: options.port,
    user: options.user,
    password: options.password,
    database: options.database,
    timezone: "Z",
    ...extra,
  });
  pool.on("connection", (c) =>
    (c as unknown as { query(sql: string, done: (error: unknown) => void): void }).query(
      "SET time_zone = '+00:00'",
      () => undefined,
    ),
  );
  return pool;
}

const isDeadlock = (error: unknown) =>
  ["ER_LOCK_DEADLOCK", "ER_LOCK_WAIT_TIMEOUT"].includes((error as { code?: string }).code ?? "");

/** A duplicate-key error on the unique key `key` (MariaDB and MySQL name the key last, quoted). */
const isDuplicateOn = (error: unknown, key: string) => {
  const e = error as { code?: string; sqlMessage?: string };
  return e.code === "ER_DUP_ENTRY" && new RegExp(`for key '(\\w+\\.)?${key}'$`).test(e.sqlMessage ?? "");
};

/** A new operation's row, and whether it creates its tenant's record. */
interface Insert {
  readonly id: string;
  readonly request: NewOperation;
  readonly digest: string;
}

/**
 * Insert groups in flight at once, each on a connection of its own. A signup waits for the group
 * on the wire before its own is sent, so with two a burst was bound by commit round trips, not CPU:
 * four took the production signup from about 3,600 to 4,400-4,900 per second at 100 connections
 * (`bench:service-cost`, quiet machine); eight was no better.
 */
const WRITE_GROUPS = 4;

export class MysqlStore implements OperationStore {
  /** Concurrent requests' lookups and inserts, grouped into one round trip each (service/batch.ts). */
  private readonly tenants = keyedBatcher<string, TenantRecord | undefined>(
    (ids) => this.loadTenants(ids),
    undefined,
  );
  private readonly pendings = keyedBatcher<string, Operation[]>((ids) => this.loadPending(ids), []);
  private readonly latest = keyedBatcher<string, Operation | undefined>(
    (ids) => this.loadLatest(ids),
    undefined,
  );
  private readonly inserts = new Batcher<Insert, unknown>({
    run: (group) => this.insertGroup(group),
    concurrency: WRITE_GROUPS,
  });

  private constructor(
    private readonly pool: Pool,
    /**
     * The insert groups' own connections, which take several statements at once: a group is one
     * transaction sent in one round trip. Only insertRows uses them, with escaped values only.
     */
    private readonly writes: Pool,
    private readonly retentionMs: number,
  ) {}

  /** Connects, creating the database and its tables when missing. */
  static async open(options: MysqlStoreOptions): Promise<MysqlStore> {
    if (!/^[A-Za-z0-9_]{1,64}$/.test(options.database))
      throw new Error(`database name ${options.database} must be 1-64 letters, digits or underscores`);
    const admin = await mysql.createConnection({
      host: options.host,
      port: options.port,
      user: options.user,
      password: options.password,
    });
    try {
      await admin.query(`CREATE DATABASE IF NOT EXISTS \`${options.database}\``);
    } finally {
      await admin.end();
    }
    const pool = utcPool(options, { connectionLimit: options.connectionLimit ?? 20 });
    // As many as the insert batcher has groups on the wire (service/batch.ts).
    const writes = utcPool(options, { connectionLimit: WRITE_GROUPS, multipleStatements: true });
    try {
      for (const statement of SCHEMA) await pool.query(statement);
    } catch (error) {
      await Promise.all([pool.end(), writes.end()]).catch(() => undefined);
      throw error;
    }
    return new MysqlStore(pool, writes, options.retentionMs ?? 30 * 86_400_000);
  }

  private async transaction<T>(work: (c: PoolConnection) => Promise<T>): Promise<T> {
    const c = await this.pool.getConnection();
    try {
      await c.beginTransaction();
      const result = await work(c);
      await c.commit();
      return result;
    } catch (error) {
      await c.rollback();
      throw error;
    } finally {
      c.release();
    }
  }

  private async byKey(
    c: PoolConnection | Pool,
    key: string,
  ): Promise<(OperationRow & { digest: string }) | undefined> {
    const [rows] = await c.query<(OperationRow & { digest: string })[]>(
      "SELECT * FROM operations WHERE idempotency_key = ?",
      [key],
    );
    return rows[0];
  }

  async submit(
    request: NewOperation,
    admit?: () => Promise<void>,
  ): Promise<{ operation: Operation; created: boolean }> {
    // Only a keyed request can be replayed: only its digest is ever compared.
    const digest = request.idempotencyKey !== undefined ? requestDigest(request) : undefined;
    const replay = (row: OperationRow & { digest: string }) => {
      if (row.digest !== digest) throw new IdempotencyConflictError(request.idempotencyKey!);
      return { operation: toOperation(row), created: false };
    };
    if (request.idempotencyKey !== undefined) {
      const existing = await this.byKey(this.pool, request.idempotencyKey);
      if (existing) return replay(existing);
    }
    await admit?.();
    const id = randomUUID();
    try {
      const failed = await this.inserts.add({ id, request, digest: digest ?? "" });
      if (failed !== undefined) throw failed;
    } catch (error) {
      // Two requests with one key at the same moment: the unique key lets one in.
      if ((error as { code?: string }).code === "ER_DUP_ENTRY" && request.idempotencyKey !== undefined) {
        const existing = await this.byKey(this.pool, request.idempotencyKey);
        if (existing) return replay(existing);
      }
      throw error;
    }
    // What was inserted, without another round trip (timestamps on this clock, to the millisecond).
    const at = new Date().toISOString();
    const operation: Operation = {
      id,
      tenantId: request.tenantId,
      kind: request.kind,
      payload: request.payload,
      status: "queued",
      attempts: 0,
      createdAt: at,
      updatedAt: at,
    };
    return { operation, created: true };
  }

  async get(id: string): Promise<Operation | undefined> {
    const [rows] = await this.pool.query<OperationRow[]>("SELECT * FROM operations WHERE id = ?", [id]);
    return rows[0] ? toOperation(rows[0]) : undefined;
  }

  async logLines(id: string): Promise<string[]> {
    // Rows of one line each (written before batches), then batches.
    const [rows] = await this.pool.query<
      (RowDataPacket & { line: string | null; log_lines: string | null })[]
    >(
      `SELECT line, NULL AS log_lines, seq, 0 AS b FROM operation_logs WHERE operation_id = ?
        UNION ALL SELECT NULL, log_lines, seq, 1 FROM operation_log_batches WHERE operation_id = ? ORDER BY b, seq`,
      [id, id],
    );
    return boundedLog(
      rows.flatMap((r) => (r.log_lines !== null ? (JSON.parse(r.log_lines) as string[]) : [r.line ?? ""])),
    );
  }

  /** One row per batch (the lines a worker gathered between two heartbeats), bounded by the caller. */
  async appendLog(id: string, lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    await this.pool.query("INSERT INTO operation_log_batches (operation_id, log_lines) VALUES (?, ?)", [
      id,
      JSON.stringify(lines),
    ]);
  }

  /**
   * One transaction for a group of new operations (multi-row inserts); each item's error, or
   * undefined. A group that fails for any reason (one row's duplicate idempotency key or bad value,
   * a lost connection) is inserted again one by one, so only the requests that fail alone fail.
   */
  private async insertGroup(group: readonly Insert[]): Promise<unknown[]> {
    try {
      await this.insertRows(group);
      return group.map(() => undefined);
    } catch (error) {
      if (group.length === 1) throw error;
      const alone = await Promise.allSettled(group.map((row) => this.insertAlone(row)));
      return alone.map((r) => (r.status === "rejected" ? (r.reason as unknown) : undefined));
    }
  }

  /**
   * A member of a failed group, on its own. Its id already taken means the group's COMMIT went
   * through before its answer was lost (the id is this request's own random UUID): it is stored.
   */
  private async insertAlone(row: Insert): Promise<void> {
    try {
      await this.insertRows([row]);
    } catch (error) {
      if (!isDuplicateOn(error, "id")) throw error;
    }
  }

  /**
   * The operations, and the tenant records of first provisions, in one transaction sent as one
   * round trip. A statement that fails stops the rest, COMMIT included: the transaction is rolled
   * back before the connection is reused (or the connection is dropped).
   */
  private async insertRows(rows: readonly Insert[]): Promise<void> {
    const operations = rows.map(({ id, request, digest }) => [
      id,
      request.tenantId,
      request.kind,
      JSON.stringify(request.payload),
      digest,
      request.idempotencyKey ?? null,
      "queued",
      NOW,
      NOW,
    ]);
    const firsts = rows.filter((r) => r.request.kind === "provision");
    const tenants = firsts.map((r) => [r.request.tenantId, "provisioning", r.id, NOW]);
    const c = await this.writes.getConnection();
    let broken = false;
    try {
      await c.query(
        `START TRANSACTION;
        INSERT INTO operations (id, tenant_id, kind, payload, digest, idempotency_key, status, created_at, updated_at) VALUES ?;
        ${tenants.length > 0 ? "INSERT IGNORE INTO tenants (tenant_id, status, last_operation_id, updated_at) VALUES ?;" : ""}
        COMMIT`,
        tenants.length > 0 ? [operations, tenants] : [operations],
      );
    } catch (error) {
      await c.query("ROLLBACK").catch(() => (broken = true));
      throw error;
    } finally {
      if (broken) c.destroy();
      else c.release();
    }
  }

  async tenant(tenantId: string): Promise<TenantRecord | undefined> {
    return this.tenants.add(tenantId);
  }

  private async loadTenants(ids: readonly string[]): Promise<Map<string, TenantRecord>> {
    const [rows] = await this.pool.query<RowDataPacket[]>(LOOKUPS.tenants, [ids]);
    return new Map(rows.map((r) => [r["tenant_id"] as string, toTenant(r)]));
  }

  async listTenants(): Promise<TenantRecord[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>("SELECT * FROM tenants ORDER BY tenant_id");
    return rows.map(toTenant);
  }

  /**
   * The database narrows the rows to those whose text names one of the domains (a substring,
   * case-insensitive: no domain is missed), then each is read as the embedded store reads it.
   */
  async heldDomains(domains: readonly string[], exceptTenant: string): Promise<ReadonlySet<string>> {
    if (domains.length === 0) return new Set();
    const like = domains.map((d) => `%${d.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    const any = (column: string) => `(${like.map(() => `LOWER(${column}) LIKE ?`).join(" OR ")})`;
    const [[exported], [pending]] = await Promise.all([
      this.pool.query<RowDataPacket[]>(
        `SELECT * FROM tenants WHERE tenant_id <> ? AND status <> 'purged' AND ${any("outputs")}`,
        [exceptTenant, ...like],
      ),
      this.pool.query<(RowDataPacket & { payload: string })[]>(
        // Pinned to its index as the lookups are (service/mysqlLookups.ts): the unfinished provisions only.
        `SELECT o.payload FROM operations o FORCE INDEX (status_seq) JOIN tenants t ON t.tenant_id = o.tenant_id
          WHERE o.kind = 'provision' AND o.${UNFINISHED} AND o.tenant_id <> ?
            AND t.status <> 'purged' AND ${any("o.payload")}`,
        [exceptTenant, ...like],
      ),
    ]);
    const named = [
      ...exported.flatMap((row) => exportedHostnames(toTenant(row))),
      ...pending.flatMap((row) =>
        requestedCustomDomains(JSON.parse(row.payload) as Record<string, unknown>).map(([, d]) => d),
      ),
    ].map(normalize);
    return new Set(domains.filter((domain) => named.includes(domain)));
  }

  async latestOperation(tenantId: string): Promise<Operation | undefined> {
    return this.latest.add(tenantId);
  }

  private async loadLatest(ids: readonly string[]): Promise<Map<string, Operation>> {
    const [rows] = await this.pool.query<OperationRow[]>(LOOKUPS.latest, [ids]);
    return new Map(rows.map((r) => [r.tenant_id, toOperation(r)]));
  }

  async pending(tenantId: string): Promise<Operation[]> {
    return this.pendings.add(tenantId);
  }

  private async loadPending(ids: readonly string[]): Promise<Map<string, Operation[]>> {
    const [rows] = await this.pool.query<OperationRow[]>(LOOKUPS.pending, [ids]);
    const byTenant = new Map<string, Operation[]>();
    for (const row of rows)
      byTenant.set(row.tenant_id, [...(byTenant.get(row.tenant_id) ?? []), toOperation(row)]);
    return byTenant;
  }

  async claim(owner: string, leaseMs: number, id?: string): Promise<ClaimResult> {
    if (id === undefined) {
      // Oldest first; a candidate that is not its tenant's head (or is held) says wait.
      const [rows] = await this.pool.query<(RowDataPacket & { id: string })[]>(LOOKUPS.claimable);
      for (const row of rows) {
        const result = await this.claim(owner, leaseMs, row.id);
        if ("claimed" in result) return result;
      }
      return { wait: true };
    }
    const [found] = await this.pool.query<(RowDataPacket & { tenant_id: string; status: string })[]>(
      "SELECT tenant_id, status FROM operations WHERE id = ?",
      [id],
    );
    const target = found[0];
    if (!target || isFinished({ status: target.status as OperationStatus })) return { gone: true };
    try {
      const claimed = await this.transaction(async (c) => {
        // Locks the tenant's oldest unfinished operation: concurrent claims for one tenant queue here.
        const [heads] = await c.query<(RowDataPacket & { id: string; live: number; early: number })[]>(
          LOOKUPS.head,
          [target.tenant_id],
        );
        const head = heads[0];
        if (!head || head.id !== id || head.live || head.early) return false;
        await c.query(
          "UPDATE operations SET status = 'running', owner = ?, attempts = attempts + 1, lease_until = NOW(3) + INTERVAL ? MICROSECOND, not_before = NULL, started_at = COALESCE(started_at, NOW(3)), updated_at = NOW(3) WHERE id = ?",
          [owner, leaseMs * 1000, id],
        );
        return true;
      });
      if (!claimed) {
        const now = await this.get(id);
        return !now || isFinished(now) ? { gone: true } : { wait: true };
      }
    } catch (error) {
      if (isDeadlock(error)) return { wait: true };
      throw error;
    }
    return { claimed: (await this.get(id))! };
  }

  async heartbeat(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const [r] = await this.pool.query<ResultSetHeader>(
      "UPDATE operations SET lease_until = NOW(3) + INTERVAL ? MICROSECOND, updated_at = NOW(3) WHERE id = ? AND owner = ? AND status = 'running'",
      [leaseMs * 1000, id, owner],
    );
    return r.affectedRows === 1;
  }

  async finish(id: string, owner: string, finish: Finish): Promise<boolean> {
    const payload = (await this.get(id))?.payload ?? {};
    return this.transaction(async (c) => {
      const [r] = await c.query<ResultSetHeader>(
        "UPDATE operations SET status = ?, result = ?, error = ?, payload = ?, owner = NULL, lease_until = NULL, finished_at = NOW(3), updated_at = NOW(3) WHERE id = ? AND owner = ? AND status = 'running'",
        [
          finish.status,
          finish.status === "succeeded" ? JSON.stringify(finish.result ?? null) : null,
          finish.status === "failed" ? JSON.stringify(finish.error) : null,
          JSON.stringify(redactedPayload(payload)),
          id,
          owner,
        ],
      );
      if (r.affectedRows !== 1) return false;
      const [rows] = await c.query<(RowDataPacket & { tenant_id: string })[]>(
        "SELECT tenant_id FROM operations WHERE id = ?",
        [id],
      );
      const t = finish.tenant;
      if (t && rows[0]) {
        await c.query(
          `UPDATE tenants SET last_operation_id = ?, updated_at = NOW(3)${t.tier !== undefined ? ", tier = ?" : ""}${t.status !== undefined ? ", status = ?" : ""}${t.outputs !== undefined ? ", outputs = ?" : ""}${t.retainUntil !== undefined ? ", retain_until = ?" : ""} WHERE tenant_id = ?`,
          [
            id,
            ...(t.tier !== undefined ? [t.tier] : []),
            ...(t.status !== undefined ? [t.status] : []),
            ...(t.outputs !== undefined ? [JSON.stringify(t.outputs)] : []),
            ...(t.retainUntil !== undefined ? [t.retainUntil] : []),
            rows[0].tenant_id,
          ],
        );
      }
      return true;
    });
  }

  async release(id: string, owner: string, delayMs = 0): Promise<void> {
    await this.pool.query(
      "UPDATE operations SET status = 'queued', owner = NULL, lease_until = NULL, not_before = IF(? > 0, NOW(3) + INTERVAL ? MICROSECOND, NULL), updated_at = NOW(3) WHERE id = ? AND owner = ? AND status = 'running'",
      [delayMs, delayMs * 1000, id, owner],
    );
  }

  async reclaimStale(olderThanMs: number): Promise<Operation[]> {
    return this.transaction(async (c) => {
      const [rows] = await c.query<OperationRow[]>(LOOKUPS.stale, [olderThanMs * 1000, olderThanMs * 1000]);
      if (rows.length > 0) await c.query(BY_SEQ.touch, [rows.map((r) => r.seq)]);
      return rows.map(toOperation);
    });
  }

  async compact(): Promise<void> {
    // In batches, so no transaction holds many locks for long.
    for (;;) {
      const [rows] = await this.pool.query<(RowDataPacket & { id: string; seq: number })[]>(LOOKUPS.expired, [
        this.retentionMs * 1000,
      ]);
      if (rows.length === 0) return;
      const ids = rows.map((r) => r.id);
      await this.pool.query("DELETE FROM operation_logs WHERE operation_id IN (?)", [ids]);
      await this.pool.query("DELETE FROM operation_log_batches WHERE operation_id IN (?)", [ids]);
      await this.pool.query(BY_SEQ.remove, [rows.map((r) => r.seq)]);
    }
  }

  /** Throws when the database cannot be reached (health checks). */
  async lifecycle(tenantId: string): Promise<LifecycleRecord | undefined> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      "SELECT * FROM tenant_lifecycle WHERE tenant_id = ?",
      [tenantId],
    );
    return rows[0] ? toLifecycle(rows[0]) : undefined;
  }

  async listLifecycles(): Promise<LifecycleRecord[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      "SELECT * FROM tenant_lifecycle WHERE state <> '{}' ORDER BY tenant_id",
    );
    return rows.map(toLifecycle).filter((r) => !isEmptyLifecycle(r.state));
  }

  /** The first write inserts (a duplicate key: someone else did first); later ones update on the revision. */
  async putLifecycle(tenantId: string, expected: number, state: LifecycleState): Promise<boolean> {
    const json = JSON.stringify(state);
    if (expected === 0) {
      const [r] = await this.pool.query<ResultSetHeader>(
        "INSERT IGNORE INTO tenant_lifecycle (tenant_id, revision, state, updated_at) VALUES (?, 1, ?, NOW(3))",
        [tenantId, json],
      );
      return r.affectedRows === 1;
    }
    const [r] = await this.pool.query<ResultSetHeader>(
      "UPDATE tenant_lifecycle SET revision = revision + 1, state = ?, updated_at = NOW(3) WHERE tenant_id = ? AND revision = ?",
      [json, tenantId, expected],
    );
    return r.affectedRows === 1;
  }

  async ping(): Promise<void> {
    await this.pool.query("SELECT 1");
  }

  async counts(): Promise<StoreCounts> {
    const [rows] = await this.pool.query<(RowDataPacket & { status: OperationStatus; n: number })[]>(
      "SELECT status, COUNT(*) AS n FROM operations GROUP BY status",
    );
    const counts = { queued: 0, running: 0, succeeded: 0, failed: 0 };
    for (const r of rows) counts[r.status] = Number(r.n);
    return counts;
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.end(), this.writes.end()]);
  }
}

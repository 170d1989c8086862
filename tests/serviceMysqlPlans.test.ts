/**
 * The MySQL store's lookups keep their index when the table's statistics lag behind it
 * (service/mysqlLookups.ts): the state of a table that grew faster than InnoDB refreshed its
 * statistics, in which the optimizer once chose full scans for the signup's admission lookups.
 * Against the real MariaDB, in a database of its own; skipped when it is unreachable, failing
 * under CI=true (tests/helpers/servers.ts).
 */
import { randomBytes } from "node:crypto";
import mysql, { type Connection, type RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BY_SEQ, LOOKUPS } from "../service/mysqlLookups";
import { MysqlStore } from "../service/mysqlStore";
import { MYSQL, mysqlQuery, serverAvailable } from "./helpers/servers";

const database = `svc_plans_${process.pid}_${randomBytes(3).toString("hex")}`;
const ROWS = 3000;
let available = false;
let store: MysqlStore;
let db: Connection;

interface PlanRow extends RowDataPacket {
  table: string;
  type: string;
  key: string | null;
}

const tenantId = (i: number) => `plan-${String(i).padStart(6, "0")}`;
const operationId = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
const STATUSES = ["queued", "running", "succeeded", "failed"] as const;

/**
 * The state of a table that grew faster than InnoDB refreshed its statistics (as in a burst of
 * signups): the statistics, frozen, still say each table is one page, while ROWS tenants with an
 * operation each (every status) were written since.
 */
async function lagBehindTheStatistics(): Promise<void> {
  for (const table of ["operations", "tenants"]) {
    await db.query(`ALTER TABLE ${table} STATS_AUTO_RECALC = 0`);
    await db.query(`ANALYZE TABLE ${table}`);
  }
  const payload = JSON.stringify({ padding: "x".repeat(1000) });
  const now = new Date();
  const operations = Array.from({ length: ROWS }, (_, i) => [
    operationId(i),
    tenantId(i),
    "provision",
    payload,
    "",
    STATUSES[i % STATUSES.length],
    now,
    now,
    now,
  ]);
  await db.query(
    "INSERT INTO operations (id, tenant_id, kind, payload, digest, status, created_at, updated_at, finished_at) VALUES ?",
    [operations],
  );
  await db.query("INSERT INTO tenants (tenant_id, status, last_operation_id, updated_at) VALUES ?", [
    operations.map(([id, tenant]) => [tenant, "active", id, now]),
  ]);
}

async function explain(sql: string, params: readonly unknown[]): Promise<PlanRow[]> {
  const [rows] = await db.query<PlanRow[]>(`EXPLAIN ${sql}`, [...params]);
  return rows;
}

/** The plan's accesses to a base table that read all of it (derived tables are the query's own). */
const fullScans = (plan: readonly PlanRow[]) =>
  plan.filter((row) => !row.table.startsWith("<") && (row.type === "ALL" || row.type === "index"));

const withoutHints = (sql: string) => sql.replace(/ FORCE INDEX \(\w+\)/g, "");

const group = Array.from({ length: 30 }, (_, i) => tenantId(ROWS + i)); // a signup burst: new tenants
const PARAMS: Record<keyof typeof LOOKUPS, readonly unknown[]> = {
  tenants: [group],
  pending: [group],
  latest: [group],
  claimable: [],
  head: [tenantId(7)],
  stale: [60_000_000, 60_000_000],
  expired: [1_000],
};
/** Hundreds of rows at once, as a sweep after a burst or a compaction batch finds them. */
const SEQS = [Array.from({ length: 500 }, (_, i) => i * 5 + 1)];

beforeAll(async () => {
  available = await serverAvailable("MySQL", MYSQL.host, MYSQL.port);
  if (!available) return;
  store = await MysqlStore.open({ ...MYSQL, database });
  db = await mysql.createConnection({ ...MYSQL, database });
  await lagBehindTheStatistics();
});
afterAll(async () => {
  if (!available) return;
  try {
    await db?.end();
    await store?.close();
  } finally {
    await mysqlQuery(`DROP DATABASE IF EXISTS \`${database}\``);
  }
});
beforeEach((context) => {
  if (!available) context.skip();
});

describe("lookups under statistics that lag the table", () => {
  it("control: the statistics say one page for the table; without their hints the claim walks the clustered index, and the old writes by id scan it", async () => {
    const [[table]] = await db.query<(RowDataPacket & { DATA_LENGTH: number })[]>(
      "SELECT DATA_LENGTH FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'operations'",
      [database],
    );
    expect(table!.DATA_LENGTH).toBe(16_384); // one page, for ROWS operations of 1 kB each
    expect(fullScans(await explain(withoutHints(LOOKUPS.claimable), PARAMS.claimable))).toMatchObject([
      { key: "PRIMARY", type: "index" },
    ]);
    for (const old of [
      "UPDATE operations SET updated_at = NOW(3) WHERE id IN (?)",
      "DELETE FROM operations WHERE id IN (?)",
    ])
      expect(fullScans(await explain(old, [SEQS[0]!.map(operationId)]))).not.toEqual([]);
  });

  it.each(Object.keys(LOOKUPS) as (keyof typeof LOOKUPS)[])(
    "%s reads through its index, never a whole table",
    async (name) => {
      const plan = await explain(LOOKUPS[name], PARAMS[name]);
      expect(fullScans(plan)).toEqual([]);
      const hinted = [...LOOKUPS[name].matchAll(/FORCE INDEX \((\w+)\)/g)].map((m) => m[1]);
      expect(hinted).not.toEqual([]); // each names its index: some plans flip only under load
      const used = plan.map((row) => row.key).filter((key) => key !== null);
      for (const index of hinted) expect(used).toContain(index);
    },
  );

  it.each(Object.keys(BY_SEQ) as (keyof typeof BY_SEQ)[])(
    "%s writes hundreds of rows by their primary key, never a whole table",
    async (name) => {
      const plan = await explain(BY_SEQ[name], SEQS);
      expect(fullScans(plan)).toEqual([]);
      expect(plan.map((row) => row.key)).toEqual(["PRIMARY"]);
    },
  );

  it("answers as before: a tenant's unfinished operations oldest first, grouped by tenant", async () => {
    const first = await store.submit({ tenantId: tenantId(0), kind: "update", payload: {} });
    const [pending, other, unknown] = await Promise.all([
      store.pending(tenantId(0)),
      store.pending(tenantId(1)),
      store.pending(tenantId(ROWS + 1)),
    ]);
    expect(pending.map((o) => [o.status, o.kind])).toEqual([
      ["queued", "provision"],
      ["queued", "update"],
    ]);
    expect(pending[1]!.id).toBe(first.operation.id);
    expect(other.map((o) => o.status)).toEqual(["running"]);
    expect(unknown).toEqual([]);
    expect((await store.tenant(tenantId(2)))?.status).toBe("active");
  });

  it("the sweep touches the operations it returns; compaction removes ended ones past retention with their log lines", async () => {
    await store.appendLog(operationId(2), ["ended"]); // succeeded
    await store.appendLog(operationId(4), ["waiting"]); // queued
    const [[before]] = await db.query<(RowDataPacket & { at: Date })[]>(
      "SELECT MAX(updated_at) AS at FROM operations",
    );
    await new Promise((r) => setTimeout(r, 5));
    const swept = await store.reclaimStale(0);
    expect(swept.length).toBeGreaterThan(500); // every queued head, tenant 0's second operation not
    expect(swept.map((o) => o.id)).not.toContain(operationId(1)); // running, its lease never set: not stale
    const [[touched]] = await db.query<(RowDataPacket & { n: number })[]>(
      "SELECT COUNT(*) AS n FROM operations WHERE id IN (?) AND updated_at > ?",
      [swept.map((o) => o.id), before!.at],
    );
    expect(Number(touched!.n)).toBe(swept.length);

    const bounded = await MysqlStore.open({ ...MYSQL, database, retentionMs: 1 });
    try {
      await bounded.compact();
    } finally {
      await bounded.close();
    }
    const counts = await store.counts();
    expect(counts).toMatchObject({ succeeded: 0, failed: 0 });
    expect(counts.queued + counts.running).toBe(ROWS / 2 + 1);
    expect(await store.logLines(operationId(2))).toEqual([]);
    expect(await store.logLines(operationId(4))).toEqual(["waiting"]);
  });
});

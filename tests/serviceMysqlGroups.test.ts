/**
 * The MySQL store's insert groups (service/mysqlStore.ts, service/batch.ts): requests submitted
 * together are stored in one transaction, and a member that fails fails alone. Against the real
 * MariaDB, in a database of its own; skipped when it is unreachable, failing under CI=true
 * (tests/helpers/servers.ts).
 */
import { randomBytes } from "node:crypto";
import mysql, { type RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MysqlStore } from "../service/mysqlStore";
import type { NewOperation } from "../service/operations";
import { MYSQL, mysqlQuery, serverAvailable } from "./helpers/servers";
import { tenantRequest } from "./helpers/service";

const database = `svc_groups_${process.pid}_${randomBytes(3).toString("hex")}`;
let available = false;
let store: MysqlStore;

beforeAll(async () => {
  available = await serverAvailable("MySQL", MYSQL.host, MYSQL.port);
  if (available) store = await MysqlStore.open({ ...MYSQL, database });
});
afterAll(async () => {
  if (!available) return;
  await store.close();
  await mysqlQuery(`DROP DATABASE IF EXISTS \`${database}\``);
});
beforeEach((context) => {
  if (!available) context.skip();
});

const signup = (tenantId: string, idempotencyKey?: string): NewOperation => ({
  tenantId,
  kind: "provision",
  payload: tenantRequest(tenantId, "premium"),
  ...(idempotencyKey ? { idempotencyKey } : {}),
});

/** The tenants among `tenantIds` that have an operation row, and those that have a tenant row. */
const rowsOf = async (tenantIds: readonly string[]) => {
  const db = await mysql.createConnection({ ...MYSQL, database });
  try {
    const ids = (table: string) =>
      db
        .query<(RowDataPacket & { tenant_id: string })[]>(
          `SELECT tenant_id FROM ${table} WHERE tenant_id IN (?) ORDER BY tenant_id`,
          [tenantIds],
        )
        .then(([rows]) => rows.map((r) => r.tenant_id));
    return { operations: await ids("operations"), tenants: await ids("tenants") };
  } finally {
    await db.end();
  }
};

describe("insert groups", () => {
  it("stores the innocent members of a group one of whose rows the database refuses, and fails only that one", async () => {
    const good = ["grp-a", "grp-b", "grp-c", "grp-d"];
    const bad = `grp-${"x".repeat(80)}`; // longer than the tenant_id column: refused in strict mode
    // Submitted in one tick: one group, one transaction, which the bad row aborts.
    const results = await Promise.allSettled([...good, bad].map((t) => store.submit(signup(t))));
    expect(results.slice(0, 4).map((r) => r.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "fulfilled",
      "fulfilled",
    ]);
    expect(results[4]).toMatchObject({ status: "rejected", reason: { code: "ER_DATA_TOO_LONG" } });
    expect(await rowsOf([...good, bad])).toEqual({ operations: good, tenants: good });
    for (const r of results.slice(0, 4)) {
      const { operation, created } = (r as PromiseFulfilledResult<Awaited<ReturnType<MysqlStore["submit"]>>>)
        .value;
      expect(created).toBe(true);
      expect(await store.get(operation.id)).toMatchObject({ id: operation.id, status: "queued" });
    }
  });

  it("makes one operation of a key sent twice in one group, and stores the group's other requests", async () => {
    const key = `key-${randomBytes(4).toString("hex")}`;
    const [first, again, other] = await Promise.all([
      store.submit(signup("grp-keyed", key)),
      store.submit(signup("grp-keyed", key)),
      store.submit(signup("grp-other")),
    ]);
    expect([first.created, again.created].sort()).toEqual([false, true]);
    expect(again.operation.id).toBe(first.operation.id);
    expect(other.created).toBe(true);
    expect(await rowsOf(["grp-keyed", "grp-other"])).toEqual({
      operations: ["grp-keyed", "grp-other"],
      tenants: ["grp-keyed", "grp-other"],
    });
  });
});

/**
 * The restore drill against a real MariaDB with binary logging (`.ci/binlog-mariadb.sh`, port
 * MYSQL_BINLOG_PORT, default 3307): load data, back up, write more, archive the binlogs, restore
 * to a chosen second between two writes, and compare every row of every table with what the
 * databases held at that second. Nothing lost, nothing extra; the replaced data is kept; another
 * tenant's databases on the same server are untouched. Under CI=true a missing server fails.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Connection } from "mysql2/promise";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BinlogArchive } from "../automation/binlogArchive";
import { DirectoryStore } from "../automation/backupStore";
import { DumpBackup, tenantDatabases } from "../automation/dumpBackup";
import { withConnection } from "../automation/mysqlTools";
import { TenantRestore } from "../automation/restore";
import { parseBackupStamp } from "../tiers";
import { snapshot } from "./helpers/mysqlRows";
import { binlogServerAvailable, MYSQL_BINLOG } from "./helpers/servers";

const TENANT = `drill${process.pid}`;
const OTHER = `drillo${process.pid}`;
const SERVER = "drill-server";
const dir = mkdtempSync(join(tmpdir(), "restore-drill-"));
const store = new DirectoryStore(dir);

/** Waits until the server's clock is past `second` (binlog events are stamped by the second). */
async function pastSecond(db: Connection, second: number): Promise<void> {
  for (;;) {
    const [rows] = await db.query("SELECT UNIX_TIMESTAMP() AS now");
    if (Number((rows as { now: number }[])[0]!.now) > second) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function serverSecond(db: Connection): Promise<number> {
  const [rows] = await db.query("SELECT UNIX_TIMESTAMP() AS now");
  return Number((rows as { now: number }[])[0]!.now);
}

const dropAll = () =>
  withConnection(MYSQL_BINLOG, async (db) => {
    const [rows] = await db.query(
      "SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? OR SCHEMA_NAME LIKE ?",
      [`${TENANT}\\_%`, `${OTHER}\\_%`],
    );
    for (const { n } of rows as { n: string }[]) await db.query(`DROP DATABASE \`${n}\``);
  });

describe("point-in-time restore drill (real MariaDB with binary logging)", () => {
  let up = false;
  beforeAll(async () => {
    up = await binlogServerAvailable();
    if (!up) return;
    const logBin = await withConnection(
      MYSQL_BINLOG,
      async (db) => (await db.query("SELECT @@log_bin AS b"))[0] as { b: number }[],
    );
    if (Number(logBin[0]!.b) !== 1)
      throw new Error(
        `the server on port ${MYSQL_BINLOG.port} has no binary logging; start it with .ci/binlog-mariadb.sh`,
      );
    await dropAll();
  });
  beforeEach((context) => {
    if (!up) context.skip();
  });
  afterAll(async () => {
    if (up) await dropAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it("restores to a chosen second between two writes, row for row, keeping the replaced data and other tenants' data", async () => {
    const live = tenantDatabases(TENANT);
    const products = `\`${TENANT}_products\``;
    const orders = `\`${TENANT}_orders\``;
    const other = `\`${OTHER}_products\``;
    await withConnection(MYSQL_BINLOG, async (db) => {
      for (const name of [...live, ...tenantDatabases(OTHER)]) await db.query(`CREATE DATABASE \`${name}\``);
      await db.query(
        `CREATE TABLE ${products}.products (id INT PRIMARY KEY, name VARCHAR(64), price DECIMAL(10,2))`,
      );
      await db.query(
        `CREATE TABLE ${orders}.orders (id INT AUTO_INCREMENT PRIMARY KEY, product_id INT, quantity INT, note TEXT)`,
      );
      await db.query(`CREATE TABLE ${other}.products (id INT PRIMARY KEY, name VARCHAR(64))`);
      await db.query(
        `INSERT INTO ${products}.products VALUES (1, 'teapot', 20.00), (2, 'cup', 5.50), (3, 'USE \`${TENANT}_products\`; tricky', 1.00)`,
      );
      await db.query(
        `INSERT INTO ${orders}.orders (product_id, quantity, note) VALUES (1, 1, 'first'), (2, 4, NULL)`,
      );
    });

    // The base backup, then writes at second s1, a chosen point, writes at a later second.
    const backup = await new DumpBackup(MYSQL_BINLOG, store).backup(TENANT);
    const { chosen, atChosen, latest } = await withConnection(MYSQL_BINLOG, async (db) => {
      await pastSecond(db, await serverSecond(db)); // writes start in a second after the dump's
      await db.query(`INSERT INTO ${products}.products VALUES (4, 'saucer', 3.25)`);
      await db.query(`UPDATE ${products}.products SET price = 22.00 WHERE id = 1`);
      await db.query(`DELETE FROM ${orders}.orders WHERE id = 2`);
      await db.query(
        `INSERT INTO ${orders}.orders (product_id, quantity, note) VALUES (4, 2, 'before the point')`,
      );
      await db.query(`INSERT INTO ${other}.products VALUES (1, 'other tenant, before')`);
      const s1 = await serverSecond(db);
      const atChosen = await snapshot(db, live);
      await pastSecond(db, s1);
      await db.query(`INSERT INTO ${products}.products VALUES (5, 'after the point', 9.99)`);
      await db.query(`UPDATE ${products}.products SET name = 'renamed after' WHERE id = 2`);
      await db.query(`DELETE FROM ${orders}.orders WHERE id = 1`);
      await db.query(`INSERT INTO ${other}.products VALUES (2, 'other tenant, after')`);
      return { chosen: new Date(s1 * 1000), atChosen, latest: await snapshot(db, live) };
    });
    expect(atChosen).not.toEqual(latest);
    await new BinlogArchive(MYSQL_BINLOG, SERVER, store).archive();

    const restore = new TenantRestore({ mysql: MYSQL_BINLOG, store, binlogServer: SERVER });
    const result = await restore.restore({ tenantId: TENANT, tier: "business", to: chosen });
    expect(result.dump).toBe(backup.location);
    expect(result.restoredTo).toBe(chosen.toISOString());
    expect(result.binlogs.length).toBeGreaterThan(0);

    await withConnection(MYSQL_BINLOG, async (db) => {
      // Row for row what the tenant held at the end of the chosen second: nothing lost, nothing extra.
      expect(await snapshot(db, live)).toEqual(atChosen);
      // The replaced data is kept, unchanged, in the `_p` databases.
      const kept = await snapshot(db, result.previous);
      expect(
        Object.fromEntries(Object.entries(kept).map(([k, v]) => [k.replace(/_p\d{14}\./, "."), v])),
      ).toEqual(latest);
      // Another tenant on the same server: untouched, including its writes after the point.
      const [rows] = await db.query(`SELECT name FROM ${other}.products ORDER BY id`);
      expect((rows as { name: string }[]).map((r) => r.name)).toEqual([
        "other tenant, before",
        "other tenant, after",
      ]);
      // No restore leftovers.
      const [fresh] = await db.query(
        "SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?",
        [`${TENANT}\\_%\\_r%`],
      );
      expect(fresh).toEqual([]);
    });
    expect(result.tables.find((t) => t.table === "products")).toEqual({
      database: `${TENANT}_products`,
      table: "products",
      rows: 4,
    });

    // Without --to: the newest state the archive holds, i.e. everything written.
    const newest = await new TenantRestore({
      mysql: MYSQL_BINLOG,
      store,
      binlogServer: SERVER,
      now: () => Date.now() + 1000,
    }).restore({ tenantId: TENANT, tier: "business" });
    expect(newest.previous).not.toEqual(result.previous);
    await withConnection(MYSQL_BINLOG, async (db) => expect(await snapshot(db, live)).toEqual(latest));
  });

  it("refuses a point the binlog archive does not cover yet, or before any backup, and leaves the live data alone", async () => {
    const restore = new TenantRestore({ mysql: MYSQL_BINLOG, store, binlogServer: SERVER });
    const before = await withConnection(MYSQL_BINLOG, (db) => snapshot(db, tenantDatabases(TENANT)));
    const marker = new Date((await store.getText(`binlogs/${SERVER}/ARCHIVED_AT`))!.trim());
    const after = new Date(Math.min(Date.now() - 1000, marker.getTime() + 5000));
    if (after.getTime() > marker.getTime()) {
      await expect(restore.restore({ tenantId: TENANT, tier: "business", to: after })).rejects.toThrow(
        /archived up to .*archive again first/,
      );
    }
    await expect(
      restore.restore({ tenantId: TENANT, tier: "business", to: new Date(Date.now() - 86_400_000) }),
    ).rejects.toThrow(/no backup of drill\d+ at or before/);
    await expect(
      restore.restore({ tenantId: TENANT, tier: "business", to: new Date(Date.now() - 40 * 86_400_000) }),
    ).rejects.toThrow(/older than the business tier's 30-day/);
    await expect(
      new TenantRestore({ mysql: MYSQL_BINLOG, store }).restore({ tenantId: TENANT, tier: "business" }),
    ).rejects.toThrow(/binlogServer/);
    expect(await withConnection(MYSQL_BINLOG, (db) => snapshot(db, tenantDatabases(TENANT)))).toEqual(before);
  });

  it("a tier without point-in-time recovery restores the newest dump at or before the point, without replaying", async () => {
    const live = tenantDatabases(TENANT);
    const atDump = await withConnection(MYSQL_BINLOG, (db) => snapshot(db, live));
    const dump = await new DumpBackup(MYSQL_BINLOG, store, { now: () => Date.now() + 2000 }).backup(TENANT);
    await withConnection(MYSQL_BINLOG, (db) =>
      db.query(`INSERT INTO \`${TENANT}_products\`.products VALUES (99, 'after the hourly dump', 1.00)`),
    );
    const result = await new TenantRestore({
      mysql: MYSQL_BINLOG,
      store,
      now: () => Date.now() + 3000,
    }).restore({ tenantId: TENANT, tier: "premium" });
    expect(result.dump).toBe(dump.location);
    expect(result.binlogs).toEqual([]);
    expect(await withConnection(MYSQL_BINLOG, (db) => snapshot(db, live))).toEqual(atDump);
  });

  it("a named backup is restored as it was, on the business tier too; with --to, that dump plus the binlogs up to the point", async () => {
    const live = tenantDatabases(TENANT);
    const products = `\`${TENANT}_products\``;
    const named = await new DumpBackup(MYSQL_BINLOG, store).backup(TENANT);
    const { atNamed, chosen, atChosen } = await withConnection(MYSQL_BINLOG, async (db) => {
      const atNamed = await snapshot(db, live);
      await pastSecond(db, await serverSecond(db));
      await db.query(`INSERT INTO ${products}.products VALUES (200, 'after the named dump', 2.00)`);
      const s1 = await serverSecond(db);
      const atChosen = await snapshot(db, live);
      await pastSecond(db, s1);
      await db.query(`UPDATE ${products}.products SET price = 0 WHERE id = 200`);
      return { atNamed, chosen: new Date(s1 * 1000), atChosen };
    });
    await new BinlogArchive(MYSQL_BINLOG, SERVER, store).archive();
    // A newer dump: the named one is restored all the same. Clocks ahead: the earlier restores' stamps are taken.
    await new DumpBackup(MYSQL_BINLOG, store, { now: () => Date.now() + 4000 }).backup(TENANT);

    const asWas = await new TenantRestore({
      mysql: MYSQL_BINLOG,
      store,
      binlogServer: SERVER,
      now: () => Date.now() + 10_000,
    }).restore({ tenantId: TENANT, tier: "business", backup: named.location });
    expect(asWas).toMatchObject({
      dump: named.location,
      binlogs: [],
      restoredTo: parseBackupStamp(named.location)!.toISOString(),
    });
    expect(await withConnection(MYSQL_BINLOG, (db) => snapshot(db, live))).toEqual(atNamed);

    const stamp = named.location
      .split("/")
      .at(-1)!
      .replace(/\.sql$/, "");
    const toPoint = await new TenantRestore({
      mysql: MYSQL_BINLOG,
      store,
      binlogServer: SERVER,
      now: () => Date.now() + 12_000,
    }).restore({ tenantId: TENANT, tier: "business", backup: stamp, to: chosen });
    expect(toPoint.dump).toBe(named.location);
    expect(toPoint.binlogs.length).toBeGreaterThan(0);
    expect(await withConnection(MYSQL_BINLOG, (db) => snapshot(db, live))).toEqual(atChosen);

    // No point-in-time recovery: a named dump is the state it holds, so a later point is refused; so is a point before the dump.
    await expect(
      new TenantRestore({ mysql: MYSQL_BINLOG, store }).restore({
        tenantId: TENANT,
        tier: "premium",
        backup: stamp,
        to: chosen,
      }),
    ).rejects.toThrow(/needs point-in-time recovery/);
    await expect(
      new TenantRestore({ mysql: MYSQL_BINLOG, store, binlogServer: SERVER }).restore({
        tenantId: TENANT,
        tier: "business",
        backup: stamp,
        to: new Date(chosen.getTime() - 60_000),
      }),
    ).rejects.toThrow(/before .* was taken/);
    await expect(
      new TenantRestore({ mysql: MYSQL_BINLOG, store }).restore({
        tenantId: TENANT,
        tier: "premium",
        backup: named.location.replace(TENANT, OTHER),
      }),
    ).rejects.toThrow(/not one of drill\d+'s dumps/);
    expect(await withConnection(MYSQL_BINLOG, (db) => snapshot(db, live))).toEqual(atChosen);
  });
});

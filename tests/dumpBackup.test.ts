/** The backup before a downgrade or deprovision, against the real MariaDB: one dump of the tenant's 11 databases. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DirectoryStore, type PutOptions } from "../automation/backupStore";
import { DumpBackup } from "../automation/dumpBackup";
import { databaseName, DATABASE_SERVICES } from "../tiers";
import { MYSQL, mysqlQuery, serverAvailable } from "./helpers/servers";

const TENANT = `bkp${process.pid}`;
const OTHER = `bkpo${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), "backup-"));

const dropAll = () =>
  mysqlQuery(
    [TENANT, OTHER]
      .flatMap((t) => DATABASE_SERVICES.map((s) => `DROP DATABASE IF EXISTS \`${databaseName(t, s.name)}\`;`))
      .join(""),
  );

describe("DumpBackup (real MySQL)", () => {
  let up = false;
  beforeAll(async () => {
    up = await serverAvailable("MySQL", MYSQL.host, MYSQL.port);
    if (!up) return;
    await dropAll();
    await mysqlQuery(
      [TENANT, OTHER]
        .flatMap((t) => DATABASE_SERVICES.map((s) => `CREATE DATABASE \`${databaseName(t, s.name)}\`;`))
        .join(""),
    );
    await mysqlQuery(
      `CREATE TABLE \`${databaseName(TENANT, "products")}\`.products (id INT PRIMARY KEY, name VARCHAR(32)); INSERT INTO \`${databaseName(TENANT, "products")}\`.products VALUES (1, 'teapot');`,
    );
    await mysqlQuery(
      `CREATE TABLE \`${databaseName(OTHER, "products")}\`.products (id INT PRIMARY KEY, name VARCHAR(32)); INSERT INTO \`${databaseName(OTHER, "products")}\`.products VALUES (1, 'other-tenant-row');`,
    );
  });
  beforeEach((context) => {
    if (!up) context.skip();
  });
  afterAll(async () => {
    if (up) await dropAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it("dumps every database of the tenant, data included and no other tenant's, under the tenant's prefix", async () => {
    const backup = new DumpBackup(MYSQL, new DirectoryStore(dir), {
      now: () => Date.parse("2026-11-22T10:00:00Z"),
    });
    const { location } = await backup.backup(TENANT, "final");
    expect(location).toBe(`tenants/${TENANT}/dumps/2026-11-22T10-00-00-000Z.sql`);
    const dump = readFileSync(join(dir, location), "utf8");
    for (const s of DATABASE_SERVICES)
      expect(dump).toContain(`CREATE DATABASE /*!32312 IF NOT EXISTS*/ \`${databaseName(TENANT, s.name)}\``);
    expect(dump).toContain("'teapot'");
    expect(dump).not.toContain(OTHER);
    expect(dump).not.toContain("other-tenant-row");
  });

  it("fails with the dump tool's message when a database is missing or the tool is absent", async () => {
    const store = new DirectoryStore(dir);
    await expect(new DumpBackup(MYSQL, store).backup("nosuchtenant", "final")).rejects.toThrow(
      /backup of nosuchtenant failed \(mysqldump exited 2\)/,
    );
    await expect(
      new DumpBackup(MYSQL, store, { command: "no-such-dump-tool" }).backup(TENANT, "final"),
    ).rejects.toThrow(/cannot run no-such-dump-tool/);
    expect(await store.list("tenants/nosuchtenant/")).toEqual([]);
  });

  it("stores the dump under the tier it is taken under (the store's retention), as the tenant service passes it", async () => {
    const puts: [string, PutOptions | undefined][] = [];
    const store = new (class extends DirectoryStore {
      override async putFile(key: string, path: string, options?: PutOptions): Promise<void> {
        puts.push([key, options]);
        await super.putFile(key, path);
      }
    })(dir);
    const { location } = await new DumpBackup(MYSQL, store, {
      now: () => Date.parse("2026-11-22T11:00:00Z"),
    }).backup(TENANT, "tier-change", "business");
    expect(puts).toEqual([[location, { retention: "business" }]]);
  });
});

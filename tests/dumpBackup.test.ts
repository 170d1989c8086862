/** The final backup against the real MariaDB: a dump of the tenant's 11 databases. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DumpBackup } from "../automation/dumpBackup";
import { databaseName, DATABASE_SERVICES } from "../tiers";
import { MYSQL, mysqlQuery, serverAvailable } from "./helpers/servers";

const TENANT = "bkptest";
const dir = mkdtempSync(join(tmpdir(), "backup-"));

const dropAll = () => mysqlQuery(DATABASE_SERVICES.map((s) => `DROP DATABASE IF EXISTS \`${databaseName(TENANT, s.name)}\`;`).join(""));

describe("DumpBackup (real MySQL)", () => {
  let up = false;
  beforeAll(async () => {
    up = await serverAvailable("MySQL", MYSQL.host, MYSQL.port);
    if (!up) return;
    await dropAll();
    await mysqlQuery(DATABASE_SERVICES.map((s) => `CREATE DATABASE \`${databaseName(TENANT, s.name)}\`;`).join(""));
    await mysqlQuery(`CREATE TABLE \`${databaseName(TENANT, "products")}\`.products (id INT PRIMARY KEY, name VARCHAR(32)); INSERT INTO \`${databaseName(TENANT, "products")}\`.products VALUES (1, 'teapot');`);
  });
  beforeEach((context) => {
    if (!up) context.skip();
  });
  afterAll(async () => {
    if (up) await dropAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it("dumps every database of the tenant, data included, into a timestamped file", async () => {
    const backup = new DumpBackup(MYSQL, dir, "mysqldump", () => Date.parse("2026-11-22T10:00:00Z"));
    const { location } = await backup.backup(TENANT, "final");
    expect(location).toBe(join(dir, "bkptest-final-2026-11-22T10-00-00-000Z.sql"));
    const dump = readFileSync(location, "utf8");
    for (const s of DATABASE_SERVICES) expect(dump).toContain(`CREATE DATABASE /*!32312 IF NOT EXISTS*/ \`${databaseName(TENANT, s.name)}\``);
    expect(dump).toContain("'teapot'");
  });

  it("fails with the dump tool's message when a database is missing or the tool is absent", async () => {
    await expect(new DumpBackup(MYSQL, dir).backup("nosuchtenant", "final")).rejects.toThrow(/final backup of nosuchtenant failed \(mysqldump exited 2\)/);
    await expect(new DumpBackup(MYSQL, dir, "no-such-dump-tool").backup(TENANT, "tier-change")).rejects.toThrow(/cannot run no-such-dump-tool/);
    expect(existsSync(dir)).toBe(true);
  });
});

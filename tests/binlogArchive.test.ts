/**
 * The binlog archive against a real MariaDB with binary logging: a log shipped while it was the
 * active one is shipped again once it has closed, so the archive never keeps a copy that stops short.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DirectoryStore } from "../automation/backupStore";
import { BinlogArchive } from "../automation/binlogArchive";
import { withConnection } from "../automation/mysqlTools";
import { binlogPrefix } from "../tiers";
import { binlogServerAvailable, MYSQL_BINLOG } from "./helpers/servers";

const SERVER = `archive-${process.pid}`;
const DATABASE = `binlogarch${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), "binlog-archive-"));
const store = new DirectoryStore(dir);

/** The server's binary logs and their sizes. */
const serverLogs = () =>
  withConnection(MYSQL_BINLOG, async (db) =>
    ((await db.query("SHOW BINARY LOGS"))[0] as { Log_name: string; File_size: number }[]).map(
      (r) => [r.Log_name, Number(r.File_size)] as const,
    ),
  );

const write = (rows: number) =>
  withConnection(MYSQL_BINLOG, async (db) => {
    for (let i = 0; i < rows; i++)
      await db.query(`INSERT INTO \`${DATABASE}\`.t (v) VALUES (?)`, [`row ${i} ${"x".repeat(200)}`]);
  });

describe("binlog archive (real MariaDB with binary logging)", () => {
  let up = false;
  beforeAll(async () => {
    up = await binlogServerAvailable();
    if (up)
      await withConnection(MYSQL_BINLOG, (db) =>
        db
          .query(`CREATE DATABASE \`${DATABASE}\``)
          .then(() => db.query(`CREATE TABLE \`${DATABASE}\`.t (id INT AUTO_INCREMENT PRIMARY KEY, v TEXT)`)),
      );
  });
  beforeEach((context) => {
    if (!up) context.skip();
  });
  afterAll(async () => {
    if (up) await withConnection(MYSQL_BINLOG, (db) => db.query(`DROP DATABASE IF EXISTS \`${DATABASE}\``));
    rmSync(dir, { recursive: true, force: true });
  });

  it("ships a log again after it closes, so its archived copy is the whole log", async () => {
    const archive = new BinlogArchive(MYSQL_BINLOG, SERVER, store);
    await write(5);
    await archive.archive();
    const [wasActive] = (await serverLogs()).at(-1)!;
    // The log grows after it was shipped, then closes.
    await write(50);
    await withConnection(MYSQL_BINLOG, (db) => db.query("FLUSH BINARY LOGS"));
    const shipped = await archive.archive();
    expect(shipped).toContain(wasActive);
    const closed = new Map(await serverLogs());
    expect(statSync(join(dir, `${binlogPrefix(SERVER)}${wasActive}`)).size).toBe(closed.get(wasActive));
    // A third run ships only what can still change: the active log (now the newest archived one).
    const [active] = (await serverLogs()).at(-1)!;
    expect(await archive.archive()).toEqual([active]);
  });
});

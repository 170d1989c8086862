/**
 * `POST /tenants/:id/restore` with a backup, over real HTTP against the service as `npm run
 * service` starts it (startService with the library's restore handler, offline engine, embedded
 * store), on this machine's MariaDB: provision a tenant, load rows into its databases, take a
 * backup through the library into the service's backup store, change the rows, ask for the
 * restore, watch the operation succeed, and find every row as backed up (the changed ones kept
 * in the `_p` databases). Bad payloads are 4xx before anything is stored or run.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DirectoryStore } from "../automation/backupStore";
import { DumpBackup, tenantDatabases } from "../automation/dumpBackup";
import { withConnection } from "../automation/mysqlTools";
import { serviceConfigFromEnv } from "../service/config";
import { createLogger } from "../service/log";
import type { Operation } from "../service/operations";
import { LibraryRestoreHandler } from "../service/restoreHandler";
import { startService, type RunningService } from "../service/runtime";
import { databaseName, dumpKey } from "../tiers";
import { snapshot as tableSnapshot } from "./helpers/mysqlRows";
import { MYSQL, mysqlQuery, serverAvailable } from "./helpers/servers";
import { eventually, tenantRequest } from "./helpers/service";

const TOKEN = `restore-test-token-${randomBytes(8).toString("hex")}`;
const TENANT = `srv${process.pid}${randomBytes(2).toString("hex")}`;
const OTHER = `srvo${process.pid}${randomBytes(2).toString("hex")}`;
const dir = mkdtempSync(join(tmpdir(), "service-restore-"));
const products = `\`${databaseName(TENANT, "products")}\`.products`;
const orders = `\`${databaseName(TENANT, "orders")}\`.orders`;

/** Every row of every table of `databases`, ordered. */
const snapshot = (databases: readonly string[]) =>
  withConnection(MYSQL, (db) => tableSnapshot(db, databases));

const tenantSchemas = () =>
  withConnection(MYSQL, async (db) => {
    const [rows] = await db.query(
      "SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? ORDER BY 1",
      [`${TENANT}\\_%`],
    );
    return (rows as { n: string }[]).map((r) => r.n);
  });

async function dropAll(): Promise<void> {
  for (const n of await tenantSchemas()) await mysqlQuery(`DROP DATABASE \`${n}\``);
}

describe("POST /tenants/:id/restore loads a backup (real HTTP, MariaDB, the restore library)", () => {
  let up = false;
  let service: RunningService;
  let backupDir: string;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const finished = (id: string) =>
    eventually(
      `operation ${id} to finish`,
      async () => {
        const { body } = await call("GET", `/operations/${id}`);
        const op = body["operation"] as Operation;
        return op.status === "succeeded" || op.status === "failed"
          ? { op, log: body["log"] as string[] }
          : undefined;
      },
      120_000,
    );

  beforeAll(async () => {
    up = await serverAvailable("MySQL", MYSQL.host, MYSQL.port);
    if (!up) return;
    await dropAll();
    // What `npm run service` reads, with no RabbitMQ management API and no bucket: the directory store.
    const config = serviceConfigFromEnv({
      PORT: "0",
      TENANT_SERVICE_TOKEN: TOKEN,
      TENANT_ENGINE: "offline",
      TENANT_STATE_DIR: join(dir, "stacks"),
      SERVICE_DATA_DIR: join(dir, "data"),
      BACKOFF_MS: "10",
      MYSQL_HOST: MYSQL.host,
      MYSQL_PORT: String(MYSQL.port),
      MYSQL_USER: MYSQL.user,
      MYSQL_PASSWORD: MYSQL.password,
    });
    backupDir = config.backups.dir;
    expect(backupDir).toBe(join(dir, "data", "backups"));
    service = await startService(config, {
      restore: await LibraryRestoreHandler.open(config),
      log: createLogger({ level: "silent" }),
    });
  }, 60_000);
  beforeEach((context) => {
    if (!up) context.skip();
  });
  afterAll(async () => {
    if (up) {
      await service?.stop();
      await dropAll();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("restores the rows of a backup taken through the library, and keeps the replaced ones", async () => {
    const provision = await call("POST", "/tenants", tenantRequest(TENANT, "premium"));
    expect(provision.status).toBe(202);
    expect((await finished((provision.body["operation"] as Operation).id)).op.status).toBe("succeeded");

    await mysqlQuery(
      tenantDatabases(TENANT)
        .map((d) => `CREATE DATABASE \`${d}\`;`)
        .join(""),
    );
    await mysqlQuery(
      `CREATE TABLE ${products} (id INT PRIMARY KEY, name VARCHAR(32), price DECIMAL(8,2)); INSERT INTO ${products} VALUES (1, 'teapot', 19.90), (2, 'kettle', 34.50), (3, 'mug', 4.00);` +
        `CREATE TABLE ${orders} (id INT PRIMARY KEY, product INT, qty INT); INSERT INTO ${orders} VALUES (10, 1, 2), (11, 3, 6);`,
    );
    const backedUp = await snapshot(tenantDatabases(TENANT));
    const { location } = await new DumpBackup(MYSQL, new DirectoryStore(backupDir)).backup(
      TENANT,
      "tier-change",
    );

    // Written after the backup: an update, a delete, an insert in two databases.
    await mysqlQuery(
      `UPDATE ${products} SET price = 0 WHERE id = 1; DELETE FROM ${products} WHERE id = 2; INSERT INTO ${orders} VALUES (12, 2, 1);`,
    );
    const changed = await snapshot(tenantDatabases(TENANT));
    expect(changed).not.toEqual(backedUp);

    const accepted = await call("POST", `/tenants/${TENANT}/restore`, { backup: location });
    expect(accepted.status).toBe(202);
    const { op, log } = await finished((accepted.body["operation"] as Operation).id);
    expect(op).toMatchObject({ status: "succeeded", attempts: 1, kind: "restore" });
    expect(op.result).toMatchObject({ tenantId: TENANT, dump: location, binlogs: [] });
    expect(log.at(-1)).toMatch(/succeeded$/);

    // Row for row what the backup holds: nothing lost, nothing extra.
    expect(await snapshot(tenantDatabases(TENANT))).toEqual(backedUp);
    const previous = (op.result as { previous: string[] }).previous;
    expect(previous).toHaveLength(11);
    const kept = await withConnection(
      MYSQL,
      async (db) =>
        (
          await db.query(
            `SELECT * FROM \`${previous.find((p) => p.startsWith(databaseName(TENANT, "products")))}\`.products ORDER BY 1`,
          )
        )[0] as unknown[],
    );
    expect(kept).toEqual(changed[`${databaseName(TENANT, "products")}.products`]);
    const tenant = await call("GET", `/tenants/${TENANT}`);
    expect(tenant.body).toMatchObject({
      status: "active",
      lastOperation: { kind: "restore", status: "succeeded" },
    });

    // By its stamp too, and a backup the store does not hold is a typed failure, not retried.
    const stamp = location
      .split("/")
      .at(-1)!
      .replace(/\.sql$/, "");
    await new Promise((resolve) => setTimeout(resolve, 1005 - (Date.now() % 1000))); // one restore a second
    const byStamp = await call("POST", `/tenants/${TENANT}/restore`, { backup: stamp });
    expect((await finished((byStamp.body["operation"] as Operation).id)).op).toMatchObject({
      status: "succeeded",
      result: { dump: location },
    });
    const missing = await call("POST", `/tenants/${TENANT}/restore`, {
      backup: dumpKey(TENANT, new Date("2026-01-02T03:04:05Z")),
    });
    expect((await finished((missing.body["operation"] as Operation).id)).op).toMatchObject({
      status: "failed",
      attempts: 1,
      error: { outcome: "refused", message: expect.stringMatching(/^no backup tenants\//) },
    });
    expect(await snapshot(tenantDatabases(TENANT))).toEqual(backedUp);
  }, 180_000);

  it("answers bad payloads with 4xx before storing an operation, and restores nothing", async () => {
    const before = await service.store.counts();
    const schemas = await tenantSchemas();
    const valid = dumpKey(TENANT, new Date("2026-11-30T14:05:09Z"));
    for (const [payload, status, field] of [
      [{ backup: "latest" }, 400, "backup"],
      [{ backup: 42 }, 400, "backup"],
      [{ backup: "" }, 400, "backup"],
      [{ backup: "../../etc/passwd" }, 400, "backup"],
      [{ backup: dumpKey(OTHER, new Date("2026-11-30T14:05:09Z")) }, 400, "backup"],
      [{ backup: valid, restoreEverything: true }, 400, "restoreEverything"],
      [{ backup: valid, to: "yesterday" }, 400, "to"],
      [{ backup: valid, to: "2026-11-30T25:61:00Z" }, 400, "to"],
      [{ to: "2999-01-01T00:00:00Z" }, 400, "to"],
      [{ to: "2026-11-30T14:05:09" }, 400, "to"], // no zone: ambiguous
      [{}, 409, undefined], // active: nothing to reinstate, and no backup named
    ] as const) {
      const res = await call("POST", `/tenants/${TENANT}/restore`, payload);
      expect(res.status, JSON.stringify(payload)).toBe(status);
      const error = res.body["error"] as { outcome: string; message: string };
      expect(error.outcome, JSON.stringify(payload)).toBe(status === 400 ? "invalid" : "conflict");
      if (field) expect(error.message, JSON.stringify(payload)).toContain(field);
    }
    const unknown = await call("POST", `/tenants/${OTHER}/restore`, {
      backup: dumpKey(OTHER, new Date("2026-11-30T14:05:09Z")),
    });
    expect(unknown.status).toBe(404);
    expect(await service.store.counts()).toEqual(before);
    expect(await tenantSchemas()).toEqual(schemas);
  });

  it("documents the restore body in the OpenAPI document, generated from the library's schema", async () => {
    const doc = (await (await fetch(`${service.url}/openapi.json`)).json()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody: {
              content: Record<
                string,
                {
                  schema: { properties: Record<string, { pattern?: string }>; additionalProperties: boolean };
                }
              >;
            };
          }
        >
      >;
    };
    const schema =
      doc.paths["/tenants/{id}/restore"]!["post"]!.requestBody.content["application/json"]!.schema;
    expect(Object.keys(schema.properties).sort()).toEqual(["backup", "to"]);
    expect(schema.additionalProperties).toBe(false);
    expect(new RegExp(schema.properties["backup"]!.pattern!).test(dumpKey(TENANT, new Date()))).toBe(true);
  });
});

/**
 * RabbitMQ definitions in backups and restores, against the real RabbitMQ management API and
 * MariaDB of this machine (unique tenant ids, so unique vhosts and databases): the library's
 * backup exports the tenant vhost's definitions with its dump; a restore after queues, a binding
 * and a policy were deleted brings back exactly what was exported (names, arguments, policies)
 * along with the rows; what the stack owns now (vhost limits, a changed policy) is kept; a file
 * naming another tenant's vhost (or the whole broker) is refused before anything is written.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DirectoryStore } from "../automation/backupStore";
import { DumpBackup } from "../automation/dumpBackup";
import { withConnection } from "../automation/mysqlTools";
import {
  canonical,
  DEFINITION_KINDS,
  DefinitionsError,
  parseVhostDefinitions,
  RabbitDefinitions,
  type VhostDefinitions,
} from "../automation/rabbitDefinitions";
import { RestoreError, TenantRestore } from "../automation/restore";
import {
  databaseName,
  DATABASE_SERVICES,
  definitionsKey,
  definitionsPrefix,
  parseBackupStamp,
  rabbitVhost,
} from "../tiers";
import { MYSQL, mysqlQuery, RABBITMQ, rabbitManagementPort, serverAvailable } from "./helpers/servers";

const RUN = `${process.pid}${randomBytes(2).toString("hex")}`;
const TENANT = `rdef${RUN}`;
const OTHER = `rdefo${RUN}`;
const VHOST = rabbitVhost(TENANT);
const OTHER_VHOST = rabbitVhost(OTHER);
const dir = mkdtempSync(join(tmpdir(), "restore-definitions-"));
const store = new DirectoryStore(dir);
const api = new RabbitDefinitions(RABBITMQ);

async function management(method: string, path: string, body?: unknown): Promise<Response> {
  const auth = Buffer.from(`${RABBITMQ.user}:${RABBITMQ.password}`).toString("base64");
  const response = await fetch(`${RABBITMQ.url}/api/${path}`, {
    method,
    headers: { authorization: `Basic ${auth}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok && response.status !== 404)
    throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
  return response;
}
const v = encodeURIComponent;

/** A tenant's topology as its services and stack would declare it. */
async function declare(vhost: string): Promise<void> {
  await management("PUT", `vhosts/${v(vhost)}`);
  await management("PUT", `vhost-limits/${v(vhost)}/max-queues`, { value: 20 });
  await management("PUT", `exchanges/${v(vhost)}/microservices_exchange`, { type: "topic", durable: true });
  await management("PUT", `exchanges/${v(vhost)}/dead-letter`, { type: "fanout", durable: true });
  await management("PUT", `queues/${v(vhost)}/orders`, {
    durable: true,
    arguments: { "x-queue-type": "quorum", "x-delivery-limit": 5 },
  });
  await management("PUT", `queues/${v(vhost)}/priority-queue`, {
    durable: true,
    arguments: { "x-queue-type": "classic", "x-max-priority": 10 },
  });
  await management("PUT", `queues/${v(vhost)}/dead-letter-queue`, {
    durable: true,
    arguments: { "x-queue-type": "quorum" },
  });
  await management("POST", `bindings/${v(vhost)}/e/microservices_exchange/q/orders`, {
    routing_key: "order.#",
    arguments: {},
  });
  await management("POST", `bindings/${v(vhost)}/e/microservices_exchange/q/priority-queue`, {
    routing_key: "urgent.*",
    arguments: { "x-match": "any" },
  });
  await management("POST", `bindings/${v(vhost)}/e/dead-letter/q/dead-letter-queue`, {
    routing_key: "",
    arguments: {},
  });
  await management("PUT", `policies/${v(vhost)}/tier`, {
    pattern: "^(?!amq\\.).*",
    definition: { "max-length": 10000, "dead-letter-exchange": "dead-letter" },
    "apply-to": "queues",
    priority: 0,
  });
  await management("PUT", `policies/${v(vhost)}/ttl`, {
    pattern: "^priority",
    definition: { "message-ttl": 60000 },
    "apply-to": "queues",
    priority: 1,
  });
}

/** Every object of a kind in canonical form, sorted: what "the same definitions" means here. */
const comparable = (d: VhostDefinitions) =>
  Object.fromEntries(DEFINITION_KINDS.map((k) => [k, d[k].map((i) => canonical(i)).sort()]));

/** Restores are stamped by the second (their `_p<stamp>` databases): one restore a second. */
const nextSecond = () => new Promise((resolve) => setTimeout(resolve, 1005 - (Date.now() % 1000)));

const tables = DATABASE_SERVICES.map((s) => databaseName(TENANT, s.name));
const products = `\`${databaseName(TENANT, "products")}\`.products`;
const rows = () =>
  withConnection(
    MYSQL,
    async (db) =>
      (await db.query(`SELECT id, name FROM ${products} ORDER BY id`))[0] as { id: number; name: string }[],
  );

async function dropDatabases(): Promise<void> {
  await withConnection(MYSQL, async (db) => {
    const [found] = await db.query(
      "SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?",
      [`${TENANT}\\_%`],
    );
    for (const { n } of found as { n: string }[]) await db.query(`DROP DATABASE \`${n}\``);
  });
}

describe("RabbitMQ vhost definitions in backups and restores (real RabbitMQ and MariaDB)", () => {
  let up = false;
  beforeAll(async () => {
    up =
      (await serverAvailable("MySQL", MYSQL.host, MYSQL.port)) &&
      (await serverAvailable(
        "RabbitMQ management API",
        new URL(RABBITMQ.url).hostname,
        rabbitManagementPort(),
      ));
    if (!up) return;
    await dropDatabases();
    await mysqlQuery(tables.map((t) => `CREATE DATABASE \`${t}\`;`).join(""));
    await mysqlQuery(
      `CREATE TABLE ${products} (id INT PRIMARY KEY, name VARCHAR(32)); INSERT INTO ${products} VALUES (1, 'teapot'), (2, 'kettle');`,
    );
    await declare(VHOST);
    await declare(OTHER_VHOST);
  });
  beforeEach((context) => {
    if (!up) context.skip();
  });
  afterAll(async () => {
    if (up) {
      await dropDatabases();
      for (const vhost of [VHOST, OTHER_VHOST]) await management("DELETE", `vhosts/${v(vhost)}`);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("backs up the definitions with the dump and restores what was deleted, exactly as exported, with the rows", async () => {
    const { location } = await new DumpBackup(MYSQL, store, { rabbitmq: RABBITMQ }).backup(
      TENANT,
      "tier-change",
    );
    const exportedKey = definitionsKey(TENANT, parseBackupStamp(location)!);
    expect(await store.list(definitionsPrefix(TENANT))).toEqual([exportedKey]);
    const exported = parseVhostDefinitions((await store.getText(exportedKey))!, VHOST);
    expect(exported.queues.map((q) => q["name"]).sort()).toEqual([
      "dead-letter-queue",
      "orders",
      "priority-queue",
    ]);
    expect(exported).toEqual(await api.current(TENANT));

    // Lost since the backup: two queues (with their bindings), a policy, a binding; and a row changed.
    await management("DELETE", `queues/${v(VHOST)}/orders`);
    await management("DELETE", `queues/${v(VHOST)}/priority-queue`);
    await management("DELETE", `policies/${v(VHOST)}/ttl`);
    await management("DELETE", `bindings/${v(VHOST)}/e/dead-letter/q/dead-letter-queue/~`);
    await mysqlQuery(
      `UPDATE ${products} SET name = 'broken' WHERE id = 1; DELETE FROM ${products} WHERE id = 2;`,
    );
    const damaged = await api.current(TENANT);
    expect(damaged.queues.map((q) => q["name"])).toEqual(["dead-letter-queue"]);
    const otherBefore = await api.current(OTHER);

    const result = await new TenantRestore({ mysql: MYSQL, store, rabbitmq: RABBITMQ }).restore({
      tenantId: TENANT,
      tier: "standard",
    });
    expect(result.dump).toBe(location);
    expect(result.definitions).toMatchObject({ key: exportedKey, vhost: VHOST, kept: [] });
    expect([...result.definitions!.created.queues].sort()).toEqual(["orders", "priority-queue"]);
    expect(result.definitions!.created.policies).toEqual(["ttl"]);
    expect(result.definitions!.created.bindings).toHaveLength(3);
    expect(result.definitions!.created.parameters).toEqual([]);
    // Names, arguments, policies, bindings: as exported, nothing missing, nothing extra.
    expect(comparable(await api.current(TENANT))).toEqual(comparable(exported));
    const orders = (await api.current(TENANT)).queues.find((q) => q["name"] === "orders")!;
    expect(orders["arguments"]).toEqual({ "x-queue-type": "quorum", "x-delivery-limit": 5 });
    expect(await rows()).toEqual([
      { id: 1, name: "teapot" },
      { id: 2, name: "kettle" },
    ]);
    // Another tenant's vhost was not touched.
    expect(await api.current(OTHER)).toEqual(otherBefore);
  });

  it("keeps what the stack owns now: vhost limits and a policy changed since the backup are not reverted", async () => {
    await new DumpBackup(MYSQL, store, { rabbitmq: RABBITMQ }).backup(TENANT, "tier-change");
    await management("PUT", `vhost-limits/${v(VHOST)}/max-queues`, { value: 7 });
    await management("PUT", `policies/${v(VHOST)}/tier`, {
      pattern: "^(?!amq\\.).*",
      definition: { "max-length": 500 },
      "apply-to": "queues",
      priority: 0,
    });
    await management("DELETE", `queues/${v(VHOST)}/orders`);
    await nextSecond();

    const result = await new TenantRestore({ mysql: MYSQL, store, rabbitmq: RABBITMQ }).restore({
      tenantId: TENANT,
      tier: "standard",
    });
    expect(result.definitions!.created.queues).toEqual(["orders"]);
    // The limits are never loaded (the stack's); the changed policy is reported as kept.
    expect(result.definitions!.kept).toEqual(["policies tier"]);
    const now = await api.current(TENANT);
    expect(now.policies.find((p) => p["name"] === "tier")!["definition"]).toEqual({ "max-length": 500 });
    expect(now.parameters.find((p) => p["component"] === "vhost-limits")!["value"]).toEqual({
      "max-queues": 7,
    });
    expect(now.queues.map((q) => q["name"]).sort()).toEqual([
      "dead-letter-queue",
      "orders",
      "priority-queue",
    ]);
  });

  it("refuses definitions of another tenant's vhost before writing anything: no queue, no database", async () => {
    const { location } = await new DumpBackup(MYSQL, store, { rabbitmq: RABBITMQ }).backup(
      TENANT,
      "tier-change",
    );
    // The export taken with this dump is replaced by another tenant's (a mix-up, or a malicious file).
    await store.putText(definitionsKey(TENANT, parseBackupStamp(location)!), await api.export(OTHER));
    await management("DELETE", `queues/${v(VHOST)}/orders`);
    await mysqlQuery(`UPDATE ${products} SET name = 'changed-after' WHERE id = 1;`);
    const before = await api.current(TENANT);
    const otherBefore = await api.current(OTHER);
    await nextSecond();

    const restore = new TenantRestore({ mysql: MYSQL, store, rabbitmq: RABBITMQ }).restore({
      tenantId: TENANT,
      tier: "standard",
    });
    await expect(restore).rejects.toThrow(DefinitionsError);
    await expect(restore).rejects.toThrow(
      new RegExp(`of vhost ${OTHER_VHOST}, not ${VHOST}: a restore never writes into another vhost`),
    );
    expect(await api.current(TENANT)).toEqual(before);
    expect(await api.current(OTHER)).toEqual(otherBefore);
    expect((await rows())[0]).toEqual({ id: 1, name: "changed-after" });
    const [leftovers] = await withConnection(MYSQL, (db) =>
      db.query("SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?", [
        `${TENANT}\\_%\\_r%`,
      ]),
    );
    expect(leftovers).toEqual([]);

    // A named backup of another tenant is refused too, whatever the store holds.
    await expect(
      new TenantRestore({ mysql: MYSQL, store, rabbitmq: RABBITMQ }).restore({
        tenantId: TENANT,
        tier: "standard",
        backup: location.replace(TENANT, OTHER),
      }),
    ).rejects.toThrow(RestoreError);
  });

  it("refuses a broker-wide export and items naming another vhost; a missing vhost is named", async () => {
    const wide = JSON.stringify({
      vhosts: [{ name: VHOST }, { name: OTHER_VHOST }],
      users: [{ name: "admin" }],
      queues: [],
    });
    expect(() => parseVhostDefinitions(wide, VHOST)).toThrow(/broker-wide export \(vhosts, users\)/);
    const foreignQueue = JSON.stringify({
      queues: [{ name: "q", vhost: OTHER_VHOST, durable: true, auto_delete: false, arguments: {} }],
    });
    expect(() => parseVhostDefinitions(foreignQueue, VHOST)).toThrow(/queues of vhost/);
    expect(() => parseVhostDefinitions("{not json", VHOST)).toThrow(DefinitionsError);
    expect(() => parseVhostDefinitions(JSON.stringify({ queues: [{ durable: true }] }), VHOST)).toThrow(
      /without name/,
    );
    await expect(api.export(`gone${RUN}`)).rejects.toThrow(/does not exist/);
  });
});

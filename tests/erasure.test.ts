/**
 * Erasure (automation/erasure/) against the real MariaDB and RabbitMQ of this machine, an
 * S3-compatible store (s3rver) and the offline engine: every database, user, vhost, bucket (every
 * object) and backup/binlog prefix of the tenant is deleted and verified absent, the report lists
 * each, a second erasure is a no-op, and a neighbour whose names start with the tenant's
 * ("<id>-shop": its MySQL names start with "<id>_") keeps everything.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { erasureSetupFrom, objectStoreFromEnv } from "../automation/erasure/environment";
import { MysqlEraser, tenantMysqlNames } from "../automation/erasure/mysqlEraser";
import { ObjectStoreEraser } from "../automation/erasure/objectStoreEraser";
import { RabbitEraser } from "../automation/erasure/rabbitEraser";
import { eraseTenant, writeErasureReport, type ErasureReport } from "../automation/erasure/report";
import { tenantObjectTargets } from "../automation/erasure/targets";
import {
  BUCKET_NAMES,
  bucketName,
  dedicatedBinlogServer,
  dumpKey,
  binlogPrefix,
  rabbitUser,
  rabbitVhost,
} from "../tiers";
import { LocalS3 } from "./helpers/localS3";
import { MYSQL, RABBITMQ, rabbitManagementPort, serverAvailable } from "./helpers/servers";
import { offlineTenantCli } from "./helpers/tenantCli";

const SUFFIX = randomBytes(3).toString("hex");
const TENANT = `er${SUFFIX}`;
const NEIGHBOUR = `er${SUFFIX}-shop`;
const BACKUP_BUCKET = `backups-${SUFFIX}`;
const dir = mkdtempSync(join(tmpdir(), `erasure-${SUFFIX}-`));
const s3 = new LocalS3(join(dir, "s3"));
let client: S3Client;
let endpoint: string;
let up = false;

const connect = () => mysql.createConnection({ ...MYSQL, multipleStatements: true });

async function rabbit(method: "PUT" | "GET" | "DELETE", path: string, body?: unknown): Promise<number> {
  const auth = Buffer.from(`${RABBITMQ.user}:${RABBITMQ.password}`).toString("base64");
  const response = await fetch(`${RABBITMQ.url}/api/${path}`, {
    method,
    headers: { authorization: `Basic ${auth}`, "content-type": "application/json" },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  await response.arrayBuffer();
  return response.status;
}

/** What a provisioned tenant has on the three servers, with rows and objects in it. */
async function seed(tenantId: string): Promise<void> {
  const db = await connect();
  try {
    const { databases, users } = tenantMysqlNames(tenantId);
    for (const name of databases)
      await db.query(
        `CREATE DATABASE \`${name}\`; CREATE TABLE \`${name}\`.t (id INT); INSERT INTO \`${name}\`.t VALUES (1)`,
      );
    for (const name of users) await db.query("CREATE USER ?@'%' IDENTIFIED BY 'x-erasure-test'", [name]);
  } finally {
    await db.end();
  }
  expect(await rabbit("PUT", `vhosts/${encodeURIComponent(rabbitVhost(tenantId))}`)).toBeLessThan(300);
  expect(
    await rabbit("PUT", `users/${encodeURIComponent(rabbitUser(tenantId))}`, { password: "x", tags: "" }),
  ).toBeLessThan(300);
  for (const bucket of BUCKET_NAMES) {
    await client.send(new CreateBucketCommand({ Bucket: bucketName(tenantId, bucket) }));
    for (const key of ["a.jpg", "nested/b.pdf"])
      await client.send(new PutObjectCommand({ Bucket: bucketName(tenantId, bucket), Key: key, Body: key }));
  }
  const at = new Date("2026-11-30T03:00:00Z");
  for (const key of [
    dumpKey(tenantId, at),
    `tenants/${tenantId}/rabbitmq/2026-11-30T03-00-00-000Z.json`,
    `${binlogPrefix(dedicatedBinlogServer(tenantId))}binlog.000001`,
  ])
    await client.send(new PutObjectCommand({ Bucket: BACKUP_BUCKET, Key: key, Body: "backup" }));
}

function erasers() {
  return [
    new MysqlEraser({ connect, where: `${MYSQL.host}:${MYSQL.port}` }),
    new RabbitEraser(RABBITMQ),
    new ObjectStoreEraser({
      client,
      where: endpoint,
      targets: (id) => tenantObjectTargets(id, { backupBucket: BACKUP_BUCKET }),
    }),
  ];
}

beforeAll(async () => {
  up =
    (await serverAvailable("MySQL", MYSQL.host, MYSQL.port)) &&
    (await serverAvailable("RabbitMQ management", "127.0.0.1", rabbitManagementPort()));
  ({ endpoint, client } = await s3.start());
  await client.send(new CreateBucketCommand({ Bucket: BACKUP_BUCKET }));
  await client.send(
    new PutObjectCommand({
      Bucket: BACKUP_BUCKET,
      Key: `${binlogPrefix("shared")}binlog.000001`,
      Body: "all",
    }),
  );
});

afterAll(async () => {
  if (up) {
    // The neighbour (and anything a failed run left) is removed by the erasure code itself.
    for (const id of [TENANT, NEIGHBOUR]) await eraseTenant(id, erasers(), { reason: "test clean-up" });
  }
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("erasure against real MariaDB, RabbitMQ and an S3-compatible store", () => {
  let first: ErasureReport;

  it("deletes every listed resource of the tenant, verifies each absent, and the report says so", async (context) => {
    if (!up) context.skip();
    await seed(TENANT);
    await seed(NEIGHBOUR);
    first = await eraseTenant(TENANT, erasers(), { reason: "retention window ended" });
    const path = join(dir, "reports", `${TENANT}.json`);
    writeErasureReport(path, first);
    const written = JSON.parse(readFileSync(path, "utf8")) as ErasureReport;
    expect(written).toEqual(first);
    expect(first).toMatchObject({ version: 1, tenantId: TENANT, complete: true, noop: false });
    const named = (system: string, kind: string) =>
      first.items.filter((i) => i.system === system && i.kind === kind).map((i) => i.name);
    const { databases, users } = tenantMysqlNames(TENANT);
    expect(named("mysql", "database")).toEqual(databases);
    expect(named("mysql", "user")).toEqual(users);
    expect(named("rabbitmq", "vhost")).toEqual([rabbitVhost(TENANT)]);
    expect(named("rabbitmq", "user")).toEqual([rabbitUser(TENANT)]);
    expect(named("object-storage", "bucket")).toEqual(BUCKET_NAMES.map((b) => bucketName(TENANT, b)));
    expect(named("backups", "prefix")).toEqual([`s3://${BACKUP_BUCKET}/tenants/${TENANT}/`]);
    expect(named("binlogs", "prefix")).toEqual([`s3://${BACKUP_BUCKET}/binlogs/dedicated-${TENANT}/`]);
    expect(first.items.every((i) => i.action === "deleted" && i.verifiedAbsent)).toBe(true);
    expect(first.items.find((i) => i.kind === "bucket")?.objects).toBe(2);
    expect(first.items.find((i) => i.system === "backups")?.objects).toBe(2);

    // Checked independently of the erasers: gone on each server.
    const db = await connect();
    try {
      const [schemas] = await db.query(
        "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?)",
        [databases],
      );
      expect(schemas).toEqual([]);
      const [accounts] = await db.query("SELECT User FROM mysql.user WHERE User IN (?)", [users]);
      expect(accounts).toEqual([]);
    } finally {
      await db.end();
    }
    expect(await rabbit("GET", `vhosts/${encodeURIComponent(rabbitVhost(TENANT))}`)).toBe(404);
    expect(await rabbit("GET", `users/${encodeURIComponent(rabbitUser(TENANT))}`)).toBe(404);
  });

  it("leaves the neighbour whose names start with the tenant's, and the shared binlogs, untouched", async (context) => {
    if (!up || !first) context.skip();
    const db = await connect();
    try {
      const { databases, users } = tenantMysqlNames(NEIGHBOUR);
      expect(databases.every((d) => d.startsWith(`${TENANT}_`))).toBe(true);
      const [rows] = await db.query(`SELECT id FROM \`${databases[0]}\`.t`);
      expect(rows).toEqual([{ id: 1 }]);
      const [accounts] = await db.query("SELECT User FROM mysql.user WHERE User IN (?)", [users]);
      expect((accounts as unknown[]).length).toBe(users.length);
    } finally {
      await db.end();
    }
    expect(await rabbit("GET", `vhosts/${encodeURIComponent(rabbitVhost(NEIGHBOUR))}`)).toBe(200);
    const eraser = erasers()[2] as ObjectStoreEraser;
    expect(await eraser.versions(BACKUP_BUCKET, `tenants/${NEIGHBOUR}/`)).toHaveLength(2);
    expect(await eraser.versions(BACKUP_BUCKET, "binlogs/shared/")).toHaveLength(1);
    expect(await eraser.versions(bucketName(NEIGHBOUR, "products"), "")).toHaveLength(2);
  });

  it("a second erasure is a no-op: every item absent, still verified", async (context) => {
    if (!up || !first) context.skip();
    const second = await eraseTenant(TENANT, erasers(), { reason: "retention window ended" });
    expect(second).toMatchObject({ complete: true, noop: true });
    expect(second.items.map((i) => [i.system, i.kind, i.name])).toEqual(
      first.items.map((i) => [i.system, i.kind, i.name]),
    );
    expect(second.items.every((i) => i.action === "absent" && i.verifiedAbsent)).toBe(true);
  });
});

describe("npm run tenant -- erase: the confirmation step", () => {
  it("refuses a --confirm that does not repeat the tenant id, or a malformed reference, before anything is created", () => {
    const stateDir = join(dir, "cli-state");
    const tenant = offlineTenantCli(stateDir, { ERASURE_REPORT_DIR: join(dir, "cli-reports") });
    const mismatch = tenant("erase", "acme", "--reference", "GDPR-1", "--confirm", "acme-shop", "--json");
    expect(mismatch.status).toBe(2);
    expect(JSON.parse(mismatch.stderr)).toMatchObject({ outcome: "usage" });
    expect(mismatch.stderr).toContain("does not repeat the tenant id acme");
    const reference = tenant("erase", "acme", "--reference", "x y", "--confirm", "acme");
    expect(reference.status).toBe(2);
    expect(existsSync(stateDir)).toBe(false);
    expect(existsSync(join(dir, "cli-reports"))).toBe(false);
  }, 60_000);
});

describe("a versioned bucket (S3 and MinIO keep every version)", () => {
  /** An S3 stand-in with versioning: ListObjectVersions pages of 2, DeleteObjects by version id. */
  function versionedStore() {
    const versions = new Map<string, { Key: string; VersionId: string; marker: boolean }[]>([
      [
        "tenant-acme-products",
        [
          { Key: "a.jpg", VersionId: "1", marker: false },
          { Key: "a.jpg", VersionId: "2", marker: false },
          { Key: "a.jpg", VersionId: "3", marker: true },
          { Key: "b.pdf", VersionId: "1", marker: false },
          { Key: "c.txt", VersionId: "9", marker: true },
        ],
      ],
    ]);
    const deleted: string[] = [];
    const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const bucket = command.input["Bucket"] as string;
      const held = versions.get(bucket);
      switch (command.constructor.name) {
        case "HeadBucketCommand":
          if (!held) throw Object.assign(new Error("NotFound"), { name: "NotFound" });
          return {};
        case "ListObjectVersionsCommand": {
          const all = held ?? [];
          const start = command.input["KeyMarker"]
            ? all.findIndex(
                (v) =>
                  `${v.Key}/${v.VersionId}` ===
                  `${command.input["KeyMarker"]}/${command.input["VersionIdMarker"]}`,
              ) + 1
            : 0;
          const page = all.slice(start, start + 2);
          const last = page.at(-1);
          return {
            Versions: page.filter((v) => !v.marker).map(({ Key, VersionId }) => ({ Key, VersionId })),
            DeleteMarkers: page.filter((v) => v.marker).map(({ Key, VersionId }) => ({ Key, VersionId })),
            IsTruncated: start + 2 < all.length,
            NextKeyMarker: last?.Key,
            NextVersionIdMarker: last?.VersionId,
          };
        }
        case "DeleteObjectsCommand": {
          const objects = (command.input["Delete"] as { Objects: { Key: string; VersionId?: string }[] })
            .Objects;
          for (const o of objects) {
            expect(o.VersionId).toBeDefined(); // a delete without a version id would only add a delete marker
            deleted.push(`${o.Key}@${o.VersionId}`);
          }
          versions.set(
            bucket,
            (held ?? []).filter((v) => !objects.some((o) => o.Key === v.Key && o.VersionId === v.VersionId)),
          );
          return {};
        }
        case "DeleteBucketCommand":
          if ((held ?? []).length > 0) throw new Error("BucketNotEmpty");
          versions.delete(bucket);
          return {};
        default:
          throw new Error(`unexpected ${command.constructor.name}`);
      }
    };
    return { client: { send } as unknown as S3Client, deleted };
  }

  it("deletes every version and delete marker across pages, then the bucket", async () => {
    const { client: fake, deleted } = versionedStore();
    const eraser = new ObjectStoreEraser({
      client: fake,
      where: "fake",
      targets: () => ({ buckets: ["tenant-acme-products"] }),
    });
    const [item] = await eraser.erase("acme", () => "2026-12-07T00:00:00.000Z");
    expect(item).toMatchObject({ action: "deleted", objects: 5, verifiedAbsent: true });
    expect(deleted.sort()).toEqual(["a.jpg@1", "a.jpg@2", "a.jpg@3", "b.pdf@1", "c.txt@9"]);
    const [again] = await eraser.erase("acme", () => "2026-12-07T00:00:01.000Z");
    expect(again).toMatchObject({ action: "absent", objects: 0, verifiedAbsent: true });
  });
});

describe("the tenant's buckets on its object store, from the environment (TENANT_OBJECT_STORE_*)", () => {
  it("a purge's erasers take the tenant's buckets, every object, and leave the neighbour's", async () => {
    const tenant = `ew${SUFFIX}`;
    const neighbour = `ew${SUFFIX}-shop`;
    for (const id of [tenant, neighbour])
      for (const bucket of BUCKET_NAMES) {
        await client.send(new CreateBucketCommand({ Bucket: bucketName(id, bucket) }));
        await client.send(new PutObjectCommand({ Bucket: bucketName(id, bucket), Key: "a.jpg", Body: "a" }));
      }
    const objectStore = objectStoreFromEnv({
      TENANT_OBJECT_STORE_ENDPOINT: endpoint,
      TENANT_OBJECT_STORE_ACCESS_KEY: "S3RVER",
      TENANT_OBJECT_STORE_SECRET_KEY: "S3RVER",
    });
    const setup = await erasureSetupFrom({
      backups: { dir: join(dir, "no-backups") },
      reportDir: join(dir, "reports"),
      ...(objectStore ? { objectStore } : {}),
    });
    const report = await eraseTenant(tenant, setup.erasers(tenant), { reason: "retention window ended" });
    const buckets = report.items.filter((i) => i.kind === "bucket");
    expect(buckets.map((i) => i.name)).toEqual(BUCKET_NAMES.map((b) => bucketName(tenant, b)));
    expect(buckets.every((i) => i.action === "deleted" && i.objects === 1 && i.verifiedAbsent)).toBe(true);
    for (const bucket of BUCKET_NAMES) {
      await expect(
        client.send(new HeadBucketCommand({ Bucket: bucketName(tenant, bucket) })),
      ).rejects.toThrow();
      await client.send(new HeadBucketCommand({ Bucket: bucketName(neighbour, bucket) }));
    }
    const again = await eraseTenant(neighbour, setup.erasers(neighbour), { reason: "test clean-up" });
    expect(again.items.filter((i) => i.kind === "bucket").every((i) => i.verifiedAbsent)).toBe(true);
  });

  it("refuses an endpoint without its keys, or one that is not http(s)://host[:port]", () => {
    expect(objectStoreFromEnv({})).toBeUndefined();
    expect(() => objectStoreFromEnv({ TENANT_OBJECT_STORE_ENDPOINT: "http://minio:9000" })).toThrow(
      /needs TENANT_OBJECT_STORE_ACCESS_KEY and TENANT_OBJECT_STORE_SECRET_KEY/,
    );
    expect(() =>
      objectStoreFromEnv({
        TENANT_OBJECT_STORE_ENDPOINT: "minio:9000/path",
        TENANT_OBJECT_STORE_ACCESS_KEY: "k",
        TENANT_OBJECT_STORE_SECRET_KEY: "s",
      }),
    ).toThrow(/must be http\(s\):\/\/host\[:port\]/);
  });
});

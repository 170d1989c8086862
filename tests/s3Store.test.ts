/**
 * S3Store against a local S3-compatible server (s3rver, the S3 REST API over a directory): the
 * BackupStore contract the backup, binlog archive and restore code relies on, through the real
 * AWS SDK client (checksums only when required: s3rver predates the SDK's aws-chunked uploads).
 * Not checked here: SSE-KMS (s3rver has no KMS) and listing past one page (see below).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Store } from "../automation/s3Store";
import { binlogMarkerKey, dumpKey } from "../tiers";

describe("S3Store (local S3-compatible server)", () => {
  const dir = mkdtempSync(join(tmpdir(), `s3store-${process.pid}-`));
  const bucket = "cv-tenant-backups";
  const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: join(dir, "s3"), configureBuckets: [{ name: bucket }] });
  let client: S3Client;

  beforeAll(async () => {
    const { port } = await server.run();
    client = new S3Client({ endpoint: `http://127.0.0.1:${port}`, region: "eu-west-3", forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED", credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } });
  });
  afterAll(async () => {
    client?.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stores and reads back files and text under the backup layout's keys; a missing object is undefined", async () => {
    const store = new S3Store(client, bucket);
    const source = join(dir, "dump.sql");
    writeFileSync(source, "CREATE TABLE t (id INT);\n".repeat(1000));
    const key = dumpKey("acme", new Date("2026-11-30T03:00:00Z"));
    await store.putFile(key, source);
    await store.getFile(key, join(dir, "back.sql"));
    expect(readFileSync(join(dir, "back.sql"), "utf8")).toBe(readFileSync(source, "utf8"));
    await store.putText(binlogMarkerKey("shared"), "2026-11-30T03:00:00Z");
    expect(await store.getText(binlogMarkerKey("shared"))).toBe("2026-11-30T03:00:00Z");
    expect(await store.getText(binlogMarkerKey("dedicated-acme"))).toBeUndefined();
  });

  // Not across pages: s3rver's continuation tokens use a cipher OpenSSL 3 refuses.
  it("lists only the prefix, sorted; overwriting keeps one key", async () => {
    const store = new S3Store(client, bucket);
    for (const name of ["binlog.000003", "binlog.000001", "binlog.000002", "binlog.000002"]) await store.putText(`binlogs/list-${process.pid}/${name}`, name);
    await store.putText(`binlogs/list-${process.pid}x/binlog.000001`, "another server");
    expect(await store.list(`binlogs/list-${process.pid}/`)).toEqual([1, 2, 3].map((n) => `binlogs/list-${process.pid}/binlog.00000${n}`));
  });
});

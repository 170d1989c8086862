/**
 * S3Store against a local S3-compatible server (s3rver, the S3 REST API over a directory): the
 * BackupStore contract the backup, binlog archive and restore code relies on, through the real
 * AWS SDK client (checksums only when required: s3rver predates the SDK's aws-chunked uploads).
 * Retention: a tenant's backup carries its tier's tag (set in the upload, as S3 applies the
 * `x-amz-tagging` header; s3rver 3.7 ignores that header, so `taggingOnPut` below stores it the way
 * S3 does) and that tier's lifecycle rule, and no other, selects it.
 * Not checked here: SSE-KMS (s3rver has no KMS) and listing past one page (see below).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectTaggingCommand, type S3Client, type Tag } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Store } from "../automation/s3Store";
import { backupLifecycleRules, type LifecycleRule } from "../components/platform/backupBucket";
import { binlogMarkerKey, definitionsKey, dumpKey, TIER_NAMES } from "../tiers";
import { LocalS3 } from "./helpers/localS3";

/** s3rver's tagging model (no types shipped). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { TaggingConfiguration } = require("s3rver/lib/models/config") as {
  TaggingConfiguration: new (xml: string) => object;
};
/** The parts of s3rver's (Koa) request context the shim reads. */
interface S3rverContext {
  readonly method: string;
  readonly status: number;
  readonly query: Record<string, unknown>;
  get(header: string): string;
  readonly store: { putSubresource(bucket: string, key: string, resource: object): Promise<void> };
  readonly params?: { readonly bucket?: string; readonly key?: string };
}
type Middleware = (ctx: S3rverContext, next: () => Promise<void>) => Promise<void>;

/** S3's PUT Object with `x-amz-tagging`: the object is stored with that tag set (s3rver drops the header). */
const taggingOnPut: Middleware = async (ctx, next) => {
  await next();
  const header = ctx.get("x-amz-tagging");
  const { store, params } = ctx;
  if (
    ctx.method !== "PUT" ||
    !header ||
    "tagging" in ctx.query ||
    ctx.status !== 200 ||
    !params?.bucket ||
    !params.key
  )
    return;
  const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const tags = [...new URLSearchParams(header)]
    .map(([k, v]) => `<Tag><Key>${escape(k)}</Key><Value>${escape(v)}</Value></Tag>`)
    .join("");
  await store.putSubresource(
    params.bucket,
    params.key,
    new TaggingConfiguration(`<Tagging><TagSet>${tags}</TagSet></Tagging>`),
  );
};

/** Whether a lifecycle rule's filter selects an object (S3: every condition given must hold). */
function selects(rule: LifecycleRule, key: string, tags: readonly Tag[]): boolean {
  const { tag, prefix } = rule.filter;
  return (
    (prefix === undefined || key.startsWith(prefix)) &&
    (tag === undefined || tags.some((t) => t.Key === tag.key && t.Value === tag.value))
  );
}

describe("S3Store (local S3-compatible server)", () => {
  const dir = mkdtempSync(join(tmpdir(), `s3store-${process.pid}-`));
  const bucket = "cv-tenant-backups";
  const s3 = new LocalS3(join(dir, "s3"), [bucket]);
  // First, so it sees the response of the route that stored the object.
  (s3.server as unknown as { middleware: Middleware[] }).middleware.unshift(taggingOnPut);
  let client: S3Client;
  const tagsOf = async (key: string): Promise<Tag[]> =>
    (await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }))).TagSet ?? [];

  beforeAll(async () => {
    ({ client } = await s3.start());
  });
  afterAll(async () => {
    await s3.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stores and reads back files and text under the backup layout's keys; a missing object is undefined", async () => {
    const store = new S3Store(client, bucket);
    const source = join(dir, "dump.sql");
    writeFileSync(source, "CREATE TABLE t (id INT);\n".repeat(1000));
    const key = dumpKey("acme", new Date("2026-11-30T03:00:00Z"));
    await store.putFile(key, source, { retention: "standard" });
    await store.getFile(key, join(dir, "back.sql"));
    expect(readFileSync(join(dir, "back.sql"), "utf8")).toBe(readFileSync(source, "utf8"));
    await store.putText(binlogMarkerKey("shared"), "2026-11-30T03:00:00Z");
    expect(await store.getText(binlogMarkerKey("shared"))).toBe("2026-11-30T03:00:00Z");
    expect(await store.getText(binlogMarkerKey("dedicated-acme"))).toBeUndefined();
  });

  // Not across pages: s3rver's continuation tokens use a cipher OpenSSL 3 refuses.
  it("lists only the prefix, sorted; overwriting keeps one key", async () => {
    const store = new S3Store(client, bucket);
    for (const name of ["binlog.000003", "binlog.000001", "binlog.000002", "binlog.000002"])
      await store.putText(`binlogs/list-${process.pid}/${name}`, name);
    await store.putText(`binlogs/list-${process.pid}x/binlog.000001`, "another server");
    expect(await store.list(`binlogs/list-${process.pid}/`)).toEqual(
      [1, 2, 3].map((n) => `binlogs/list-${process.pid}/binlog.00000${n}`),
    );
  });

  it.each(TIER_NAMES)(
    "tags a %s tenant's dump and definitions with the tier; that tier's lifecycle rule alone selects them",
    async (tier) => {
      const store = new S3Store(client, bucket);
      const source = join(dir, `dump-${tier}.sql`);
      writeFileSync(source, "SELECT 1;\n");
      const at = new Date("2026-11-30T04:00:00Z");
      const dump = dumpKey(`tagged-${tier}`, at);
      const definitions = definitionsKey(`tagged-${tier}`, at);
      await store.putFile(dump, source, { retention: tier });
      await store.putText(definitions, "{}", { retention: tier });
      const rules = backupLifecycleRules();
      for (const key of [dump, definitions]) {
        const tags = await tagsOf(key);
        expect(tags).toEqual([{ Key: "retention-tier", Value: tier }]);
        expect(rules.filter((r) => selects(r, key, tags)).map((r) => r.id)).toEqual([`${tier}-backups`]);
      }
    },
  );

  it("keeps each tier's backups as long as the tier table says (contract): 7, 30 and 31 days (Business: the 30-day window plus a base dump)", () => {
    const days = Object.fromEntries(backupLifecycleRules().map((r) => [r.id, r.expiration.days]));
    expect(days).toEqual({
      "standard-backups": 7,
      "premium-backups": 30,
      "business-backups": 31,
      binlogs: 30,
    });
  });

  it("refuses a tenant backup without a retention tier (no rule would ever expire it) and stores nothing", async () => {
    const store = new S3Store(client, bucket);
    const source = join(dir, "untagged.sql");
    writeFileSync(source, "SELECT 1;\n");
    await expect(store.putFile(dumpKey("untagged", new Date()), source)).rejects.toThrow(/no retention tier/);
    await expect(store.putText(definitionsKey("untagged", new Date()), "{}")).rejects.toThrow(
      /no retention tier/,
    );
    expect(await store.list("tenants/untagged/")).toEqual([]);
  });

  it("writes binlogs untagged: the binlogs rule selects them by prefix, no tier rule does", async () => {
    const store = new S3Store(client, bucket);
    const key = `binlogs/tags-${process.pid}/binlog.000001`;
    await store.putText(key, "binlog");
    const tags = await tagsOf(key);
    expect(tags).toEqual([]);
    expect(
      backupLifecycleRules()
        .filter((r) => selects(r, key, tags))
        .map((r) => r.id),
    ).toEqual(["binlogs"]);
  });
});

/**
 * Erases a tenant's objects from an S3-compatible store: its buckets (every object version and
 * delete marker, then the bucket), and its prefixes in the platform's backup bucket (dumps,
 * vhost definitions, a dedicated binlog server's archive). The store's lifecycle rules would
 * expire them only later; an erasure cannot wait for them. Prefixes end with "/", so tenant
 * "acme" never reaches "acme-shop"'s keys.
 */
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  type ObjectIdentifier,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { ErasedItem, Eraser, ErasureSystem } from "./report";

/** What to erase for a tenant: whole buckets, and key prefixes inside shared buckets. */
export interface ObjectTargets {
  readonly buckets?: readonly string[];
  readonly prefixes?: readonly {
    readonly bucket: string;
    readonly prefix: string;
    readonly system: ErasureSystem;
  }[];
}

export interface ObjectStoreEraserOptions {
  readonly client: S3Client;
  /** How the report names the store (its endpoint). */
  readonly where: string;
  readonly targets: (tenantId: string) => ObjectTargets;
  readonly system?: ErasureSystem;
}

const notFound = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NotFound" || e.name === "NoSuchBucket" || e.$metadata?.httpStatusCode === 404;
};
const notImplemented = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  // s3rver answers 405 MethodNotAllowed; S3 and MinIO implement the call.
  return (
    ["NotImplemented", "MethodNotAllowed"].includes(e.name ?? "") ||
    [405, 501].includes(e.$metadata?.httpStatusCode ?? 0)
  );
};

export class ObjectStoreEraser implements Eraser {
  readonly system: ErasureSystem;

  constructor(private readonly options: ObjectStoreEraserOptions) {
    this.system = options.system ?? "object-storage";
  }

  async erase(tenantId: string, at: () => string): Promise<ErasedItem[]> {
    const { buckets = [], prefixes = [] } = this.options.targets(tenantId);
    const items: ErasedItem[] = [];
    for (const bucket of buckets) items.push(await this.eraseBucket(bucket, at));
    for (const p of prefixes) items.push(await this.erasePrefix(p.bucket, p.prefix, p.system, at));
    return items;
  }

  private async bucketExists(bucket: string): Promise<boolean> {
    try {
      await this.options.client.send(new HeadBucketCommand({ Bucket: bucket }));
      return true;
    } catch (error) {
      if (notFound(error)) return false;
      throw error;
    }
  }

  /**
   * Every version and delete marker under `prefix`. A store without versioning (it answers
   * ListObjectVersions with 501 or 405) holds one version per key: its current objects.
   */
  async versions(bucket: string, prefix: string): Promise<ObjectIdentifier[]> {
    const { client } = this.options;
    const found: ObjectIdentifier[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    try {
      do {
        const page = await client.send(
          new ListObjectVersionsCommand({
            Bucket: bucket,
            Prefix: prefix,
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
          }),
        );
        for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])])
          if (v.Key !== undefined)
            found.push({ Key: v.Key, ...(v.VersionId ? { VersionId: v.VersionId } : {}) });
        keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
      } while (keyMarker);
      return found;
    } catch (error) {
      if (!notImplemented(error)) throw error;
    }
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const o of page.Contents ?? []) if (o.Key !== undefined) found.push({ Key: o.Key });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  /** Deletes every version under `prefix`, 1000 a request (S3's limit); returns how many. */
  private async deleteAll(bucket: string, prefix: string): Promise<number> {
    let deleted = 0;
    for (;;) {
      const batch = (await this.versions(bucket, prefix)).slice(0, 1000);
      if (batch.length === 0) return deleted;
      const result = await this.options.client.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }),
      );
      if (result.Errors?.length)
        throw new Error(
          `s3://${bucket}/${prefix}: ${result.Errors.length} object(s) not deleted (${result.Errors[0]?.Code ?? "?"})`,
        );
      deleted += batch.length;
    }
  }

  private async eraseBucket(bucket: string, at: () => string): Promise<ErasedItem> {
    const existed = await this.bucketExists(bucket);
    let objects = 0;
    if (existed) {
      objects = await this.deleteAll(bucket, "");
      await this.options.client.send(new DeleteBucketCommand({ Bucket: bucket }));
    }
    return {
      system: this.system,
      kind: "bucket",
      name: bucket,
      where: this.options.where,
      action: existed ? "deleted" : "absent",
      objects,
      verifiedAbsent: !(await this.bucketExists(bucket)),
      at: at(),
    };
  }

  private async erasePrefix(
    bucket: string,
    prefix: string,
    system: ErasureSystem,
    at: () => string,
  ): Promise<ErasedItem> {
    if (!prefix.endsWith("/")) throw new Error(`prefix ${prefix} must end with "/"`);
    const exists = await this.bucketExists(bucket);
    const objects = exists ? await this.deleteAll(bucket, prefix) : 0;
    return {
      system,
      kind: "prefix",
      name: `s3://${bucket}/${prefix}`,
      where: this.options.where,
      action: objects > 0 ? "deleted" : "absent",
      objects,
      verifiedAbsent: !exists || (await this.versions(bucket, prefix)).length === 0,
      at: at(),
    };
  }
}

/**
 * The platform's backup bucket as a BackupStore (operator machines restoring from production, the
 * binlog archive run outside the cluster): the same keys as DirectoryStore, in S3. Uploads are
 * encrypted with the bucket's KMS key when one is given. A tenant's backup carries the retention
 * tag of the tier it was taken under (retentionTagging, as the in-cluster runners set it), in the
 * upload itself so no object exists untagged; a `tenants/` object without a tier is refused, since
 * no lifecycle rule would ever expire it. `binlogs/` expires by prefix and needs no tag.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { retentionTagging, TENANT_BACKUP_PREFIX } from "../tiers";
import type { BackupStore, PutOptions } from "./backupStore";

export interface S3StoreOptions {
  /** KMS key ARN for SSE-KMS on every upload. Default: the bucket's default encryption. */
  readonly kmsKeyId?: string;
}

export class S3Store implements BackupStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly options: S3StoreOptions = {},
  ) {}

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    // S3 returns at most 1000 keys a request.
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async putFile(key: string, path: string, options: PutOptions = {}): Promise<void> {
    const tagging = this.tagging(key, options);
    const { size } = await stat(path);
    await this.put({ Key: key, Body: createReadStream(path), ContentLength: size, ...tagging });
  }

  async getFile(key: string, path: string): Promise<void> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!(object.Body instanceof Readable)) throw new Error(`backup object ${key}: no body`);
    await pipeline(object.Body, createWriteStream(path));
  }

  async putText(key: string, text: string, options: PutOptions = {}): Promise<void> {
    await this.put({ Key: key, Body: text, ...this.tagging(key, options) });
  }

  async getText(key: string): Promise<string | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await object.Body?.transformToString("utf8");
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  /** The upload's tagging: the retention tier's tag; none outside `tenants/` unless asked. */
  private tagging(key: string, { retention }: PutOptions): Pick<PutObjectCommandInput, "Tagging"> {
    if (retention) return { Tagging: retentionTagging(retention) };
    if (key.startsWith(TENANT_BACKUP_PREFIX))
      throw new Error(
        `backup object ${key}: no retention tier, so no lifecycle rule would expire it; pass the tier it is taken under`,
      );
    return {};
  }

  private async put(
    input: Pick<PutObjectCommandInput, "Key" | "Body" | "ContentLength" | "Tagging">,
  ): Promise<void> {
    const { kmsKeyId } = this.options;
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        ...input,
        ...(kmsKeyId ? { ServerSideEncryption: "aws:kms", SSEKMSKeyId: kmsKeyId } : {}),
      }),
    );
  }
}

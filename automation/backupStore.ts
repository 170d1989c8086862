/**
 * Where backups are kept, as the backup and restore library sees it: keys of the layout in
 * tiers/backups.ts. In production the platform's backup bucket (the jobs write it with the AWS
 * CLI); `DirectoryStore` is the same layout under a directory (operator machines, tests).
 */
import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import type { RabbitManagement } from "./rabbitDefinitions";
import type { TierName } from "../tiers";

export interface PutOptions {
  /**
   * The tier whose backup retention the object is kept under: S3Store tags it (retentionTag) so
   * that tier's lifecycle rule expires it, and refuses a `tenants/` object without one (it would
   * be kept forever). A directory keeps everything until removed.
   */
  readonly retention?: TierName;
}

export interface BackupStore {
  /** Keys under `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Stores the file at `path` under `key` (replacing an older object). */
  putFile(key: string, path: string, options?: PutOptions): Promise<void>;
  /** Writes the object `key` to the file at `path`. */
  getFile(key: string, path: string): Promise<void>;
  putText(key: string, text: string, options?: PutOptions): Promise<void>;
  /** undefined when there is no such object. */
  getText(key: string): Promise<string | undefined>;
}

export class DirectoryStore implements BackupStore {
  constructor(private readonly root: string) {}

  private path(key: string): string {
    if (key.split("/").includes("..") || key.startsWith("/"))
      throw new Error(`backup key ${JSON.stringify(key)} leaves the store`);
    return join(this.root, ...key.split("/"));
  }

  async list(prefix: string): Promise<string[]> {
    const walk = async (dir: string): Promise<string[]> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      const nested = await Promise.all(
        entries.map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)])),
      );
      return nested.flat();
    };
    const files = await walk(this.root);
    return files
      .map((f) => relative(this.root, f).split(sep).join("/"))
      .filter((k) => k.startsWith(prefix))
      .sort();
  }

  async putFile(key: string, path: string): Promise<void> {
    await mkdir(dirname(this.path(key)), { recursive: true });
    await copyFile(path, this.path(key));
  }

  async getFile(key: string, path: string): Promise<void> {
    await copyFile(this.path(key), path);
  }

  async putText(key: string, text: string): Promise<void> {
    await mkdir(dirname(this.path(key)), { recursive: true });
    await writeFile(this.path(key), text);
  }

  async getText(key: string): Promise<string | undefined> {
    return readFile(this.path(key), "utf8").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw error;
    });
  }
}

/** Where backups are read and written: the platform's bucket when one is named, else a directory (same layout). */
export interface BackupStoreChoice {
  /** Directory store root (BACKUP_DIR). */
  readonly dir: string;
  /** The platform's backup bucket (BACKUP_BUCKET): S3Store, region and credentials from the AWS SDK's environment. */
  readonly bucket?: string;
  /** KMS key for uploads (BACKUP_KMS_KEY_ID). Default: the bucket's default encryption. */
  readonly kmsKeyId?: string;
}

/** The store a choice names; the S3 client is loaded only when a bucket is named. */
export async function openBackupStore(choice: BackupStoreChoice): Promise<BackupStore> {
  if (!choice.bucket) return new DirectoryStore(resolve(choice.dir));
  const [{ S3Client }, { S3Store }] = await Promise.all([import("@aws-sdk/client-s3"), import("./s3Store")]);
  return new S3Store(new S3Client({}), choice.bucket, choice.kmsKeyId ? { kmsKeyId: choice.kmsKeyId } : {});
}

/** The backup store and RabbitMQ management API the environment names (CLI and service alike). */
export function backupEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  defaultDir: string,
): { store: BackupStoreChoice; rabbitmq?: RabbitManagement } {
  const store: BackupStoreChoice = {
    dir: env["BACKUP_DIR"] || defaultDir,
    ...(env["BACKUP_BUCKET"] ? { bucket: env["BACKUP_BUCKET"] } : {}),
    ...(env["BACKUP_KMS_KEY_ID"] ? { kmsKeyId: env["BACKUP_KMS_KEY_ID"] } : {}),
  };
  const url = env["RABBITMQ_MANAGEMENT_URL"];
  return {
    store,
    ...(url
      ? {
          rabbitmq: {
            url,
            user: env["RABBITMQ_USER"] ?? "guest",
            password: env["RABBITMQ_PASSWORD"] ?? "guest",
          },
        }
      : {}),
  };
}

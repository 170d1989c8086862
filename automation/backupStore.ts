/**
 * Where backups are kept, as the backup and restore library sees it: keys of the layout in
 * tiers/backups.ts. In production the platform's backup bucket (the jobs write it with the AWS
 * CLI); `DirectoryStore` is the same layout under a directory (operator machines, tests).
 */
import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
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
    if (key.split("/").includes("..") || key.startsWith("/")) throw new Error(`backup key ${JSON.stringify(key)} leaves the store`);
    return join(this.root, ...key.split("/"));
  }

  async list(prefix: string): Promise<string[]> {
    const walk = async (dir: string): Promise<string[]> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)])));
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

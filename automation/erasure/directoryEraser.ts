/** Erases a tenant's backup and dedicated binlog prefixes from a directory backup store (the embedded service's, BACKUP_DIR). */
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { binlogPrefix, dedicatedBinlogServer, tenantBackupPrefix } from "../../tiers";
import type { ErasedItem, Eraser, ErasureSystem } from "./report";

function countFiles(path: string): number {
  if (!existsSync(path)) return 0;
  if (!statSync(path).isDirectory()) return 1;
  return readdirSync(path).reduce((n, entry) => n + countFiles(join(path, entry)), 0);
}

export class DirectoryPrefixEraser implements Eraser {
  readonly system = "backups" as const;

  constructor(private readonly root: string) {}

  private eraseOne(prefix: string, system: ErasureSystem, at: () => string): ErasedItem {
    const path = join(resolve(this.root), prefix);
    const objects = countFiles(path);
    rmSync(path, { recursive: true, force: true });
    return {
      system,
      kind: "prefix",
      name: prefix,
      where: resolve(this.root),
      action: objects > 0 ? "deleted" : "absent",
      objects,
      verifiedAbsent: !existsSync(path),
      at: at(),
    };
  }

  async erase(tenantId: string, at: () => string): Promise<ErasedItem[]> {
    return [
      this.eraseOne(tenantBackupPrefix(tenantId), "backups", at),
      this.eraseOne(binlogPrefix(dedicatedBinlogServer(tenantId)), "binlogs", at),
    ];
  }
}

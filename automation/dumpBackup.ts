/**
 * A backup of a tenant's 11 databases with `mysqldump` (or `mariadb-dump`) into a file: the final
 * one before deprovisioning, and one before every tier downgrade or site removal. Object storage
 * and queues are kept by the retention window itself (protected, retained resources), so the dump
 * is what survives the purge.
 */
import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { databaseName, DATABASE_SERVICES } from "../tiers";
import type { MysqlUsageConnection } from "./preflight";
import type { BackupHook, BackupReason } from "./tenantService";

export class DumpBackup implements BackupHook {
  constructor(
    private readonly mysql: MysqlUsageConnection,
    private readonly directory: string,
    /** Dump client. Default `mysqldump`. */
    private readonly command = "mysqldump",
    private readonly now: () => number = Date.now,
  ) {}

  async backup(tenantId: string, reason: BackupReason): Promise<{ location: string }> {
    mkdirSync(this.directory, { recursive: true });
    const stamp = new Date(this.now()).toISOString().replace(/[:.]/g, "-");
    const location = join(this.directory, `${tenantId}-${reason}-${stamp}.sql`);
    const databases = DATABASE_SERVICES.map((s) => databaseName(tenantId, s.name));
    const args = ["-h", this.mysql.host, "-P", String(this.mysql.port), "-u", this.mysql.user, "--single-transaction", "--routines", "--triggers", "--databases", ...databases];
    await new Promise<void>((resolve, reject) => {
      // The password goes through the environment, never the command line (visible in `ps`).
      const child = spawn(this.command, args, { env: { ...process.env, MYSQL_PWD: this.mysql.password }, stdio: ["ignore", "pipe", "pipe"] });
      const out = createWriteStream(location);
      let stderr = "";
      child.stdout.pipe(out);
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("error", (error) => reject(new Error(`${reason} backup of ${tenantId}: cannot run ${this.command}: ${error.message}`)));
      child.on("close", (code) => (code === 0 ? out.end(() => resolve()) : reject(new Error(`${reason} backup of ${tenantId} failed (${this.command} exited ${code}): ${stderr.trim()}`))));
    });
    return { location };
  }
}

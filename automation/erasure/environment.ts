/**
 * The erasers the environment names, for the operator CLI and the service alike: the tenants'
 * MySQL server (MYSQL_*, the server restores load into), the RabbitMQ management API
 * (RABBITMQ_MANAGEMENT_URL), and the backup store (BACKUP_BUCKET, else BACKUP_DIR). The tenant's
 * own buckets live in its object store and are deleted by the stack's erasure (listed retained
 * when no deleter is configured; docs/tenant-lifecycle.md).
 */
import mysql from "mysql2/promise";
import type { BackupStoreChoice } from "../backupStore";
import type { RabbitManagement } from "../rabbitDefinitions";
import { DirectoryPrefixEraser } from "./directoryEraser";
import { MysqlEraser } from "./mysqlEraser";
import type { ErasureSetup } from "./purge";
import { RabbitEraser } from "./rabbitEraser";
import type { Eraser } from "./report";
import { tenantBackupPrefixes } from "./targets";

export interface ErasureEnvironment {
  /** The tenants' MySQL server and an admin account; none: databases are left to the stack's destroy. */
  readonly mysql?: {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly password: string;
  };
  readonly rabbitmq?: RabbitManagement;
  readonly backups: BackupStoreChoice;
  readonly reportDir: string;
}

export async function erasureSetupFrom(env: ErasureEnvironment): Promise<ErasureSetup> {
  const erasers: Eraser[] = [];
  const server = env.mysql;
  if (server)
    erasers.push(
      new MysqlEraser({
        connect: () => mysql.createConnection(server),
        where: `${server.host}:${server.port}`,
      }),
    );
  if (env.rabbitmq) erasers.push(new RabbitEraser(env.rabbitmq));
  let backups: (tenantId: string) => Eraser;
  const bucket = env.backups.bucket;
  if (bucket) {
    const [{ S3Client }, { ObjectStoreEraser }] = await Promise.all([
      import("@aws-sdk/client-s3"),
      import("./objectStoreEraser"),
    ]);
    const eraser = new ObjectStoreEraser({
      client: new S3Client({}),
      where: `s3://${bucket}`,
      targets: (tenantId) => tenantBackupPrefixes(tenantId, bucket),
    });
    backups = () => eraser;
  } else {
    const eraser = new DirectoryPrefixEraser(env.backups.dir);
    backups = () => eraser;
  }
  return { erasers: (tenantId) => [...erasers, backups(tenantId)], reportDir: env.reportDir };
}

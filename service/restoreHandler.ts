/**
 * The restore library as the service's RestoreHandler: `POST /tenants/:id/restore` with
 * `{"backup": ..., "to"?: ...}` runs TenantRestore on the configured MySQL server, from the store
 * the service's backups go to (BACKUP_BUCKET, else BACKUP_DIR, default <SERVICE_DATA_DIR>/backups),
 * with the vhost definitions when RABBITMQ_MANAGEMENT_URL is set. The tier is the stack's (the
 * executor reads it), never the request's.
 */
import { openBackupStore, type BackupStore } from "../automation/backupStore";
import { TenantRestore } from "../automation/restore";
import { parseRestoreRequest } from "../automation/restoreRequest";
import type { ServiceConfig } from "./config";
import type { RestoreContext, RestoreHandler } from "./executor";

export type RestoreHandlerConfig = Pick<ServiceConfig, "mysql" | "backups" | "rabbitmq" | "binlogServer">;

export class LibraryRestoreHandler implements RestoreHandler {
  constructor(
    private readonly config: RestoreHandlerConfig,
    private readonly store: BackupStore,
  ) {}

  static async open(config: RestoreHandlerConfig): Promise<LibraryRestoreHandler> {
    return new LibraryRestoreHandler(config, await openBackupStore(config.backups));
  }

  async restore(tenantId: string, payload: Readonly<Record<string, unknown>>, context: RestoreContext) {
    // Checked again at run time: the stored payload is the request the API accepted, but "the future" has moved on.
    const request = parseRestoreRequest(tenantId, payload);
    const restore = new TenantRestore({
      mysql: this.config.mysql,
      store: this.store,
      ...(this.config.binlogServer ? { binlogServer: this.config.binlogServer } : {}),
      ...(this.config.rabbitmq ? { rabbitmq: this.config.rabbitmq } : {}),
    });
    return restore.restore({
      tenantId,
      tier: context.tier,
      ...(request.backup ? { backup: request.backup } : {}),
      ...(request.to ? { to: request.to } : {}),
      ...(context.signal ? { signal: context.signal } : {}),
    });
  }
}

/**
 * What of a tenant's lives in object storage, by exact name: its buckets (the tenant's MinIO) and,
 * in the platform's backup bucket, its backups (`tenants/<id>/`: dumps and vhost definitions) and
 * a dedicated binlog server's archive (`binlogs/dedicated-<id>/`). The shared binlog server's
 * archive holds every tenant's transactions in one stream and cannot be split per tenant: it
 * expires with its point-in-time window (docs/tenant-lifecycle.md).
 */
import {
  BUCKET_NAMES,
  databaseNamespace,
  tenantOfNamespace,
  binlogPrefix,
  bucketName,
  dedicatedBinlogServer,
  tenantBackupPrefix,
} from "../../tiers";
import type { ObjectTargets } from "./objectStoreEraser";

/** The tenant's own buckets (in its object store). */
export const tenantBuckets = (tenantId: string): ObjectTargets => ({
  buckets: BUCKET_NAMES.map((b) => bucketName(tenantId, b)),
});

/** The tenant's prefixes in the platform's backup bucket. */
export const tenantBackupPrefixes = (tenantId: string, backupBucket: string): ObjectTargets => ({
  prefixes: [
    { bucket: backupBucket, prefix: tenantBackupPrefix(tenantId), system: "backups" },
    { bucket: backupBucket, prefix: binlogPrefix(dedicatedBinlogServer(tenantId)), system: "binlogs" },
  ],
});

/** Both, when the buckets and the backups are in one store (tests, a single MinIO). */
export function tenantObjectTargets(
  tenantId: string,
  options: { readonly backupBucket: string },
): ObjectTargets {
  return { ...tenantBuckets(tenantId), ...tenantBackupPrefixes(tenantId, options.backupBucket) };
}

/**
 * Whether a Kubernetes namespace is one of the tenant's, by exact name: its core and site
 * namespaces (the id parsed back out of the name, so `acme` never matches `acme-shop`'s) and a
 * Business tenant's dedicated database namespace.
 */
export const isTenantsNamespace = (tenantId: string, namespace: string): boolean =>
  tenantOfNamespace(namespace) === tenantId || namespace === databaseNamespace(tenantId);

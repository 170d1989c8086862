/**
 * Where backups live in the platform's backup bucket and how long each kind is kept, derived
 * from the tier (catalog `backups`). Pure: the backup jobs, the bucket's lifecycle rules and the
 * restore library share these names, so a restore finds what a job wrote.
 *
 * Layout:
 * - `tenants/<tenant>/dumps/<stamp>.sql`: logical dumps of the tenant's 11 databases;
 * - `tenants/<tenant>/rabbitmq/<stamp>.json`: its vhost's definitions;
 * - `binlogs/<server>/<file>`: a MySQL server's binary logs (server-wide, so not under a tenant:
 *   a tenant's role must not read other tenants' changes), and `binlogs/<server>/ARCHIVED_AT`.
 */
import { getTier, TIER_NAMES, type BackupSpec, type ContainerResources, type TierName } from "./catalog";
import { databaseNamespace } from "./naming";

/** The platform's backup bucket and the namespace of the tenants' backup jobs (platform program and tenant defaults). */
export const DEFAULT_BACKUP_BUCKET = "cv-tenant-backups";
export const BACKUP_NAMESPACE = "tenant-backups";

export const TENANT_BACKUP_PREFIX = "tenants/";
/** Usage exports (automation/metering.ts): billing records, outside `tenants/` so no backup retention expires them. */
export const USAGE_PREFIX = "usage/";
export const BINLOG_PREFIX = "binlogs/";
/** Object tag the jobs set on every backup object; the lifecycle rules select on it. */
export const RETENTION_TAG = "retention-tier";

/**
 * The tag a backup object taken under `tier` carries (RETENTION_TAG = the tier): the bucket's
 * lifecycle rule of that tier selects on it. Every writer of `tenants/` uses this (the in-cluster
 * runners, S3Store), so what the rules select is what the writers set.
 */
export function retentionTag(tier: TierName): { readonly key: string; readonly value: string } {
  return { key: RETENTION_TAG, value: tier };
}

/** retentionTag as S3's `x-amz-tagging` header / the AWS CLI's `--tagging` value (URL query form). */
export function retentionTagging(tier: TierName): string {
  const { key, value } = retentionTag(tier);
  return new URLSearchParams({ [key]: value }).toString();
}
/** How often the binary logs of a server holding Business tenants are shipped (continuous backups). */
export const BINLOG_ARCHIVE_SCHEDULE = "* * * * *";

export const tenantBackupPrefix = (tenantId: string): string => `${TENANT_BACKUP_PREFIX}${tenantId}/`;
export const dumpPrefix = (tenantId: string): string => `${tenantBackupPrefix(tenantId)}dumps/`;
export const definitionsPrefix = (tenantId: string): string => `${tenantBackupPrefix(tenantId)}rabbitmq/`;
export const binlogPrefix = (server: string): string => `${BINLOG_PREFIX}${server}/`;
export const binlogMarkerKey = (server: string): string => `${binlogPrefix(server)}ARCHIVED_AT`;

/** Archive name of the shared MySQL server unless the platform config names it (platform `binlogArchive.server`). */
export const DEFAULT_SHARED_BINLOG_SERVER = "shared";
const DEDICATED_SERVER_PREFIX = "dedicated-";
/** Archive name of a Business tenant's dedicated cluster, derived from its namespace by the archiver. */
export const dedicatedBinlogServer = (tenantId: string): string => `${DEDICATED_SERVER_PREFIX}${tenantId}`;
/** Namespace prefix of the dedicated clusters (databaseNamespace without the tenant). */
export const DATABASE_NAMESPACE_PREFIX = databaseNamespace("");

/**
 * Why a shared server's archive name is unusable, or undefined: it is a path segment of the bucket
 * and a shell word in the archiver, so a DNS label; and not `dedicated-*`, whose archives belong to
 * the tenants' clusters (a shared server under that name would overwrite a tenant's binlogs).
 */
export function sharedBinlogServerProblem(server: string): string | undefined {
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(server)) return "must be a lowercase DNS label";
  if (server.startsWith(DEDICATED_SERVER_PREFIX))
    return `must not start with "${DEDICATED_SERVER_PREFIX}" (the dedicated clusters' archives)`;
  return undefined;
}

/** A backup's time as a key component: ISO 8601 without characters S3 tools and shells dislike. */
export function backupStamp(at: Date): string {
  return at.toISOString().replace(/[:.]/g, "-");
}

/** The time in a key written with backupStamp, or undefined for another key. */
export function parseBackupStamp(key: string): Date | undefined {
  const m = /(\d{4}-\d{2}-\d{2}T\d{2})-(\d{2})-(\d{2})-(\d{3})Z\.\w+$/.exec(key);
  return m ? new Date(`${m[1]}:${m[2]}:${m[3]}.${m[4]}Z`) : undefined;
}

export const dumpKey = (tenantId: string, at: Date): string =>
  `${dumpPrefix(tenantId)}${backupStamp(at)}.sql`;
export const definitionsKey = (tenantId: string, at: Date): string =>
  `${definitionsPrefix(tenantId)}${backupStamp(at)}.json`;

/**
 * Days a tier's backup objects are kept. With point-in-time recovery, a base dump must outlive the
 * window by one dump interval (a day), or the oldest second of the window has nothing to replay on.
 */
export function backupRetentionDays(tier: TierName): number {
  return retentionDaysOf(getTier(tier).backups);
}

/** backupRetentionDays of a tier's backup spec. */
export function retentionDaysOf(b: BackupSpec): number {
  return b.pointInTimeRecovery ? b.retentionDays + 1 : b.retentionDays;
}

/** Days binary logs are kept: the longest point-in-time window of any tier. */
export const BINLOG_RETENTION_DAYS = Math.max(
  ...TIER_NAMES.map((t) => getTier(t).database.pointInTimeRecoveryDays),
);

/** One backup job pod: small by design, a dump streams to a file and does not hold data in memory. */
export const BACKUP_JOB_RESOURCES: ContainerResources = {
  requests: { cpu: 50, memory: 64 },
  limits: { cpu: 400, memory: 256 },
};

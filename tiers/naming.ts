/**
 * Every name derived from a tenant id, and the longest tenant id for which all of them
 * stay within their system's limits. Pure functions: the programs and the policy pack
 * both use them, so a policy can recognise a tenant's resources by name.
 */
import type { BucketName, TierName } from "./catalog";
import type { ServiceName } from "./services";

export const NAMESPACE_PREFIX = "e-commerce-tenant-";
export const MIN_TENANT_ID_LENGTH = 3;

/** Largest site count any tier allows; site namespaces are numbered up to it. */
const LONGEST_SITE_SUFFIX = "-site-10";
const LONGEST_DATABASE_SERVICE = "newsletters";
const LONGEST_BUCKET = "newsletters";

export function coreNamespace(tenantId: string): string {
  return `${NAMESPACE_PREFIX}${tenantId}`;
}

/** Site 1 lives in the core namespace; sites 2..N get their own (seed 000 upgrade script). */
export function siteNamespace(tenantId: string, site: number): string {
  return site === 1 ? coreNamespace(tenantId) : `${coreNamespace(tenantId)}-site-${site}`;
}

/** MySQL identifiers: the id's hyphens become underscores (ids never contain "_", so this is injective). */
export function databaseName(tenantId: string, service: ServiceName): string {
  return `${tenantId.replace(/-/g, "_")}_${service.replace(/-/g, "_")}`;
}

export const databaseUser = databaseName;

/** Read-only user of the reporting replica (tiers with read replicas). */
export function reportingUser(tenantId: string): string {
  return `${tenantId.replace(/-/g, "_")}_reporting`;
}

/**
 * Namespace of a Business tenant's dedicated MySQL cluster: outside the tenant prefix, because
 * its quota is its own and not a share of the tenant's (docs/product.md, where the seeds are out of date).
 */
export function databaseNamespace(tenantId: string): string {
  return `e-commerce-db-${tenantId}`;
}

/**
 * The Gateway listener dedicated to one tenant: only a listener of this name is the tenant's own,
 * so only there may its connection cap (an Envoy ClientTrafficPolicy) apply; on a shared listener
 * the cap would limit every tenant on it.
 */
export function tenantListenerName(tenantId: string): string {
  return `tenant-${tenantId}`;
}

/** The platform hostname of a tenant's site: `<id>.<domain>`, then `<id>-site-<n>.<domain>`. */
export function platformHostname(tenantId: string, site: number, domain: string): string {
  return site === 1 ? `${tenantId}.${domain}` : `${tenantId}-site-${site}.${domain}`;
}

export function bucketName(tenantId: string, bucket: BucketName): string {
  return `tenant-${tenantId}-${bucket}`;
}

/** The tenant's object-storage user (its services' credentials) and its policy name prefix. */
export function objectStorageUser(tenantId: string): string {
  return `tenant-${tenantId}`;
}

/**
 * The user that configures and receives bucket replication (tiers that replicate): its own
 * account, so the services' credentials never carry MinIO's bucket-target admin actions. Not
 * under `tenant-`, so no tenant id can produce another tenant's replicator name.
 */
export function objectStorageReplicator(tenantId: string): string {
  return `replicator-${tenantId}`;
}

export function rabbitVhost(tenantId: string): string {
  return coreNamespace(tenantId);
}

export function rabbitUser(tenantId: string): string {
  return `tenant-${tenantId}`;
}

/** Cluster-wide objects of each tier (TierProfile), referenced by tenants and checked by policies. */
export const storageClassName = (tier: TierName): string => `tier-${tier}-storage`;
export const volumeAttributesClassName = (tier: TierName): string => `tier-${tier}-iops`;
export const priorityClassName = (tier: TierName): string => `tier-${tier}`;

/** The limits each derived name must respect, as (system, limit, name built from an id). */
const NAME_LIMITS: ReadonlyArray<{ system: string; limit: number; build: (id: string) => string }> = [
  {
    system: "Kubernetes namespace (DNS label)",
    limit: 63,
    build: (id) => `${coreNamespace(id)}${LONGEST_SITE_SUFFIX}`,
  },
  { system: "MySQL user name", limit: 32, build: (id) => databaseUser(id, LONGEST_DATABASE_SERVICE) },
  { system: "MySQL database name", limit: 64, build: (id) => databaseName(id, LONGEST_DATABASE_SERVICE) },
  { system: "S3 bucket name", limit: 63, build: (id) => bucketName(id, LONGEST_BUCKET) },
];

/** The longest id for which every derived name fits (20, bound by MySQL's 32-character user names). */
export const MAX_TENANT_ID_LENGTH: number = Math.min(
  ...NAME_LIMITS.map(({ limit, build }) => limit - build("").length),
);

const SITE_SUFFIX = /-site-\d+$/;

/** Whether a namespace is one of a tenant's: its core namespace or a site's. */
export function isTenantNamespace(namespace: string | undefined): boolean {
  return namespace?.startsWith(NAMESPACE_PREFIX) === true;
}

/** Whether a namespace is a tenant's core namespace (site 1 and the shared services). */
export function isCoreNamespace(namespace: string | undefined): boolean {
  return namespace !== undefined && isTenantNamespace(namespace) && !SITE_SUFFIX.test(namespace);
}

/** The tenant id a namespace belongs to, or undefined when it is not a tenant namespace. */
export function tenantOfNamespace(namespace: string): string | undefined {
  if (!isTenantNamespace(namespace)) return undefined;
  return namespace.slice(NAMESPACE_PREFIX.length).replace(SITE_SUFFIX, "") || undefined;
}

export const TENANT_ID_PATTERN = /^[a-z](?:[a-z0-9-]*[a-z0-9])?$/;

/** Returns the reasons an id is invalid (empty when valid). */
export function tenantIdProblems(id: string): string[] {
  const problems: string[] = [];
  if (id.length < MIN_TENANT_ID_LENGTH || id.length > MAX_TENANT_ID_LENGTH) {
    problems.push(
      `must be ${MIN_TENANT_ID_LENGTH} to ${MAX_TENANT_ID_LENGTH} characters long (got ${id.length})`,
    );
  }
  if (!TENANT_ID_PATTERN.test(id)) {
    problems.push(
      "must be a lowercase DNS label: a-z, 0-9 and '-', starting with a letter and not ending with '-'",
    );
  }
  if (id.includes("--")) problems.push("must not contain '--'");
  if (/-site-\d+$/.test(id))
    problems.push("must not end with '-site-<n>' (it would read as another tenant's site namespace)");
  return problems;
}

/**
 * The closed world of one tenant: every name its stack may use (namespaces, hostnames, vhost,
 * databases, users, buckets), derived from the tenant id and the tier by tiers/naming, the same
 * functions the programs use. Anything outside it belongs to someone else.
 */
import {
  BUCKET_NAMES,
  bucketName,
  coreNamespace,
  databaseName,
  DATABASE_SERVICES,
  databaseNamespace,
  databaseUser,
  getTier,
  NAMESPACE_PREFIX,
  objectStorageReplicator,
  objectStorageUser,
  platformHostname,
  rabbitUser,
  rabbitVhost,
  replicatesAcrossRegions,
  reportingUser,
  siteNamespace,
  TIER_NAMES,
} from "../tiers";
import type { TierContext } from "./context";

export interface TenantScope {
  readonly tenant: string;
  /** The core namespace and every site namespace a tenant can have (retired sites keep theirs). */
  readonly siteNamespaces: ReadonlySet<string>;
  /** The dedicated database namespace, on tiers that have a dedicated cluster. */
  readonly databaseNamespace?: string;
  /** Every namespace the tenant's objects may live in. */
  readonly namespaces: ReadonlySet<string>;
  readonly platformHostnames: ReadonlySet<string>;
  readonly vhost: string;
  readonly rabbitUser: string;
  readonly databases: ReadonlySet<string>;
  readonly databaseUsers: ReadonlySet<string>;
  readonly buckets: ReadonlySet<string>;
  /** The object-storage IAM user and policy name prefix. */
  readonly objectStorageUser: string;
  /** The replicator user, also its policy's name, on tiers that replicate buckets across regions. */
  readonly objectStorageReplicator?: string;
}

/** Site numbers any tier allows: a downgraded tenant keeps its retired site namespaces. */
const MAX_SITES = Math.max(...TIER_NAMES.map((t) => getTier(t).maxSites));

const scopes = new Map<string, TenantScope>();

export function tenantScope(context: TierContext): TenantScope {
  const key = `${context.tenant}/${context.tier}/${context.platformDomain}`;
  const cached = scopes.get(key);
  if (cached) return cached;
  const t = context.tenant;
  const sites = Array.from({ length: MAX_SITES }, (_, i) => i + 1);
  const siteNamespaces = new Set(sites.map((n) => siteNamespace(t, n)));
  const dbNamespace = context.profile.tier.database.dedicatedCluster ? databaseNamespace(t) : undefined;
  const scope: TenantScope = {
    tenant: t,
    siteNamespaces,
    ...(dbNamespace ? { databaseNamespace: dbNamespace } : {}),
    namespaces: new Set([...siteNamespaces, ...(dbNamespace ? [dbNamespace] : [])]),
    platformHostnames: new Set(sites.map((n) => platformHostname(t, n, context.platformDomain))),
    vhost: rabbitVhost(t),
    rabbitUser: rabbitUser(t),
    databases: new Set(DATABASE_SERVICES.map((s) => databaseName(t, s.name))),
    databaseUsers: new Set([...DATABASE_SERVICES.map((s) => databaseUser(t, s.name)), reportingUser(t)]),
    buckets: new Set(BUCKET_NAMES.map((b) => bucketName(t, b))),
    objectStorageUser: objectStorageUser(t),
    ...(replicatesAcrossRegions(context.profile.tier)
      ? { objectStorageReplicator: objectStorageReplicator(t) }
      : {}),
  };
  scopes.set(key, scope);
  return scope;
}

/** Whether a namespace name is some tenant's (any tenant's), by the platform's naming. */
export const isAnyTenantNamespace = (namespace: string): boolean =>
  namespace.startsWith(NAMESPACE_PREFIX) || namespace.startsWith(databaseNamespace(""));

export const coreNamespaceOf = (scope: TenantScope): string => coreNamespace(scope.tenant);

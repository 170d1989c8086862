import { PLATFORM_EXCHANGE, type EffectiveProfile } from "../../tiers";
import type { TenantIdentity } from "../shared/labels";

/**
 * The non-secret settings every service of the tenant reads from the RUNTIME_CONFIGMAP:
 * identity, cache/session backend and the tier's limits the services enforce themselves
 * (MySQL cannot enforce query timeouts or request sizes per user). No credential goes here.
 */
export function runtimeSettings(
  identity: TenantIdentity,
  profile: EffectiveProfile,
  redis: { readonly host: string; readonly port: number },
): Record<string, string> {
  const { database: db, usage } = profile.tier;
  return {
    APP_ENV: "production",
    LOG_CHANNEL: "stderr",
    TENANT_ID: identity.tenantId,
    TENANT_TIER: identity.tier,
    CACHE_STORE: "redis",
    SESSION_DRIVER: "redis",
    REDIS_HOST: redis.host,
    REDIS_PORT: String(redis.port),
    REDIS_PREFIX: `${identity.tenantId}:`,
    RABBITMQ_EXCHANGE: PLATFORM_EXCHANGE,
    // Queues the services declare themselves are quorum queues (classic mirroring is gone).
    RABBITMQ_QUEUE_TYPE: "quorum",
    // The priority queue is declared with the highest priority any tier sells; publishers cap at the tier's.
    RABBITMQ_MAX_PRIORITY: String(profile.tier.messaging.maxPriority),
    DB_POOL_MAX_CONNECTIONS: String(db.maxConnectionsPerService),
    DB_QUERY_TIMEOUT_SECONDS: String(db.queryTimeoutSeconds),
    DB_MAX_REQUEST_BYTES: String(db.maxRequestBytes),
    DB_SLOW_QUERY_SECONDS: String(db.slowQuerySeconds),
    TENANT_MAX_PRODUCTS: usage.maxProducts === undefined ? "unlimited" : String(usage.maxProducts),
    TENANT_MAX_ORDERS_PER_MONTH:
      usage.maxOrdersPerMonth === undefined ? "unlimited" : String(usage.maxOrdersPerMonth),
  };
}

/**
 * The tier catalog: every contractual number of the Standard, Premium and Business
 * offers (seed 000, corrected as docs/product.md says), once. Resources, policies, docs,
 * alerts and prices are derived from this module; nothing here creates resources.
 *
 * Units: CPU in millicores, memory in MiB, disk and object storage in GiB/GB as named.
 * Business values are minimums that add-ons raise (see `profile.ts`).
 */
import { cores, gib, type Gibibytes, type Mebibytes, type Millicores } from "../lib/units";

export const TIER_NAMES = ["standard", "premium", "business"] as const;
export type TierName = (typeof TIER_NAMES)[number];

export function isTierName(value: unknown): value is TierName {
  return typeof value === "string" && (TIER_NAMES as readonly string[]).includes(value);
}

/** The tenant-wide ResourceQuota (the tenant's total across all its namespaces). */
export interface QuotaSpec {
  readonly requestsCpu: Millicores;
  readonly requestsMemory: Mebibytes;
  readonly limitsCpu: Millicores;
  readonly limitsMemory: Mebibytes;
  readonly pods: number;
  readonly persistentVolumeClaims: number;
  readonly loadBalancers: number;
  readonly requestsStorage: Gibibytes;
}

export interface ContainerResources {
  readonly requests: { readonly cpu: Millicores; readonly memory: Mebibytes };
  readonly limits: { readonly cpu: Millicores; readonly memory: Mebibytes };
}

export interface ScalingPolicy {
  readonly type: "Percent" | "Pods";
  readonly value: number;
  readonly periodSeconds: number;
}

export interface ScalingRules {
  readonly stabilizationWindowSeconds: number;
  readonly policies: readonly ScalingPolicy[];
  /** How several policies combine; Kubernetes defaults to "Max". */
  readonly selectPolicy?: "Max" | "Min";
}

export interface AutoscalingSpec {
  /** api-gateway replica range (tenant-wide; see sizing.ts for the split across sites). */
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly cpuUtilizationPercent: number;
  readonly memoryUtilizationPercent: number;
  /** Average http requests per second per gateway pod (Prometheus signal), when the tier scales on it. */
  readonly requestsPerSecondPerPod?: number;
  /**
   * Average RabbitMQ queue depth per consumer pod. Queue depth scales the consumer
   * (messages-broker), not the gateway (docs/product.md, where the seeds are out of date).
   */
  readonly queueDepthPerConsumer?: number;
  /** undefined = Kubernetes' default scale-up behaviour. */
  readonly scaleUp?: ScalingRules;
  readonly scaleDown: ScalingRules;
}

export interface StorageClassSpec {
  readonly iops: number;
  readonly throughputMiBps: number;
}

export interface DedicatedClusterSpec {
  readonly instances: number;
  readonly routers: number;
  /** Per MySQL server pod (container `mysql` under podSpec). */
  readonly instanceResources: ContainerResources;
  readonly routerResources: ContainerResources;
  /** Data volume of each server, GiB. */
  readonly instanceStorageGi: Gibibytes;
  /** Cron schedule of the operator's full backup (the operator has no point-in-time recovery). */
  readonly backupSchedule: string;
}

export interface DatabaseSpec {
  readonly maxConnectionsPerService: number;
  readonly queryTimeoutSeconds: number;
  readonly maxRequestBytes: number;
  readonly slowQuerySeconds: number;
  readonly readReplicas: number;
  readonly automaticFailover: boolean;
  readonly pointInTimeRecoveryDays: number;
  /** Business may order a dedicated MySQL InnoDB cluster (its own namespace and quota). */
  readonly dedicatedCluster?: DedicatedClusterSpec;
}

export const BUCKET_NAMES = ["products", "sav", "newsletters"] as const;
export type BucketName = (typeof BUCKET_NAMES)[number];

export interface BucketSpec {
  readonly quotaGb: number;
  readonly maxObjectMb: number;
  /** MIME types or wildcards; ["*\/*"] accepts anything. */
  readonly allowedTypes: readonly string[];
}

export interface ObjectStorageSpec {
  readonly buckets: Readonly<Record<BucketName, BucketSpec>>;
  readonly versioning: boolean;
  /** Days a non-current object version is kept (versioned tiers). */
  readonly noncurrentVersionDays?: number;
  readonly crossRegionReplication: boolean;
  readonly presignedUrlExpirySeconds: number;
}

export interface MessagingSpec {
  /** undefined = unlimited queue length. */
  readonly maxLength?: number;
  readonly messageTtlMs: number;
  readonly consumerTimeoutMs: number;
  readonly maxPriority: number;
  readonly deadLettering: boolean;
  readonly federation: boolean;
  /**
   * RabbitMQ nodes the tenant's quorum queues are replicated over (classic mirroring is gone).
   * A property of the platform cluster serving the tier, not a queue argument: arguments cannot
   * change on an existing queue, so a tier change would have to replace it.
   */
  readonly haNodes: number;
  readonly maxMessageBytes: number;
}

export interface RateLimitSpec {
  readonly requestsPerMinute: number;
  readonly maxConnections: number;
  readonly burstMultiplier: number;
  readonly trustedIpAllowlist: boolean;
}

export interface CdnSpec {
  /** Edge caching (Cloudflare cache rules, tiered cache). false = every request bypasses the cache. */
  readonly enabled: boolean;
  /** undefined = unlimited. Cloudflare does not cap bandwidth: this is an alert threshold. */
  readonly monthlyBandwidthGb?: number;
  readonly staticFromObjectStorage: boolean;
  /** TTLs of `/static` at the edge and in browsers, seconds (tiers with a CDN). */
  readonly staticCache?: { readonly edgeTtlSeconds: number; readonly browserTtlSeconds: number };
  readonly waf: boolean;
  /** OWASP Core Ruleset anomaly score that blocks (Cloudflare: 25 high, 40 medium, 60 low), with the WAF. */
  readonly owaspScoreThreshold?: number;
  readonly ddosProtection: boolean;
  /** HTTP DDoS (L7) managed ruleset override, with DDoS protection. */
  readonly ddosL7?: {
    readonly sensitivityLevel: "default" | "medium" | "low";
    readonly action: "block" | "managed_challenge";
  };
  readonly advancedRateLimiting: boolean;
  readonly loadBalancing: boolean;
  /** Cloudflare Argo Smart Routing (edge to origin over the fastest paths). */
  readonly argoSmartRouting: boolean;
}

export interface BackupSpec {
  readonly mode: "daily" | "hourly" | "continuous";
  readonly retentionDays: number;
  readonly pointInTimeRecovery: boolean;
  /**
   * Cron schedule (UTC) of the logical dump of the tenant's databases and the export of its vhost's
   * definitions. With point-in-time recovery the dump is the base the archived binary logs replay on.
   */
  readonly dumpSchedule: string;
}

export type AlertChannel = "email" | "slack" | "pagerduty" | "sms";
export type AlertSeverity = "critical" | "high" | "warning" | "info";
/**
 * The seed's alert events (seed 000 `alerts.events`): which alerts a tier's tenants get.
 * components/operations/sloRules.ts maps each to its rules and severity.
 */
export const ALERT_EVENTS = [
  "critical-errors",
  "service-down",
  "all-errors",
  "performance-degradation",
  "quota-warnings",
] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

export interface MonitoringSpec {
  readonly level: "basic" | "advanced" | "custom";
  readonly metricsRetentionDays: number;
  readonly logsRetentionDays?: number;
  /** Share of requests traced; 0 = no tracing in the contract. */
  readonly traceSamplingPercent: number;
  /** undefined = unlimited. */
  readonly customDashboards?: number;
  readonly monthlyReport: boolean;
  /** Which severities each channel receives. */
  readonly routes: Readonly<Partial<Record<AlertChannel, readonly AlertSeverity[]>>>;
  /** The events the tier alerts on (seed 000); tiers/sla.ts checks each one reaches a channel. */
  readonly events: readonly AlertEvent[];
}

/** The availability guarantee (seed 000 "Garantie Disponibilite"); tiers/sla.ts derives the rest. */
export interface SlaSpec {
  readonly availabilityPercent: number;
  readonly supportResponseHours: number;
  /** Service credit: percent of the monthly fee per 0.1 point of availability below the SLA. */
  readonly creditPercentPerStep: number;
  /**
   * Planned maintenance excluded from the measure when announced `noticeDays` ahead, at most
   * `maxMinutesPerMonth` a month (undefined: the seed sets no cap, Standard).
   */
  readonly maintenance: { readonly noticeDays: number; readonly maxMinutesPerMonth?: number };
  /**
   * Latency objective (internal, no credit): share of the gateway's answers faster than
   * `thresholdSeconds` (a bucket bound of the gateway's request histogram).
   */
  readonly latency: { readonly thresholdSeconds: number; readonly targetPercent: number };
  /** Replicas at least, each on another zone, of every request-path Deployment (1 = no such promise). */
  readonly requestPathReplicas: number;
}

export interface UsageLimits {
  /** undefined = unlimited. */
  readonly maxProducts?: number;
  readonly maxOrdersPerMonth?: number;
  readonly maxConcurrentUsers: number;
}

export interface TierDefinition {
  readonly name: TierName;
  readonly displayName: string;
  readonly pricing: {
    readonly monthlyEur: number;
    /** undefined = custom yearly pricing. */
    readonly yearlyEur?: number;
    readonly custom: boolean;
  };
  readonly maxSites: number;
  readonly maxCustomDomains: number;
  readonly quota: QuotaSpec;
  readonly autoscaling: AutoscalingSpec;
  /** Seed per-service container size: a ceiling, never exceeded (sizing.ts derives the real size). */
  readonly serviceCeiling: ContainerResources;
  /** Replicas of each shared (non-gateway) service. */
  readonly serviceReplicas: number;
  /** Redis for cache and sessions: the platform's shared instance, or one per tenant with a volume. */
  readonly redis: "platform" | "dedicated";
  readonly storageClass: StorageClassSpec;
  /** Scheduling priority of the tier's pods (PriorityClass value). */
  readonly priority: number;
  readonly database: DatabaseSpec;
  readonly objectStorage: ObjectStorageSpec;
  readonly messaging: MessagingSpec;
  readonly rateLimit: RateLimitSpec;
  readonly cdn: CdnSpec;
  readonly backups: BackupSpec;
  readonly monitoring: MonitoringSpec;
  readonly sla: SlaSpec;
  readonly usage: UsageLimits;
  readonly multiRegion: boolean;
  /** Only Business accepts add-ons (extra CPU, memory, storage). */
  readonly acceptsAddOns: boolean;
}

const MB = 1024 * 1024;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Container limits shared by all tiers in the seed's LimitRange. */
export const LIMIT_RANGE = {
  containerMax: { cpu: cores(2), memory: gib(4) },
  containerMin: { cpu: 50, memory: 64 },
  podMax: { cpu: cores(4), memory: gib(8) },
  pvcMin: 1,
  pvcMax: 100,
} as const;

/** gp3 provisions at most 500 IOPS per GiB: a volume smaller than this cannot reach the tier's IOPS. */
export const GP3_MAX_IOPS_PER_GIB = 500;

/**
 * Quota alerts, identical for every tier (seed 000). Thresholds are fractions of the tier's quota.
 * The last four watch limits the seed has no alert for (bucket quota, queue max-length, a service
 * user's MAX_USER_CONNECTIONS, the CDN's monthly allowance) with the seed's usual warning: 80%.
 */
export const QUOTA_ALERTS = [
  { name: "TenantCPUQuotaWarning", signal: "cpu", threshold: 0.8, forMinutes: 5, severity: "warning" },
  { name: "TenantCPUQuotaExceeded", signal: "cpu", threshold: 0.95, forMinutes: 2, severity: "critical" },
  { name: "TenantMemoryQuotaWarning", signal: "memory", threshold: 0.8, forMinutes: 5, severity: "warning" },
  {
    name: "TenantStorageQuotaWarning",
    signal: "storage",
    threshold: 0.8,
    forMinutes: 10,
    severity: "warning",
  },
  {
    name: "TenantApiRateLimitWarning",
    signal: "api-rate",
    threshold: 0.9,
    forMinutes: 2,
    severity: "warning",
  },
  {
    name: "TenantProductLimitWarning",
    signal: "products",
    threshold: 0.9,
    forMinutes: 0,
    severity: "warning",
  },
  { name: "TenantBucketQuotaWarning", signal: "bucket", threshold: 0.8, forMinutes: 10, severity: "warning" },
  { name: "TenantQueueLengthWarning", signal: "queue", threshold: 0.8, forMinutes: 5, severity: "warning" },
  {
    name: "TenantDatabaseConnectionsWarning",
    signal: "mysql-connections",
    threshold: 0.8,
    forMinutes: 5,
    severity: "warning",
  },
  {
    name: "TenantCdnBandwidthWarning",
    signal: "cdn-bandwidth",
    threshold: 0.8,
    forMinutes: 0,
    severity: "warning",
  },
] as const;
export type QuotaAlert = (typeof QUOTA_ALERTS)[number];

const STANDARD: TierDefinition = {
  name: "standard",
  displayName: "Standard",
  pricing: { monthlyEur: 49.99, yearlyEur: 499, custom: false },
  maxSites: 1,
  maxCustomDomains: 1,
  quota: {
    requestsCpu: cores(2),
    requestsMemory: gib(4),
    limitsCpu: cores(4),
    limitsMemory: gib(8),
    pods: 15,
    persistentVolumeClaims: 3,
    loadBalancers: 1,
    requestsStorage: 50,
  },
  autoscaling: {
    minReplicas: 2,
    maxReplicas: 3,
    cpuUtilizationPercent: 70,
    memoryUtilizationPercent: 75,
    scaleDown: {
      stabilizationWindowSeconds: 300,
      policies: [{ type: "Percent", value: 50, periodSeconds: 60 }],
    },
  },
  serviceCeiling: { requests: { cpu: 200, memory: 256 }, limits: { cpu: 400, memory: 512 } },
  serviceReplicas: 1,
  redis: "platform",
  storageClass: { iops: 3000, throughputMiBps: 125 },
  priority: 1000,
  database: {
    maxConnectionsPerService: 10,
    queryTimeoutSeconds: 30,
    maxRequestBytes: 1 * MB,
    slowQuerySeconds: 2,
    readReplicas: 0,
    automaticFailover: false,
    pointInTimeRecoveryDays: 0,
  },
  objectStorage: {
    buckets: {
      products: {
        quotaGb: 15,
        maxObjectMb: 5,
        allowedTypes: ["image/jpeg", "image/png", "image/webp", "image/gif"],
      },
      sav: { quotaGb: 5, maxObjectMb: 10, allowedTypes: ["application/pdf", "image/*", "text/plain"] },
      newsletters: { quotaGb: 5, maxObjectMb: 2, allowedTypes: ["text/html", "image/*", "application/pdf"] },
    },
    versioning: false,
    crossRegionReplication: false,
    presignedUrlExpirySeconds: 3600,
  },
  messaging: {
    maxLength: 5000,
    messageTtlMs: DAY_MS,
    consumerTimeoutMs: 30 * 60_000,
    maxPriority: 10,
    deadLettering: false,
    federation: false,
    haNodes: 1,
    maxMessageBytes: 1 * MB,
  },
  rateLimit: { requestsPerMinute: 500, maxConnections: 50, burstMultiplier: 2, trustedIpAllowlist: false },
  cdn: {
    enabled: false,
    staticFromObjectStorage: false,
    waf: false,
    ddosProtection: false,
    advancedRateLimiting: false,
    loadBalancing: false,
    argoSmartRouting: false,
  },
  backups: { mode: "daily", retentionDays: 7, pointInTimeRecovery: false, dumpSchedule: "30 2 * * *" },
  monitoring: {
    level: "basic",
    metricsRetentionDays: 30,
    traceSamplingPercent: 0,
    customDashboards: 0,
    monthlyReport: true,
    routes: { email: ["critical"] },
    events: ["critical-errors", "service-down"],
  },
  sla: {
    availabilityPercent: 99.5,
    supportResponseHours: 48,
    creditPercentPerStep: 5,
    // Seed 000: planned maintenance is excluded, with no cap; the notice is Premium's.
    maintenance: { noticeDays: 7 },
    latency: { thresholdSeconds: 1, targetPercent: 99 },
    requestPathReplicas: 1,
  },
  usage: { maxProducts: 2000, maxOrdersPerMonth: 5000, maxConcurrentUsers: 200 },
  multiRegion: false,
  acceptsAddOns: false,
};

const PREMIUM: TierDefinition = {
  name: "premium",
  displayName: "Premium",
  pricing: { monthlyEur: 124.99, yearlyEur: 1249, custom: false },
  maxSites: 3,
  maxCustomDomains: 3,
  quota: {
    requestsCpu: cores(6),
    requestsMemory: gib(12),
    limitsCpu: cores(12),
    limitsMemory: gib(24),
    pods: 50,
    persistentVolumeClaims: 9,
    loadBalancers: 3,
    requestsStorage: 150,
  },
  autoscaling: {
    minReplicas: 3,
    maxReplicas: 6,
    cpuUtilizationPercent: 70,
    memoryUtilizationPercent: 75,
    requestsPerSecondPerPod: 100,
    scaleUp: {
      stabilizationWindowSeconds: 60,
      policies: [{ type: "Percent", value: 100, periodSeconds: 60 }],
    },
    scaleDown: {
      stabilizationWindowSeconds: 300,
      policies: [{ type: "Percent", value: 50, periodSeconds: 60 }],
    },
  },
  serviceCeiling: { requests: { cpu: 500, memory: 512 }, limits: { cpu: 1000, memory: 1024 } },
  serviceReplicas: 2,
  redis: "dedicated",
  storageClass: { iops: 10000, throughputMiBps: 500 },
  priority: 2000,
  database: {
    maxConnectionsPerService: 30,
    queryTimeoutSeconds: 60,
    maxRequestBytes: 10 * MB,
    slowQuerySeconds: 1,
    readReplicas: 1,
    automaticFailover: false,
    pointInTimeRecoveryDays: 0,
  },
  objectStorage: {
    buckets: {
      products: { quotaGb: 60, maxObjectMb: 25, allowedTypes: ["image/*", "video/mp4", "video/webm"] },
      sav: { quotaGb: 20, maxObjectMb: 50, allowedTypes: ["application/*", "image/*", "text/*", "video/*"] },
      newsletters: {
        quotaGb: 20,
        maxObjectMb: 10,
        allowedTypes: ["text/html", "image/*", "application/pdf"],
      },
    },
    versioning: false,
    crossRegionReplication: false,
    presignedUrlExpirySeconds: 7200,
  },
  messaging: {
    maxLength: 30000,
    messageTtlMs: 7 * DAY_MS,
    consumerTimeoutMs: 60 * 60_000,
    maxPriority: 10,
    deadLettering: true,
    federation: false,
    haNodes: 1,
    maxMessageBytes: 10 * MB,
  },
  rateLimit: { requestsPerMinute: 3000, maxConnections: 200, burstMultiplier: 3, trustedIpAllowlist: false },
  cdn: {
    enabled: true,
    monthlyBandwidthGb: 100,
    staticFromObjectStorage: true,
    staticCache: { edgeTtlSeconds: 86400, browserTtlSeconds: 3600 },
    waf: false,
    ddosProtection: false,
    advancedRateLimiting: false,
    loadBalancing: false,
    argoSmartRouting: false,
  },
  backups: { mode: "hourly", retentionDays: 30, pointInTimeRecovery: false, dumpSchedule: "15 * * * *" },
  monitoring: {
    level: "advanced",
    metricsRetentionDays: 90,
    traceSamplingPercent: 0,
    customDashboards: 3,
    monthlyReport: true,
    routes: { email: ["critical", "high", "warning"], slack: ["critical"] },
    events: ["critical-errors", "service-down", "all-errors", "performance-degradation", "quota-warnings"],
  },
  sla: {
    availabilityPercent: 99.9,
    supportResponseHours: 12,
    creditPercentPerStep: 10,
    maintenance: { noticeDays: 7, maxMinutesPerMonth: 120 },
    latency: { thresholdSeconds: 0.5, targetPercent: 99 },
    requestPathReplicas: 2,
  },
  usage: { maxProducts: 15000, maxOrdersPerMonth: 30000, maxConcurrentUsers: 1000 },
  multiRegion: false,
  acceptsAddOns: false,
};

const BUSINESS: TierDefinition = {
  name: "business",
  displayName: "Business",
  pricing: { monthlyEur: 149.99, custom: true },
  maxSites: 10,
  maxCustomDomains: 10,
  quota: {
    requestsCpu: cores(12),
    requestsMemory: gib(24),
    limitsCpu: cores(24),
    limitsMemory: gib(48),
    pods: 100,
    persistentVolumeClaims: 30,
    loadBalancers: 10,
    requestsStorage: 300,
  },
  autoscaling: {
    minReplicas: 6,
    maxReplicas: 15,
    cpuUtilizationPercent: 70,
    memoryUtilizationPercent: 75,
    requestsPerSecondPerPod: 200,
    queueDepthPerConsumer: 100,
    scaleUp: {
      stabilizationWindowSeconds: 30,
      policies: [
        { type: "Percent", value: 100, periodSeconds: 30 },
        { type: "Pods", value: 4, periodSeconds: 30 },
      ],
      selectPolicy: "Max",
    },
    scaleDown: {
      stabilizationWindowSeconds: 300,
      policies: [{ type: "Percent", value: 25, periodSeconds: 60 }],
    },
  },
  serviceCeiling: { requests: { cpu: 1000, memory: 1024 }, limits: { cpu: 2000, memory: 2048 } },
  serviceReplicas: 2,
  redis: "dedicated",
  storageClass: { iops: 16000, throughputMiBps: 1000 },
  priority: 3000,
  database: {
    maxConnectionsPerService: 100,
    queryTimeoutSeconds: 300,
    maxRequestBytes: 100 * MB,
    slowQuerySeconds: 0.5,
    readReplicas: 3,
    automaticFailover: true,
    pointInTimeRecoveryDays: 30,
    dedicatedCluster: {
      instances: 5,
      routers: 3,
      instanceResources: { requests: { cpu: 1000, memory: 2048 }, limits: { cpu: 2000, memory: 4096 } },
      routerResources: { requests: { cpu: 250, memory: 256 }, limits: { cpu: 500, memory: 512 } },
      instanceStorageGi: 100,
      backupSchedule: "0 */6 * * *",
    },
  },
  objectStorage: {
    buckets: {
      products: { quotaGb: 300, maxObjectMb: 500, allowedTypes: ["*/*"] },
      sav: { quotaGb: 100, maxObjectMb: 500, allowedTypes: ["*/*"] },
      newsletters: { quotaGb: 100, maxObjectMb: 100, allowedTypes: ["*/*"] },
    },
    versioning: true,
    noncurrentVersionDays: 30,
    crossRegionReplication: true,
    presignedUrlExpirySeconds: 86400,
  },
  messaging: {
    messageTtlMs: 30 * DAY_MS,
    consumerTimeoutMs: 2 * HOUR_MS,
    maxPriority: 255,
    deadLettering: true,
    federation: true,
    haNodes: 3,
    maxMessageBytes: 100 * MB,
  },
  rateLimit: { requestsPerMinute: 15000, maxConnections: 1000, burstMultiplier: 5, trustedIpAllowlist: true },
  cdn: {
    enabled: true,
    staticFromObjectStorage: true,
    staticCache: { edgeTtlSeconds: 7 * 86400, browserTtlSeconds: 86400 },
    waf: true,
    owaspScoreThreshold: 40,
    ddosProtection: true,
    ddosL7: { sensitivityLevel: "default", action: "block" },
    advancedRateLimiting: true,
    loadBalancing: true,
    argoSmartRouting: true,
  },
  backups: { mode: "continuous", retentionDays: 30, pointInTimeRecovery: true, dumpSchedule: "0 3 * * *" },
  monitoring: {
    level: "custom",
    metricsRetentionDays: 365,
    logsRetentionDays: 90,
    traceSamplingPercent: 100,
    monthlyReport: true,
    routes: {
      email: ["critical", "high", "warning", "info"],
      slack: ["critical", "high"],
      pagerduty: ["critical"],
      sms: ["critical"],
    },
    events: ["critical-errors", "service-down", "all-errors", "performance-degradation", "quota-warnings"],
  },
  sla: {
    availabilityPercent: 99.95,
    supportResponseHours: 2,
    creditPercentPerStep: 25,
    maintenance: { noticeDays: 14, maxMinutesPerMonth: 60 },
    latency: { thresholdSeconds: 0.25, targetPercent: 99 },
    requestPathReplicas: 2,
  },
  usage: { maxConcurrentUsers: 5000 },
  multiRegion: true,
  acceptsAddOns: true,
};

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const child of Object.values(value as object)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The catalog, deeply frozen: a mutation attempt throws in strict mode. */
export const TIERS: Readonly<Record<TierName, TierDefinition>> = deepFreeze({
  standard: STANDARD,
  premium: PREMIUM,
  business: BUSINESS,
});

export function getTier(name: TierName): TierDefinition {
  return TIERS[name];
}

/** Tiers in ascending order, for upgrade/downgrade direction. */
export function tierRank(name: TierName): number {
  return TIER_NAMES.indexOf(name);
}

/**
 * The tenant's quota alerts as Prometheus rules, with the tier's literal limits in each expression
 * (docs/product.md, where the seeds are out of date: the seed's `label_replace` lookup is broken PromQL). Pure: the component writes
 * the groups into a PrometheusRule, the tests feed the same groups to `promtool`.
 *
 * What each signal compares (numerator from the exporters the platform runs, denominator from the tier):
 * - cpu, memory: the tenant's containers' usage (cAdvisor) against the quota's limits.cpu/limits.memory,
 *   the most the tenant's pods can ever use together;
 * - storage: used bytes of the tenant's volumes (kubelet) against requests.storage;
 * - api-rate: requests per minute through the tenant's gateways against the tier's rate limit;
 * - products: the products service's catalogue size gauge against the tier's maximum;
 * - bucket: MinIO's bucket usage against each bucket's quota;
 * - queue: RabbitMQ's per-queue depth in the tenant's vhost against the tier's max-length;
 * - mysql-connections: each service user's connections (mysqld_exporter's processlist) against
 *   MAX_USER_CONNECTIONS;
 * - cdn-bandwidth: bytes the CDN served from the tenant's Cloudflare zone over 30 days against the allowance.
 * A signal whose limit the tier leaves unlimited (Business products, queue length, CDN) has no rule.
 */
import {
  BUCKET_NAMES,
  bucketName,
  coreNamespace,
  DATABASE_SERVICES,
  databaseUser,
  GATEWAY,
  QUOTA_ALERTS,
  rabbitVhost,
  SERVICES,
  type EffectiveProfile,
  type QuotaAlert,
  type TierName,
} from "../../tiers";
import { gbToBytes } from "../../lib/units";

/** Gauge the products service exports on its metrics port: products in the tenant's catalogue. */
export const PRODUCTS_METRIC = "products_catalog_size";

/**
 * Days of CDN traffic the bandwidth alert adds up (the monthly allowance): the longest range any
 * rule reads, so the platform Prometheus keeps at least this much locally (metricsRetention.ts).
 */
export const CDN_BANDWIDTH_WINDOW_DAYS = 30;

/** The ratio of usage to the tier's limit, one series per signal (and bucket, queue or user). */
export const USAGE_RATIO = "tenant:quota_usage:ratio";

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  /** Prometheus duration ("5m"); absent when the alert fires on the first evaluation. */
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly (RecordingRule | AlertRule)[];
}

export interface AlertRulesInput {
  readonly tenantId: string;
  readonly tier: TierName;
  readonly profile: EffectiveProfile;
  /** Every namespace of the tenant (core first, then its site namespaces). */
  readonly namespaces: readonly string[];
  /** The tenant's own Cloudflare zone: every hostname it serves is a custom hostname there (docs/edge.md). */
  readonly cdnZone: string;
}

const GIB = 2 ** 30;
const MIB = 2 ** 20;

/** A PromQL regex matching exactly these values (dots escaped; label matchers are anchored). */
export function exactly(values: readonly string[]): string {
  return values.map((v) => v.replace(/[.\\]/g, (c) => `\\\\${c}`)).join("|");
}

interface Measured {
  /** PromQL of the usage, in the limit's unit. */
  readonly usage: string;
  readonly limit: number;
  /** What is measured, for people. */
  readonly summary: string;
  /** Labels telling this measurement from others of the same signal. Default none. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** How each quota signal is measured: PromQL of the usage and the limit it is compared with. */
const MEASURES: Readonly<
  Record<QuotaAlert["signal"], (input: AlertRulesInput, namespaces: string) => Measured[]>
> = {
  cpu: ({ profile }, namespaces) => [
    {
      usage: `sum(rate(container_cpu_usage_seconds_total{${namespaces},container!=""}[5m]))`,
      limit: profile.quota.limitsCpu / 1000,
      summary: "CPU usage",
    },
  ],
  memory: ({ profile }, namespaces) => [
    {
      usage: `sum(container_memory_working_set_bytes{${namespaces},container!=""})`,
      limit: profile.quota.limitsMemory * MIB,
      summary: "memory usage",
    },
  ],
  storage: ({ profile }, namespaces) => [
    {
      usage: `sum(kubelet_volume_stats_used_bytes{${namespaces}})`,
      limit: profile.quota.requestsStorage * GIB,
      summary: "volume usage",
    },
  ],
  "api-rate": ({ profile }, namespaces) => [
    {
      usage: `sum(rate(http_requests_total{${namespaces},service="${GATEWAY.workloadName}"}[1m])) * 60`,
      limit: profile.tier.rateLimit.requestsPerMinute,
      summary: "API requests per minute",
    },
  ],
  products: (input) => {
    const max = input.profile.tier.usage.maxProducts;
    const products = SERVICES.find((s) => s.name === "products")!.workloadName;
    return max === undefined
      ? []
      : [
          {
            usage: `max(${PRODUCTS_METRIC}{namespace="${coreNamespace(input.tenantId)}",service="${products}"})`,
            limit: max,
            summary: "products",
          },
        ];
  },
  bucket: (input) =>
    BUCKET_NAMES.map((b) => ({
      usage: `max(minio_bucket_usage_total_bytes{bucket="${bucketName(input.tenantId, b)}"})`,
      limit: gbToBytes(input.profile.tier.objectStorage.buckets[b].quotaGb),
      summary: `bucket ${bucketName(input.tenantId, b)} usage`,
      labels: { bucket: bucketName(input.tenantId, b) },
    })),
  queue: (input) => {
    const max = input.profile.tier.messaging.maxLength;
    return max === undefined
      ? []
      : [
          {
            usage: `max by (queue) (rabbitmq_detailed_queue_messages{vhost="${rabbitVhost(input.tenantId)}"})`,
            limit: max,
            summary: "messages in queue {{ $labels.queue }}",
          },
        ];
  },
  "mysql-connections": (input) => {
    const users = DATABASE_SERVICES.map((s) => databaseUser(input.tenantId, s.name));
    return [
      {
        usage: `max by (mysql_user) (mysql_info_schema_processlist_processes_by_user{mysql_user=~"${exactly(users)}"})`,
        limit: input.profile.tier.database.maxConnectionsPerService,
        summary: "connections of MySQL user {{ $labels.mysql_user }}",
      },
    ];
  },
  "cdn-bandwidth": (input) => {
    const cdn = input.profile.tier.cdn;
    const allowance = cdn.enabled ? cdn.monthlyBandwidthGb : undefined;
    return allowance === undefined
      ? []
      : [
          {
            usage: `sum(increase(cloudflare_zone_bandwidth_total{zone="${input.cdnZone}"}[${CDN_BANDWIDTH_WINDOW_DAYS}d]))`,
            limit: allowance * 1e9,
            summary: `CDN bytes over ${CDN_BANDWIDTH_WINDOW_DAYS} days`,
          },
        ];
  },
};

const measurements = (input: AlertRulesInput, signal: QuotaAlert["signal"]): Measured[] =>
  MEASURES[signal](input, `namespace=~"${exactly(input.namespaces)}"`);

/**
 * The tenant's usage ratios (recorded, so dashboards and the long-term store read the same series)
 * and its quota alerts on them, thresholds and durations from the catalog (QUOTA_ALERTS). Rules of
 * a group run in order, so an alert reads the ratio recorded in the same evaluation.
 */
export function tenantAlertRules(input: AlertRulesInput): RuleGroup[] {
  const identity = { tenant: input.tenantId, tier: input.tier };
  const signals = [...new Set(QUOTA_ALERTS.map((a) => a.signal))];
  const records = signals.flatMap((signal) =>
    measurements(input, signal).map((m): RecordingRule => ({
      record: USAGE_RATIO,
      expr: `${m.usage} / ${m.limit}`,
      labels: { ...identity, signal, ...m.labels },
    })),
  );
  const alerts = QUOTA_ALERTS.flatMap((alert) =>
    measurements(input, alert.signal).map((m): AlertRule => ({
      alert: alert.name,
      // The ratio against the tier's literal limit: no lookup table, no join.
      expr: `${USAGE_RATIO}{${selector({ tenant: input.tenantId, signal: alert.signal, ...m.labels })}} > ${alert.threshold}`,
      ...(alert.forMinutes > 0 ? { for: `${alert.forMinutes}m` } : {}),
      // The measurement's own labels too: two buckets' alerts must differ in labels, not only in expr.
      labels: { severity: alert.severity, ...m.labels },
      annotations: {
        summary: `${input.tenantId}: ${m.summary} above ${Math.round(alert.threshold * 100)}% of the ${input.tier} tier's limit`,
        description: `${m.summary} is at {{ $value | humanizePercentage }} of the limit (${m.limit}).`,
      },
    })),
  );
  return [{ name: `tenant-${input.tenantId}-quotas`, rules: [...records, ...alerts] }];
}

const selector = (labels: Readonly<Record<string, string>>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",");

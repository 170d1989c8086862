/** The tier table of docs/product.md, generated from the catalog (a test fails when they disagree). */
import { BUCKET_NAMES, LIMIT_RANGE, TIER_NAMES, TIERS, type TierDefinition } from "../tiers";
import { formatCpu, formatMemory } from "../lib/units";

const eur = (n: number) => `${n.toFixed(2).replace(/\.00$/, "")} EUR`;
const unlimited = (n: number | undefined, unit = "") => (n === undefined ? "unlimited" : `${n}${unit}`);
const hours = (ms: number) =>
  ms % 86_400_000 === 0
    ? `${ms / 86_400_000} d`
    : ms % 3_600_000 === 0
      ? `${ms / 3_600_000} h`
      : `${ms / 60_000} min`;
const mb = (bytes: number) => `${bytes / (1024 * 1024)} MB`;

const ROWS: readonly [string, (t: TierDefinition) => string][] = [
  [
    "Price month / year",
    (t) =>
      `${t.pricing.custom ? "from " : ""}${eur(t.pricing.monthlyEur)} / ${t.pricing.yearlyEur === undefined ? "custom" : eur(t.pricing.yearlyEur)}`,
  ],
  ["Sites / custom domains", (t) => `${t.maxSites} / ${t.maxCustomDomains}`],
  [
    "requests.cpu / requests.memory",
    (t) => `${formatCpu(t.quota.requestsCpu)} / ${formatMemory(t.quota.requestsMemory)}`,
  ],
  [
    "limits.cpu / limits.memory",
    (t) => `${formatCpu(t.quota.limitsCpu)} / ${formatMemory(t.quota.limitsMemory)}`,
  ],
  [
    "pods / PVCs / LoadBalancers / storage",
    (t) =>
      `${t.quota.pods} / ${t.quota.persistentVolumeClaims} / ${t.quota.loadBalancers} / ${t.quota.requestsStorage}Gi`,
  ],
  ["api-gateway replicas (tenant-wide)", (t) => `${t.autoscaling.minReplicas}-${t.autoscaling.maxReplicas}`],
  [
    "Autoscaling signals",
    (t) =>
      [
        `cpu ${t.autoscaling.cpuUtilizationPercent}%`,
        `memory ${t.autoscaling.memoryUtilizationPercent}%`,
        ...(t.autoscaling.requestsPerSecondPerPod
          ? [`${t.autoscaling.requestsPerSecondPerPod} rps/pod`]
          : []),
        ...(t.autoscaling.queueDepthPerConsumer
          ? [`queue ${t.autoscaling.queueDepthPerConsumer}/consumer`]
          : []),
      ].join(", "),
  ],
  [
    "Per-service ceiling (requests / limits)",
    (t) =>
      `${formatCpu(t.serviceCeiling.requests.cpu)} ${formatMemory(t.serviceCeiling.requests.memory)} / ${formatCpu(t.serviceCeiling.limits.cpu)} ${formatMemory(t.serviceCeiling.limits.memory)}`,
  ],
  ["gp3 IOPS / throughput", (t) => `${t.storageClass.iops} / ${t.storageClass.throughputMiBps} MiB/s`],
  [
    "DB connections / timeout / max request / slow log",
    (t) =>
      `${t.database.maxConnectionsPerService} / ${t.database.queryTimeoutSeconds}s / ${mb(t.database.maxRequestBytes)} / ${t.database.slowQuerySeconds}s`,
  ],
  ["Buckets (GB)", (t) => BUCKET_NAMES.map((b) => `${b} ${t.objectStorage.buckets[b].quotaGb}`).join(", ")],
  [
    "RabbitMQ max length / TTL / consumer timeout / priority",
    (t) =>
      `${unlimited(t.messaging.maxLength)} / ${hours(t.messaging.messageTtlMs)} / ${hours(t.messaging.consumerTimeoutMs)} / ${t.messaging.maxPriority}`,
  ],
  ["RabbitMQ message size / HA nodes", (t) => `${mb(t.messaging.maxMessageBytes)} / ${t.messaging.haNodes}`],
  [
    "API rate limit",
    (t) =>
      `${t.rateLimit.requestsPerMinute} req/min, ${t.rateLimit.maxConnections} conn, burst x${t.rateLimit.burstMultiplier}`,
  ],
  [
    "CDN",
    (t) =>
      !t.cdn.enabled
        ? "none"
        : `${unlimited(t.cdn.monthlyBandwidthGb, " GB/month")}${t.cdn.waf ? ", WAF" : ""}`,
  ],
  [
    "Backups",
    (t) =>
      `${t.backups.mode}, ${t.backups.retentionDays} days${t.backups.pointInTimeRecovery ? ", PITR" : ""}`,
  ],
  ["Metrics retention", (t) => `${t.monitoring.metricsRetentionDays} days`],
  ["SLA / support response", (t) => `${t.sla.availabilityPercent}% / ${t.sla.supportResponseHours} h`],
  [
    "Products / orders per month / users",
    (t) =>
      `${unlimited(t.usage.maxProducts)} / ${unlimited(t.usage.maxOrdersPerMonth)} / ${t.usage.maxConcurrentUsers}`,
  ],
];

const tableOf = (rows: readonly (readonly [string, (t: TierDefinition) => string])[]): string[] => {
  const tiers = TIER_NAMES.map((n) => TIERS[n]);
  return [
    `| | ${tiers.map((t) => t.displayName).join(" | ")} |`,
    `|---|${tiers.map(() => "---").join("|")}|`,
    ...rows.map(([label, cell]) => `| ${label} | ${tiers.map(cell).join(" | ")} |`),
  ];
};

/** The rows the README's summary shows, out of the full table's. */
const SUMMARY_LABELS = [
  "Price month / year",
  "Sites / custom domains",
  "requests.cpu / requests.memory",
  "API rate limit",
  "CDN",
  "Backups",
  "SLA / support response",
] as const;

/** The README's short table: a few rows of the full one. */
export function tierSummaryTable(): string {
  return tableOf(ROWS.filter(([label]) => (SUMMARY_LABELS as readonly string[]).includes(label))).join("\n");
}

export function tierTable(): string {
  const lines = tableOf(ROWS);
  const lr = LIMIT_RANGE;
  lines.push(
    "",
    `Container limit range (every tier): max ${formatCpu(lr.containerMax.cpu)} CPU ${formatMemory(lr.containerMax.memory)}, ` +
      `min ${formatCpu(lr.containerMin.cpu)} ${formatMemory(lr.containerMin.memory)}; pod max ${formatCpu(lr.podMax.cpu)} CPU ${formatMemory(lr.podMax.memory)}; PVC ${lr.pvcMin}Gi..${lr.pvcMax}Gi.`,
  );
  return lines.join("\n");
}

/** A document with what is between `<!-- <marker>:start ... -->` and `<!-- <marker>:end -->` replaced. */
export function withGeneratedBlock(document: string, marker: string, content: string): string {
  const startTag = `<!-- ${marker}:start (generated by \`npm run docs\`) -->`;
  const endTag = `<!-- ${marker}:end -->`;
  const start = document.indexOf(startTag);
  const end = document.indexOf(endTag);
  if (start === -1 || end === -1 || end < start) throw new Error(`the document has no ${marker} markers`);
  return `${document.slice(0, start + startTag.length)}\n${content}\n${document.slice(end)}`;
}

/** A document with its full tier table regenerated. */
export const withTierTable = (document: string): string =>
  withGeneratedBlock(document, "tier-table", tierTable());

/** A document (the README) with its tier summary regenerated. */
export const withTierSummary = (document: string): string =>
  withGeneratedBlock(document, "tier-summary", tierSummaryTable());

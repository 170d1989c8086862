/**
 * The tenant program's configuration: a valibot schema over the `tenant:*` stack config keys,
 * then the tier rules of tiers/tenantRules.ts. Every problem is reported with the config
 * path that caused it, before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import * as v from "valibot";
import type { TenantStackArgs } from "../components/tenantStack";
import { BACKUP_NAMESPACE, DEFAULT_BACKUP_BUCKET, isHostname, isIpv4Cidr, tenantIdProblems, TIER_NAMES, tenantRequestProblems, TenantRequestError, type Problem } from "../tiers";

/** The Pulumi project name, and so the namespace of every config key ("tenant:tier"). */
export const PROJECT = "tenant";

const label = v.pipe(v.string(), v.regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a lowercase DNS label"));
const port = v.pipe(v.number(), v.integer("must be an integer"), v.minValue(1, "must be a TCP port (1-65535)"), v.maxValue(65535, "must be a TCP port (1-65535)"));
const cidr = v.pipe(v.string(), v.check(isIpv4Cidr, "must be an IPv4 CIDR"));
const host = v.pipe(v.string(), v.minLength(1));
const hostEndpoint = v.union(
  [v.strictObject({ cidr, port, host }), v.strictObject({ namespace: label, port, host })],
  "must be {cidr, port, host} or {namespace, port, host} with a TCP port",
);

const credentials = v.strictObject({ user: v.pipe(v.string(), v.minLength(1)), password: v.string() });

const DEFAULT_PLATFORM = {
  domain: "shops.collect-verything.com",
  edgeNamespace: "envoy-gateway-system",
  monitoringNamespace: "monitoring",
  prometheusUrl: "http://prometheus-operated.monitoring.svc:9090",
  endpoints: {
    mysql: { namespace: "mysql", port: 3306, host: "mysql.mysql.svc.cluster.local" },
    rabbitmq: { namespace: "rabbitmq", port: 5672, host: "rabbitmq.rabbitmq.svc.cluster.local" },
    objectStorage: { namespace: "minio", port: 9000, host: "minio.minio.svc.cluster.local" },
    redis: { namespace: "redis", port: 6379, host: "redis.redis.svc.cluster.local" },
  },
  backups: {
    bucket: DEFAULT_BACKUP_BUCKET,
    region: "eu-west-3",
    kmsKeyArn: "arn:aws:kms:eu-west-3:000000000000:alias/cv-tenant-backups",
    oidcProviderArn: "arn:aws:iam::000000000000:oidc-provider/oidc.eks.eu-west-3.amazonaws.com/id/CLUSTER",
    oidcIssuer: "oidc.eks.eu-west-3.amazonaws.com/id/CLUSTER",
    namespace: BACKUP_NAMESPACE,
  },
} as const;
const DEFAULT_GATEWAY = { name: "platform-gateway", namespace: "gateway-system" } as const;

export const tenantConfigSchema = v.strictObject({
  tenantId: v.pipe(
    v.string(),
    v.rawCheck(({ dataset, addIssue }) => {
      if (dataset.typed) for (const message of tenantIdProblems(dataset.value)) addIssue({ message });
    }),
  ),
  tier: v.picklist(TIER_NAMES, (issue) => `unknown tier ${issue.received} (expected ${TIER_NAMES.join(", ")})`),
  sites: v.optional(v.array(v.strictObject({ customDomains: v.optional(v.array(v.string()), []) })), [{ customDomains: [] }]),
  addOns: v.optional(
    v.strictObject({
      extraCpuCores: v.optional(v.number()),
      extraMemoryGi: v.optional(v.number()),
      extraStorageGi: v.optional(v.number()),
    }),
  ),
  trustedCidrs: v.optional(v.array(v.string())),
  alerting: v.optional(
    v.strictObject({
      email: v.array(v.string()),
      slackWebhookUrl: v.optional(v.pipe(v.string(), v.url("must be a URL"))),
      pagerdutyRoutingKey: v.optional(v.pipe(v.string(), v.minLength(1))),
      smsWebhookUrl: v.optional(v.pipe(v.string(), v.url("must be a URL"))),
    }),
  ),
  images: v.strictObject({
    registry: v.pipe(v.string(), v.regex(/^[a-z0-9.\-:/]+$/, "must be an image registry path")),
    tag: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "must be an image tag")),
    redis: v.optional(v.pipe(v.string(), v.minLength(1)), "redis:7.4-alpine"),
  }),
  routing: v.optional(
    v.variant(
      "mode",
      [
        v.strictObject({
          mode: v.literal("gateway-api"),
          gateway: v.optional(v.strictObject({ name: label, namespace: label, sectionName: v.optional(v.string()) }), DEFAULT_GATEWAY),
        }),
        v.strictObject({ mode: v.literal("ingress-nginx"), ingressClassName: v.optional(v.pipe(v.string(), v.minLength(1)), "nginx") }),
      ],
      (issue) => `unknown routing mode ${issue.received} (expected "gateway-api" or "ingress-nginx")`,
    ),
    { mode: "gateway-api", gateway: DEFAULT_GATEWAY },
  ),
  /** Admin accounts the data-service providers use (set them with `pulumi config set --secret`). */
  adminCredentials: v.strictObject({
    mysql: credentials,
    rabbitmq: v.strictObject({ user: v.pipe(v.string(), v.minLength(1)), password: v.string(), managementUrl: v.pipe(v.string(), v.url("must be a URL")) }),
    objectStorage: v.strictObject({ user: v.pipe(v.string(), v.minLength(1)), password: v.string(), ssl: v.optional(v.boolean(), true) }),
  }),
  dataServices: v.optional(
    v.strictObject({
      /** Host of the read replica the reporting user reads from. Default: the primary's host. */
      mysqlReadReplicaHost: v.optional(v.pipe(v.string(), v.minLength(1))),
      /** Business only: a dedicated MySQL InnoDB cluster instead of the shared one. Default false. */
      dedicatedMysqlCluster: v.optional(v.boolean(), false),
      /** Business only: RabbitMQ federation upstreams of the tenant's other regions. */
      federationUpstreams: v.optional(
        v.array(v.strictObject({ name: label, uri: v.pipe(v.string(), v.regex(/^amqps?:\/\//, "must be an amqp:// or amqps:// URI")) })),
        [],
      ),
    }),
    { dedicatedMysqlCluster: false, federationUpstreams: [] },
  ),
  platform: v.optional(
    v.strictObject({
      domain: v.optional(v.pipe(v.string(), v.check(isHostname, "must be a lowercase DNS hostname")), DEFAULT_PLATFORM.domain),
      edgeNamespace: v.optional(label, DEFAULT_PLATFORM.edgeNamespace),
      monitoringNamespace: v.optional(label, DEFAULT_PLATFORM.monitoringNamespace),
      prometheusUrl: v.optional(v.pipe(v.string(), v.url("must be a URL")), DEFAULT_PLATFORM.prometheusUrl),
      endpoints: v.optional(
        v.strictObject({
          mysql: hostEndpoint,
          rabbitmq: hostEndpoint,
          objectStorage: hostEndpoint,
          redis: hostEndpoint,
        }),
        DEFAULT_PLATFORM.endpoints,
      ),
      backups: v.optional(
        v.strictObject({
          bucket: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name")), DEFAULT_PLATFORM.backups.bucket),
          region: v.optional(v.pipe(v.string(), v.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "must be an AWS region")), DEFAULT_PLATFORM.backups.region),
          kmsKeyArn: v.optional(v.pipe(v.string(), v.startsWith("arn:aws:kms:", "must be a KMS key ARN")), DEFAULT_PLATFORM.backups.kmsKeyArn),
          oidcProviderArn: v.optional(v.pipe(v.string(), v.startsWith("arn:aws:iam::", "must be an IAM OIDC provider ARN")), DEFAULT_PLATFORM.backups.oidcProviderArn),
          oidcIssuer: v.optional(host, DEFAULT_PLATFORM.backups.oidcIssuer),
          namespace: v.optional(label, DEFAULT_PLATFORM.backups.namespace),
        }),
        DEFAULT_PLATFORM.backups,
      ),
    }),
    DEFAULT_PLATFORM,
  ),
});

export type TenantConfigInput = v.InferInput<typeof tenantConfigSchema>;

function fieldOf(issue: v.BaseIssue<unknown>): string {
  return (issue.path ?? []).reduce<string>(
    (acc, item) => (typeof item.key === "number" ? `${acc}[${item.key}]` : acc ? `${acc}.${String(item.key)}` : String(item.key)),
    "",
  );
}

/** An unknown key of a strict object is reported on the key's own path. */
const isUnknownKey = (issue: v.BaseIssue<unknown>): boolean => issue.type === "strict_object" && issue.expected === "never";

/** Validates raw config values (key without the project prefix -> value) into TenantStack args. */
export function parseTenantConfig(raw: Record<string, unknown>): TenantStackArgs {
  const parsed = v.safeParse(tenantConfigSchema, raw);
  if (!parsed.success) {
    const problems: Problem[] = parsed.issues.map((issue) => ({
      field: fieldOf(issue) || "(config)",
      message: isUnknownKey(issue) ? `unknown config key ${JSON.stringify(issue.path?.at(-1)?.key)}` : issue.message,
    }));
    throw new TenantRequestError(problems);
  }
  const config = parsed.output;
  const problems = tenantRequestProblems(config);
  if (problems.length > 0) throw new TenantRequestError(problems);
  return config;
}

/** Stack config values are strings; structured ones arrive JSON-encoded. */
export function decodeConfigValue(value: string): unknown {
  const trimmed = value.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) return JSON.parse(trimmed);
  return value;
}

/** Validates fully qualified stack config ("tenant:tier" -> string, as the engine passes it). */
export function parseStackConfig(all: Readonly<Record<string, string>>): TenantStackArgs {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(all)) {
    const [namespace, name] = key.split(":", 2);
    if (namespace === PROJECT && name) raw[name] = decodeConfigValue(value);
  }
  return parseTenantConfig(raw);
}

/** Reads every `tenant:*` key of the running stack (so an unknown key is an error, not ignored). */
export function loadTenantConfig(): TenantStackArgs {
  return parseStackConfig(pulumi.runtime.allConfig());
}

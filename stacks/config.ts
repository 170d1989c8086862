/**
 * The tenant program's configuration: a zod schema over the `tenant:*` stack config keys,
 * then the tier rules of tiers/tenantRules.ts. Every problem is reported with the config
 * path that caused it, before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { TenantStackArgs } from "../components/tenantStack";
import { isHostname, isIpv4Cidr, tenantIdProblems, TIER_NAMES, tenantRequestProblems, TenantRequestError, type Problem } from "../tiers";

/** The Pulumi project name, and so the namespace of every config key ("tenant:tier"). */
export const PROJECT = "tenant";

const label = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a lowercase DNS label");
const port = z.number().int().min(1).max(65535);
const endpoint = z.union([
  z.strictObject({ cidr: z.string().refine(isIpv4Cidr, "must be an IPv4 CIDR"), port }),
  z.strictObject({ namespace: label, port }),
]);

const DEFAULT_PLATFORM = {
  domain: "shops.collect-verything.com",
  edgeNamespace: "envoy-gateway-system",
  monitoringNamespace: "monitoring",
  prometheusUrl: "http://prometheus-operated.monitoring.svc:9090",
  endpoints: {
    mysql: { namespace: "mysql", port: 3306 },
    rabbitmq: { namespace: "rabbitmq", port: 5672 },
    objectStorage: { namespace: "minio", port: 9000 },
    redis: { namespace: "redis", port: 6379, host: "redis.redis.svc.cluster.local" },
  },
} as const;

export const tenantConfigSchema = z.strictObject({
  tenantId: z.string().superRefine((id, ctx) => {
    for (const message of tenantIdProblems(id)) ctx.addIssue({ code: "custom", message });
  }),
  tier: z.enum(TIER_NAMES, { error: (issue) => `unknown tier ${JSON.stringify(issue.input)} (expected ${TIER_NAMES.join(", ")})` }),
  sites: z.array(z.strictObject({ customDomains: z.array(z.string()).default([]) })).default([{ customDomains: [] }]),
  addOns: z
    .strictObject({
      extraCpuCores: z.number().optional(),
      extraMemoryGi: z.number().optional(),
      extraStorageGi: z.number().optional(),
    })
    .optional(),
  trustedCidrs: z.array(z.string()).optional(),
  images: z.strictObject({
    registry: z.string().min(1).regex(/^[a-z0-9.\-:/]+$/, "must be an image registry path"),
    tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "must be an image tag"),
    redis: z.string().min(1).default("redis:7.4-alpine"),
  }),
  routing: z
    .discriminatedUnion("mode", [
      z.strictObject({
        mode: z.literal("gateway-api"),
        gateway: z
          .strictObject({ name: label, namespace: label, sectionName: z.string().optional() })
          .default({ name: "platform-gateway", namespace: "gateway-system" }),
      }),
      z.strictObject({ mode: z.literal("ingress-nginx"), ingressClassName: z.string().min(1).default("nginx") }),
    ])
    .default({ mode: "gateway-api", gateway: { name: "platform-gateway", namespace: "gateway-system" } }),
  platform: z
    .strictObject({
      domain: z.string().refine(isHostname, "must be a lowercase DNS hostname").default(DEFAULT_PLATFORM.domain),
      edgeNamespace: label.default(DEFAULT_PLATFORM.edgeNamespace),
      monitoringNamespace: label.default(DEFAULT_PLATFORM.monitoringNamespace),
      prometheusUrl: z.url().default(DEFAULT_PLATFORM.prometheusUrl),
      endpoints: z
        .strictObject({
          mysql: endpoint,
          rabbitmq: endpoint,
          objectStorage: endpoint,
          redis: z.intersection(endpoint, z.object({ host: z.string().min(1) })),
        })
        .default(DEFAULT_PLATFORM.endpoints),
    })
    .default(DEFAULT_PLATFORM),
});

export type TenantConfigInput = z.input<typeof tenantConfigSchema>;

function fieldOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)),
    "",
  );
}

/** Validates raw config values (key without the project prefix -> value) into TenantStack args. */
export function parseTenantConfig(raw: Record<string, unknown>): TenantStackArgs {
  const parsed = tenantConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems: Problem[] = parsed.error.issues.map((issue) => ({
      field: fieldOf(issue.path) || (issue.code === "unrecognized_keys" ? issue.keys.join(", ") : "(config)"),
      message: issue.code === "unrecognized_keys" ? `unknown config key(s): ${issue.keys.join(", ")}` : issue.message,
    }));
    throw new TenantRequestError(problems);
  }
  const config = parsed.data;
  const problems = tenantRequestProblems(config);
  if (problems.length > 0) throw new TenantRequestError(problems);
  return config;
}

/** Stack config values are strings; structured ones arrive JSON-encoded. */
function decode(value: string): unknown {
  const trimmed = value.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) return JSON.parse(trimmed);
  return value;
}

/** Validates fully qualified stack config ("tenant:tier" -> string, as the engine passes it). */
export function parseStackConfig(all: Readonly<Record<string, string>>): TenantStackArgs {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(all)) {
    const [namespace, name] = key.split(":", 2);
    if (namespace === PROJECT && name) raw[name] = decode(value);
  }
  return parseTenantConfig(raw);
}

/** Reads every `tenant:*` key of the running stack (so an unknown key is an error, not ignored). */
export function loadTenantConfig(): TenantStackArgs {
  return parseStackConfig(pulumi.runtime.allConfig());
}

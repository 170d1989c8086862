/**
 * The tenant program's configuration: a valibot schema over the `tenant:*` stack config keys,
 * then the tier rules of tiers/tenantRules.ts. Every problem is reported with the config
 * path that caused it, before any resource is registered.
 */
import * as pulumi from "@pulumi/pulumi";
import * as v from "valibot";
import type { TenantStackArgs } from "../components/tenant/tenantStack";
import type { RoutingMode } from "../components/tenant/siteRouting";
import { PLATFORM_SERVICES } from "../components/platform/serviceLocations";
import { DEFAULT_KUBERNETES_VERSION } from "../components/platform/apiVersions";
import { PLATFORM_DOMAIN, platformFactRequestProblems } from "./platformFacts";
import {
  PRIMARY_REGION,
  REGION_NAMES,
  type RegionName,
  DEFAULT_SHARED_BINLOG_SERVER,
  sharedBinlogServerProblem,
  edgeRequestProblems,
  isHostname,
  isIpv4Cidr,
  tenantIdProblems,
  TIER_NAMES,
  tenantRequestProblems,
  TenantRequestError,
} from "../tiers";
import {
  amqpUriProblem,
  httpUrlProblem,
  isDnsSubdomain,
  isHost,
  isOciReference,
  isOciRepository,
  webhookUrlProblem,
} from "./fieldRules";

/** The Pulumi project name, and so the namespace of every config key ("tenant:tier"). */
export const PROJECT = "tenant";

const label = v.pipe(
  v.string(),
  v.regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a lowercase DNS label"),
);
const port = v.pipe(
  v.number(),
  v.integer("must be an integer"),
  v.minValue(1, "must be a TCP port (1-65535)"),
  v.maxValue(65535, "must be a TCP port (1-65535)"),
);
const cidr = v.pipe(v.string(), v.check(isIpv4Cidr, "must be an IPv4 CIDR"));
const host = v.pipe(v.string(), v.check(isHost, "must be a host name or IP address"));
/** A string field whose problem (if any) a fieldRules function describes. */
const checked = (problem: (value: string) => string | undefined) =>
  v.pipe(
    v.string(),
    v.rawCheck(({ dataset, addIssue }) => {
      const message = dataset.typed ? problem(dataset.value) : undefined;
      if (message) addIssue({ message });
    }),
  );
const httpUrl = checked(httpUrlProblem);
const webhookUrl = checked(webhookUrlProblem);
const subdomain = (what: string) =>
  v.pipe(v.string(), v.check(isDnsSubdomain, `must be ${what} (a lowercase DNS subdomain)`));
const user = v.pipe(
  v.string(),
  v.regex(/^[^\s\p{Cc}]+$/u, "must be a non-empty user name without whitespace"),
);
const hostEndpoint = v.union(
  [v.strictObject({ cidr, port, host }), v.strictObject({ namespace: label, port, host })],
  "must be {cidr, port, host} or {namespace, port, host} with a TCP port",
);

const cloudflareId = v.pipe(
  v.string(),
  v.regex(/^[0-9a-f]{32}$/, "must be a Cloudflare id (32 lowercase hex digits)"),
);
const hostname = v.pipe(v.string(), v.check(isHostname, "must be a lowercase DNS hostname"));

/**
 * The one mark of a credential (a JSON-schema `writeOnly` annotation, also in the OpenAPI
 * document): sent by clients, never shown back, kept encrypted or masked. Stack config secrets,
 * redaction, storage and masking all derive from it (automation/secretFields.ts).
 */
export const SECRET_MARK = { writeOnly: true } as const;
const secret = <T extends v.GenericSchema<string, string>>(schema: T) =>
  v.pipe(schema, v.metadata(SECRET_MARK));
const credentials = v.strictObject({ user, password: secret(v.string()) });
const rabbitmqAdmin = v.strictObject({ user, password: secret(v.string()), managementUrl: httpUrl });
const objectStorageAdmin = v.strictObject({
  user,
  password: secret(v.string()),
  ssl: v.optional(v.boolean(), true),
});
const region = v.picklist(
  REGION_NAMES,
  (issue) => `${issue.received} is not a supported region (${REGION_NAMES.join(", ")})`,
);

export const tenantConfigSchema = v.strictObject({
  tenantId: v.pipe(
    v.string(),
    v.rawCheck(({ dataset, addIssue }) => {
      if (dataset.typed) for (const message of tenantIdProblems(dataset.value)) addIssue({ message });
    }),
  ),
  tier: v.picklist(
    TIER_NAMES,
    (issue) => `unknown tier ${issue.received} (expected ${TIER_NAMES.join(", ")})`,
  ),
  sites: v.optional(v.array(v.strictObject({ customDomains: v.optional(v.array(v.string()), []) })), [
    { customDomains: [] },
  ]),
  /** Site numbers of removed sites whose namespaces stay guarded until deprovision. Default none. */
  retiredSites: v.optional(v.array(v.number()), []),
  addOns: v.optional(
    v.strictObject({
      extraCpuCores: v.optional(v.number()),
      extraMemoryGi: v.optional(v.number()),
      extraStorageGi: v.optional(v.number()),
    }),
  ),
  trustedCidrs: v.optional(v.array(v.string())),
  /**
   * The AWS regions the tenant runs in, its home region first (databases, backups, fallback
   * pool). More than one only on Business (tiers/tenantRules.ts). Default: the primary region.
   */
  regions: v.optional(v.array(region), [PRIMARY_REGION]),
  alerting: v.optional(
    v.strictObject({
      email: v.array(v.string()),
      slackWebhookUrl: v.optional(secret(webhookUrl)),
      pagerdutyRoutingKey: v.optional(secret(v.pipe(v.string(), v.minLength(1)))),
      smsWebhookUrl: v.optional(secret(webhookUrl)),
    }),
  ),
  images: v.strictObject({
    registry: v.pipe(
      v.string(),
      v.check(isOciRepository, "must be an image repository such as registry.example.com/team"),
    ),
    tag: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "must be an image tag")),
    redis: v.optional(
      v.pipe(v.string(), v.check(isOciReference, "must be an OCI image reference such as redis:7.4-alpine")),
      "redis:7.4-alpine",
    ),
  }),
  routing: v.optional(
    v.variant(
      "mode",
      [
        // The Gateway and its listener are the platform's (stacks/platformFacts.ts).
        v.strictObject({ mode: v.literal("gateway-api") }),
        v.strictObject({
          mode: v.literal("ingress-nginx"),
          ingressClassName: v.optional(subdomain("an IngressClass name"), "nginx"),
        }),
      ],
      (issue) => `unknown routing mode ${issue.received} (expected "gateway-api" or "ingress-nginx")`,
    ),
    { mode: "gateway-api" },
  ),
  /** Admin accounts the data-service providers use (set them with `pulumi config set --secret`). */
  adminCredentials: v.strictObject({
    mysql: credentials,
    rabbitmq: rabbitmqAdmin,
    objectStorage: objectStorageAdmin,
    /** Another region's own RabbitMQ and object-storage accounts. Default: the ones above at that region's hosts. */
    regions: v.optional(
      v.record(region, v.strictObject({ rabbitmq: rabbitmqAdmin, objectStorage: objectStorageAdmin })),
    ),
  }),
  dataServices: v.optional(
    v.strictObject({
      /** Business only: a dedicated MySQL InnoDB cluster instead of the shared one. Default false. */
      dedicatedMysqlCluster: v.optional(v.boolean(), false),
      /** Business only: RabbitMQ federation upstreams of the tenant's other regions. */
      federationUpstreams: v.optional(
        v.array(v.strictObject({ name: label, uri: secret(checked(amqpUriProblem)) })),
        [],
      ),
    }),
    { dedicatedMysqlCluster: false, federationUpstreams: [] },
  ),
  /**
   * The tenant's Cloudflare edge (docs/edge.md): its own zone, the platform zone of the platform
   * hostnames, the account, the cluster's public address, and the API token (a secret; default:
   * the provider's CLOUDFLARE_API_TOKEN environment variable).
   */
  cloudflare: v.strictObject({
    accountId: cloudflareId,
    zoneId: cloudflareId,
    zoneName: hostname,
    platformZoneId: cloudflareId,
    originAddress: hostname,
    apiToken: v.optional(secret(v.pipe(v.string(), v.minLength(1)))),
  }),
});

export type TenantConfigInput = v.InferInput<typeof tenantConfigSchema>;

/**
 * TenantStack's arguments as config holds them: region names where the component takes each
 * region's providers, the routing mode without the platform's Gateway, and the Cloudflare API
 * token. The platform's facts are not config: the program reads them from the platform stacks.
 */
export type TenantConfig = Omit<TenantStackArgs, "regions" | "platform" | "cloudflare" | "routing"> & {
  readonly regions: readonly RegionName[];
  readonly routing: RoutingRequest;
  readonly cloudflare: TenantStackArgs["cloudflare"] & { readonly apiToken?: string };
};
/** The routing mode a tenant chooses; Gateway API routes attach to the platform's Gateway. */
export type RoutingRequest = { readonly mode: "gateway-api" } | Exclude<RoutingMode, { mode: "gateway-api" }>;

function fieldOf(issue: v.BaseIssue<unknown>): string {
  return (issue.path ?? []).reduce<string>(
    (acc, item) =>
      typeof item.key === "number"
        ? `${acc}[${item.key}]`
        : acc
          ? `${acc}.${String(item.key)}`
          : String(item.key),
    "",
  );
}

/** An unknown key of a strict object is reported on the key's own path. */
const isUnknownKey = (issue: v.BaseIssue<unknown>): boolean =>
  issue.type === "strict_object" && issue.expected === "never";
/** A required key that is absent: valibot says "Invalid key: Expected "x" but received undefined". */
const isMissingKey = (issue: v.BaseIssue<unknown>): boolean =>
  issue.type === "strict_object" && issue.received === "undefined";

/** Validates raw config values (key without the project prefix -> value) into TenantStack args. */
function configError(
  issues: readonly v.BaseIssue<unknown>[],
  before: readonly { field: string; message: string }[] = [],
): TenantRequestError {
  return new TenantRequestError([
    ...before,
    ...issues.map((issue) => ({
      field: fieldOf(issue) || "(config)",
      message: isUnknownKey(issue)
        ? `unknown config key ${JSON.stringify(issue.path?.at(-1)?.key)}`
        : isMissingKey(issue)
          ? "required"
          : issue.message,
    })),
  ]);
}

/**
 * What the tenant's regions make of other keys: accounts under `adminCredentials.regions` only for
 * its other regions (the top-level ones are the home region's; another key would be silently
 * unused), and no federation upstream under a name its regions' upstreams take (`region-<name>`:
 * two upstreams of one name on one vhost).
 */
function regionConfigProblems(
  config: v.InferOutput<typeof tenantConfigSchema>,
): { field: string; message: string }[] {
  const others = config.regions.slice(1);
  const problems = Object.keys(config.adminCredentials.regions ?? {})
    .filter((region) => !(others as readonly string[]).includes(region))
    .map((region) => ({
      field: `adminCredentials.regions.${region}`,
      message: `${region} is not one of the tenant's other regions (${others.join(", ") || "it has none"})`,
    }));
  if (config.regions.length > 1) {
    (config.dataServices?.federationUpstreams ?? []).forEach((upstream, i) => {
      const region = config.regions.find((r) => upstream.name === `region-${r}`);
      if (region)
        problems.push({
          field: `dataServices.federationUpstreams[${i}].name`,
          message: `"${upstream.name}" is the name of the upstream of the tenant's region ${region}`,
        });
    });
  }
  return problems;
}

/**
 * Stack config keys only the tenant operations write, never a request (nor the request schema, so
 * the service's API does not offer them): `suspended`, set by a deprovision and cleared by a
 * restore (automation/tenantService.ts). Pulumi stores the value as a string.
 */
export const OPERATOR_KEYS = ["suspended"] as const;
const flag = v.union(
  [
    v.boolean(),
    v.pipe(
      v.picklist(["true", "false"]),
      v.transform((s) => s === "true"),
    ),
  ],
  "must be true or false",
);
const operatorStateSchema = v.strictObject({ suspended: v.optional(flag, false) });
/** The operator-level part of a stack's config. */
export type OperatorState = v.InferOutput<typeof operatorStateSchema>;
const OPERATOR_MESSAGE =
  "is set by the tenant operations (a deprovision suspends the tenant, a restore resumes it), a tenant request cannot set it";

/** A request's operator-level keys as problems naming each, and the request without them. */
function operatorKeyProblems(raw: Readonly<Record<string, unknown>>): {
  problems: { field: string; message: string }[];
  rest: Record<string, unknown>;
} {
  const rest = { ...raw };
  const problems = OPERATOR_KEYS.filter((key) => key in rest).map((field) => {
    delete rest[field];
    return { field, message: OPERATOR_MESSAGE };
  });
  return { problems, rest };
}

/**
 * A stack's raw config split into its request (every key but the operator-level ones) and its
 * operator state, validated (TenantRequestError naming the key).
 */
export function splitOperatorState(raw: Readonly<Record<string, unknown>>): {
  readonly request: Record<string, unknown>;
  readonly state: OperatorState;
} {
  const request: Record<string, unknown> = {};
  const operator: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw))
    ((OPERATOR_KEYS as readonly string[]).includes(key) ? operator : request)[key] = value;
  const parsed = v.safeParse(operatorStateSchema, operator);
  if (!parsed.success) throw configError(parsed.issues);
  return { request, state: parsed.output };
}

/**
 * A tenant request (a request file, the service's body, the request part of a stack's config),
 * validated; an operator-level key in it is refused by name.
 */
export function parseTenantConfig(raw: Record<string, unknown>): TenantConfig {
  // A platform fact or an operator-level key is refused by name, and the rest still judged.
  const operator = operatorKeyProblems(raw);
  const facts = platformFactRequestProblems(operator.rest);
  facts.problems.unshift(...operator.problems);
  const parsed = v.safeParse(tenantConfigSchema, facts.rest);
  if (!parsed.success) throw configError(parsed.issues, facts.problems);
  const config = parsed.output;
  const problems = [
    ...facts.problems,
    // Custom domains are judged against the platform domain; the program judges them again
    // against the domain its platform stacks export (TenantStack).
    ...tenantRequestProblems({ ...config, platform: { domain: PLATFORM_DOMAIN } }),
    ...edgeRequestProblems({ ...config, platform: { domain: PLATFORM_DOMAIN } }),
    ...regionConfigProblems(config),
  ];
  if (problems.length > 0) throw new TenantRequestError(problems);
  return config;
}

/**
 * What the policy pack needs of a stack, validated by the schema's own entries: tenant, tier,
 * add-ons, regions (a platform fact among them is refused). No other key is read, so a stack whose credentials the reader cannot
 * decrypt (a whole key stored as one secret is only a placeholder offline) still gets its config.
 */
const policyInputsSchema = v.object({
  tenantId: tenantConfigSchema.entries.tenantId,
  tier: tenantConfigSchema.entries.tier,
  addOns: tenantConfigSchema.entries.addOns,
  regions: tenantConfigSchema.entries.regions,
});

export function parsePolicyInputs(
  all: Readonly<Record<string, string>>,
): v.InferOutput<typeof policyInputsSchema> {
  const keys = new Set(
    [...Object.keys(policyInputsSchema.entries), "platform"].map((key) => `${PROJECT}:${key}`),
  );
  const facts = platformFactRequestProblems(
    tenantRequestOf(Object.fromEntries(Object.entries(all).filter(([key]) => keys.has(key)))),
  );
  if (facts.problems.length > 0) throw new TenantRequestError(facts.problems);
  const parsed = v.safeParse(policyInputsSchema, facts.rest);
  if (!parsed.success) throw configError(parsed.issues);
  // The id, tier and add-on rules (one site stands in for the sites, which the pack counts itself).
  const problems = tenantRequestProblems({ ...parsed.output, sites: [{ customDomains: [] }] });
  if (problems.length > 0) throw new TenantRequestError(problems);
  return parsed.output;
}

/**
 * Validates a tenant request as it arrives from outside (a request file's JSON: the stack
 * config's shape), throwing TenantRequestError naming the field; returns it typed.
 */
export function parseTenantRequest(raw: unknown): TenantConfigInput {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new TenantRequestError([
      {
        field: "(request)",
        message: `must be an object of config keys, got ${raw === null ? "null" : Array.isArray(raw) ? "an array" : typeof raw}`,
      },
    ]);
  }
  parseTenantConfig({ ...raw });
  // parseTenantConfig accepted every key and value, so this is the schema's input type.
  return raw as TenantConfigInput;
}

/**
 * Stack config values are strings; structured ones arrive JSON-encoded (a `--secret --path`
 * value too: the engine decrypts inside the structure and passes the JSON).
 */
export function decodeConfigValue(value: string): unknown {
  const trimmed = value.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) return JSON.parse(trimmed);
  return value;
}

/**
 * The `tenant:*` keys of fully qualified stack config ("tenant:tier" -> string, as the engine
 * passes it) as request values (key without the prefix -> decoded value).
 */
export function tenantRequestOf(
  all: Readonly<Record<string, string>>,
  project = PROJECT,
): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(all)) {
    const [namespace, name] = key.split(":", 2);
    if (namespace !== project || !name) continue;
    try {
      raw[name] = decodeConfigValue(value);
    } catch {
      // Never echo the value: it may be a decrypted secret.
      throw new TenantRequestError([{ field: name, message: "is not valid JSON" }]);
    }
  }
  return raw;
}

/**
 * Validates fully qualified stack config ("tenant:tier" -> string, as the engine passes it): the
 * request, and the operator state the operations set (`suspended`).
 */
export function parseStackConfig(all: Readonly<Record<string, string>>): TenantConfig {
  return parseWithOperatorState(tenantRequestOf(all));
}

/** Raw stack config values (request and operator keys) validated into the program's arguments. */
function parseWithOperatorState(raw: Readonly<Record<string, unknown>>): TenantConfig {
  const { request, state } = splitOperatorState(raw);
  return { ...parseTenantConfig(request), ...(state.suspended ? { suspended: true } : {}) };
}

/**
 * The tenant program's stack output recording the request it ran with (a secret output: it
 * holds the admin credentials). It lives in the backend with the stack's state, so the config of
 * an existing stack can be recovered when the local Pulumi.<stack>.yaml is gone.
 */
export const REQUEST_OUTPUT = "request";

/** The running stack's `tenant:*` keys (all of them, so an unknown key is an error) and what they validate to. */
export function loadTenantConfig(): {
  readonly request: Record<string, unknown>;
  readonly args: TenantConfig;
} {
  // The recorded request keeps the operator state too: a config recovered from it stays suspended.
  const request = tenantRequestOf(pulumi.runtime.allConfig());
  return { request, args: parseWithOperatorState(request) };
}

export const PLATFORM_PROJECT = "platform";

/**
 * Where the platform's metrics go (components/platform/metricsRetention.ts): Mimir's remote-write endpoint
 * and namespace (the mimir-distributed chart's gateway, release "mimir"), the platform Prometheus's
 * namespace (exported to the tenants, stacks/platformFacts.ts) and its volume.
 */
const DEFAULT_METRICS = {
  remoteWriteUrl: "http://mimir-gateway.mimir.svc:80/api/v1/push",
  mimirNamespace: "mimir",
  monitoringNamespace: PLATFORM_SERVICES.monitoring.namespace,
  storageSize: "100Gi",
} as const;

/**
 * The platform program's config (`platform:*` keys; others, such as the cluster's, are read
 * elsewhere): `binlogArchive`, the archiver's shared server (its archive name, default "shared",
 * and endpoint, default the shared cluster's (its IRSA identity is the cluster's own OIDC provider);
 * `metrics`, the long-term store and the platform Prometheus (DEFAULT_METRICS).
 */
export const platformConfigSchema = v.object({
  /** The cluster's Kubernetes version (default DEFAULT_KUBERNETES_VERSION, in EKS standard support). */
  kubernetesVersion: v.optional(
    v.pipe(v.string(), v.regex(/^1\.\d{1,2}$/, "must be a Kubernetes minor version such as 1.35")),
    DEFAULT_KUBERNETES_VERSION,
  ),
  metrics: v.optional(
    v.strictObject({
      remoteWriteUrl: v.optional(httpUrl, DEFAULT_METRICS.remoteWriteUrl),
      mimirNamespace: v.optional(label, DEFAULT_METRICS.mimirNamespace),
      monitoringNamespace: v.optional(label, DEFAULT_METRICS.monitoringNamespace),
      storageSize: v.optional(
        v.pipe(v.string(), v.regex(/^[1-9]\d*(Gi|Ti)$/, "must be a volume size in Gi or Ti, such as 100Gi")),
        DEFAULT_METRICS.storageSize,
      ),
      /** Default: the cluster's default StorageClass. */
      storageClassName: v.optional(subdomain("a StorageClass name")),
    }),
    DEFAULT_METRICS,
  ),
  binlogArchive: v.optional(
    v.strictObject({
      server: v.optional(
        v.pipe(
          v.string(),
          v.rawCheck(({ dataset, addIssue }) => {
            const problem = dataset.typed ? sharedBinlogServerProblem(dataset.value) : undefined;
            if (problem) addIssue({ message: problem });
          }),
        ),
        DEFAULT_SHARED_BINLOG_SERVER,
      ),
      mysql: v.optional(hostEndpoint, PLATFORM_SERVICES.mysql),
    }),
    { server: DEFAULT_SHARED_BINLOG_SERVER, mysql: PLATFORM_SERVICES.mysql },
  ),
});
export type PlatformConfig = v.InferOutput<typeof platformConfigSchema>;

/** The running platform stack's config, validated (TenantRequestError naming the field) before any resource. */
export function loadPlatformConfig(): PlatformConfig {
  const parsed = v.safeParse(
    platformConfigSchema,
    tenantRequestOf(pulumi.runtime.allConfig(), PLATFORM_PROJECT),
  );
  if (!parsed.success) throw configError(parsed.issues);
  return parsed.output;
}

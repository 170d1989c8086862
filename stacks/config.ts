/**
 * The tenant program's configuration: a valibot schema over the `tenant:*` stack config keys,
 * then the tier rules of tiers/tenantRules.ts. Every problem is reported with the config
 * path that caused it, before any resource is registered.
 */
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
/** `schema` with the meaning the configuration reference shows for its key (docs/configuration.md). */
const described = <T extends v.GenericSchema>(schema: T, meaning: string) =>
  v.pipe(schema, v.description(meaning));
const adminUser = described(user, "The admin account's user name.");
const adminPassword = described(secret(v.string()), "The admin account's password (a secret).");
const credentials = v.strictObject({ user: adminUser, password: adminPassword });
const rabbitmqAdmin = v.strictObject({
  user: adminUser,
  password: adminPassword,
  managementUrl: described(httpUrl, "The RabbitMQ management API's URL (vhosts, users, policies)."),
});
const objectStorageAdmin = v.strictObject({
  user: adminUser,
  password: adminPassword,
  ssl: described(v.optional(v.boolean(), true), "Whether the MinIO endpoint is reached over TLS."),
});
const region = v.picklist(
  REGION_NAMES,
  (issue) => `${issue.received} is not a supported region (${REGION_NAMES.join(", ")})`,
);

export const tenantConfigSchema = v.strictObject({
  tenantId: described(
    v.pipe(
      v.string(),
      v.rawCheck(({ dataset, addIssue }) => {
        if (dataset.typed) for (const message of tenantIdProblems(dataset.value)) addIssue({ message });
      }),
    ),
    "The tenant's id, the stem of every name the tenant gets (namespaces, databases, vhost, buckets, hostnames).",
  ),
  tier: described(
    v.picklist(TIER_NAMES, (issue) => `unknown tier ${issue.received} (expected ${TIER_NAMES.join(", ")})`),
    "The offer the tenant pays for (docs/product.md); a change resizes in place, never replaces stateful resources.",
  ),
  sites: described(
    v.optional(
      v.array(
        v.strictObject({
          customDomains: described(
            v.optional(v.array(v.string()), []),
            "The site's own hostnames (each once, outside the platform domain), served beside its platform hostname.",
          ),
        }),
      ),
      [{ customDomains: [] }],
    ),
    "The tenant's sites, site 1 first; from 1 to the tier's maximum.",
  ),
  retiredSites: described(
    v.optional(v.array(v.number()), []),
    "Site numbers of removed sites whose namespaces stay guarded (zero quota) until deprovision.",
  ),
  addOns: described(
    v.optional(
      v.strictObject({
        extraCpuCores: described(v.optional(v.number()), "Extra CPU cores on top of the tier's quota."),
        extraMemoryGi: described(v.optional(v.number()), "Extra memory (GiB) on top of the tier's quota."),
        extraStorageGi: described(v.optional(v.number()), "Extra storage (GiB) on top of the tier's quota."),
      }),
    ),
    "Business only: capacity bought on top of the tier, each an integer up to its maximum.",
  ),
  trustedCidrs: described(
    v.optional(v.array(v.string())),
    "Business only: IPv4 client CIDRs exempt from rate limiting, at the edge and at the origin.",
  ),
  regions: described(
    v.optional(v.array(region), [PRIMARY_REGION]),
    "The AWS regions the tenant runs in, its home region first (databases, backups, fallback pool); more than one only on Business.",
  ),
  alerting: described(
    v.optional(
      v.strictObject({
        email: described(v.array(v.string()), "Email addresses of the tier's email alerts."),
        slackWebhookUrl: described(
          v.optional(secret(webhookUrl)),
          "Slack incoming-webhook URL, where the tier routes alerts to Slack (a secret).",
        ),
        pagerdutyRoutingKey: described(
          v.optional(secret(v.pipe(v.string(), v.minLength(1)))),
          "PagerDuty Events v2 routing key, where the tier pages (a secret).",
        ),
        smsWebhookUrl: described(
          v.optional(secret(webhookUrl)),
          "Webhook of the SMS gateway, where the tier sends alerts by SMS (a secret).",
        ),
      }),
    ),
    "Where the tenant's alerts go: each channel the tier routes to needs its destination, and no other channel is accepted.",
  ),
  images: described(
    v.strictObject({
      registry: described(
        v.pipe(
          v.string(),
          v.check(isOciRepository, "must be an image repository such as registry.example.com/team"),
        ),
        "The repository the 13 services' images are pulled from.",
      ),
      tag: described(
        v.pipe(v.string(), v.regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "must be an image tag")),
        "The services' image tag (one release of all of them).",
      ),
      redis: described(
        v.optional(
          v.pipe(
            v.string(),
            v.check(isOciReference, "must be an OCI image reference such as redis:7.4-alpine"),
          ),
          "redis:7.4-alpine",
        ),
        "The Redis image of the tiers with a dedicated Redis.",
      ),
    }),
    "The services' container images.",
  ),
  routing: described(
    v.optional(
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
    'How requests reach the sites: "gateway-api" (HTTPRoutes on the platform\'s Gateway) or "ingress-nginx" (Ingresses, with ingressClassName, default "nginx").',
  ),
  adminCredentials: described(
    v.strictObject({
      mysql: described(credentials, "The MySQL admin account that creates the tenant's databases and users."),
      rabbitmq: described(
        rabbitmqAdmin,
        "The RabbitMQ admin account that creates the tenant's vhost and users.",
      ),
      objectStorage: described(
        objectStorageAdmin,
        "The MinIO admin account that creates the tenant's buckets and users.",
      ),
      regions: described(
        v.optional(
          v.record(region, v.strictObject({ rabbitmq: rabbitmqAdmin, objectStorage: objectStorageAdmin })),
        ),
        "Another region's own RabbitMQ and MinIO admin accounts; default the ones above at that region's hosts.",
      ),
    }),
    "Admin accounts the data-service providers use (set the passwords with `pulumi config set --secret`).",
  ),
  dataServices: described(
    v.optional(
      v.strictObject({
        dedicatedMysqlCluster: described(
          v.optional(v.boolean(), false),
          "Business only: a dedicated MySQL InnoDB cluster instead of the shared server (single region).",
        ),
        federationUpstreams: described(
          v.optional(
            v.array(
              v.strictObject({
                name: described(label, "The upstream's name (unique among the upstreams)."),
                uri: described(
                  secret(checked(amqpUriProblem)),
                  "The AMQP URI of the upstream broker (a secret).",
                ),
              }),
            ),
            [],
          ),
          "Business only: RabbitMQ federation upstreams, the tenant's vhosts in its other regions.",
        ),
      }),
      { dedicatedMysqlCluster: false, federationUpstreams: [] },
    ),
    "The tenant's data services beyond the tier's defaults.",
  ),
  cloudflare: described(
    v.strictObject({
      accountId: described(cloudflareId, "The Cloudflare account."),
      zoneId: described(cloudflareId, "The tenant's own zone (its custom domains)."),
      zoneName: described(hostname, "The tenant's zone's domain name."),
      platformZoneId: described(cloudflareId, "The platform zone, where the platform hostnames live."),
      originAddress: described(hostname, "The cluster's public address the edge forwards to."),
      apiToken: described(
        v.optional(secret(v.pipe(v.string(), v.minLength(1)))),
        "Cloudflare API token (a secret); default the provider's CLOUDFLARE_API_TOKEN environment variable.",
      ),
    }),
    "The tenant's Cloudflare edge (docs/edge.md).",
  ),
});

export type TenantConfigInput = v.InferInput<typeof tenantConfigSchema>;

/**
 * TenantStack's arguments as config holds them: region names where the component takes each
 * region's providers, the routing mode without the platform's Gateway, and the Cloudflare API
 * token. The platform's facts (and the origin-pull certificate) are not config: the program reads them
 * from the platform stacks.
 */
export type TenantConfig = Omit<
  TenantStackArgs,
  "regions" | "platform" | "cloudflare" | "routing" | "originPullClient" | "erasing"
> & {
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
 * restore (automation/tenantService.ts); `erasing`, the purge's erasing mode (nothing protected or
 * retained on delete: components/shared/statefulOptions.ts, docs/tenant-lifecycle.md). Pulumi
 * stores the values as strings.
 */
export const OPERATOR_KEYS = ["suspended", "erasing"] as const;
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
const operatorStateSchema = v.strictObject({
  suspended: v.optional(flag, false),
  erasing: v.optional(flag, false),
});
/** The operator-level part of a stack's config. */
export type OperatorState = v.InferOutput<typeof operatorStateSchema>;
const OPERATOR_MESSAGES: Readonly<Record<(typeof OPERATOR_KEYS)[number], string>> = {
  suspended:
    "is set by the tenant operations (a deprovision suspends the tenant, a restore resumes it), a tenant request cannot set it",
  erasing:
    "is set only by a purge (erasing mode: nothing protected or retained), a tenant request cannot set it",
};

/** A request's operator-level keys as problems naming each, and the request without them. */
function operatorKeyProblems(raw: Readonly<Record<string, unknown>>): {
  problems: { field: string; message: string }[];
  rest: Record<string, unknown>;
} {
  const rest = { ...raw };
  const problems = OPERATOR_KEYS.filter((key) => key in rest).map((field) => {
    delete rest[field];
    return { field, message: OPERATOR_MESSAGES[field] };
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
 * request, and the operator state the operations set (`suspended`; `erasing` is read by
 * tenantConfigOf's `operator`).
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

/**
 * A stack's `tenant:*` keys out of its whole config (all of them, so an unknown key is an error)
 * and what they validate to. The running program reads them through stacks/runningConfig.ts.
 */
export function tenantConfigOf(allConfig: Readonly<Record<string, string>>): {
  readonly request: Record<string, unknown>;
  readonly args: TenantConfig;
  readonly operator: OperatorState;
} {
  const all = tenantRequestOf(allConfig);
  return {
    request: recordedRequest(all),
    args: parseWithOperatorState(all),
    operator: splitOperatorState(all).state,
  };
}

/**
 * What the program records as its request (REQUEST_OUTPUT): it keeps `suspended` (a config
 * recovered from it stays suspended), never `erasing` (a recovered config never comes back unprotected).
 */
export function recordedRequest(all: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(all).filter(([key]) => key !== "erasing"));
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
  kubernetesVersion: described(
    v.optional(
      v.pipe(v.string(), v.regex(/^1\.\d{1,2}$/, "must be a Kubernetes minor version such as 1.35")),
      DEFAULT_KUBERNETES_VERSION,
    ),
    "The cluster's Kubernetes minor version (in EKS standard support); the tenants' objects are checked against it.",
  ),
  metrics: described(
    v.optional(
      v.strictObject({
        remoteWriteUrl: described(
          v.optional(httpUrl, DEFAULT_METRICS.remoteWriteUrl),
          "Mimir's remote-write endpoint (the mimir-distributed chart's gateway).",
        ),
        mimirNamespace: described(
          v.optional(label, DEFAULT_METRICS.mimirNamespace),
          "Mimir's namespace, where its per-tier runtime overrides go.",
        ),
        monitoringNamespace: described(
          v.optional(label, DEFAULT_METRICS.monitoringNamespace),
          "The platform Prometheus's namespace (exported to the tenants).",
        ),
        storageSize: described(
          v.optional(
            v.pipe(
              v.string(),
              v.regex(/^[1-9]\d*(Gi|Ti)$/, "must be a volume size in Gi or Ti, such as 100Gi"),
            ),
            DEFAULT_METRICS.storageSize,
          ),
          "The platform Prometheus's volume (its short local window).",
        ),
        storageClassName: described(
          v.optional(subdomain("a StorageClass name")),
          "The StorageClass of that volume; default the cluster's default StorageClass.",
        ),
      }),
      DEFAULT_METRICS,
    ),
    "Where the platform's metrics go: the long-term store (Mimir) and the platform Prometheus.",
  ),
  binlogArchive: described(
    v.optional(
      v.strictObject({
        server: described(
          v.optional(
            v.pipe(
              v.string(),
              v.rawCheck(({ dataset, addIssue }) => {
                const problem = dataset.typed ? sharedBinlogServerProblem(dataset.value) : undefined;
                if (problem) addIssue({ message: problem });
              }),
            ),
            DEFAULT_SHARED_BINLOG_SERVER,
          ),
          "The shared server's archive name: its binary logs go to binlogs/<server>/.",
        ),
        mysql: described(
          v.optional(hostEndpoint, PLATFORM_SERVICES.mysql),
          "The shared MySQL server's endpoint, and the namespace or CIDR the archiver's egress may reach.",
        ),
      }),
      { server: DEFAULT_SHARED_BINLOG_SERVER, mysql: PLATFORM_SERVICES.mysql },
    ),
    "The binlog archiver's shared MySQL server (point-in-time recovery); its IAM identity is the cluster's OIDC provider.",
  ),
});
export type PlatformConfig = v.InferOutput<typeof platformConfigSchema>;

/** A platform stack's config out of its whole config, validated (TenantRequestError naming the field). */
export function platformConfigOf(allConfig: Readonly<Record<string, string>>): PlatformConfig {
  const parsed = v.safeParse(platformConfigSchema, tenantRequestOf(allConfig, PLATFORM_PROJECT));
  if (!parsed.success) throw configError(parsed.issues);
  return parsed.output;
}

/**
 * The platform/tenant contract (docs/platform-contract.md): every fact about a region's platform
 * that a tenant stack uses. The platform stack exports them as one output (PLATFORM_FACTS_OUTPUT,
 * built by `platformFacts`); the tenant program reads that output through the region's
 * StackReference and validates it here. A tenant request cannot set any of them
 * (`platformFactRequestProblems`): a tenant that could move the platform domain, a namespace or an
 * endpoint could claim another tenant's hostnames or reach its namespaces.
 */
import * as v from "valibot";
import type { PlatformArgs } from "../components/tenant/tenantStack";
import { PLATFORM_SERVICES } from "../components/platform/serviceLocations";
import { DEFAULT_KUBERNETES_VERSION } from "../components/platform/apiVersions";
import {
  BACKUP_NAMESPACE,
  crossRegionHosts,
  isHostname,
  regionGatewayHostname,
  type RegionName,
} from "../tiers";
import { isHost, isOidcIssuer } from "./fieldRules";

/** Parent domain of every tenant's platform hostnames (`<tenant>.<domain>`), the same in every region. */
export const PLATFORM_DOMAIN = "shops.collect-verything.com";
/** The platform stack's output holding the facts. */
export const PLATFORM_FACTS_OUTPUT = "tenantFacts";

/** A platform fact the stack's contract is broken on: what is missing or wrong, and where. */
export class PlatformContractError extends Error {
  override readonly name = "PlatformContractError";
}

const label = v.pipe(v.string(), v.regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a DNS label"));
const host = v.pipe(v.string(), v.check(isHost, "must be a host name"));
const port = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535));
const endpoint = v.strictObject({ namespace: label, port, host });
const arn = (service: string, what: string) =>
  v.pipe(
    v.string(),
    v.regex(new RegExp(`^arn:aws:${service}:[a-z0-9-]*:\\d{12}:${what}/.+$`), `must be a ${what} ARN`),
    v.check((value) => !value.includes(":000000000000:"), "must be a real account's ARN"),
  );

export const platformFactsSchema = v.strictObject({
  region: v.string(),
  /** The cluster's Kubernetes version: what the tenant's objects must be served by. */
  kubernetesVersion: v.pipe(v.string(), v.regex(/^1\.\d{1,2}$/, "must be a Kubernetes minor version")),
  domain: v.pipe(v.string(), v.check(isHostname, "must be a DNS hostname")),
  namespaces: v.strictObject({ edge: label, monitoring: label, backups: label }),
  /** The Gateway tenant routes attach to, and the listener (sectionName) they use. */
  gateway: v.strictObject({ name: label, namespace: label, sectionName: label }),
  prometheusUrl: v.pipe(v.string(), v.url()),
  endpoints: v.strictObject({
    mysql: endpoint,
    /** The shared InnoDB cluster's read-only endpoint (Premium's reporting user). */
    mysqlRead: endpoint,
    rabbitmq: endpoint,
    objectStorage: endpoint,
    redis: endpoint,
  }),
  backups: v.strictObject({
    bucket: v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name")),
    region: v.string(),
    /** A key ARN (IAM ignores an alias ARN in a policy's Resource). */
    kmsKeyArn: arn("kms", "key"),
    /** The cluster's IAM OIDC provider (IRSA): the backup runners' identity. */
    oidcProviderArn: v.pipe(
      v.string(),
      v.regex(/^arn:aws:iam::\d{12}:oidc-provider\/.+$/, "must be an IAM OIDC provider ARN"),
      v.check((value) => !value.includes("::000000000000:"), "must be a real account's ARN"),
    ),
    oidcIssuer: v.pipe(v.string(), v.check(isOidcIssuer, "must be an OIDC issuer without scheme")),
  }),
  crossRegionHosts: v.strictObject({ mysql: host, rabbitmq: host, objectStorage: host }),
  gatewayHostname: host,
});
export type PlatformFacts = v.InferOutput<typeof platformFactsSchema>;

/** The operator's governing Service of every Prometheus in the monitoring namespace. */
export const prometheusUrl = (namespace: string): string =>
  `http://prometheus-operated.${namespace}.svc:9090`;

/** What AWS computes for the platform (known once the platform stack is applied). */
export interface ComputedFacts<T> {
  readonly bucket: T;
  readonly kmsKeyArn: T;
  readonly oidcProviderArn: T;
  /** Without the `https://` scheme, as IRSA conditions name it. */
  readonly oidcIssuer: T;
}

/**
 * The facts a region's platform exports: the locations of the services it installs
 * (components/platform/serviceLocations.ts) and what AWS computed. The platform program and the
 * offline stand-in both build them here.
 */
export function platformFacts<T>(
  region: RegionName,
  computed: ComputedFacts<T>,
  {
    monitoringNamespace = PLATFORM_SERVICES.monitoring.namespace,
    kubernetesVersion = DEFAULT_KUBERNETES_VERSION,
  }: { readonly monitoringNamespace?: string; readonly kubernetesVersion?: string } = {},
) {
  const s = PLATFORM_SERVICES;
  return {
    region,
    kubernetesVersion,
    domain: PLATFORM_DOMAIN,
    namespaces: { edge: s.edge.namespace, monitoring: monitoringNamespace, backups: BACKUP_NAMESPACE },
    gateway: { ...s.gateway },
    prometheusUrl: prometheusUrl(monitoringNamespace),
    endpoints: {
      mysql: { ...s.mysql },
      mysqlRead: { ...s.mysqlRead },
      rabbitmq: { ...s.rabbitmq },
      objectStorage: { ...s.objectStorage },
      redis: { ...s.redis },
    },
    backups: { ...computed, region },
    crossRegionHosts: crossRegionHosts(region),
    gatewayHostname: regionGatewayHostname(region),
  };
}

/** Validates a platform stack's facts output, naming the stack and the fact that is missing or wrong. */
export function parsePlatformFacts(value: unknown, stack: string, region: RegionName): PlatformFacts {
  if (value === undefined || value === null)
    throw new PlatformContractError(
      `platform stack ${stack} exports no ${PLATFORM_FACTS_OUTPUT}: apply the platform program (stacks/platform.ts) to it first`,
    );
  const parsed = v.safeParse(platformFactsSchema, value);
  if (!parsed.success) {
    const problems = parsed.issues.map((issue) => {
      const path = (issue.path ?? []).map((p) => String(p.key)).join(".");
      return `${PLATFORM_FACTS_OUTPUT}.${path || "(root)"}: ${issue.message}`;
    });
    throw new PlatformContractError(
      `platform stack ${stack} breaks the contract:\n  - ${problems.join("\n  - ")}`,
    );
  }
  if (parsed.output.region !== region)
    throw new PlatformContractError(
      `platform stack ${stack} is region ${parsed.output.region}'s, not ${region}'s (${PLATFORM_FACTS_OUTPUT}.region)`,
    );
  return parsed.output;
}

/**
 * The facts that must be the same in every region of a tenant (the tenant's namespaces, routes
 * and network policies are the same in each): a region whose platform differs is refused, naming
 * the fact, rather than half-working there.
 */
export function assertRegionsAgree(facts: readonly PlatformFacts[]): void {
  const [home, ...others] = facts;
  if (!home) return;
  const shared = (f: PlatformFacts) => ({
    domain: f.domain,
    namespaces: f.namespaces,
    gateway: f.gateway,
    prometheusUrl: f.prometheusUrl,
    endpoints: f.endpoints,
  });
  for (const other of others) {
    const a = shared(home);
    const b = shared(other);
    for (const key of Object.keys(a) as (keyof typeof a)[]) {
      if (JSON.stringify(a[key]) !== JSON.stringify(b[key]))
        throw new PlatformContractError(
          `platform ${key} differs between ${home.region} and ${other.region}: a tenant's regions must share it`,
        );
    }
  }
}

/** TenantStack's platform arguments from the home region's facts. */
export function tenantPlatformArgs(facts: PlatformFacts): PlatformArgs {
  return {
    domain: facts.domain,
    edgeNamespace: facts.namespaces.edge,
    monitoringNamespace: facts.namespaces.monitoring,
    prometheusUrl: facts.prometheusUrl,
    endpoints: {
      mysql: facts.endpoints.mysql,
      rabbitmq: facts.endpoints.rabbitmq,
      objectStorage: facts.endpoints.objectStorage,
      redis: facts.endpoints.redis,
    },
    backups: tenantBackupFacts(facts),
  };
}

/**
 * What a tenant's backups need of the platform (bucket, key, IRSA, the runners' namespace), as
 * TenantStack and the policy pack read it.
 */
export function tenantBackupFacts(facts: PlatformFacts): PlatformArgs["backups"] {
  return {
    bucket: facts.backups.bucket,
    region: facts.backups.region,
    kmsKeyArn: facts.backups.kmsKeyArn,
    oidcProviderArn: facts.backups.oidcProviderArn,
    oidcIssuer: facts.backups.oidcIssuer,
    namespace: facts.namespaces.backups,
  };
}

/**
 * Request keys that are platform facts, by path ("platform" is the whole former key): a tenant
 * request naming one is refused, naming the key.
 */
export const PLATFORM_FACT_KEYS: readonly (readonly string[])[] = [
  ["platform"],
  ["routing", "gateway"],
  ["dataServices", "mysqlReadReplicaHost"],
];

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** Every leaf path under a value ("platform.backups.kmsKeyArn"), the value's own path for a scalar. */
function leafPaths(value: unknown, path: string): string[] {
  if (!isRecord(value) || Object.keys(value).length === 0) return [path];
  return Object.entries(value).flatMap(([key, inner]) => leafPaths(inner, `${path}.${key}`));
}

/**
 * The platform facts a tenant request names, each as a problem naming its key, and the request
 * without them (so the rest is still judged by the schema).
 */
export function platformFactRequestProblems(raw: Readonly<Record<string, unknown>>): {
  problems: { field: string; message: string }[];
  rest: Record<string, unknown>;
} {
  const rest: Record<string, unknown> = { ...raw };
  const problems: { field: string; message: string }[] = [];
  for (const [top, inner] of PLATFORM_FACT_KEYS) {
    const holder = rest[top!];
    if (inner === undefined) {
      if (!(top! in rest)) continue;
      problems.push(...leafPaths(holder, top!).map((field) => ({ field, message: FACT_MESSAGE })));
      delete rest[top!];
    } else if (isRecord(holder) && inner in holder) {
      problems.push(
        ...leafPaths(holder[inner], `${top}.${inner}`).map((field) => ({ field, message: FACT_MESSAGE })),
      );
      rest[top!] = Object.fromEntries(Object.entries(holder).filter(([key]) => key !== inner));
    }
  }
  return { problems, rest };
}

const FACT_MESSAGE = `is a platform fact: the tenant stack reads it from its region's platform stack (output ${PLATFORM_FACTS_OUTPUT}), a tenant request cannot set it`;

/** The platform stack's output holding the edge's origin-pull client certificate (a secret). */
export const ORIGIN_PULL_CLIENT_OUTPUT = "originPullClient";
/** The platform stack's output holding the origin-pull CA's certificate (PEM). */
export const ORIGIN_PULL_CA_OUTPUT = "originPullCa";

const pem = (label: string) =>
  v.pipe(
    v.string(),
    v.regex(
      new RegExp(`^-----BEGIN ${label}-----\\n[\\s\\S]+\\n-----END ${label}-----\\n?$`),
      `must be a PEM ${label}`,
    ),
  );
const originPullClientSchema = v.strictObject({
  certificate: pem("CERTIFICATE"),
  privateKey: pem("(?:EC |RSA )?PRIVATE KEY"),
});

/** The origin-pull CA's certificate another region's gateway trusts, validated (one PEM certificate). */
export function parseOriginPullCa(value: unknown, stack: string): string {
  const parsed = v.safeParse(pem("CERTIFICATE"), value);
  if (parsed.success) return parsed.output;
  throw new PlatformContractError(
    `platform stack ${stack} breaks the contract: ${ORIGIN_PULL_CA_OUTPUT} ${value === undefined ? "is missing" : "is not a PEM CERTIFICATE"}: apply the platform program (stacks/platform.ts) to it first`,
  );
}

/**
 * The edge's origin-pull client certificate as a tenant zone uploads it, validated (a stack that
 * exports none, or not a PEM pair, breaks the contract: the gateway would refuse the edge).
 */
export function parseOriginPullClient(
  value: unknown,
  stack: string,
): v.InferOutput<typeof originPullClientSchema> {
  const parsed = v.safeParse(originPullClientSchema, value);
  if (parsed.success) return parsed.output;
  const fields = parsed.issues.map(
    (issue) => (issue.path ?? []).map((p) => String(p.key)).join(".") || "(root)",
  );
  // Never the value: it holds a private key.
  throw new PlatformContractError(
    `platform stack ${stack} breaks the contract: ${ORIGIN_PULL_CLIENT_OUTPUT} ${value === undefined ? "is missing" : `has no valid ${[...new Set(fields)].join(", ")}`}: apply the platform program (stacks/platform.ts) to it first`,
  );
}

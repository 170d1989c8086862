/**
 * The platform's facts a tenant stack is judged against: its data-service endpoints, backup
 * bucket, key and identity provider, its Cloudflare account and zone, and the tenant's own zone.
 * Today they come from the policy config (`platform`, `cloudflare`), which CI writes from the
 * tenant's stack config (synth/policyCheck.ts policyConfigOf). This is the one place that reads
 * them: when the platform stack publishes them (its contract), repoint these two functions.
 * Without them the objects that need them cannot be judged and are refused.
 */
import { crossRegionHost, databaseNamespace, type CrossRegionService } from "../tiers";
import type { EndpointConfig, TierContext } from "./context";

export interface HostPort {
  readonly host: string;
  readonly port: number;
  readonly cidr?: string;
}

export interface PlatformFacts {
  readonly endpoints: Readonly<Record<CrossRegionService, HostPort>>;
  readonly backups: {
    readonly bucket: string;
    readonly region: string;
    readonly kmsKeyArn: string;
    readonly oidcProviderArn: string;
    readonly oidcIssuer: string;
    readonly namespace: string;
  };
  /** The AWS account of the backup bucket's key (the platform's account). */
  readonly awsAccount: string;
}

export interface EdgeFacts {
  readonly accountId: string;
  readonly zoneId: string;
  readonly zoneName: string;
  readonly platformZoneId: string;
  /** The tenant's fallback origin (components/edge/edgeHostnames.ts): `origin.<zone>`. */
  readonly origin: string;
}

const SERVICES: readonly CrossRegionService[] = ["mysql", "rabbitmq", "objectStorage"];
const platformCache = new WeakMap<TierContext, PlatformFacts | string>();

const hostPort = (e: EndpointConfig | undefined): HostPort | undefined =>
  e && typeof e.host === "string" && typeof e.port === "number"
    ? { host: e.host, port: e.port, ...(e.cidr ? { cidr: e.cidr } : {}) }
    : undefined;

/** The platform's endpoints and backup account, or why they are unknown. */
export function platformFacts(context: TierContext): PlatformFacts | string {
  const cached = platformCache.get(context);
  if (cached !== undefined) return cached;
  let facts: PlatformFacts | string;
  const endpoints = Object.fromEntries(SERVICES.map((s) => [s, hostPort(context.platform?.endpoints?.[s])]));
  const b = context.platform?.backups;
  const account = /^arn:aws:kms:[a-z0-9-]+:(\d{12}):/.exec(b?.kmsKeyArn ?? "")?.[1];
  if (SERVICES.some((s) => endpoints[s] === undefined))
    facts = `the platform's endpoints are unknown: set policy config "platform.endpoints" (${SERVICES.join(", ")}: {host, port})`;
  else if (
    !b?.bucket ||
    !b.region ||
    !b.kmsKeyArn ||
    !b.oidcProviderArn ||
    !b.oidcIssuer ||
    !b.namespace ||
    !account
  )
    facts = `the platform's backup account is unknown: set policy config "platform.backups" (bucket, region, kmsKeyArn, oidcProviderArn, oidcIssuer, namespace)`;
  else
    facts = {
      endpoints: endpoints as Record<CrossRegionService, HostPort>,
      backups: {
        bucket: b.bucket,
        region: b.region,
        kmsKeyArn: b.kmsKeyArn,
        oidcProviderArn: b.oidcProviderArn,
        oidcIssuer: b.oidcIssuer,
        namespace: b.namespace,
      },
      awsAccount: account,
    };
  platformCache.set(context, facts);
  return facts;
}

/** The tenant's Cloudflare zone and the platform's zone and account, or why they are unknown. */
export function edgeFacts(context: TierContext): EdgeFacts | string {
  const c = context.cloudflare;
  if (!c?.accountId || !c.zoneId || !c.zoneName || !c.platformZoneId)
    return `the tenant's Cloudflare zone is unknown: set policy config "cloudflare" (accountId, zoneId, zoneName, platformZoneId)`;
  return {
    accountId: c.accountId,
    zoneId: c.zoneId,
    zoneName: c.zoneName,
    platformZoneId: c.platformZoneId,
    origin: `origin.${c.zoneName}`,
  };
}

/** The platform's Prometheus URL, or why it is unknown. */
export function prometheusFact(context: TierContext): { readonly url: string } | string {
  const url = context.platform?.prometheusUrl;
  return typeof url === "string" && url !== ""
    ? { url }
    : `the platform's Prometheus is unknown: set policy config "platform.prometheusUrl"`;
}

/** An in-cluster Service name in one spelling: `<svc>.<ns>`, `<svc>.<ns>.svc` and `<svc>.<ns>.svc.cluster.local` are the same Service. */
export const clusterHost = (host: string): string =>
  host.toLowerCase().replace(/\.svc(\.cluster\.local)?\.?$/, "");

/**
 * Every host:port the tenant's providers of a service may reach: the platform's endpoint, each
 * declared region's cross-region host on the same port, and (MySQL, with a dedicated cluster) a
 * service in the tenant's own database namespace.
 */
export function serviceEndpointAllowed(
  context: TierContext,
  facts: PlatformFacts,
  service: CrossRegionService,
  host: string,
  port: number | undefined,
): boolean {
  const home = facts.endpoints[service];
  const samePort = port === undefined || port === home.port;
  if (clusterHost(host) === clusterHost(home.host) && samePort) return true;
  if (context.regions.some((r) => crossRegionHost(r, service) === host) && samePort) return true;
  return (
    service === "mysql" &&
    context.profile.tier.database.dedicatedCluster !== undefined &&
    host.endsWith(`.${databaseNamespace(context.tenant)}.svc.cluster.local`) &&
    /^[a-z0-9-]+$/.test(host.slice(0, -`.${databaseNamespace(context.tenant)}.svc.cluster.local`.length))
  );
}

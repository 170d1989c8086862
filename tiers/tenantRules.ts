/**
 * The rules a tenant request must satisfy before anything is created: id, tier, sites,
 * domains, add-ons, trusted CIDRs. Pure; used by the stack config schema, by TenantStack
 * itself, and by the Automation API before it touches a stack.
 */
import { getTier, isTierName, TIER_NAMES, type AlertChannel, type TierDefinition } from "./catalog";
import { tenantIdProblems } from "./naming";
import { isRegionName, REGION_NAMES } from "./regions";
import { ADD_ON_MAXIMUMS, type AddOns } from "./profile";

export interface TenantRequest {
  readonly tenantId: string;
  readonly tier: string;
  readonly sites: readonly { readonly customDomains: readonly string[] }[];
  /** Site numbers of removed sites whose namespaces stay guarded (see retiredSiteProblems). */
  readonly retiredSites?: readonly number[];
  readonly addOns?: AddOns;
  readonly trustedCidrs?: readonly string[];
  /** The domain every tenant's platform hostname lives under; custom domains must stay outside it. */
  readonly platform?: { readonly domain: string };
  /** AWS regions the tenant runs in, its home region first. Default: the primary region only. */
  readonly regions?: readonly string[];
  readonly dataServices?: {
    readonly dedicatedMysqlCluster?: boolean;
    readonly federationUpstreams?: readonly { readonly name: string }[];
  };
  /** Alert receivers: each of the tier's channels, and only those (catalog monitoring.routes). */
  readonly alerting?: {
    readonly email: readonly string[];
    readonly slackWebhookUrl?: unknown;
    readonly pagerdutyRoutingKey?: unknown;
    readonly smsWebhookUrl?: unknown;
  };
}

/** The config field giving each alert channel its destination. */
export const ALERT_CHANNEL_FIELDS = {
  email: "email",
  slack: "slackWebhookUrl",
  pagerduty: "pagerdutyRoutingKey",
  sms: "smsWebhookUrl",
} as const;

export interface Problem {
  /** Config path of the offending value, e.g. "sites[1].customDomains[0]". */
  readonly field: string;
  readonly message: string;
}

/** RFC 1123 hostname, lowercase, at least two labels, no trailing dot. */
const HOSTNAME = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;

export function isHostname(value: string): boolean {
  return HOSTNAME.test(value);
}

export function isIpv4Cidr(value: string): boolean {
  return CIDR.test(value);
}

/** Whether a hostname is a domain or one of its subdomains. */
function isUnder(hostname: string, domain: string): boolean {
  return hostname === domain || hostname.endsWith(`.${domain}`);
}

export function tenantRequestProblems(request: TenantRequest): Problem[] {
  const problems: Problem[] = tenantIdProblems(request.tenantId).map((message) => ({
    field: "tenantId",
    message,
  }));
  if (!isTierName(request.tier)) {
    problems.push({
      field: "tier",
      message: `unknown tier "${request.tier}" (expected standard, premium or business)`,
    });
    return problems;
  }
  const tier = getTier(request.tier);
  return [
    ...problems,
    ...siteProblems(tier, request),
    ...addOnProblems(tier, request.addOns ?? {}),
    ...dataServiceProblems(tier, request.dataServices ?? {}),
    ...regionProblems(tier, request),
    ...retiredSiteProblems(request.sites.length, request.retiredSites ?? []),
    ...(request.alerting ? alertingProblems(tier, request.alerting) : []),
    ...trustedCidrProblems(tier, request.trustedCidrs ?? []),
  ];
}

/**
 * Sites within the tier's count; custom domains valid hostnames, outside the platform domain,
 * each once, within the tier's total.
 */
function siteProblems(tier: TierDefinition, request: TenantRequest): Problem[] {
  const problems: Problem[] = [];
  if (request.sites.length < 1 || request.sites.length > tier.maxSites) {
    problems.push({
      field: "sites",
      message: `${tier.displayName} allows 1 to ${tier.maxSites} site(s), got ${request.sites.length}`,
    });
  }
  const seen = new Map<string, string>();
  const platformDomain = request.platform?.domain;
  let domains = 0;
  request.sites.forEach((site, i) => {
    site.customDomains.forEach((domain, j) => {
      const field = `sites[${i}].customDomains[${j}]`;
      domains += 1;
      if (!isHostname(domain)) {
        problems.push({ field, message: `"${domain}" is not a lowercase DNS hostname` });
      } else if (platformDomain !== undefined && isUnder(domain, platformDomain)) {
        problems.push({
          field,
          message: `"${domain}" is under the platform domain "${platformDomain}", where tenants' platform hostnames live`,
        });
      } else if (seen.has(domain)) {
        problems.push({ field, message: `"${domain}" is already used by ${seen.get(domain)}` });
      } else {
        seen.set(domain, field);
      }
    });
  });
  if (domains > tier.maxCustomDomains) {
    problems.push({
      field: "sites",
      message: `${tier.displayName} allows ${tier.maxCustomDomains} custom domain(s) in total, got ${domains}`,
    });
  }
  return problems;
}

/** Add-ons only where the tier accepts them, each an integer within its maximum. */
function addOnProblems(tier: TierDefinition, addOns: AddOns): Problem[] {
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(addOns) as [keyof AddOns, number | undefined][]) {
    if (value === undefined || value === 0) continue;
    const field = `addOns.${key}`;
    if (!tier.acceptsAddOns) {
      problems.push({ field, message: `the ${tier.displayName} tier has no add-ons (only Business does)` });
    } else if (!Number.isInteger(value) || value < 0 || value > ADD_ON_MAXIMUMS[key]) {
      problems.push({ field, message: `must be an integer from 0 to ${ADD_ON_MAXIMUMS[key]}, got ${value}` });
    }
  }
  return problems;
}

/** A dedicated MySQL cluster and RabbitMQ federation only where the tier has them; upstream names unique. */
function dataServiceProblems(
  tier: TierDefinition,
  dataServices: NonNullable<TenantRequest["dataServices"]>,
): Problem[] {
  const problems: Problem[] = [];
  if (dataServices.dedicatedMysqlCluster && !tier.database.dedicatedCluster) {
    problems.push({
      field: "dataServices.dedicatedMysqlCluster",
      message: `the ${tier.displayName} tier has no dedicated MySQL cluster (only Business does)`,
    });
  }
  const upstreams = new Map<string, number>();
  (dataServices.federationUpstreams ?? []).forEach((upstream, i) => {
    const field = `dataServices.federationUpstreams[${i}]`;
    if (!tier.messaging.federation) {
      problems.push({
        field,
        message: `the ${tier.displayName} tier has no RabbitMQ federation (only Business does)`,
      });
    } else if (upstreams.has(upstream.name)) {
      problems.push({
        field: `${field}.name`,
        message: `"${upstream.name}" is already the name of federationUpstreams[${upstreams.get(upstream.name)}]`,
      });
    } else {
      upstreams.set(upstream.name, i);
    }
  });
  return problems;
}

/** Each of the tier's alert channels given a destination, no other channel, valid email addresses. */
function alertingProblems(tier: TierDefinition, alerting: NonNullable<TenantRequest["alerting"]>): Problem[] {
  const problems: Problem[] = [];
  for (const [channel, key] of Object.entries(ALERT_CHANNEL_FIELDS) as [
    AlertChannel,
    keyof typeof alerting,
  ][]) {
    const routed = (tier.monitoring.routes[channel] ?? []).length > 0;
    const value = alerting[key];
    const given = Array.isArray(value) ? value.length > 0 : value !== undefined && value !== "";
    if (routed && !given)
      problems.push({
        field: `alerting.${key}`,
        message: `required: the ${tier.displayName} tier routes ${(tier.monitoring.routes[channel] ?? []).join(", ")} alerts to ${channel}`,
      });
    if (!routed && given)
      problems.push({
        field: `alerting.${key}`,
        message: `the ${tier.displayName} tier has no ${channel} alerts`,
      });
  }
  alerting.email.forEach((address, i) => {
    if (!EMAIL.test(address))
      problems.push({ field: `alerting.email[${i}]`, message: `"${address}" is not an email address` });
  });
  return problems;
}

/** Trusted CIDRs only where the tier has the allowlist, each an IPv4 CIDR. */
function trustedCidrProblems(tier: TierDefinition, trustedCidrs: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  trustedCidrs.forEach((cidr, i) => {
    const field = `trustedCidrs[${i}]`;
    if (!tier.rateLimit.trustedIpAllowlist) {
      problems.push({
        field,
        message: `the ${tier.displayName} tier has no trusted-IP allowlist (only Business does)`,
      });
    } else if (!isIpv4Cidr(cidr)) {
      problems.push({ field, message: `"${cidr}" is not an IPv4 CIDR` });
    }
  });
  return problems;
}

/**
 * Regions: known, each once, at least one; more than one only where the tier deploys to several
 * regions (Business). A dedicated cluster stays single-region: spanning regions needs an InnoDB
 * ClusterSet, which the MySQL Operator cannot declare (docs/regions.md).
 */
function regionProblems(tier: TierDefinition, request: TenantRequest): Problem[] {
  const regions = request.regions;
  if (regions === undefined) return [];
  const problems: Problem[] = [];
  if (regions.length === 0)
    problems.push({
      field: "regions",
      message: `must list at least one region (${REGION_NAMES.join(", ")})`,
    });
  if (regions.length > 1 && !tier.multiRegion) {
    problems.push({
      field: "regions",
      message: `the ${tier.displayName} tier runs in one region; multi-region deployment is a Business feature (got ${regions.length} regions)`,
    });
  }
  const seen = new Map<string, number>();
  regions.forEach((region, i) => {
    const field = `regions[${i}]`;
    if (!isRegionName(region))
      problems.push({ field, message: `"${region}" is not a supported region (${REGION_NAMES.join(", ")})` });
    else if (seen.has(region))
      problems.push({ field, message: `"${region}" is already regions[${seen.get(region)}]` });
    else seen.set(region, i);
  });
  if (regions.length > 1 && request.dataServices?.dedicatedMysqlCluster) {
    problems.push({
      field: "dataServices.dedicatedMysqlCluster",
      message:
        "a dedicated cluster runs in the home region only: spanning regions needs an InnoDB ClusterSet, which the MySQL Operator cannot declare; use the shared cluster or one region",
    });
  }
  return problems;
}

/** The largest site number any tier allows: a retired site can come from a former tier. */
export const LARGEST_SITE_COUNT: number = Math.max(...TIER_NAMES.map((t) => getTier(t).maxSites));

/**
 * A retired site is one the tenant had and removed: its number is beyond the active sites
 * (site 1 is the core namespace and never retires), within the largest any tier allows, and
 * listed once.
 */
export function retiredSiteProblems(activeSites: number, retiredSites: readonly number[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<number>();
  retiredSites.forEach((site, i) => {
    const field = `retiredSites[${i}]`;
    if (!Number.isInteger(site) || site < 2 || site > LARGEST_SITE_COUNT) {
      problems.push({ field, message: `must be a site number from 2 to ${LARGEST_SITE_COUNT}, got ${site}` });
    } else if (site <= activeSites) {
      problems.push({
        field,
        message: `site ${site} is active (the tenant has ${activeSites} site(s)); a site is either active or retired`,
      });
    } else if (seen.has(site)) {
      problems.push({ field, message: `site ${site} is listed twice` });
    }
    seen.add(site);
  });
  return problems;
}

/**
 * The retired sites after a config change from `previous` to `nextSiteCount` active sites:
 * the previous ones plus the sites just removed, less any site active again, in order. Whoever
 * rewrites a tenant's config (the Automation API) writes this as `retiredSites`, so a removed
 * site's namespace stays guarded on every later update.
 */
export function retiredSitesAfter(
  previous: { readonly sites: readonly unknown[]; readonly retiredSites?: readonly number[] },
  nextSiteCount: number,
): number[] {
  const removed = Array.from(
    { length: Math.max(0, previous.sites.length - nextSiteCount) },
    (_, i) => nextSiteCount + i + 1,
  );
  return [...new Set([...(previous.retiredSites ?? []), ...removed])]
    .filter((site) => site > nextSiteCount)
    .sort((a, b) => a - b);
}

export class TenantRequestError extends Error {
  override readonly name = "TenantRequestError";
  constructor(readonly problems: readonly Problem[]) {
    super(`invalid tenant configuration:\n${problems.map((p) => `  - ${p.field}: ${p.message}`).join("\n")}`);
  }
}

export function assertValidTenantRequest(request: TenantRequest): void {
  const problems = tenantRequestProblems(request);
  if (problems.length > 0) throw new TenantRequestError(problems);
}

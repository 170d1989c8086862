/** What the tier sells: site and domain counts, CDN from Premium, WAF and dedicated database on Business (multi-region: regions.ts). */
import { isTenantNamespace } from "../../tiers";
import { parseQuotaHard, quotaHardOf } from "../analysis/usage";
import { describe, objectsOf, tierResourcePolicy, tierStackPolicy, type ResourceView } from "../define";
import { isEdgeCaching } from "./edge";

const CLOUDFLARE = "cloudflare:";
const WAF_PHASES = new Set(["http_request_firewall_managed", "http_request_firewall_custom", "ddos_l7"]);
const LOAD_BALANCING = new Set([
  "cloudflare:index/loadBalancer:LoadBalancer",
  "cloudflare:index/loadBalancerPool:LoadBalancerPool",
  "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor",
]);

export const cdnFromPremium = tierResourcePolicy({
  name: "cdn-from-premium",
  description:
    "Cloudflare caching (tiered cache, cache rules that cache) only for tiers that include a CDN (Premium and Business); DNS and TLS are every tier's.",
  enforcementLevel: "mandatory",
  validate: ({ profile }, view, report) => {
    if (!view.type.startsWith(CLOUDFLARE) || profile.tier.cdn.enabled || !isEdgeCaching(view)) return;
    report(`${describe(view)}: the ${profile.tier.displayName} tier has no CDN`);
  },
});

export const businessOnlyFeatures = tierResourcePolicy({
  name: "business-only-features",
  description:
    "WAF and DDoS rulesets, advanced rate limiting, load balancing, federation and a dedicated MySQL cluster only where the tier includes them.",
  enforcementLevel: "mandatory",
  validate: ({ profile }, view, report) => {
    const tier = profile.tier;
    const deny = (feature: string) =>
      report(`${describe(view)}: ${feature} is not part of the ${tier.displayName} tier`);
    if (view.type === "cloudflare:index/ruleset:Ruleset") {
      const phase = String(view.props["phase"] ?? "");
      if (WAF_PHASES.has(phase) && !tier.cdn.waf) deny(`a ${phase} ruleset (WAF)`);
      if (phase === "http_ratelimit" && !tier.cdn.advancedRateLimiting) deny("edge rate limiting");
    }
    if (LOAD_BALANCING.has(view.type) && !tier.cdn.loadBalancing) deny("Cloudflare load balancing");
    if (view.type === "rabbitmq:index/federationUpstream:FederationUpstream" && !tier.messaging.federation)
      deny("RabbitMQ federation");
    if (view.type === "rabbitmq:index/shovel:Shovel" && !tier.messaging.federation)
      deny("a RabbitMQ shovel (cross-region messaging)");
    if (view.object?.kind === "InnoDBCluster" && !tier.database.dedicatedCluster)
      deny("a dedicated MySQL cluster");
  },
});

/** Properties of Cloudflare objects that name a hostname the tenant serves. */
const EDGE_HOSTNAMES: Readonly<Record<string, string>> = {
  "cloudflare:index/customHostname:CustomHostname": "hostname",
  "cloudflare:index/dnsRecord:DnsRecord": "name",
  "cloudflare:index/loadBalancer:LoadBalancer": "name",
};

/**
 * Hostnames the tenant's edge answers for, wherever they appear (custom hostnames, DNS records,
 * load balancers): all but its fallback origins, which are where it is served from, not domains.
 */
function edgeHostnames(resources: readonly ResourceView[]): string[] {
  const origins = new Set(
    resources
      .filter((r) => r.type === "cloudflare:index/customHostnameFallbackOrigin:CustomHostnameFallbackOrigin")
      .map((r) => r.props["origin"]),
  );
  return resources.flatMap((r) => {
    const key = EDGE_HOSTNAMES[r.type];
    const value = key === undefined ? undefined : r.props[key];
    return typeof value === "string" && !origins.has(value) ? [value] : [];
  });
}

/** The cluster an object is in, by the provider it goes through. */
const clusterOf = (view: ResourceView): string => view.provider?.urn ?? "";

export const sitesAndDomainsWithinTier = tierStackPolicy({
  name: "sites-and-domains-within-tier",
  description:
    "A tenant has at most the tier's sites (platform hostnames served, and namespaces that may run pods: a retired site's namespace, kept for its data under a quota of 0 pods, does not count) and custom domains (hostnames outside the platform domain), counted across all its regions (each runs the same sites).",
  enforcementLevel: "mandatory",
  // Across clusters: a site is a site whichever region runs it, so other sites in another
  // region are more sites; a namespace retired in one region but running in another counts.
  validate: ({ profile, platformDomain }, resources, report) => {
    const objects = objectsOf(resources);
    const tier = profile.tier;
    const retired = new Set(
      resources
        .filter(
          (r) =>
            r.object?.kind === "ResourceQuota" &&
            quotaHardOf(r.object)["pods"] !== undefined &&
            parseQuotaHard(quotaHardOf(r.object)).pods === 0,
        )
        .map((r) => `${clusterOf(r)} ${r.object!.metadata?.namespace}`),
    );
    const namespaces = new Set(
      resources
        .filter(
          (r) =>
            r.object?.kind === "Namespace" &&
            isTenantNamespace(r.object.metadata?.name) &&
            !retired.has(`${clusterOf(r)} ${r.object.metadata?.name}`),
        )
        .map((r) => r.object!.metadata!.name),
    );
    if (namespaces.size > tier.maxSites) {
      report(
        `the tenant has ${namespaces.size} site namespaces; the ${tier.displayName} tier allows ${tier.maxSites}`,
      );
    }
    const hostnames = new Set<string>();
    for (const o of objects) {
      if (o.kind === "HTTPRoute")
        for (const h of ((o.spec ?? {}) as { hostnames?: string[] }).hostnames ?? []) hostnames.add(h);
      if (o.kind === "Ingress")
        for (const r of ((o.spec ?? {}) as { rules?: { host?: string }[] }).rules ?? [])
          if (r.host) hostnames.add(r.host);
    }
    for (const h of edgeHostnames(resources)) hostnames.add(h);
    const isPlatform = (h: string) => h === platformDomain || h.endsWith(`.${platformDomain}`);
    const custom = [...hostnames].filter((h) => !isPlatform(h));
    if (custom.length > tier.maxCustomDomains) {
      report(
        `the tenant serves ${custom.length} custom domains (${custom.join(", ")}); the ${tier.displayName} tier allows ${tier.maxCustomDomains}`,
      );
    }
    // A site is its platform hostname too: more of them, even from fewer namespaces, are more sites.
    const platform = [...hostnames].filter(isPlatform);
    if (platform.length > tier.maxSites) {
      report(
        `the tenant serves ${platform.length} platform hostnames (${platform.join(", ")}), one per site; the ${tier.displayName} tier allows ${tier.maxSites} sites`,
      );
    }
  },
});

/**
 * The Cloudflare edge within the tier: which edge resources and ruleset phases the tier has,
 * their numbers (rate limits, cache TTLs, TLS), and rule expressions that parse as Rules
 * language; load balancers only over the stack's own pools. WAF, DDoS, edge rate limiting and
 * load balancing phases/types are judged per tier by `business-only-features`; caching by
 * `cdn-from-premium` (features.ts).
 */
import { burstRequests, loadBalancerPoolName, RATE_LIMIT_PERIODS, type TierDefinition } from "../../tiers";
import { rulesExpressionProblems } from "../../lib/rulesLanguage";
import { UnknownValueError } from "@pulumi/policy";
import { describe, tierResourcePolicy, tierStackPolicy, type ResourceView } from "../define";

const TYPE = {
  ruleset: "cloudflare:index/ruleset:Ruleset",
  zoneSetting: "cloudflare:index/zoneSetting:ZoneSetting",
  customHostname: "cloudflare:index/customHostname:CustomHostname",
  argo: "cloudflare:index/argoSmartRouting:ArgoSmartRouting",
  loadBalancer: "cloudflare:index/loadBalancer:LoadBalancer",
  pool: "cloudflare:index/loadBalancerPool:LoadBalancerPool",
  monitor: "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor",
} as const;

/** Edge caching resources (and cache rules that cache): what a tier without a CDN may not have. */
const CACHING_TYPES = new Set([
  "cloudflare:index/tieredCache:TieredCache",
  "cloudflare:index/regionalTieredCache:RegionalTieredCache",
  "cloudflare:index/argoTieredCaching:ArgoTieredCaching",
  "cloudflare:index/zoneCacheReserve:ZoneCacheReserve",
]);

/** Every tier's DNS and TLS, and the types other policies judge per tier. */
const EDGE_TYPES = new Set([
  "cloudflare:index/dnsRecord:DnsRecord",
  "cloudflare:index/customHostname:CustomHostname",
  "cloudflare:index/customHostnameFallbackOrigin:CustomHostnameFallbackOrigin",
  TYPE.zoneSetting,
  TYPE.ruleset,
  TYPE.argo,
  ...CACHING_TYPES,
  TYPE.loadBalancer,
  TYPE.pool,
  TYPE.monitor,
  // Every tier's origin lockdown (policy/policies/originLockdown.ts judges it).
  "cloudflare:index/authenticatedOriginPullsSettings:AuthenticatedOriginPullsSettings",
  "cloudflare:index/authenticatedOriginPullsCertificate:AuthenticatedOriginPullsCertificate",
]);

/** Ruleset phases this policy judges (the WAF, DDoS and rate-limit phases are business-only-features'). */
const PHASE_ALLOWED: Readonly<Record<string, (tier: TierDefinition) => boolean>> = {
  http_request_cache_settings: () => true,
  http_response_headers_transform: (tier) => tier.cdn.enabled,
  http_request_late_transform: (tier) => tier.rateLimit.trustedIpAllowlist,
};
const JUDGED_ELSEWHERE = new Set([
  "http_request_firewall_managed",
  "http_request_firewall_custom",
  "ddos_l7",
  "http_ratelimit",
]);

interface RuleProps {
  readonly ref?: string;
  readonly expression?: unknown;
  readonly actionParameters?: {
    readonly cache?: boolean;
    readonly edgeTtl?: { readonly default?: number };
    readonly browserTtl?: { readonly default?: number };
  };
  readonly ratelimit?: {
    readonly characteristics?: readonly string[];
    readonly period?: number;
    readonly requestsPerPeriod?: number;
    readonly countingExpression?: unknown;
  };
}

const rulesOf = (view: ResourceView): readonly RuleProps[] =>
  (view.props["rules"] as RuleProps[] | undefined) ?? [];
const phaseOf = (view: ResourceView): string => String(view.props["phase"] ?? "");
const ruleName = (rule: RuleProps, i: number): string => `rule ${rule.ref ?? i + 1}`;

/** A tiered/reserve cache, or a cache rule that makes responses cacheable. */
export function isEdgeCaching(view: ResourceView): boolean {
  if (CACHING_TYPES.has(view.type)) return true;
  return (
    view.type === TYPE.ruleset &&
    phaseOf(view) === "http_request_cache_settings" &&
    rulesOf(view).some((r) => r.actionParameters?.cache === true)
  );
}

export const edgeResourcesOfTier = tierResourcePolicy({
  name: "edge-resources-of-tier",
  description:
    "Only the Cloudflare resources and ruleset phases the tier's edge has (DNS and TLS for all; CORS from Premium; Argo and the trusted-client header on Business).",
  enforcementLevel: "mandatory",
  validate: ({ profile }, view, report) => {
    if (!view.type.startsWith("cloudflare:")) return;
    const tier = profile.tier;
    if (!EDGE_TYPES.has(view.type)) {
      report(`${describe(view)}: ${view.type} is not part of any tier's edge`);
      return;
    }
    if (view.type === TYPE.argo && view.props["value"] === "on" && !tier.cdn.argoSmartRouting) {
      report(`${describe(view)}: Argo Smart Routing is not part of the ${tier.displayName} tier`);
    }
    if (view.type !== TYPE.ruleset) return;
    const phase = phaseOf(view);
    if (JUDGED_ELSEWHERE.has(phase)) return;
    const allowed = PHASE_ALLOWED[phase];
    if (!allowed) report(`${describe(view)}: a ${phase} ruleset is not part of any tier's edge`);
    else if (!allowed(tier))
      report(`${describe(view)}: a ${phase} ruleset is not part of the ${tier.displayName} tier`);
  },
});

/** Most requests one client may make in `period` seconds: the tier's per-minute budget, or its burst rate under a minute. */
export function edgeRequestCeiling(tier: TierDefinition, period: number): number {
  return period >= 60
    ? (tier.rateLimit.requestsPerMinute * period) / 60
    : burstRequests(tier.rateLimit, period);
}

/** The zone settings a tenant's edge has (components/edge/edgeHostnames.ts TLS_SETTINGS), each with the values it may take; any other setting is refused. */
const STRICT_TLS: Readonly<Record<string, readonly string[]>> = {
  ssl: ["strict"],
  min_tls_version: ["1.2", "1.3"],
  always_use_https: ["on"],
};

export const edgeNumbersWithinTier = tierResourcePolicy({
  name: "edge-numbers-within-tier",
  description:
    "Edge rate limits in Cloudflare's periods, per client and within the tier's budget and burst; cache TTLs within the tier's; verified TLS 1.2+ to clients and origin.",
  enforcementLevel: "mandatory",
  validate: ({ profile }, view, report) => {
    const tier = profile.tier;
    if (view.type === TYPE.zoneSetting) {
      const id = String(view.props["settingId"] ?? "");
      const value = String(view.props["value"] ?? "");
      const allowed = STRICT_TLS[id];
      if (!allowed)
        report(
          `${describe(view)}: zone setting ${id} is not one a tenant's edge sets (${Object.keys(STRICT_TLS).join(", ")}); the pack cannot judge what it would weaken`,
        );
      else if (!allowed.includes(value))
        report(`${describe(view)}: ${id} ${value}; every tier's edge uses ${allowed.join(" or ")}`);
      return;
    }
    if (view.type === TYPE.customHostname) {
      const min = (view.props["ssl"] as { settings?: { minTlsVersion?: string } } | undefined)?.settings
        ?.minTlsVersion;
      if (!min || !STRICT_TLS["min_tls_version"]!.includes(min))
        report(`${describe(view)}: minimum TLS ${min ?? "unset"}; every tier's edge uses 1.2 or 1.3`);
      return;
    }
    if (view.type !== TYPE.ruleset) return;
    const phase = phaseOf(view);
    rulesOf(view).forEach((rule, i) => {
      const where = `${describe(view)} ${ruleName(rule, i)}`;
      const limit = rule.ratelimit;
      if (phase === "http_ratelimit" && limit) {
        const period = limit.period ?? 0;
        if (!(RATE_LIMIT_PERIODS as readonly number[]).includes(period))
          report(
            `${where}: period ${period}s is not one Cloudflare allows (${RATE_LIMIT_PERIODS.join(", ")})`,
          );
        const ceiling = edgeRequestCeiling(tier, period);
        if ((limit.requestsPerPeriod ?? Infinity) > ceiling)
          report(
            `${where}: ${limit.requestsPerPeriod ?? "unlimited"} requests per ${period}s exceeds the ${tier.displayName} tier's ${ceiling}`,
          );
        if (!limit.characteristics?.includes("ip.src"))
          report(`${where}: counts without ip.src, so one client's limit would be shared by all`);
      }
      const ttl = tier.cdn.staticCache;
      if (phase === "http_request_cache_settings" && ttl && rule.actionParameters?.cache === true) {
        const edge = rule.actionParameters.edgeTtl?.default;
        const browser = rule.actionParameters.browserTtl?.default;
        if (edge !== undefined && edge > ttl.edgeTtlSeconds)
          report(`${where}: edge TTL ${edge}s exceeds the ${tier.displayName} tier's ${ttl.edgeTtlSeconds}s`);
        if (browser !== undefined && browser > ttl.browserTtlSeconds)
          report(
            `${where}: browser TTL ${browser}s exceeds the ${tier.displayName} tier's ${ttl.browserTtlSeconds}s`,
          );
      }
    });
  },
});

export const edgeRuleExpressionsValid = tierResourcePolicy({
  name: "edge-rule-expressions-valid",
  description:
    "Every Cloudflare rule expression is valid Rules language with known fields (lib/rulesLanguage.ts).",
  enforcementLevel: "mandatory",
  validate: (_context, view, report) => {
    if (view.type !== TYPE.ruleset) return;
    rulesOf(view).forEach((rule, i) => {
      const expressions = [rule.expression, rule.ratelimit?.countingExpression].filter(
        (e) => e !== undefined,
      );
      for (const expression of expressions) {
        if (typeof expression !== "string") {
          report(`${describe(view)} ${ruleName(rule, i)}: the expression is not a string`);
          continue;
        }
        for (const problem of rulesExpressionProblems(expression))
          report(`${describe(view)} ${ruleName(rule, i)}: ${problem} in ${JSON.stringify(expression)}`);
      }
    });
  },
});

/** Stands for a value the engine learns only when the resource is created (a preview of creates). */
const UNKNOWN = Symbol("unknown at preview");

/**
 * Reads a property that may be unknown: in a preview the pack's props throw UnknownValueError on
 * such a value (a new pool's id), which would end the whole policy; here it is UNKNOWN instead.
 */
function known(read: () => unknown): unknown {
  try {
    return read();
  } catch (error) {
    if (error instanceof UnknownValueError) return UNKNOWN;
    throw error;
  }
}

/** The elements under `key` (a list, or one value), each read on its own. */
function elementsOf(container: Readonly<Record<string, unknown>>, key: string): unknown[] {
  const value = known(() => container[key]);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return [value];
  return Array.from({ length: value.length }, (_, i) => known(() => (value as unknown[])[i]));
}

/** Every pool id a load balancer can send traffic to: default, fallback, and per region, country or PoP. */
function poolReferences(props: Readonly<Record<string, unknown>>): unknown[] {
  const steered = ["regionPools", "countryPools", "popPools"].flatMap((key) => {
    const byPlace = known(() => props[key]);
    if (byPlace === UNKNOWN) return [UNKNOWN];
    if (byPlace === null || typeof byPlace !== "object") return [];
    return Object.keys(byPlace).flatMap((place) => elementsOf(byPlace as Record<string, unknown>, place));
  });
  return [...elementsOf(props, "defaultPools"), ...elementsOf(props, "fallbackPool"), ...steered];
}

const idsOf = (views: readonly ResourceView[]): Set<string> =>
  new Set(views.map((v) => known(() => v.props["id"])).filter((id): id is string => typeof id === "string"));

export const loadBalancerPoolsOfStack = tierStackPolicy({
  name: "load-balancer-pools-of-stack",
  description:
    "A Cloudflare load balancer sends traffic only to pools of its own stack (by id), named <tenant>-<region>, one per declared region, and checked by the stack's own monitors: never to another tenant's pool. Pools, monitors and load balancers are account- or zone-wide, so a foreign id would route another tenant's traffic or take theirs.",
  enforcementLevel: "mandatory",
  validate: ({ tenant, regions }, resources, report) => {
    const pools = resources.filter((r) => r.type === TYPE.pool);
    const poolIds = idsOf(pools);
    const monitorIds = idsOf(resources.filter((r) => r.type === TYPE.monitor));
    // One pool per declared region: a pool of another region sends traffic to a cluster the stack did not declare.
    const regionPools = regions.map((r) => loadBalancerPoolName(tenant, r));
    const named = new Map<string, number>();
    for (const pool of pools) {
      const name = known(() => pool.props["name"]);
      if (name !== UNKNOWN && (typeof name !== "string" || !name.startsWith(`${tenant}-`))) {
        report(
          `${describe(pool)}: pool name ${String(name)} is not tenant ${tenant}'s (${loadBalancerPoolName(tenant, "<region>")})`,
          pool.urn,
        );
      } else if (typeof name === "string" && !regionPools.includes(name)) {
        report(
          `${describe(pool)}: pool name ${name} is none of the stack's regions' pools (${regionPools.join(", ")})`,
          pool.urn,
        );
      }
      if (typeof name === "string") named.set(name, (named.get(name) ?? 0) + 1);
      const monitor = known(() => pool.props["monitor"]);
      if (typeof monitor === "string" && !monitorIds.has(monitor))
        report(`${describe(pool)}: monitor ${monitor} is not one of this stack's monitors`, pool.urn);
    }
    for (const [name, count] of named)
      if (count > 1) report(`the stack has ${count} pools named ${name}; a region has one pool`);
    for (const lb of resources.filter((r) => r.type === TYPE.loadBalancer)) {
      const references = poolReferences(lb.props);
      if (references.length === 0) report(`${describe(lb)} names no pools`, lb.urn);
      // An id not known yet (its pool is created by this update) is judged when it is, at the update.
      for (const ref of references) {
        if (typeof ref === "string" && !poolIds.has(ref))
          report(
            `${describe(lb)}: pool ${ref} is not one of this stack's pools; a load balancer of tenant ${tenant} uses only its own`,
            lb.urn,
          );
      }
    }
  },
});

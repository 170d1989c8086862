/**
 * What a tier gets at the Cloudflare edge, derived from its CdnSpec and RateLimitSpec: the
 * numbers the edge component deploys and the policy pack checks. Cloudflare facts (managed
 * ruleset ids, allowed rate-limit periods) live here too, once.
 */
import type { CdnSpec, RateLimitSpec, TierDefinition } from "./catalog";
import { PROBE_PATHS } from "./services";
import { TenantRequestError, type Problem } from "./tenantRules";

/** Managed rulesets (developers.cloudflare.com/waf/managed-rules/reference, ddos-protection/managed-rulesets/http). */
export const MANAGED_RULESETS = {
  cloudflareManaged: "efb7b8c949ac4650a09736fc376e9aee",
  owaspCore: "4814384a9e5d4991b9815dcfc25d2f1f",
  httpDdos: "4d21379b4f9f4bb088e0729962c8b3cf",
} as const;

/** The OWASP Core Ruleset's "949110: Inbound Anomaly Score Exceeded" rule, which carries the score threshold. */
export const OWASP_ANOMALY_SCORE_RULE = "6179ae15870a4bb7b2d480d4843b323c";

/** Periods a rate-limiting rule may count over, seconds (the largest need an Enterprise zone). */
export const RATE_LIMIT_PERIODS = [10, 60, 120, 300, 600, 3600] as const;

/** Request header the edge sets to "1" for trusted clients (and strips from everyone else). */
export const TRUSTED_CLIENT_HEADER = "x-cv-trusted-client";

export interface EdgeRateLimit {
  readonly name: "sustained" | "burst";
  readonly periodSeconds: number;
  readonly requestsPerPeriod: number;
  /** How long a client that went over stays blocked. */
  readonly mitigationTimeoutSeconds: number;
}

/**
 * The tier's burst rule, the one place it is written: over a window shorter than a minute, at most
 * `burstMultiplier` times the per-minute budget's pro-rata share (rounded up, so never 0).
 * The edge counts it per client over 10 s, the origin per tenant over 1 s, the pack judges both.
 */
export function burstRequests(r: RateLimitSpec, windowSeconds: number): number {
  return Math.ceil((r.requestsPerMinute * r.burstMultiplier * windowSeconds) / 60);
}

/**
 * Per client IP and Cloudflare data centre (Cloudflare counters are per colo, never global):
 * no single client may use the tenant's whole per-minute budget, nor burst above the tier's
 * burst rate over 10 s. The tenant-wide budget itself is enforced at the origin (TenantRateLimit).
 */
export function edgeRateLimits(r: RateLimitSpec): EdgeRateLimit[] {
  return [
    {
      name: "sustained",
      periodSeconds: 60,
      requestsPerPeriod: r.requestsPerMinute,
      mitigationTimeoutSeconds: 60,
    },
    {
      name: "burst",
      periodSeconds: 10,
      requestsPerPeriod: burstRequests(r, 10),
      mitigationTimeoutSeconds: 10,
    },
  ];
}

/** Contradictions in a tier's edge definition (empty when the edge can be built from it). */
export function edgeSpecProblems(tier: Pick<TierDefinition, "displayName" | "cdn" | "rateLimit">): string[] {
  const cdn: CdnSpec = tier.cdn;
  const problems: string[] = [];
  const need = (condition: boolean, message: string) => {
    if (!condition) problems.push(`${tier.displayName}: ${message}`);
  };
  need(cdn.enabled === (cdn.staticCache !== undefined), "static cache TTLs exactly when the CDN is enabled");
  need(!cdn.staticFromObjectStorage || cdn.enabled, "/static from object storage needs the CDN");
  need(cdn.monthlyBandwidthGb === undefined || cdn.enabled, "a bandwidth allowance needs the CDN");
  need(!cdn.waf || cdn.enabled, "the WAF needs the CDN tier");
  need(cdn.waf === (cdn.owaspScoreThreshold !== undefined), "an OWASP score threshold exactly with the WAF");
  need(
    cdn.owaspScoreThreshold === undefined || [25, 40, 60].includes(cdn.owaspScoreThreshold),
    "OWASP score threshold must be 25, 40 or 60",
  );
  need(cdn.ddosProtection === (cdn.ddosL7 !== undefined), "a DDoS L7 override exactly with DDoS protection");
  need(!cdn.ddosProtection || cdn.enabled, "DDoS protection needs the CDN tier");
  need(!cdn.advancedRateLimiting || cdn.enabled, "edge rate limiting needs the CDN tier");
  need(!cdn.argoSmartRouting || cdn.enabled, "Argo needs the CDN tier");
  need(!cdn.loadBalancing || cdn.enabled, "load balancing needs the CDN tier");
  need(
    !tier.rateLimit.trustedIpAllowlist || cdn.advancedRateLimiting,
    "a trusted-IP allowlist needs edge rate limiting",
  );
  const ttl = cdn.staticCache;
  if (ttl)
    need(
      Number.isInteger(ttl.edgeTtlSeconds) &&
        ttl.edgeTtlSeconds > 0 &&
        Number.isInteger(ttl.browserTtlSeconds) &&
        ttl.browserTtlSeconds > 0,
      "cache TTLs must be positive integers",
    );
  if (cdn.advancedRateLimiting) {
    for (const limit of edgeRateLimits(tier.rateLimit)) {
      need(
        (RATE_LIMIT_PERIODS as readonly number[]).includes(limit.periodSeconds),
        `rate-limit period ${limit.periodSeconds}s is not one Cloudflare allows (${RATE_LIMIT_PERIODS.join(", ")})`,
      );
      need(
        Number.isInteger(limit.requestsPerPeriod) && limit.requestsPerPeriod > 0,
        `rate limit ${limit.name} must allow a positive whole number of requests`,
      );
    }
  }
  return problems;
}

/** One region the tenant runs in, as the edge sees it: its name and its gateway's public address. */
export interface EdgeRegion {
  readonly name: string;
  /** Public hostname (or IP) of the region's platform gateway: the load-balancing pool's origin. */
  readonly originAddress: string;
}

/**
 * Cloudflare's health check of a region's gateway. The readiness path, not liveness: a gateway
 * that is up but cannot serve (not ready) must lose its traffic. Every 60 s (Cloudflare's default;
 * shorter intervals depend on the plan); two consecutive failures (each after two immediate retries
 * on timeout) take a region out and two successes bring it back, so one lost probe never flaps it.
 */
export const REGION_HEALTH_CHECK = {
  path: PROBE_PATHS.readiness,
  expectedCodes: "200",
  intervalSeconds: 60,
  timeoutSeconds: 5,
  retries: 2,
  consecutiveDown: 2,
  consecutiveUp: 2,
} as const;

/** A Load Balancing pool's name: per account, so the tenant id makes it unique (`<tenant>-<region>`). */
export function loadBalancerPoolName(tenantId: string, region: string): string {
  return `${tenantId}-${region}`;
}

/** Characters Cloudflare allows in a pool name. */
const POOL_NAME = /^[A-Za-z0-9_-]+$/;

/**
 * Contradictions in the regions a tenant's edge balances across (empty when it can be built).
 * One region needs no load balancer; two or more need a tier with load balancing (catalog
 * `cdn.loadBalancing`), distinct names that make valid pool names, and an origin each.
 */
export function edgeRegionProblems(
  tier: Pick<TierDefinition, "displayName" | "cdn">,
  tenantId: string,
  regions: readonly EdgeRegion[],
): string[] {
  if (regions.length < 2) return [];
  const problems: string[] = [];
  if (!tier.cdn.loadBalancing) {
    problems.push(
      `${tier.displayName}: load balancing across regions (${regions.map((r) => r.name).join(", ")}) is not part of the tier; only a tier with load balancing runs in several regions`,
    );
  }
  const seen = new Set<string>();
  for (const region of regions) {
    if (seen.has(region.name)) problems.push(`region ${region.name} is listed twice`);
    seen.add(region.name);
    if (!POOL_NAME.test(loadBalancerPoolName(tenantId, region.name)))
      problems.push(
        `region "${region.name}" does not make a valid pool name (letters, digits, "-" and "_" only)`,
      );
    if (region.originAddress.trim() === "") problems.push(`region ${region.name} has no origin address`);
  }
  return problems;
}

export interface EdgeRequest {
  readonly cloudflare: {
    readonly zoneId: string;
    readonly zoneName: string;
    readonly platformZoneId: string;
  };
  readonly platform: { readonly domain: string };
  readonly sites: readonly { readonly customDomains: readonly string[] }[];
}

const within = (host: string, zone: string): boolean => host === zone || host.endsWith(`.${zone}`);

/**
 * The edge zone is the tenant's own, and every hostname it serves is a custom hostname of it:
 * Cloudflare refuses a custom hostname inside the zone itself, and a shared zone's rulesets and
 * settings cannot belong to one tenant's stack.
 */
export function edgeRequestProblems(request: EdgeRequest): Problem[] {
  const { zoneId, zoneName, platformZoneId } = request.cloudflare;
  const problems: Problem[] = [];
  if (zoneId === platformZoneId)
    problems.push({
      field: "cloudflare.zoneId",
      message: "must be the tenant's own zone, not the platform zone (cloudflare.platformZoneId)",
    });
  if (within(request.platform.domain, zoneName) || within(zoneName, request.platform.domain)) {
    problems.push({
      field: "cloudflare.zoneName",
      message: `"${zoneName}" overlaps the platform domain "${request.platform.domain}"`,
    });
  }
  request.sites.forEach((site, i) =>
    site.customDomains.forEach((domain, j) => {
      if (within(domain, zoneName)) {
        problems.push({
          field: `sites[${i}].customDomains[${j}]`,
          message: `"${domain}" is inside the tenant's edge zone "${zoneName}"; a custom domain is served as a custom hostname of that zone`,
        });
      }
    }),
  );
  return problems;
}

export function assertValidEdgeRequest(request: EdgeRequest): void {
  const problems = edgeRequestProblems(request);
  if (problems.length > 0) throw new TenantRequestError(problems);
}

/**
 * Origin lockdown (docs/edge.md): the gateway accepts only Cloudflare's connections. Cloudflare
 * presents the platform's origin-pull client certificate (Authenticated Origin Pulls, enabled
 * on every tenant zone with that certificate uploaded to the zone), and the gateway completes
 * TLS only with a certificate of the platform's origin-pull CA. Not Cloudflare's shared
 * origin-pull CA: any Cloudflare zone presents that one, and its owner could set the
 * trusted-client header. A client that reaches the gateway directly has no such certificate and
 * is refused at the handshake, so TRUSTED_CLIENT_HEADER reaches the gateway only as the edge set
 * it (removed from every request, set only for trusted ranges). The client IP the gateway sees is
 * the edge's CF-Connecting-IP; a request without it is refused.
 */
export const ORIGIN_PULL = {
  /** Secret (tls.crt / ca.crt) in the Gateway's namespace with the platform's origin-pull CA. */
  caSecret: "platform-gateway-origin-pull-ca",
  /** The header Cloudflare puts the visitor's IP in. */
  clientIpHeader: "CF-Connecting-IP",
} as const;

/** The ClientTrafficPolicy fields that lock a listener to the edge; every policy on the gateway carries them. */
export function originLockdownSpec() {
  return {
    tls: {
      clientValidation: {
        caCertificateRefs: [{ group: "", kind: "Secret", name: ORIGIN_PULL.caSecret }],
        optional: false,
      },
    },
    clientIPDetection: { customHeader: { name: ORIGIN_PULL.clientIpHeader, failClosed: true } },
  } as const;
}

/** Why a ClientTrafficPolicy spec does not lock its listeners to the edge, if it does not. */
export function originLockdownProblems(spec: unknown): string[] {
  const s = (spec ?? {}) as {
    tls?: {
      clientValidation?: { caCertificateRefs?: { kind?: string; name?: string }[]; optional?: boolean };
    };
    clientIPDetection?: { customHeader?: { name?: string; failClosed?: boolean }; xForwardedFor?: unknown };
  };
  const problems: string[] = [];
  const validation = s.tls?.clientValidation;
  const refs = validation?.caCertificateRefs ?? [];
  if (
    !validation ||
    refs.length !== 1 ||
    refs[0]?.kind !== "Secret" ||
    refs[0]?.name !== ORIGIN_PULL.caSecret
  )
    problems.push(
      `does not require the edge's client certificate (tls.clientValidation.caCertificateRefs must be exactly Secret ${ORIGIN_PULL.caSecret})`,
    );
  if (validation?.optional === true)
    problems.push("makes the client certificate optional (a client that bypasses the edge would be served)");
  const header = s.clientIPDetection?.customHeader;
  if (
    header?.name?.toLowerCase() !== ORIGIN_PULL.clientIpHeader.toLowerCase() ||
    header.failClosed !== true ||
    s.clientIPDetection?.xForwardedFor !== undefined
  )
    problems.push(
      `does not take the client IP from ${ORIGIN_PULL.clientIpHeader} fail-closed (clientIPDetection.customHeader)`,
    );
  return problems;
}

/**
 * The tier's Cloudflare rulesets as plain data (phase -> rules), derived from tiers/: what
 * TenantEdge deploys, and what the tests read without running Pulumi. Types are the
 * provider's own input types, so every field is checked against @pulumi/cloudflare.
 */
import type * as cloudflare from "./cloudflare";
import {
  edgeRateLimits,
  MANAGED_RULESETS,
  OWASP_ANOMALY_SCORE_RULE,
  TRUSTED_CLIENT_HEADER,
  type TierDefinition,
} from "../../tiers";
import { rulesExpressionProblems, rulesString } from "../../lib/rulesLanguage";

/** A rule with plain (not Output) values. */
export type EdgeRule = cloudflare.types.input.RulesetRule & {
  readonly expression: string;
  readonly ref: string;
};

export interface EdgeRuleset {
  readonly phase: string;
  readonly description: string;
  readonly rules: readonly EdgeRule[];
}

export interface EdgeRulesArgs {
  readonly tier: TierDefinition;
  /** Every hostname of the tenant (platform and custom). */
  readonly hostnames: readonly string[];
  /** Client CIDRs exempt from rate limiting (Business). Default none. */
  readonly trustedCidrs?: readonly string[];
}

/** Where object storage's public files are served; the only cached path. */
export const STATIC_PREFIX = "/static/";
/** Methods the storefronts and their API use; anything else is blocked on Business. */
export const ALLOWED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
/** Paths only scanners ask for (no storefront serves them). */
const PROBE_PATHS = {
  prefixes: ["/.git", "/wp-admin", "/wp-login.php", "/phpmyadmin"],
  suffixes: ["/.env"],
} as const;

const set = (values: readonly string[]): string => `{${values.map(rulesString).join(" ")}}`;
const ipSet = (cidrs: readonly string[]): string => `{${cidrs.join(" ")}}`;
const isStatic = `starts_with(http.request.uri.path, ${rulesString(STATIC_PREFIX)})`;

/**
 * Standard: nothing is cached (Cloudflare would otherwise cache static file extensions by
 * default). From Premium: `/static/` cached with the tier's TTLs, everything else bypasses.
 */
function cacheRules(tier: TierDefinition): EdgeRule[] {
  const ttl = tier.cdn.staticCache;
  if (!tier.cdn.enabled || !ttl) {
    return [
      {
        ref: "no_cache",
        description: `${tier.displayName} has no CDN: bypass the cache for every request`,
        expression: "true",
        action: "set_cache_settings",
        actionParameters: { cache: false },
      },
    ];
  }
  return [
    {
      ref: "bypass_dynamic",
      description: "Pages and API are never cached",
      expression: `not ${isStatic}`,
      action: "set_cache_settings",
      actionParameters: { cache: false },
    },
    {
      ref: "cache_static",
      description: "Static files from object storage",
      expression: isStatic,
      action: "set_cache_settings",
      actionParameters: {
        cache: true,
        edgeTtl: { mode: "override_origin", default: ttl.edgeTtlSeconds },
        browserTtl: { mode: "override_origin", default: ttl.browserTtlSeconds },
      },
    },
  ];
}

/** CORS on static files for the tenant's own origins only (never `*`). */
function corsRules(hostnames: readonly string[]): EdgeRule[] {
  const origins = hostnames.map((h) => `https://${h}`);
  return [
    {
      ref: "cors_static",
      description: "Allow the tenant's own sites to load its static files",
      expression: `${isStatic} and any(http.request.headers["origin"][*] in ${set(origins)})`,
      action: "rewrite",
      actionParameters: {
        headers: {
          "Access-Control-Allow-Origin": {
            operation: "set",
            expression: 'http.request.headers["origin"][0]',
          },
          "Access-Control-Allow-Methods": { operation: "set", value: "GET, HEAD, OPTIONS" },
          Vary: { operation: "set", value: "Origin" },
        },
      },
    },
  ];
}

function managedWafRules(tier: TierDefinition): EdgeRule[] {
  return [
    {
      ref: "cloudflare_managed",
      description: "Cloudflare Managed Ruleset",
      expression: "true",
      action: "execute",
      actionParameters: { id: MANAGED_RULESETS.cloudflareManaged },
    },
    {
      ref: "owasp_core",
      description: `OWASP Core Ruleset, blocking from anomaly score ${tier.cdn.owaspScoreThreshold}`,
      expression: "true",
      action: "execute",
      actionParameters: {
        id: MANAGED_RULESETS.owaspCore,
        overrides: {
          rules: [
            { id: OWASP_ANOMALY_SCORE_RULE, action: "block", scoreThreshold: tier.cdn.owaspScoreThreshold! },
          ],
        },
      },
    },
  ];
}

function customWafRules(trusted: readonly string[]): EdgeRule[] {
  const probes = [
    ...PROBE_PATHS.prefixes.map((p) => `starts_with(http.request.uri.path, ${rulesString(p)})`),
    ...PROBE_PATHS.suffixes.map((p) => `ends_with(http.request.uri.path, ${rulesString(p)})`),
  ].join(" or ");
  return [
    ...(trusted.length > 0
      ? [
          {
            ref: "trusted_skip_rate_limit",
            description: "Trusted clients are exempt from rate limiting",
            expression: `ip.src in ${ipSet(trusted)}`,
            action: "skip",
            actionParameters: { phases: ["http_ratelimit"] },
            logging: { enabled: true },
          },
        ]
      : []),
    {
      ref: "block_methods",
      description: "Only the methods the services implement",
      expression: `not http.request.method in ${set(ALLOWED_METHODS)}`,
      action: "block",
    },
    { ref: "block_probes", description: "Paths only scanners ask for", expression: probes, action: "block" },
  ];
}

function rateLimitRules(tier: TierDefinition, hostnames: readonly string[]): EdgeRule[] {
  return edgeRateLimits(tier.rateLimit).map((limit) => ({
    ref: `rate_limit_${limit.name}`,
    description: `${limit.requestsPerPeriod} requests per ${limit.periodSeconds}s per client and data centre`,
    expression: `http.host in ${set(hostnames)}`,
    action: "block",
    ratelimit: {
      characteristics: ["cf.colo.id", "ip.src"],
      period: limit.periodSeconds,
      requestsPerPeriod: limit.requestsPerPeriod,
      mitigationTimeout: limit.mitigationTimeoutSeconds,
    },
  }));
}

function ddosRules(tier: TierDefinition): EdgeRule[] {
  const ddos = tier.cdn.ddosL7!;
  return [
    {
      ref: "http_ddos",
      description: `HTTP DDoS managed ruleset: sensitivity ${ddos.sensitivityLevel}, ${ddos.action}`,
      expression: "true",
      action: "execute",
      actionParameters: {
        id: MANAGED_RULESETS.httpDdos,
        overrides: { sensitivityLevel: ddos.sensitivityLevel, action: ddos.action },
      },
    },
  ];
}

/**
 * The header the origin's rate limit honours (TenantRateLimit): stripped from every request,
 * then set for trusted clients, so a client cannot claim it.
 */
function trustedHeaderRules(trusted: readonly string[]): EdgeRule[] {
  return [
    {
      ref: "strip_trusted_header",
      description: "Nobody sends the trusted-client header themselves",
      expression: "true",
      action: "rewrite",
      actionParameters: { headers: { [TRUSTED_CLIENT_HEADER]: { operation: "remove" } } },
    },
    {
      ref: "set_trusted_header",
      description: "Mark trusted clients for the origin's rate limit",
      expression: `ip.src in ${ipSet(trusted)}`,
      action: "rewrite",
      actionParameters: { headers: { [TRUSTED_CLIENT_HEADER]: { operation: "set", value: "1" } } },
    },
  ];
}

/** Every ruleset (zone phase entrypoint) the tier's edge gets, in a stable order. */
export function edgeRulesets(args: EdgeRulesArgs): EdgeRuleset[] {
  const { tier, hostnames } = args;
  const trusted = args.trustedCidrs ?? [];
  if (trusted.length > 0 && !tier.rateLimit.trustedIpAllowlist)
    throw new Error(`the ${tier.displayName} tier has no trusted-IP allowlist`);
  const cdn = tier.cdn;
  const rulesets: EdgeRuleset[] = [
    { phase: "http_request_cache_settings", description: "Cache rules", rules: cacheRules(tier) },
  ];
  if (cdn.enabled)
    rulesets.push({
      phase: "http_response_headers_transform",
      description: "CORS for static files",
      rules: corsRules(hostnames),
    });
  if (cdn.waf) {
    rulesets.push({
      phase: "http_request_firewall_managed",
      description: "Managed WAF",
      rules: managedWafRules(tier),
    });
    rulesets.push({
      phase: "http_request_firewall_custom",
      description: "Custom WAF rules",
      rules: customWafRules(trusted),
    });
  }
  if (cdn.advancedRateLimiting)
    rulesets.push({
      phase: "http_ratelimit",
      description: "Rate limiting",
      rules: rateLimitRules(tier, hostnames),
    });
  if (cdn.ddosProtection)
    rulesets.push({ phase: "ddos_l7", description: "HTTP DDoS overrides", rules: ddosRules(tier) });
  if (trusted.length > 0)
    rulesets.push({
      phase: "http_request_late_transform",
      description: "Trusted-client header",
      rules: trustedHeaderRules(trusted),
    });
  return rulesets;
}

/** Every rule expression that is not valid Rules language, as "phase/ref: problem". */
export function edgeRuleProblems(rulesets: readonly EdgeRuleset[]): string[] {
  return rulesets.flatMap((r) =>
    r.rules.flatMap((rule) =>
      rulesExpressionProblems(rule.expression).map((p) => `${r.phase}/${rule.ref}: ${p}`),
    ),
  );
}

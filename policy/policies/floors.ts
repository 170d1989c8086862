/**
 * What a tier must have, as floors as well as ceilings: Business's managed WAF and HTTP DDoS rules
 * exactly as the catalog sets them (tiers/edge.ts), its edge rate limits exactly at the tier's
 * values, the origin rate limit of every tier exactly at its values (not raised, not lowered, not
 * removed), and trusted clients exempted only by the narrow ranges the edge marks them with.
 */
import {
  edgeRateLimits,
  MANAGED_RULESETS,
  OWASP_ANOMALY_SCORE_RULE,
  TRUSTED_CLIENT_HEADER,
  type TierDefinition,
} from "../../tiers";
import { cidrRange, coversIpv4Alias, internetCovered, type AddressRange } from "../analysis/addresses";
import { specOf, type KubeObject } from "../analysis/objects";
import { describe, tierStackPolicy, type ResourceView } from "../define";

const RULESET = "cloudflare:index/ruleset:Ruleset";
/** Most public IPv4 addresses trusted clients may come from (a /16): beyond, "trusted" would be anyone. */
export const MAX_TRUSTED_ADDRESSES = 65_536n;

interface EdgeRuleProps {
  readonly ref?: string;
  readonly expression?: unknown;
  readonly action?: unknown;
  readonly enabled?: unknown;
  readonly actionParameters?: Record<string, unknown>;
  readonly ratelimit?: {
    readonly period?: unknown;
    readonly requestsPerPeriod?: unknown;
    readonly characteristics?: unknown;
  };
}

const rulesOf = (view: ResourceView): EdgeRuleProps[] =>
  (view.props["rules"] as EdgeRuleProps[] | undefined) ?? [];
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
/** The same object whatever the order of its keys (one level). */
const sameKeys = (a: unknown, b: Readonly<Record<string, unknown>>): boolean =>
  a !== null &&
  typeof a === "object" &&
  Object.keys(a).length === Object.keys(b).length &&
  Object.entries(b).every(([key, value]) => same((a as Record<string, unknown>)[key], value));
/** Per data centre and client address (components/edge/edgeRules.ts). */
const EDGE_RATE_LIMIT_CHARACTERISTICS = ["cf.colo.id", "ip.src"];
const enabled = (rule: EdgeRuleProps): boolean => rule.enabled === undefined || rule.enabled === true;

/** The addresses of `ip.src in {...}` (and nothing else), or undefined when the expression is not exactly that. */
export function trustedRanges(expression: unknown): AddressRange[] | undefined {
  const m = typeof expression === "string" ? /^ip\.src in \{([^{}]*)\}$/.exec(expression.trim()) : null;
  if (!m) return undefined;
  const items = m[1]!.trim().split(/\s+/).filter(Boolean);
  const ranges = items.map((i) => cidrRange(i.includes("/") ? i : `${i}/${i.includes(":") ? 128 : 32}`));
  return items.length > 0 && ranges.every((r) => r !== undefined) ? (ranges as AddressRange[]) : undefined;
}

/** Why a set of trusted ranges is not a few trusted clients. */
export function trustedProblem(
  ranges: readonly AddressRange[] | undefined,
  where: string,
): string | undefined {
  if (ranges === undefined)
    return `${where}: trusted clients are named only as ip.src in {<addresses or CIDRs>}, nothing else can be judged`;
  if (coversIpv4Alias(ranges)) return `${where}: trusted ranges include an IPv6 alias of the IPv4 internet`;
  const covered = internetCovered(ranges);
  if (covered > MAX_TRUSTED_ADDRESSES)
    return `${where}: trusted ranges cover ${covered} internet addresses (at most ${MAX_TRUSTED_ADDRESSES}): that is not trusted clients but the internet`;
  return undefined;
}

function managedWafProblems(tier: TierDefinition, rulesets: readonly ResourceView[]): string[] {
  const managed = rulesets.filter((r) => r.props["phase"] === "http_request_firewall_managed");
  const expected = [
    { action: "execute", expression: "true", actionParameters: { id: MANAGED_RULESETS.cloudflareManaged } },
    {
      action: "execute",
      expression: "true",
      actionParameters: {
        id: MANAGED_RULESETS.owaspCore,
        overrides: {
          rules: [
            { id: OWASP_ANOMALY_SCORE_RULE, action: "block", scoreThreshold: tier.cdn.owaspScoreThreshold },
          ],
        },
      },
    },
  ];
  const rules = managed.flatMap(rulesOf);
  const matches = (rule: EdgeRuleProps, want: (typeof expected)[number]) =>
    enabled(rule) &&
    rule.action === want.action &&
    rule.expression === want.expression &&
    same(rule.actionParameters, want.actionParameters);
  const problems: string[] = [];
  if (
    managed.length !== 1 ||
    rules.length !== expected.length ||
    !expected.every((w) => rules.some((r) => matches(r, w)))
  )
    problems.push(
      `the ${tier.displayName} tier's managed WAF must be one http_request_firewall_managed ruleset running exactly the Cloudflare Managed Ruleset and the OWASP Core Ruleset blocking from score ${tier.cdn.owaspScoreThreshold} on all traffic, none disabled`,
    );
  return problems;
}

function ddosProblems(tier: TierDefinition, rulesets: readonly ResourceView[]): string[] {
  const ddos = rulesets.filter((r) => r.props["phase"] === "ddos_l7");
  const rules = ddos.flatMap(rulesOf);
  const ok =
    ddos.length === 1 &&
    rules.length === 1 &&
    enabled(rules[0]!) &&
    rules[0]!.action === "execute" &&
    rules[0]!.expression === "true" &&
    same(rules[0]!.actionParameters, { id: MANAGED_RULESETS.httpDdos, overrides: tier.cdn.ddosL7 });
  return ok
    ? []
    : [
        `the ${tier.displayName} tier's HTTP DDoS managed rules must be one ddos_l7 ruleset executing ${MANAGED_RULESETS.httpDdos} on all traffic with sensitivity ${tier.cdn.ddosL7?.sensitivityLevel} and action ${tier.cdn.ddosL7?.action}`,
      ];
}

/** The hostnames an edge rate-limit expression counts (`true`: all). */
function rateLimitedHosts(expression: unknown): Set<string> | "all" | undefined {
  if (expression === "true") return "all";
  const m =
    typeof expression === "string"
      ? /^http\.host in \{((?:\s*"[^"\\]*")*)\s*\}$/.exec(expression.trim())
      : null;
  return m ? new Set([...m[1]!.matchAll(/"([^"\\]*)"/g)].map((x) => x[1]!)) : undefined;
}

function edgeRateLimitProblems(
  tier: TierDefinition,
  rulesets: readonly ResourceView[],
  hostnames: readonly string[],
): string[] {
  const limited = rulesets.filter((r) => r.props["phase"] === "http_ratelimit");
  const rules = limited.flatMap(rulesOf);
  const expected = edgeRateLimits(tier.rateLimit);
  // Exactly the tier's counter: another characteristic (a header the client picks), a counting
  // expression or a shorter block would each let a client past the limit.
  const found = expected.map((limit) =>
    rules.find(
      (r) =>
        enabled(r) &&
        r.action === "block" &&
        sameKeys(r.ratelimit, {
          characteristics: EDGE_RATE_LIMIT_CHARACTERISTICS,
          period: limit.periodSeconds,
          requestsPerPeriod: limit.requestsPerPeriod,
          mitigationTimeout: limit.mitigationTimeoutSeconds,
        }),
    ),
  );
  const problems: string[] = [];
  if (limited.length !== 1 || rules.length !== expected.length || found.some((r) => r === undefined))
    problems.push(
      `the ${tier.displayName} tier's edge rate limits must be one http_ratelimit ruleset with exactly ${expected.map((l) => `${l.requestsPerPeriod} requests per ${l.periodSeconds}s (blocking ${l.mitigationTimeoutSeconds}s)`).join(" and ")}, counted per ${EDGE_RATE_LIMIT_CHARACTERISTICS.join(" and ")} and nothing else, enabled and blocking`,
    );
  for (const rule of found.filter((r) => r !== undefined)) {
    const hosts = rateLimitedHosts(rule!.expression);
    const missing = hosts === "all" ? [] : hostnames.filter((h) => !hosts?.has(h));
    if (hosts === undefined || missing.length > 0)
      problems.push(
        `edge rate limit ${rule!.ref ?? ""} does not count every hostname of the tenant (${hosts === undefined ? "its expression is not http.host in {...}" : missing.join(", ")})`,
      );
  }
  return problems;
}

const CUSTOM_ACTIONS = new Set(["block", "challenge", "managed_challenge", "js_challenge", "log"]);

function customRuleProblems(view: ResourceView): string[] {
  return rulesOf(view).flatMap((rule, i) => {
    const where = `${describe(view)} rule ${rule.ref ?? i + 1}`;
    if (rule.action === "skip") {
      if (!same(rule.actionParameters, { phases: ["http_ratelimit"] }))
        return [
          `${where} skips ${JSON.stringify(rule.actionParameters)}; a custom rule may skip only the rate limit (http_ratelimit) for trusted clients`,
        ];
      const problem = trustedProblem(trustedRanges(rule.expression), where);
      return problem ? [problem] : [];
    }
    return typeof rule.action === "string" && CUSTOM_ACTIONS.has(rule.action)
      ? []
      : [
          `${where}: action ${String(rule.action)} is not one a tenant's custom WAF rules may take (${[...CUSTOM_ACTIONS].join(", ")}, or skip the rate limit for trusted clients)`,
        ];
  });
}

/** The trusted-client header: removed from every request first, then set only for the trusted ranges. */
function trustedHeaderProblems(view: ResourceView): string[] {
  const rules = rulesOf(view);
  const headers = (r: EdgeRuleProps) =>
    (r.actionParameters?.["headers"] ?? {}) as Record<string, { operation?: string; value?: string }>;
  const strip = rules[0];
  const problems: string[] = [];
  if (
    !strip ||
    strip.expression !== "true" ||
    !same(headers(strip), { [TRUSTED_CLIENT_HEADER]: { operation: "remove" } }) ||
    !enabled(strip)
  )
    problems.push(
      `${describe(view)} must first remove ${TRUSTED_CLIENT_HEADER} from every request (expression true)`,
    );
  rules.slice(1).forEach((rule, i) => {
    const where = `${describe(view)} rule ${rule.ref ?? i + 2}`;
    if (
      rule.action !== "rewrite" ||
      !same(headers(rule), { [TRUSTED_CLIENT_HEADER]: { operation: "set", value: "1" } })
    )
      problems.push(
        `${where}: the trusted-client transform only sets ${TRUSTED_CLIENT_HEADER} for trusted clients`,
      );
    const problem = trustedProblem(trustedRanges(rule.expression), where);
    if (problem) problems.push(problem);
  });
  return problems;
}

/** The edge floors of the tier, over the stack's rulesets. */
export function edgeFloorProblems(tier: TierDefinition, resources: readonly ResourceView[]): string[] {
  const rulesets = resources.filter((r) => r.type === RULESET);
  const hostnames = resources
    .filter((r) => r.type === "cloudflare:index/customHostname:CustomHostname")
    .map((r) => String(r.props["hostname"]));
  return [
    ...(tier.cdn.waf ? managedWafProblems(tier, rulesets) : []),
    ...(tier.cdn.ddosProtection ? ddosProblems(tier, rulesets) : []),
    ...(tier.cdn.advancedRateLimiting ? edgeRateLimitProblems(tier, rulesets, hostnames) : []),
    ...rulesets
      .filter((r) => r.props["phase"] === "http_request_firewall_custom")
      .flatMap(customRuleProblems),
    ...rulesets
      .filter((r) => r.props["phase"] === "http_request_late_transform")
      .flatMap(trustedHeaderProblems),
  ];
}

/** The origin rate limit rules of the tier (components/edge/tenantRateLimit.ts), with or without the trusted-client exemption. */
function originRules(tier: TierDefinition, trusted: boolean): unknown[] {
  const r = tier.rateLimit;
  const selectors = trusted
    ? {
        clientSelectors: [
          { headers: [{ name: TRUSTED_CLIENT_HEADER, type: "Exact", value: "1", invert: true }] },
        ],
      }
    : {};
  return [
    { ...selectors, limit: { requests: r.requestsPerMinute, unit: "Minute" }, shared: true },
    {
      ...selectors,
      limit: { requests: Math.ceil((r.requestsPerMinute * r.burstMultiplier) / 60), unit: "Second" },
      shared: true,
    },
  ];
}

function backendPolicyProblems(o: KubeObject, tier: TierDefinition, tenant: string): string[] {
  const spec = specOf<{
    targetSelectors?: unknown;
    targetRefs?: unknown;
    targetRef?: unknown;
    rateLimit?: { type?: string; global?: { rules?: unknown } };
  }>(o);
  const problems: string[] = [];
  const selectsAll =
    spec.targetRef === undefined &&
    spec.targetRefs === undefined &&
    Array.isArray(spec.targetSelectors) &&
    spec.targetSelectors.length === 1 &&
    same(
      { ...(spec.targetSelectors[0] as object), group: undefined },
      { kind: "HTTPRoute", matchLabels: { tenant }, group: undefined },
    );
  if (!selectsAll)
    problems.push(
      `must select every HTTPRoute of tenant ${tenant} (targetSelectors kind HTTPRoute, matchLabels tenant=${tenant}) and nothing else`,
    );
  const rules = spec.rateLimit?.global?.rules;
  const exact = [false, ...(tier.rateLimit.trustedIpAllowlist ? [true] : [])].some((t) =>
    same(rules, originRules(tier, t)),
  );
  if (spec.rateLimit?.type !== "Global" || !exact) {
    const r = tier.rateLimit;
    problems.push(
      `rate limit ${JSON.stringify(rules ?? "none")} is not the ${tier.displayName} tier's: exactly ${r.requestsPerMinute} requests per minute and ${Math.ceil((r.requestsPerMinute * r.burstMultiplier) / 60)} per second, global and shared`,
    );
  }
  return problems;
}

const NGINX = "nginx.ingress.kubernetes.io/";
/** The annotations components/tenant/siteRouting.ts sets: the tier's limits and its trusted clients. */
const INGRESS_ANNOTATIONS = new Set([
  "limit-rpm",
  "limit-connections",
  "limit-burst-multiplier",
  "limit-whitelist",
]);

function ingressLimitProblems(o: KubeObject, tier: TierDefinition): string[] {
  const annotations = o.metadata?.annotations ?? {};
  const r = tier.rateLimit;
  const expected: Record<string, string> = {
    "limit-rpm": String(r.requestsPerMinute),
    "limit-connections": String(r.maxConnections),
    "limit-burst-multiplier": String(r.burstMultiplier),
  };
  // Every other annotation changes what the controller does with the tenant's traffic, some with
  // the controller's own reach (snippets, auth-tls-secret naming another namespace, upstream-vhost).
  const unknown = Object.keys(annotations).filter(
    (key) => !key.startsWith(NGINX) || !INGRESS_ANNOTATIONS.has(key.slice(NGINX.length)),
  );
  const problems = unknown.map(
    (key) =>
      `annotation ${key} is not one a tenant's Ingress sets (${[...INGRESS_ANNOTATIONS].map((k) => NGINX + k).join(", ")})`,
  );
  problems.push(
    ...Object.entries(expected)
      .filter(([key, value]) => annotations[`${NGINX}${key}`] !== value)
      .map(
        ([key, value]) =>
          `${NGINX}${key} is ${annotations[`${NGINX}${key}`] ?? "unset"}; the ${tier.displayName} tier's is exactly ${value}`,
      ),
  );
  const whitelist = annotations[`${NGINX}limit-whitelist`];
  if (whitelist !== undefined) {
    if (!r.trustedIpAllowlist)
      problems.push(`${NGINX}limit-whitelist: the ${tier.displayName} tier has no trusted clients`);
    const ranges = whitelist.split(",").map((c) => cidrRange(c.includes("/") ? c.trim() : `${c.trim()}/32`));
    const problem = trustedProblem(
      ranges.every((x) => x !== undefined) ? (ranges as AddressRange[]) : undefined,
      `${NGINX}limit-whitelist`,
    );
    if (problem) problems.push(problem);
  }
  return problems;
}

/** The origin floors of one cluster: one exact BackendTrafficPolicy over its routes, or the exact annotations on each Ingress. */
export function originFloorProblems(
  tier: TierDefinition,
  tenant: string,
  resources: readonly ResourceView[],
): string[] {
  const objects = resources.filter((r) => r.object !== undefined);
  const policies = objects.filter((r) => r.object!.kind === "BackendTrafficPolicy");
  const problems: string[] = [];
  if (objects.some((r) => r.object!.kind === "HTTPRoute") && policies.length !== 1)
    problems.push(
      `the tenant's HTTPRoutes need exactly one BackendTrafficPolicy with the ${tier.displayName} tier's origin rate limit (found ${policies.length})`,
    );
  for (const p of policies)
    for (const problem of backendPolicyProblems(p.object!, tier, tenant))
      problems.push(`${describe(p)}: ${problem}`);
  for (const i of objects.filter((r) => r.object!.kind === "Ingress"))
    for (const problem of ingressLimitProblems(i.object!, tier))
      problems.push(`${describe(i)}: origin rate limit ${problem}`);
  return problems;
}

export const securityFloorsOfTier = tierStackPolicy({
  name: "security-floors-of-tier",
  description:
    "What the tier must have cannot be removed, raised or lowered: Business's managed WAF and HTTP DDoS rules as the catalog sets them, edge rate limits exactly at the tier's values over every hostname, the origin rate limit of every tier exactly at its values; trusted clients only by narrow ranges (ip.src in {...}) exempted from rate limits only.",
  enforcementLevel: "mandatory",
  validate: ({ profile, tenant }, resources, report) => {
    for (const problem of edgeFloorProblems(profile.tier, resources)) report(problem);
    // Each cluster (region) has its own gateway, so its own origin rate limit.
    const clusters = new Map<string, ResourceView[]>();
    for (const r of resources.filter((r) => r.object))
      clusters.set(r.provider?.urn ?? "", [...(clusters.get(r.provider?.urn ?? "") ?? []), r]);
    for (const [urn, objects] of clusters) {
      const where = clusters.size > 1 ? `in cluster ${urn.split("::").pop()}: ` : "";
      for (const problem of originFloorProblems(profile.tier, tenant, objects)) report(`${where}${problem}`);
    }
  },
});

/**
 * Where a tenant's Cloudflare objects live: every zone-scoped object in the tenant's own zone;
 * in the platform zone only the DNS-only CNAMEs of the tenant's own platform hostnames, to its
 * own origin (components/edge/edgeHostnames.ts); account-scoped objects (pools, monitors) only in
 * the platform's account; rulesets only at zone level (an account ruleset runs on every zone).
 */
import type { TierContext } from "../context";
import { describe, tierResourcePolicy, type ResourceView } from "../define";
import { edgeFacts, type EdgeFacts } from "../platformFacts";
import { tenantScope } from "../scope";
import { hostnameProblem } from "./boundary";

const DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord";
const RULESET = "cloudflare:index/ruleset:Ruleset";
const FALLBACK_ORIGIN = "cloudflare:index/customHostnameFallbackOrigin:CustomHostnameFallbackOrigin";
const ACCOUNT_SCOPED = new Set([
  "cloudflare:index/loadBalancerPool:LoadBalancerPool",
  "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor",
]);
/** Properties that name a hostname the object serves or answers for. */
const HOSTNAME_PROPS: Readonly<Record<string, string>> = {
  "cloudflare:index/customHostname:CustomHostname": "hostname",
  "cloudflare:index/loadBalancer:LoadBalancer": "name",
  [DNS_RECORD]: "name",
};

const CUSTOM_HOSTNAME = "cloudflare:index/customHostname:CustomHostname";

/**
 * A custom hostname is served from the tenant's fallback origin with a certificate for itself
 * (components/edge/edgeHostnames.ts): a custom origin server or SNI would send its traffic to
 * another origin (another tenant's), a wildcard certificate would cover names not counted.
 */
function customHostnameProblems(props: Readonly<Record<string, unknown>>): string[] {
  const problems = Object.keys(props)
    .filter((k) => !["zoneId", "hostname", "ssl", "id"].includes(k))
    .map((k) => `sets ${k}; a custom hostname is served from the tenant's own fallback origin, as it is`);
  const ssl = (props["ssl"] ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(ssl).filter((k) => !["method", "type", "settings"].includes(k)))
    problems.push(
      `sets ssl.${k}${k === "wildcard" ? " (a wildcard certificate)" : ""}, which the pack cannot judge`,
    );
  const settings = (ssl["settings"] ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(settings).filter((k) => k !== "minTlsVersion"))
    problems.push(`sets ssl.settings.${k}, which the pack cannot judge`);
  return problems;
}

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

function platformZoneRecordProblems(view: ResourceView, context: TierContext, edge: EdgeFacts): string[] {
  const scope = tenantScope(context);
  const name = str(view.props["name"]) ?? "(no name)";
  const problems: string[] = [];
  if (name.includes("*"))
    problems.push(`a wildcard record ${name} in the platform zone captures every tenant's hostnames`);
  else if (!scope.platformHostnames.has(name))
    problems.push(
      `record ${name} in the platform zone is not tenant ${scope.tenant}'s (only its platform hostnames)`,
    );
  if (view.props["type"] !== "CNAME" || view.props["content"] !== edge.origin)
    problems.push(
      `record ${name} in the platform zone points at ${String(view.props["content"])} (${String(view.props["type"])}); a tenant's platform hostname is a CNAME to its own origin ${edge.origin}`,
    );
  if (view.props["proxied"] === true)
    problems.push(
      `record ${name} in the platform zone is proxied, so the platform zone's rules would apply to it`,
    );
  return problems;
}

function zoneProblems(view: ResourceView, context: TierContext, edge: EdgeFacts): string[] {
  const zone = str(view.props["zoneId"]);
  if (ACCOUNT_SCOPED.has(view.type)) {
    const account = str(view.props["accountId"]);
    return account === edge.accountId
      ? []
      : [`account ${account ?? "(none)"} is not the platform's Cloudflare account ${edge.accountId}`];
  }
  if (view.type === RULESET) {
    const problems: string[] = [];
    if (view.props["accountId"] !== undefined || view.props["kind"] !== "zone")
      problems.push(
        `a ${String(view.props["kind"])} ruleset${view.props["accountId"] !== undefined ? ` of account ${String(view.props["accountId"])}` : ""} runs on every zone of the account; a tenant's rulesets are zone rulesets of its own zone`,
      );
    if (zone === edge.platformZoneId)
      problems.push("a ruleset on the platform zone applies to every tenant's hostnames");
    else if (zone !== edge.zoneId)
      problems.push(`zone ${zone ?? "(none)"} is not tenant ${context.tenant}'s (${edge.zoneId})`);
    return problems;
  }
  if (zone === edge.zoneId) return [];
  if (zone === edge.platformZoneId)
    return view.type === DNS_RECORD
      ? platformZoneRecordProblems(view, context, edge)
      : [`the platform zone is the platform's: a tenant changes only its own zone ${edge.zoneId}`];
  return [`zone ${zone ?? "(none)"} is not tenant ${context.tenant}'s (${edge.zoneId})`];
}

export const edgeObjectsInTenantZone = tierResourcePolicy({
  name: "edge-objects-in-tenant-zone",
  description:
    "Every Cloudflare object of a tenant is in its own zone (rulesets at zone level only); in the platform zone only the CNAMEs of its own platform hostnames to its own origin; pools and monitors in the platform's account; no hostname is a wildcard or another tenant's platform hostname.",
  enforcementLevel: "mandatory",
  validate: (context, view, report) => {
    if (!view.type.startsWith("cloudflare:")) return;
    const edge = edgeFacts(context);
    if (typeof edge === "string") {
      report(`${describe(view)} cannot be judged: ${edge}`);
      return;
    }
    for (const problem of zoneProblems(view, context, edge)) report(`${describe(view)}: ${problem}`);
    if (view.type === CUSTOM_HOSTNAME)
      for (const problem of customHostnameProblems(view.props)) report(`${describe(view)}: ${problem}`);
    // The domain count leaves fallback origins out (features.ts): only the tenant's own is one.
    if (view.type === FALLBACK_ORIGIN && view.props["origin"] !== edge.origin)
      report(
        `${describe(view)}: fallback origin ${String(view.props["origin"])} is not tenant ${context.tenant}'s origin ${edge.origin}`,
      );
    const key = HOSTNAME_PROPS[view.type];
    const hostname = key === undefined ? undefined : str(view.props[key]);
    if (hostname !== undefined && view.props["zoneId"] !== edge.platformZoneId) {
      const problem = hostnameProblem(hostname, context, tenantScope(context));
      if (problem) report(`${describe(view)}: ${problem}`);
    }
  },
});

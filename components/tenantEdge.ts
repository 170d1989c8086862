import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { edgeSpecProblems, type TierDefinition } from "../tiers";
import { EdgeHostnames, type CustomDomainRecords, type EdgeZone } from "./edgeHostnames";
import { edgeRuleProblems, edgeRulesets } from "./edgeRules";
import type { TenantIdentity } from "./labels";

export interface TenantEdgeArgs {
  readonly identity: TenantIdentity;
  readonly tier: TierDefinition;
  readonly zone: EdgeZone;
  /** Hostnames under the platform domain, all sites. */
  readonly platformHostnames: readonly string[];
  /** The customers' own domains, all sites. */
  readonly customDomains: readonly string[];
  /** Client CIDRs exempt from rate limiting (Business). Default none. */
  readonly trustedCidrs?: readonly string[];
  /** The Cloudflare provider (API token); every edge resource uses it. */
  readonly provider: pulumi.ProviderResource;
}

/**
 * The tenant's Cloudflare edge, from its tier: DNS and TLS for every hostname (EdgeHostnames);
 * the cache rules (Standard: nothing cached; from Premium: `/static/` with tiered cache and
 * CORS for the tenant's own origins); on Business the managed WAF (Cloudflare Managed, OWASP
 * Core), custom rules, rate limiting, DDoS L7 overrides, Argo, and the trusted-IP exemption.
 * The tier definition and every rule expression are checked before anything is registered.
 */
export class TenantEdge extends pulumi.ComponentResource {
  readonly origin: string;
  readonly customDomainRecords: readonly CustomDomainRecords[];
  /** Phases of the rulesets deployed, in order. */
  readonly phases: readonly string[];

  constructor(name: string, args: TenantEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    const { tier, zone, provider } = args;
    const rulesets = edgeRulesets({ tier, hostnames: [...args.platformHostnames, ...args.customDomains], ...(args.trustedCidrs ? { trustedCidrs: args.trustedCidrs } : {}) });
    const problems = [...edgeSpecProblems(tier), ...edgeRuleProblems(rulesets)];
    if (problems.length > 0) throw new Error(`the ${tier.displayName} edge cannot be built:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    super("collect-verything:tenant:TenantEdge", name, {}, opts);
    const inZone = { parent: this, provider };

    const hostnames = new EdgeHostnames(
      `${name}-hostnames`,
      { identity: args.identity, zone, platformHostnames: args.platformHostnames, customDomains: args.customDomains, provider },
      { parent: this },
    );
    for (const ruleset of rulesets) {
      new cloudflare.Ruleset(
        `${name}-${ruleset.phase.replace(/_/g, "-")}`,
        { zoneId: zone.zoneId, kind: "zone", phase: ruleset.phase, name: `${args.identity.tenantId} ${ruleset.description}`, rules: [...ruleset.rules] },
        inZone,
      );
    }
    if (tier.cdn.enabled) new cloudflare.TieredCache(`${name}-tiered-cache`, { zoneId: zone.zoneId, value: "on" }, inZone);
    if (tier.cdn.argoSmartRouting) new cloudflare.ArgoSmartRouting(`${name}-argo`, { zoneId: zone.zoneId, value: "on" }, inZone);

    this.origin = hostnames.origin;
    this.customDomainRecords = hostnames.customDomainRecords;
    this.phases = rulesets.map((r) => r.phase);
    this.registerOutputs({ origin: this.origin, customDomainRecords: this.customDomainRecords, phases: this.phases });
  }
}

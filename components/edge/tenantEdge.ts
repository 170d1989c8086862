import * as cloudflare from "./cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { edgeRegionProblems, edgeSpecProblems, type EdgeRegion, type TierDefinition } from "../../tiers";
import { EdgeHostnames, originHostname, type CustomDomainRecords, type EdgeZone } from "./edgeHostnames";
import { edgeRuleProblems, edgeRulesets } from "./edgeRules";
import { GlobalLoadBalancer } from "./globalLoadBalancer";
import type { OriginPullClient } from "../shared/contracts";
import type { TenantIdentity } from "../shared/labels";

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
  /**
   * The regions the tenant runs in, the first the primary. With two or more (a tier with load
   * balancing), a load balancer over one pool per region replaces the single origin
   * (`zone.originAddress`); with fewer the edge is the single-origin one. Default none.
   */
  readonly regions?: readonly EdgeRegion[];
  /** The Cloudflare provider (API token); every edge resource uses it. */
  readonly provider: pulumi.ProviderResource;
  /** The platform's origin-pull client certificate, uploaded to the zone (the gateway accepts only it). */
  readonly originPullClient: pulumi.Input<OriginPullClient>;
}

/**
 * The tenant's Cloudflare edge, from its tier: DNS and TLS for every hostname (EdgeHostnames);
 * the cache rules (Standard: nothing cached; from Premium: `/static/` with tiered cache and
 * CORS for the tenant's own origins); on Business the managed WAF (Cloudflare Managed, OWASP
 * Core), custom rules, rate limiting, DDoS L7 overrides, Argo, and the trusted-IP exemption.
 * A tenant in two or more regions (Business) is served through a GlobalLoadBalancer named
 * `origin.<zone>`, the zone's SaaS fallback origin, so every hostname, platform or custom,
 * reaches the nearest healthy region. The tier definition, the regions and every rule
 * expression are checked before anything is registered.
 */
export class TenantEdge extends pulumi.ComponentResource {
  readonly origin: string;
  readonly customDomainRecords: readonly CustomDomainRecords[];
  /** Phases of the rulesets deployed, in order. */
  readonly phases: readonly string[];

  constructor(name: string, args: TenantEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    const { tier, zone, provider } = args;
    const rulesets = edgeRulesets({
      tier,
      hostnames: [...args.platformHostnames, ...args.customDomains],
      ...(args.trustedCidrs ? { trustedCidrs: args.trustedCidrs } : {}),
    });
    const regions = args.regions ?? [];
    const problems = [
      ...edgeSpecProblems(tier),
      ...edgeRegionProblems(tier, args.identity.tenantId, regions),
      ...edgeRuleProblems(rulesets),
    ];
    if (regions.length > 1 && args.platformHostnames.length === 0)
      problems.push("load balancing needs a platform hostname for the health checks' Host header");
    if (problems.length > 0)
      throw new Error(
        `the ${tier.displayName} edge cannot be built:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
      );
    super("collect-verything:tenant:TenantEdge", name, {}, opts);
    const inZone = { parent: this, provider };

    // Every hostname is a custom hostname routed to the zone's fallback origin, `origin.<zone>`:
    // balancing that one name balances them all (a load balancer must be in its zone, which a
    // custom domain or a platform hostname is not).
    const loadBalancer =
      regions.length > 1
        ? new GlobalLoadBalancer(
            `${name}-load-balancer`,
            {
              identity: args.identity,
              accountId: zone.accountId,
              zoneId: zone.zoneId,
              hostnames: [originHostname(zone.zoneName)],
              monitorHost: args.platformHostnames[0]!,
              regions,
              provider,
            },
            { parent: this },
          )
        : undefined;
    const hostnames = new EdgeHostnames(
      `${name}-hostnames`,
      {
        identity: args.identity,
        zone,
        platformHostnames: args.platformHostnames,
        customDomains: args.customDomains,
        provider,
        ...(loadBalancer ? { originLoadBalancer: loadBalancer } : {}),
      },
      { parent: this },
    );
    for (const ruleset of rulesets) {
      new cloudflare.Ruleset(
        `${name}-${ruleset.phase.replace(/_/g, "-")}`,
        {
          zoneId: zone.zoneId,
          kind: "zone",
          phase: ruleset.phase,
          name: `${args.identity.tenantId} ${ruleset.description}`,
          rules: [...ruleset.rules],
        },
        inZone,
      );
    }
    lockOriginToEdge(name, zone.zoneId, args.originPullClient, inZone);
    if (tier.cdn.enabled)
      new cloudflare.TieredCache(`${name}-tiered-cache`, { zoneId: zone.zoneId, value: "on" }, inZone);
    if (tier.cdn.argoSmartRouting)
      new cloudflare.ArgoSmartRouting(`${name}-argo`, { zoneId: zone.zoneId, value: "on" }, inZone);

    this.origin = hostnames.origin;
    this.customDomainRecords = hostnames.customDomainRecords;
    this.phases = rulesets.map((r) => r.phase);
    this.registerOutputs({
      origin: this.origin,
      customDomainRecords: this.customDomainRecords,
      phases: this.phases,
    });
  }
}

/**
 * Authenticated Origin Pulls on the tenant's zone (tiers/edge.ts ORIGIN_PULL): the platform's
 * origin-pull client certificate uploaded to the zone, then zone-level pulls enabled, so Cloudflare
 * presents that certificate to the gateway, which refuses a connection without it.
 */
function lockOriginToEdge(
  name: string,
  zoneId: string,
  client: pulumi.Input<OriginPullClient>,
  opts: pulumi.CustomResourceOptions,
): void {
  const pair = pulumi.output(client);
  const certificate = new cloudflare.AuthenticatedOriginPullsCertificate(
    `${name}-origin-pull-certificate`,
    // The certificate is public (the gateway logs it, Cloudflare shows it); only the key stays secret.
    { zoneId, certificate: pulumi.unsecret(pair.certificate), privateKey: pulumi.secret(pair.privateKey) },
    opts,
  );
  new cloudflare.AuthenticatedOriginPullsSettings(
    `${name}-origin-pulls`,
    { zoneId, enabled: true },
    { ...opts, dependsOn: [certificate] },
  );
}

import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { CDN_BANDWIDTH_ALERTS, edgeSpecProblems, type TierDefinition } from "../tiers";
import { customResource, type PrometheusRuleSpec } from "./crds";
import { EdgeHostnames, type CustomDomainRecords, type EdgeZone } from "./edgeHostnames";
import { edgeRuleProblems, edgeRulesets } from "./edgeRules";
import { tenantLabels, type TenantIdentity } from "./labels";

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
  /** Where the tenant's bandwidth alert goes (its core namespace) and what that namespace needs first. */
  readonly alerts: { readonly namespace: string; readonly dependsOn: readonly pulumi.Resource[] };
}

/** Bytes in the tier table's GB (decimal, as bandwidth is billed). */
const BYTES_PER_GB = 1e9;

/**
 * Alerts on the tenant zone's bandwidth over the last 30 days against the tier's monthly
 * allowance. Cloudflare has no notification on a zone's bandwidth, so the signal is the
 * platform's Cloudflare exporter (`cloudflare_zone_bandwidth_total{zone}`, bytes).
 */
export function bandwidthAlertRules(zoneName: string, allowanceGb: number, identity: TenantIdentity): PrometheusRuleSpec {
  const used = `sum(increase(cloudflare_zone_bandwidth_total{zone="${zoneName}"}[30d]))`;
  return {
    groups: [
      {
        name: "tenant-cdn-bandwidth",
        rules: CDN_BANDWIDTH_ALERTS.map((a) => ({
          alert: a.name,
          expr: `${used} > ${a.threshold * allowanceGb * BYTES_PER_GB}`,
          ...(a.forMinutes > 0 ? { for: `${a.forMinutes}m` } : {}),
          labels: { severity: a.severity, tenant: identity.tenantId, tier: identity.tier },
          annotations: { summary: `Tenant ${identity.tenantId} used over ${Math.round(a.threshold * 100)}% of its ${allowanceGb} GB monthly CDN bandwidth in the last 30 days` },
        })),
      },
    ],
  };
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
    const allowance = tier.cdn.monthlyBandwidthGb;
    if (allowance !== undefined) {
      customResource<PrometheusRuleSpec>(
        `${name}-bandwidth-alert`,
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "PrometheusRule",
          metadata: { name: "tenant-cdn-bandwidth", namespace: args.alerts.namespace, labels: tenantLabels(args.identity) },
          spec: bandwidthAlertRules(zone.zoneName, allowance, args.identity),
        },
        { parent: this, dependsOn: [...args.alerts.dependsOn] },
      );
    }

    this.origin = hostnames.origin;
    this.customDomainRecords = hostnames.customDomainRecords;
    this.phases = rulesets.map((r) => r.phase);
    this.registerOutputs({ origin: this.origin, customDomainRecords: this.customDomainRecords, phases: this.phases });
  }
}

import * as pulumi from "@pulumi/pulumi";
import type { RateLimitSpec } from "../tiers";
import { customResource, type BackendTrafficPolicySpec, type RateLimitRule } from "./crds";
import { LABEL, tenantLabels, type TenantIdentity } from "./labels";
import { GATEWAY_API_GROUP } from "./siteRouting";

export interface TenantRateLimitArgs {
  readonly identity: TenantIdentity;
  /** The core namespace, where all the tenant's HTTPRoutes live. */
  readonly namespace: string;
  readonly rateLimit: RateLimitSpec;
}

/**
 * The tier's sustained budget per minute and its burst: at most `burstMultiplier` times the
 * average per-second rate in any one second. Both are shared buckets, so they count the
 * tenant's requests across all its sites and all proxy replicas.
 */
export function rateLimitRules(r: RateLimitSpec): RateLimitRule[] {
  return [
    { limit: { requests: r.requestsPerMinute, unit: "Minute" }, shared: true },
    { limit: { requests: Math.ceil((r.requestsPerMinute * r.burstMultiplier) / 60), unit: "Second" }, shared: true },
  ];
}

/**
 * One Envoy Gateway BackendTrafficPolicy selecting every HTTPRoute of the tenant: a global
 * (all proxy replicas) rate limit with shared buckets, so 3 sites share the tier's budget
 * rather than getting 3x, and the tier's connection cap as a circuit breaker.
 */
export class TenantRateLimit extends pulumi.ComponentResource {
  constructor(name: string, args: TenantRateLimitArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:tenant:TenantRateLimit", name, {}, opts);
    customResource<BackendTrafficPolicySpec>(
      name,
      {
        apiVersion: "gateway.envoyproxy.io/v1alpha1",
        kind: "BackendTrafficPolicy",
        metadata: { name: "tenant-rate-limit", namespace: args.namespace, labels: tenantLabels(args.identity) },
        spec: {
          targetSelectors: [
            { group: GATEWAY_API_GROUP, kind: "HTTPRoute", matchLabels: { [LABEL.tenant]: args.identity.tenantId } },
          ],
          rateLimit: { type: "Global", global: { rules: rateLimitRules(args.rateLimit) } },
          circuitBreaker: { maxConnections: args.rateLimit.maxConnections },
        },
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

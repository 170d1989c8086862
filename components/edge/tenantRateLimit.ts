import * as pulumi from "@pulumi/pulumi";
import {
  burstRequests,
  originLockdownSpec,
  tenantListenerName,
  TRUSTED_CLIENT_HEADER,
  type RateLimitSpec,
} from "../../tiers";
import {
  customResource,
  type BackendTrafficPolicySpec,
  type ClientTrafficPolicySpec,
  type RateLimitRule,
} from "../shared/crds";
import { LABEL, tenantLabels, type TenantIdentity } from "../shared/labels";
import { GATEWAY_API_GROUP } from "../tenant/siteRouting";

export interface TenantRateLimitArgs {
  readonly identity: TenantIdentity;
  /** The core namespace, where all the tenant's HTTPRoutes live. */
  readonly namespace: string;
  readonly rateLimit: RateLimitSpec;
  /**
   * The platform Gateway; when `sectionName` is the tenant's own listener (`tenant-<id>`,
   * tiers/naming tenantListenerName) the tier's connection cap is set on it. Any other listener is
   * shared and gets none: a cap there would count every tenant's clients (the summary says so).
   */
  readonly gateway: { readonly name: string; readonly namespace: string; readonly sectionName?: string };
  /**
   * Whether the tenant has trusted clients: requests the edge marked with TRUSTED_CLIENT_HEADER
   * are then not counted (TenantEdge strips the header from everyone else). Default false.
   */
  readonly trustedClients?: boolean;
}

/**
 * The tier's sustained budget per minute and its burst: at most `burstMultiplier` times the
 * average per-second rate in any one second. Both are shared buckets, so they count the
 * tenant's requests across all its sites and all proxy replicas; trusted clients (marked by the
 * edge) are not counted.
 */
export function rateLimitRules(r: RateLimitSpec, trustedClients = false): RateLimitRule[] {
  const selectors = trustedClients
    ? {
        clientSelectors: [
          { headers: [{ name: TRUSTED_CLIENT_HEADER, type: "Exact" as const, value: "1", invert: true }] },
        ],
      }
    : {};
  return [
    { ...selectors, limit: { requests: r.requestsPerMinute, unit: "Minute" }, shared: true },
    {
      ...selectors,
      limit: { requests: burstRequests(r, 1), unit: "Second" },
      shared: true,
    },
  ];
}

/**
 * One Envoy Gateway BackendTrafficPolicy selecting every HTTPRoute of the tenant: a global
 * (all proxy replicas) rate limit with shared buckets, so 3 sites share the tier's budget
 * rather than getting 3x. The tier's connection cap limits clients, so it belongs on the
 * listener (ClientTrafficPolicy), not on the upstream circuit breaker.
 */
export class TenantRateLimit extends pulumi.ComponentResource {
  constructor(name: string, args: TenantRateLimitArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:tenant:TenantRateLimit", name, {}, opts);
    const labels = tenantLabels(args.identity);
    customResource<BackendTrafficPolicySpec>(
      name,
      {
        apiVersion: "gateway.envoyproxy.io/v1alpha1",
        kind: "BackendTrafficPolicy",
        metadata: { name: "tenant-rate-limit", namespace: args.namespace, labels },
        spec: {
          targetSelectors: [
            {
              group: GATEWAY_API_GROUP,
              kind: "HTTPRoute",
              matchLabels: { [LABEL.tenant]: args.identity.tenantId },
            },
          ],
          rateLimit: {
            type: "Global",
            global: { rules: rateLimitRules(args.rateLimit, args.trustedClients) },
          },
        },
      },
      { parent: this },
    );
    const { gateway } = args;
    if (gateway.sectionName === tenantListenerName(args.identity.tenantId)) {
      customResource<ClientTrafficPolicySpec>(
        `${name}-connections`,
        {
          apiVersion: "gateway.envoyproxy.io/v1alpha1",
          kind: "ClientTrafficPolicy",
          // A ClientTrafficPolicy targets a Gateway in its own namespace.
          metadata: {
            name: `tenant-${args.identity.tenantId}-connections`,
            namespace: gateway.namespace,
            labels,
          },
          spec: {
            targetRefs: [
              {
                group: GATEWAY_API_GROUP,
                kind: "Gateway",
                name: gateway.name,
                sectionName: gateway.sectionName,
              },
            ],
            connection: { connectionLimit: { value: args.rateLimit.maxConnections } },
            // A listener's own policy replaces the Gateway's: it must lock the listener to the edge too.
            ...originLockdownSpec(),
          },
        },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}

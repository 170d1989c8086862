import * as networking from "@pulumi/kubernetes/networking/v1";
import * as pulumi from "@pulumi/pulumi";
import { GATEWAY, type RateLimitSpec } from "../../tiers";
import {
  customResource,
  type HttpRouteFilterSpec,
  type HttpRouteSpec,
  type ReferenceGrantSpec,
} from "../shared/crds";
import { LABEL, tenantLabels, type TenantIdentity } from "../shared/labels";

/** How traffic reaches the tenant: Gateway API (default) or the legacy ingress-nginx mode. */
export type RoutingMode =
  | {
      readonly mode: "gateway-api";
      /** The platform's shared Gateway the tenant's routes attach to. */
      readonly gateway: { readonly name: string; readonly namespace: string; readonly sectionName?: string };
    }
  | { readonly mode: "ingress-nginx"; readonly ingressClassName: string };

export interface SiteRoutingArgs {
  readonly identity: TenantIdentity;
  readonly site: number;
  /** All hostnames of the site: the platform hostname first, then the custom domains. */
  readonly hostnames: readonly string[];
  /** Where Gateway API routes live: the core namespace, so one policy can rate-limit them all. */
  readonly coreNamespace: string;
  /** Where the site's api-gateway Service runs. */
  readonly siteNamespace: string;
  readonly routing: RoutingMode;
  /** The tier's per-tenant rate limit (used by the legacy annotations; Gateway API uses TenantRateLimit). */
  readonly rateLimit: RateLimitSpec;
  /** Client CIDRs exempt from rate limiting (Business). Default none. */
  readonly trustedCidrs?: readonly string[];
  /**
   * The tenant is suspended: every hostname answers the maintenance response (Gateway API: the
   * route's one rule is a direct response; ingress-nginx: the Ingress stays and answers 503, its
   * backend having no endpoints). Default false.
   */
  readonly suspended?: boolean;
}

export const GATEWAY_API_GROUP = "gateway.networking.k8s.io";
export const ENVOY_GATEWAY_GROUP = "gateway.envoyproxy.io";
export const routeName = (site: number): string => `site-${site}`;
export const maintenanceFilterName = (site: number): string => `${routeName(site)}-maintenance`;

/**
 * What a suspended tenant's hostnames answer: 503 with Retry-After (crawlers keep the shop's
 * pages indexed, clients retry later) and no-store (neither Cloudflare nor a browser keeps it
 * once the tenant is restored).
 */
export const MAINTENANCE_RESPONSE = {
  statusCode: 503,
  retryAfterSeconds: 3600,
  contentType: "text/html; charset=utf-8",
  body: "<!doctype html><title>Temporarily unavailable</title><h1>This shop is temporarily unavailable.</h1>",
} as const;

/**
 * The route to one site's api-gateway. Gateway API: an HTTPRoute in the core namespace (with a
 * ReferenceGrant in the site namespace), labelled with the tenant so TenantRateLimit can apply
 * one shared per-tenant budget to all of them. Legacy: an Ingress with ingress-nginx's real
 * annotations, whose limits are per client IP and per controller replica.
 */
export class SiteRouting extends pulumi.ComponentResource {
  constructor(name: string, args: SiteRoutingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:tenant:SiteRouting", name, {}, opts);
    const labels = tenantLabels(args.identity, { [LABEL.site]: String(args.site) });
    // ingress-nginx has no direct response without snippets (off by default): a suspended
    // tenant's Ingress stays and answers 503, its backend having no endpoints at zero replicas.
    if (args.routing.mode === "ingress-nginx") legacyIngress(name, args, args.routing, labels, this);
    else gatewayRoute(name, args, args.routing, labels, this);
    this.registerOutputs({});
  }
}

/** Legacy: an Ingress with ingress-nginx's real annotations (per client IP and controller replica). */
function legacyIngress(
  name: string,
  args: SiteRoutingArgs,
  routing: Extract<RoutingMode, { mode: "ingress-nginx" }>,
  labels: Record<string, string>,
  parent: pulumi.Resource,
): void {
  const r = args.rateLimit;
  const trusted = args.trustedCidrs ?? [];
  new networking.Ingress(
    name,
    {
      metadata: {
        name: routeName(args.site),
        namespace: args.siteNamespace,
        labels,
        annotations: {
          "nginx.ingress.kubernetes.io/limit-rpm": String(r.requestsPerMinute),
          "nginx.ingress.kubernetes.io/limit-connections": String(r.maxConnections),
          "nginx.ingress.kubernetes.io/limit-burst-multiplier": String(r.burstMultiplier),
          ...(trusted.length > 0 ? { "nginx.ingress.kubernetes.io/limit-whitelist": trusted.join(",") } : {}),
        },
      },
      spec: {
        ingressClassName: routing.ingressClassName,
        tls: [{ hosts: [...args.hostnames], secretName: `${routeName(args.site)}-tls` }],
        rules: args.hostnames.map((host) => ({
          host,
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: { service: { name: GATEWAY.workloadName, port: { number: GATEWAY.port } } },
              },
            ],
          },
        })),
      },
    },
    { parent },
  );
}

/** An HTTPRoute in the core namespace to the site's gateway, and the ReferenceGrant a site namespace needs. */
function gatewayRoute(
  name: string,
  args: SiteRoutingArgs,
  routing: Extract<RoutingMode, { mode: "gateway-api" }>,
  labels: Record<string, string>,
  parent: pulumi.Resource,
): void {
  const crossNamespace = args.siteNamespace !== args.coreNamespace;
  const dependsOn: pulumi.Resource[] = [];
  if (crossNamespace) {
    dependsOn.push(
      customResource<ReferenceGrantSpec>(
        `${name}-grant`,
        {
          apiVersion: `${GATEWAY_API_GROUP}/v1beta1`,
          kind: "ReferenceGrant",
          metadata: { name: "tenant-routes", namespace: args.siteNamespace, labels },
          spec: {
            from: [{ group: GATEWAY_API_GROUP, kind: "HTTPRoute", namespace: args.coreNamespace }],
            to: [{ group: "", kind: "Service", name: GATEWAY.workloadName }],
          },
        },
        { parent },
      ),
    );
  }
  customResource<HttpRouteSpec>(
    name,
    {
      apiVersion: `${GATEWAY_API_GROUP}/v1`,
      kind: "HTTPRoute",
      metadata: { name: routeName(args.site), namespace: args.coreNamespace, labels },
      spec: {
        parentRefs: [
          {
            group: GATEWAY_API_GROUP,
            kind: "Gateway",
            name: routing.gateway.name,
            namespace: routing.gateway.namespace,
            ...(routing.gateway.sectionName ? { sectionName: routing.gateway.sectionName } : {}),
          },
        ],
        hostnames: args.hostnames,
        rules: [
          {
            matches: [{ path: { type: "PathPrefix", value: "/" } }],
            ...(args.suspended
              ? { filters: [maintenanceFilter(name, args, labels, parent, dependsOn)] }
              : {
                  backendRefs: [
                    {
                      name: GATEWAY.workloadName,
                      ...(crossNamespace ? { namespace: args.siteNamespace } : {}),
                      port: GATEWAY.port,
                    },
                  ],
                }),
          },
        ],
      },
    },
    { parent, dependsOn },
  );
}

/**
 * A suspended site's maintenance response: an Envoy Gateway HTTPRouteFilter in the route's own
 * namespace (an extensionRef is namespace-local), which the route's rule references instead of
 * a backend. Returns the rule's filter; the route waits for the filter.
 */
function maintenanceFilter(
  name: string,
  args: SiteRoutingArgs,
  labels: Record<string, string>,
  parent: pulumi.Resource,
  dependsOn: pulumi.Resource[],
): NonNullable<HttpRouteSpec["rules"][number]["filters"]>[number] {
  const filterName = maintenanceFilterName(args.site);
  const r = MAINTENANCE_RESPONSE;
  dependsOn.push(
    customResource<HttpRouteFilterSpec>(
      `${name}-maintenance`,
      {
        apiVersion: `${ENVOY_GATEWAY_GROUP}/v1alpha1`,
        kind: "HTTPRouteFilter",
        metadata: { name: filterName, namespace: args.coreNamespace, labels },
        spec: {
          directResponse: {
            statusCode: r.statusCode,
            contentType: r.contentType,
            body: { type: "Inline", inline: r.body },
            header: {
              set: [
                { name: "Retry-After", value: String(r.retryAfterSeconds) },
                { name: "Cache-Control", value: "no-store" },
              ],
            },
          },
        },
      },
      { parent },
    ),
  );
  return {
    type: "ExtensionRef",
    extensionRef: { group: ENVOY_GATEWAY_GROUP, kind: "HTTPRouteFilter", name: filterName },
  };
}

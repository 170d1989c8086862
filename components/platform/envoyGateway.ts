import * as pulumi from "@pulumi/pulumi";
import { LABEL, PART_OF } from "../shared/labels";
import { customResource, type ClientTrafficPolicySpec } from "../shared/crds";
import { originLockdownSpec } from "../../tiers";
import { pinnedRelease } from "./charts";
import { platformNamespace } from "./platformNamespace";
import * as core from "@pulumi/kubernetes/core/v1";
import { ORIGIN_PULL } from "../../tiers";
import { PLATFORM_SERVICES } from "./serviceLocations";

export const GATEWAY_CLASS = "envoy";
export const GATEWAY_CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller";

export interface EnvoyGatewayArgs {
  /** The Secret (in the Gateway's namespace) holding the listener's certificate. */
  readonly certificateSecret: string;
  /** The origin-pull CA's certificate (PEM, components/platform/originPullPki.ts): the only client certificates accepted. */
  readonly originPullCaCertificate: pulumi.Input<string>;
}

/**
 * Envoy Gateway (its controller, CRDs and the global rate-limit service, backed by the shared
 * Redis), the GatewayClass, and the platform Gateway with the HTTPS listener every tenant route
 * attaches to (PLATFORM_SERVICES.gateway); only the tenants' namespaces may attach routes. The
 * Gateway serves only the edge: a ClientTrafficPolicy requires Cloudflare's origin-pull client
 * certificate (the platform's own CA, components/platform/originPullPki.ts) on every listener.
 */
export class EnvoyGateway extends pulumi.ComponentResource {
  constructor(name: string, args: EnvoyGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:platform:EnvoyGateway", name, {}, opts);
    const { edge, gateway, redis } = PLATFORM_SERVICES;
    const controllerNs = platformNamespace(edge.namespace, { parent: this });
    const release = pinnedRelease(
      "envoy-gateway",
      "envoyGateway",
      edge.namespace,
      {
        config: {
          envoyGateway: {
            rateLimit: { backend: { type: "Redis", redis: { url: `${redis.host}:${redis.port}` } } },
          },
        },
      },
      { parent: this, dependsOn: [controllerNs] },
    );
    const gatewayNs = platformNamespace(gateway.namespace, { parent: this });
    const afterCrds = { parent: this, dependsOn: [release, gatewayNs] };
    customResource(
      `${name}-class`,
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "GatewayClass",
        metadata: { name: GATEWAY_CLASS },
        spec: { controllerName: GATEWAY_CONTROLLER },
      },
      afterCrds,
    );
    customResource(
      `${name}-gateway`,
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        metadata: { name: gateway.name, namespace: gateway.namespace },
        spec: {
          gatewayClassName: GATEWAY_CLASS,
          listeners: [
            {
              name: gateway.sectionName,
              protocol: "HTTPS",
              port: 443,
              tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: args.certificateSecret }] },
              allowedRoutes: {
                kinds: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute" }],
                namespaces: { from: "Selector", selector: { matchLabels: { [LABEL.partOf]: PART_OF } } },
              },
            },
          ],
        },
      },
      afterCrds,
    );
    // Origin lockdown (tiers/edge.ts): only the edge's client certificate completes TLS.
    const caSecret = new core.Secret(
      `${name}-origin-pull-ca`,
      {
        metadata: { name: ORIGIN_PULL.caSecret, namespace: gateway.namespace },
        type: "Opaque",
        // Only the CA's certificate: the gateway validates with it and never signs.
        stringData: { "ca.crt": args.originPullCaCertificate },
      },
      { parent: this, dependsOn: [gatewayNs] },
    );
    customResource<ClientTrafficPolicySpec>(
      `${name}-origin-lockdown`,
      {
        apiVersion: "gateway.envoyproxy.io/v1alpha1",
        kind: "ClientTrafficPolicy",
        metadata: { name: `${gateway.name}-origin-lockdown`, namespace: gateway.namespace },
        spec: {
          targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: gateway.name }],
          ...originLockdownSpec(),
        },
      },
      { parent: this, dependsOn: [release, caSecret] },
    );
    this.registerOutputs({});
  }
}

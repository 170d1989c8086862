import * as networking from "@pulumi/kubernetes/networking/v1";
import type * as inputs from "@pulumi/kubernetes/types/input";
import * as pulumi from "@pulumi/pulumi";
import { GATEWAY, METRICS_PORT } from "../../tiers";
import { LABEL, PART_OF, tenantLabels, workloadSelector, type TenantIdentity } from "../shared/labels";

/** A platform endpoint a tenant's pods may reach: outside the cluster (CIDR) or in a namespace. */
export type Endpoint =
  { readonly cidr: string; readonly port: number } | { readonly namespace: string; readonly port: number };

/** An endpoint clients address by host name. */
export type HostEndpoint = Endpoint & { readonly host: string };

export interface PlatformEndpoints {
  readonly mysql: Endpoint;
  readonly rabbitmq: Endpoint;
  readonly objectStorage: Endpoint;
  /** The platform's shared Redis; only for tiers without a dedicated one. */
  readonly redis?: Endpoint;
}

/** What a namespace that runs the tenant's services may reach, and be reached from. */
export interface PlatformAccess {
  /** Namespace of the edge proxies (Envoy Gateway or ingress-nginx) allowed to reach the api-gateway. */
  readonly edgeNamespace: string;
  /** Namespace of Prometheus, allowed to scrape the metrics port. */
  readonly monitoringNamespace: string;
  readonly endpoints: PlatformEndpoints;
}

export interface NetworkIsolationArgs {
  readonly identity: TenantIdentity;
  readonly namespace: pulumi.Input<string>;
  /** The explicit allows. Default none: the namespace is sealed (a retired site's). */
  readonly access?: PlatformAccess;
}

const byName = (namespace: string): inputs.meta.v1.LabelSelector => ({
  matchLabels: { "kubernetes.io/metadata.name": namespace },
});

function egressRule(endpoint: Endpoint): inputs.networking.v1.NetworkPolicyEgressRule {
  const to =
    "cidr" in endpoint
      ? [{ ipBlock: { cidr: endpoint.cidr } }]
      : [{ namespaceSelector: byName(endpoint.namespace) }];
  return { to, ports: [{ protocol: "TCP", port: endpoint.port }] };
}

/**
 * Default-deny for one tenant namespace, then the explicit allows (when it has platform
 * access): DNS, traffic between the tenant's own namespaces, the edge to the api-gateway,
 * Prometheus to the metrics port, and egress to the platform's MySQL, RabbitMQ, object storage
 * (and shared Redis where used). The default-deny keeps its name in both modes, so sealing a
 * namespace deletes only the allows.
 */
export class NetworkIsolation extends pulumi.ComponentResource {
  constructor(name: string, args: NetworkIsolationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:tenant:NetworkIsolation", name, {}, opts);
    const labels = tenantLabels(args.identity);
    const ownNamespaces = {
      namespaceSelector: { matchLabels: { [LABEL.tenant]: args.identity.tenantId, [LABEL.partOf]: PART_OF } },
    };
    const policy = (suffix: string, spec: inputs.networking.v1.NetworkPolicySpec): void => {
      new networking.NetworkPolicy(
        `${name}-${suffix}`,
        { metadata: { name: suffix, namespace: args.namespace, labels }, spec },
        { parent: this },
      );
    };

    policy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    const access = args.access;
    if (!access) {
      this.registerOutputs({});
      return;
    }
    policy("allow-dns", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [
            {
              namespaceSelector: byName("kube-system"),
              podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
          ],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ],
    });
    policy("allow-tenant-namespaces", {
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [ownNamespaces] }],
      egress: [{ to: [ownNamespaces] }],
    });
    policy("allow-edge-to-gateway", {
      podSelector: { matchLabels: workloadSelector(GATEWAY.workloadName) },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [{ namespaceSelector: byName(access.edgeNamespace) }],
          ports: [{ protocol: "TCP", port: GATEWAY.port }],
        },
      ],
    });
    policy("allow-metrics-scrape", {
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [{ namespaceSelector: byName(access.monitoringNamespace) }],
          ports: [{ protocol: "TCP", port: METRICS_PORT }],
        },
      ],
    });
    const { mysql, rabbitmq, objectStorage, redis } = access.endpoints;
    policy("allow-platform-services", {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [mysql, rabbitmq, objectStorage, ...(redis ? [redis] : [])].map(egressRule),
    });
    this.registerOutputs({});
  }
}

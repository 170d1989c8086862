/**
 * The platform's blackbox exporter: the prober of the tenants' outside-in Probes
 * (components/operations/probes.ts), as typed Kubernetes objects the policy pack can judge. Two
 * replicas spread over zones behind one Service, so a probe's verdict never depends on one node;
 * its module is an HTTPS GET that must answer 2xx within BLACKBOX_EXPORTER.timeoutSeconds.
 */
import * as apps from "@pulumi/kubernetes/apps/v1";
import * as core from "@pulumi/kubernetes/core/v1";
import * as policy from "@pulumi/kubernetes/policy/v1";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { BLACKBOX_EXPORTER } from "../shared/contracts";
import { LABEL, PART_OF } from "../shared/labels";
import { CONTAINER_SECURITY_CONTEXT, POD_SECURITY_CONTEXT, zoneSpread } from "../tenant/microservice";

export interface BlackboxExporterArgs {
  /** The platform's monitoring namespace (the tenants' `platform.monitoringNamespace`). */
  readonly namespace: string;
  /** Default `quay.io/prometheus/blackbox-exporter:v0.25.0`. */
  readonly image?: string;
  /** Default 2 (one per zone at least). */
  readonly replicas?: number;
}

export const BLACKBOX_IMAGE = "quay.io/prometheus/blackbox-exporter:v0.25.0";
const CONFIG_KEY = "blackbox.yml";

/** The exporter's configuration: the one module the Probes use. */
export function blackboxConfig(): string {
  return stringify({
    modules: {
      [BLACKBOX_EXPORTER.module]: {
        prober: "http",
        timeout: `${BLACKBOX_EXPORTER.timeoutSeconds}s`,
        http: {
          method: "GET",
          // Empty: any 2xx. A redirect is followed and judged where it ends.
          valid_status_codes: [],
          follow_redirects: true,
          fail_if_not_ssl: true,
          preferred_ip_protocol: "ip4",
        },
      },
    },
  });
}

export class BlackboxExporter extends pulumi.ComponentResource {
  readonly serviceName: string;

  constructor(name: string, args: BlackboxExporterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:platform:BlackboxExporter", name, {}, opts);
    const replicas = args.replicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 1)
      throw new Error(`replicas must be a positive integer, got ${replicas}`);
    const selector = { [LABEL.app]: BLACKBOX_EXPORTER.name };
    const labels = { ...selector, [LABEL.partOf]: PART_OF, [LABEL.managedBy]: "pulumi" };
    const metadata = { name: BLACKBOX_EXPORTER.name, namespace: args.namespace, labels };
    const child = { parent: this };
    const config = new core.ConfigMap(
      `${name}-config`,
      { metadata, data: { [CONFIG_KEY]: blackboxConfig() } },
      child,
    );
    new apps.Deployment(
      name,
      {
        metadata,
        spec: {
          replicas,
          selector: { matchLabels: selector },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
          template: {
            // A changed module rolls the pods (the exporter reads its file at start).
            metadata: { labels, annotations: { "checksum/config": String(hash(blackboxConfig())) } },
            spec: exporterPod(args.image ?? BLACKBOX_IMAGE, selector, replicas),
          },
        },
      },
      { ...child, dependsOn: [config] },
    );
    new core.Service(
      name,
      {
        metadata,
        spec: {
          type: "ClusterIP",
          selector,
          ports: [{ name: "http", port: BLACKBOX_EXPORTER.port, targetPort: "http", protocol: "TCP" }],
        },
      },
      child,
    );
    if (replicas > 1)
      new policy.PodDisruptionBudget(
        name,
        { metadata, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
        child,
      );
    this.serviceName = BLACKBOX_EXPORTER.name;
    this.registerOutputs({ serviceName: this.serviceName });
  }
}

function exporterPod(image: string, selector: Record<string, string>, replicas: number) {
  return {
    automountServiceAccountToken: false,
    securityContext: { ...POD_SECURITY_CONTEXT, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534 },
    ...(replicas > 1 ? { topologySpreadConstraints: zoneSpread(selector) } : {}),
    containers: [
      {
        name: BLACKBOX_EXPORTER.name,
        image,
        args: [`--config.file=/etc/blackbox/${CONFIG_KEY}`],
        ports: [{ name: "http", containerPort: BLACKBOX_EXPORTER.port, protocol: "TCP" }],
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
        securityContext: CONTAINER_SECURITY_CONTEXT,
        livenessProbe: { httpGet: { path: "/-/healthy", port: "http" }, periodSeconds: 10 },
        readinessProbe: { httpGet: { path: "/-/ready", port: "http" }, periodSeconds: 5 },
        volumeMounts: [{ name: "config", mountPath: "/etc/blackbox", readOnly: true }],
      },
    ],
    volumes: [{ name: "config", configMap: { name: BLACKBOX_EXPORTER.name } }],
  };
}

/** A stable 32-bit hash (FNV-1a) of the configuration. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

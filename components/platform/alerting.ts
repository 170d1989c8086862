import * as pulumi from "@pulumi/pulumi";
import { LABEL, PART_OF } from "../shared/labels";
import { pinnedRelease } from "./charts";
import { platformNamespace } from "./platformNamespace";

export interface AlertingArgs {
  /** The monitoring namespace (the platform Prometheus's: components/platform/metricsRetention.ts). */
  readonly namespace: string;
}

/**
 * The Prometheus operator (its CRDs: Prometheus, ServiceMonitor, PrometheusRule, AlertmanagerConfig)
 * and Alertmanager, from kube-prometheus-stack. The chart's own Prometheus is off: the platform
 * Prometheus is MetricsRetention's. Alertmanager selects every tenant's AlertmanagerConfig (labelled
 * part-of collect-verything, in a tenant namespace), each matched to its own namespace's alerts.
 */
export class Alerting extends pulumi.ComponentResource {
  constructor(name: string, args: AlertingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:platform:Alerting", name, {}, opts);
    const namespace = platformNamespace(args.namespace, { parent: this });
    const tenants = { matchLabels: { [LABEL.partOf]: PART_OF } };
    pinnedRelease(
      "kube-prometheus-stack",
      "kubePrometheusStack",
      args.namespace,
      {
        prometheus: { enabled: false },
        grafana: { enabled: false },
        alertmanager: {
          enabled: true,
          alertmanagerSpec: {
            replicas: 3,
            alertmanagerConfigSelector: tenants,
            alertmanagerConfigNamespaceSelector: tenants,
            alertmanagerConfigMatcherStrategy: { type: "OnNamespace" },
          },
        },
      },
      { parent: this, dependsOn: [namespace] },
    );
    this.registerOutputs({});
  }
}

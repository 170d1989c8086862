/**
 * What each pinned chart (tiers/chartPins.ts) puts on the cluster, by chart version, read from the
 * chart's own sources at that version with the values the platform gives it (docs/platform.md,
 * "API versions"): the API kinds its templates render and the kinds its CRDs serve. The synth
 * checks both against the cluster's Kubernetes version (servedApis.ts) and the custom resources
 * the programs create against the CRDs the pinned charts install. A pin moved without this table
 * is refused: what a chart renders cannot be judged offline without its templates (no Helm, no
 * network), so the table is the reviewed record of them, re-read at every bump.
 */
import { CHARTS, type ChartName } from "../../tiers/chartPins";

export interface ChartApis {
  /** The chart version the lists were read from: must equal the pin. */
  readonly version: string;
  /** Where they were read (repository@tag: paths). */
  readonly source: string;
  /** `group/version:Kind` ("core/v1" for the core group) of every object its templates render with our values. */
  readonly renders: readonly string[];
  /** `group/version:Kind` served by the CRDs it installs. */
  readonly crds: readonly string[];
}

const RBAC = [
  "rbac.authorization.k8s.io/v1:ClusterRole",
  "rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  "rbac.authorization.k8s.io/v1:Role",
  "rbac.authorization.k8s.io/v1:RoleBinding",
];
const WORKLOAD = ["apps/v1:Deployment", "core/v1:Service", "core/v1:ServiceAccount"];

export const CHART_APIS: Readonly<Record<ChartName, ChartApis>> = {
  envoyGateway: {
    version: "v1.7.4",
    source: "envoyproxy/gateway@v1.7.4: charts/gateway-helm/templates, charts/gateway-helm/crds",
    renders: [
      ...WORKLOAD,
      ...RBAC,
      "core/v1:ConfigMap",
      "policy/v1:PodDisruptionBudget",
      "batch/v1:Job",
      "autoscaling/v2:HorizontalPodAutoscaler",
      "admissionregistration.k8s.io/v1:MutatingWebhookConfiguration",
    ],
    crds: [
      "gateway.envoyproxy.io/v1alpha1:Backend",
      "gateway.envoyproxy.io/v1alpha1:BackendTrafficPolicy",
      "gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy",
      "gateway.envoyproxy.io/v1alpha1:EnvoyExtensionPolicy",
      "gateway.envoyproxy.io/v1alpha1:EnvoyPatchPolicy",
      "gateway.envoyproxy.io/v1alpha1:EnvoyProxy",
      "gateway.envoyproxy.io/v1alpha1:HTTPRouteFilter",
      "gateway.envoyproxy.io/v1alpha1:SecurityPolicy",
      "gateway.networking.k8s.io/v1:BackendTLSPolicy",
      "gateway.networking.k8s.io/v1:GRPCRoute",
      "gateway.networking.k8s.io/v1:Gateway",
      "gateway.networking.k8s.io/v1:GatewayClass",
      "gateway.networking.k8s.io/v1:HTTPRoute",
      "gateway.networking.k8s.io/v1beta1:ReferenceGrant",
      "gateway.networking.k8s.io/v1alpha2:TCPRoute",
      "gateway.networking.k8s.io/v1alpha2:TLSRoute",
      "gateway.networking.k8s.io/v1alpha2:UDPRoute",
    ],
  },
  keda: {
    version: "2.17.2",
    source:
      "kedacore/charts@v2.17.2: keda/templates (cert-manager, Cilium and Prometheus objects off), keda/crds",
    renders: [
      ...WORKLOAD,
      ...RBAC,
      "policy/v1:PodDisruptionBudget",
      "admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration",
      "apiregistration.k8s.io/v1:APIService",
    ],
    crds: [
      "keda.sh/v1alpha1:ScaledObject",
      "keda.sh/v1alpha1:ScaledJob",
      "keda.sh/v1alpha1:TriggerAuthentication",
      "keda.sh/v1alpha1:ClusterTriggerAuthentication",
      "eventing.keda.sh/v1alpha1:CloudEventSource",
      "eventing.keda.sh/v1alpha1:ClusterCloudEventSource",
    ],
  },
  kubePrometheusStack: {
    version: "69.2.3",
    source:
      "prometheus-community/helm-charts@kube-prometheus-stack-69.2.3: templates/prometheus-operator, templates/alertmanager (Prometheus, Grafana off), charts/crds; kube-state-metrics 5.29 and node-exporter 4.43 subcharts",
    renders: [
      ...WORKLOAD,
      ...RBAC,
      "core/v1:Secret",
      "apps/v1:DaemonSet",
      "batch/v1:Job",
      "policy/v1:PodDisruptionBudget",
      "admissionregistration.k8s.io/v1:MutatingWebhookConfiguration",
      "admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration",
      "monitoring.coreos.com/v1:Alertmanager",
      "monitoring.coreos.com/v1:ServiceMonitor",
      "monitoring.coreos.com/v1:PrometheusRule",
    ],
    crds: [
      "monitoring.coreos.com/v1:Alertmanager",
      "monitoring.coreos.com/v1:PodMonitor",
      "monitoring.coreos.com/v1:Probe",
      "monitoring.coreos.com/v1:Prometheus",
      "monitoring.coreos.com/v1:PrometheusRule",
      "monitoring.coreos.com/v1:ServiceMonitor",
      "monitoring.coreos.com/v1:ThanosRuler",
      "monitoring.coreos.com/v1alpha1:AlertmanagerConfig",
      "monitoring.coreos.com/v1alpha1:PrometheusAgent",
      "monitoring.coreos.com/v1alpha1:ScrapeConfig",
    ],
  },
  mysqlOperator: {
    version: "2.2.5",
    // The stored sources end at 2.2.2; the operator's CRDs have been mysql.oracle.com/v2 since 8.0.
    source:
      "mysql/mysql-operator@9.1.0-2.2.2: helm/mysql-operator (2.2.5's own sources not readable offline)",
    renders: [...WORKLOAD, ...RBAC.slice(0, 2), "zalando.org/v1:ClusterKopfPeering"],
    crds: [
      "mysql.oracle.com/v2:InnoDBCluster",
      "mysql.oracle.com/v2:MySQLBackup",
      "zalando.org/v1:ClusterKopfPeering",
      "zalando.org/v1:KopfPeering",
    ],
  },
  rabbitmqClusterOperator: {
    version: "4.4.0",
    // Not read offline (bitnami/charts is not in the stored sources): the operator's Deployment and
    // RBAC, the messaging topology operator off, and the RabbitmqCluster CRD it has served since 1.0.
    source: "bitnami/charts rabbitmq-cluster-operator 4.4.0 (not read offline; the operator's v2.9.0 CRD)",
    renders: [...WORKLOAD, ...RBAC],
    crds: ["rabbitmq.com/v1beta1:RabbitmqCluster"],
  },
  minio: {
    version: "5.4.0",
    source: "minio/minio@RELEASE.2024-12-18T13-15-44Z: helm/minio/templates (distributed mode, no Ingress)",
    renders: [
      "apps/v1:StatefulSet",
      "core/v1:Service",
      "core/v1:ServiceAccount",
      "core/v1:ConfigMap",
      "core/v1:Secret",
      "batch/v1:Job",
      "policy/v1:PodDisruptionBudget",
    ],
    crds: [],
  },
  clusterAutoscaler: {
    version: "9.59.0",
    source:
      "kubernetes/autoscaler@cluster-autoscaler-chart-9.59.0: cluster-autoscaler/charts/cluster-autoscaler/templates (PodSecurityPolicy and VPA off)",
    renders: [...WORKLOAD, ...RBAC, "core/v1:ConfigMap", "policy/v1:PodDisruptionBudget"],
    crds: [],
  },
};

/** Every kind the pinned charts' CRDs serve: what a custom resource of the programs may be. */
export const CRD_KINDS: ReadonlySet<string> = new Set(Object.values(CHART_APIS).flatMap((c) => c.crds));

/** The pin a Helm release is of (chart reference as pinnedRelease writes it), if any. */
export function chartOfRelease(chart: unknown): ChartName | undefined {
  return (Object.keys(CHARTS) as ChartName[]).find((name) => {
    const pin = CHARTS[name];
    return chart === pin.chart || chart === `${pin.repo}/${pin.chart}`;
  });
}

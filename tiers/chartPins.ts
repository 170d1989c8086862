/**
 * The Helm charts the platform installs, each pinned to a chart version and the application
 * version it ships (docs/platform-contract.md says how to upgrade them). Data only: the pack
 * (policy/policies/boundary.ts) admits a platform Helm release only of a chart pinned here.
 */
export interface PinnedChart {
  /** Chart repository (an `oci://` reference holds the chart name itself). */
  readonly repo: string;
  readonly chart: string;
  readonly version: string;
  /** The application version the chart version deploys (its `appVersion`, or the image pinned below). */
  readonly appVersion: string;
}

export const CHARTS = {
  envoyGateway: {
    repo: "oci://docker.io/envoyproxy",
    chart: "gateway-helm",
    version: "v1.7.4",
    appVersion: "v1.7.4",
  },
  keda: { repo: "https://kedacore.github.io/charts", chart: "keda", version: "2.17.2", appVersion: "2.17.2" },
  // Verified: tag kube-prometheus-stack-69.2.3 of prometheus-community/helm-charts, Chart.yaml
  // version 69.2.3, appVersion v0.80.0 (the Prometheus operator).
  kubePrometheusStack: {
    repo: "https://prometheus-community.github.io/helm-charts",
    chart: "kube-prometheus-stack",
    version: "69.2.3",
    appVersion: "v0.80.0",
  },
  // Verified: MySQL Operator 9.4.0-2.2.5 (release notes 2025-07-22; tag 9.4.0-2.2.5 of
  // mysql/mysql-operator). Its chart version is the operator's suffix, appVersion the whole tag
  // (index.yaml of https://mysql.github.io/mysql-operator/: 2.2.2 -> 9.1.0-2.2.2, 2.1.5 -> 8.4.3-2.1.5).
  mysqlOperator: {
    repo: "https://mysql.github.io/mysql-operator/",
    chart: "mysql-operator",
    version: "2.2.5",
    appVersion: "9.4.0-2.2.5",
  },
  rabbitmqClusterOperator: {
    repo: "https://charts.bitnami.com/bitnami",
    chart: "rabbitmq-cluster-operator",
    version: "4.4.0",
    appVersion: "2.9.0",
  },
  minio: {
    repo: "https://charts.min.io/",
    chart: "minio",
    version: "5.4.0",
    appVersion: "RELEASE.2024-12-18T13-15-44Z",
  },
  // Verified: tag cluster-autoscaler-chart-9.59.0 of kubernetes/autoscaler, Chart.yaml version
  // 9.59.0, appVersion 1.35.0 (the image follows the cluster's minor version: bump it with Kubernetes).
  clusterAutoscaler: {
    repo: "https://kubernetes.github.io/autoscaler",
    chart: "cluster-autoscaler",
    version: "9.59.0",
    appVersion: "v1.35.0",
  },
} as const satisfies Record<string, PinnedChart>;
export type ChartName = keyof typeof CHARTS;

/** Whether a Helm release's chart and version are one of the pins (a chart reference as pinnedRelease writes it). */
export function isPinnedChart(chart: unknown, version: unknown): boolean {
  return Object.values(CHARTS).some(
    (pin) => version === pin.version && (chart === pin.chart || chart === `${pin.repo}/${pin.chart}`),
  );
}

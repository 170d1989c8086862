/**
 * Metrics retention per tier (30 / 90 / 365 days, catalog `monitoring.metricsRetentionDays`). A
 * Prometheus has one retention, so the platform's shared Prometheus keeps a short local window and
 * remote-writes every tenant series to a long-term store, Grafana Mimir, into one store tenant per
 * tier (`cv-<tier>`, the `X-Scope-OrgID` header); Mimir's per-tenant limits then keep each tier's
 * series as long as its contract says. Both halves are derived here from the catalog: the Mimir
 * runtime overrides and the Prometheus's remote-write queues.
 */
import * as core from "@pulumi/kubernetes/core/v1";
import * as rbac from "@pulumi/kubernetes/rbac/v1";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { getTier, TIER_NAMES, type TierName } from "../../tiers";
import { CDN_BANDWIDTH_WINDOW_DAYS } from "../operations/alertRules";
import { customResource, type PrometheusSpec, type RemoteWriteSpec } from "../shared/crds";
import { LABEL, PART_OF } from "../shared/labels";

/** The Mimir tenant (X-Scope-OrgID) holding one tier's series. */
export const storeTenant = (tier: TierName): string => `cv-${tier}`;

/** ConfigMap (in Mimir's namespace) and key of the runtime-config file with the tiers' overrides. */
export const MIMIR_RUNTIME_CONFIG_MAP = "mimir-tier-retention";
export const MIMIR_RUNTIME_CONFIG_KEY = "tier-retention.yaml";

/** The platform's Prometheus (its pods serve `prometheus-operated.<namespace>`, the tenants' prometheusUrl). */
export const PLATFORM_PROMETHEUS = "platform";
const PROMETHEUS_ACCOUNT = "prometheus-platform";

/**
 * Days the platform Prometheus keeps locally: the longest range a tenant rule reads (the CDN
 * allowance's month) and a day, so every alert is evaluated on local data; history beyond that is
 * read from the store.
 */
export const LOCAL_RETENTION_DAYS = CDN_BANDWIDTH_WINDOW_DAYS + 1;

/** A duration in hours: Mimir reads Prometheus durations, and hours need no calendar. */
const hours = (days: number): string => `${days * 24}h`;

export interface MimirTenantLimits {
  /** The compactor deletes the tenant's blocks older than this. */
  readonly compactor_blocks_retention_period: string;
  /** Queries reach no further back than the retention, so none sees a half-deleted range. */
  readonly max_query_lookback: string;
}

/** The runtime-config document: Mimir merges runtime-config files left to right (`-runtime-config.file=a,b`). */
export interface MimirRuntimeConfig {
  readonly overrides: Readonly<Record<string, MimirTenantLimits>>;
}

/** Mimir's per-tenant overrides of every tier, from the catalog's metrics retention. */
export function mimirRuntimeOverrides(): MimirRuntimeConfig {
  return {
    overrides: Object.fromEntries(
      TIER_NAMES.map((tier) => {
        const retention = hours(getTier(tier).monitoring.metricsRetentionDays);
        return [
          storeTenant(tier),
          { compactor_blocks_retention_period: retention, max_query_lookback: retention },
        ];
      }),
    ),
  };
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * One remote-write queue per tier: it keeps only the series labelled `tier=<tier>` (the tenants'
 * ServiceMonitors and recording rules set it; Prometheus anchors the regex) and writes them as the
 * tier's store tenant. A series without a tier label, or with another value, matches no queue and
 * stays local (the platform's own series, kept the local window only).
 */
export function tierRemoteWrites(url: string): RemoteWriteSpec[] {
  return TIER_NAMES.map((tier) => ({
    name: `tier-${tier}`,
    url,
    headers: { "X-Scope-OrgID": storeTenant(tier) },
    writeRelabelConfigs: [{ sourceLabels: [LABEL.tier], regex: escapeRegex(tier), action: "keep" }],
  }));
}

export interface MetricsRetentionArgs {
  /** The stack's region: an external label, so regions writing one store never merge series. */
  readonly region: string;
  /** Namespace of the platform Prometheus (the tenants' `platform.monitoringNamespace`). */
  readonly monitoringNamespace: string;
  /** Namespace of Mimir, where its runtime-config ConfigMap goes. */
  readonly mimirNamespace: string;
  /** Mimir's remote-write endpoint (`/api/v1/push`). */
  readonly remoteWriteUrl: string;
  /** Size of each Prometheus volume (the local window), and its StorageClass (default: the cluster's). */
  readonly storageSize: string;
  readonly storageClassName?: string;
}

/**
 * The long-term half of the tenants' monitoring: Mimir's tier overrides in a ConfigMap its
 * runtime-config file list reads, and the platform's Prometheus (prometheus-operator) with the short
 * local window and one remote-write queue per tier, selecting every ServiceMonitor, PodMonitor and
 * PrometheusRule, with its scrape identity (read-only discovery). The operator, its CRDs, Mimir and
 * the Alertmanager are the cluster's add-ons; this stack owns their tier configuration.
 */
export class MetricsRetention extends pulumi.ComponentResource {
  readonly prometheusName: string;
  readonly runtimeConfigMap: string;

  constructor(name: string, args: MetricsRetentionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:platform:MetricsRetention", name, {}, opts);
    const labels = { [LABEL.partOf]: PART_OF, [LABEL.managedBy]: "pulumi" };
    const child = { parent: this };

    new core.ConfigMap(
      `${name}-mimir-overrides`,
      {
        metadata: { name: MIMIR_RUNTIME_CONFIG_MAP, namespace: args.mimirNamespace, labels },
        data: { [MIMIR_RUNTIME_CONFIG_KEY]: stringify(mimirRuntimeOverrides()) },
      },
      child,
    );

    const account = this.prometheusIdentity(name, args, labels);
    const spec = platformPrometheusSpec(args);
    customResource(
      `${name}-prometheus`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "Prometheus",
        metadata: { name: PLATFORM_PROMETHEUS, namespace: args.monitoringNamespace, labels },
        spec,
      },
      { parent: this, dependsOn: [account] },
    );
    this.prometheusName = PLATFORM_PROMETHEUS;
    this.runtimeConfigMap = MIMIR_RUNTIME_CONFIG_MAP;
    this.registerOutputs({});
  }

  /** Prometheus's ServiceAccount with read-only discovery (service discovery and scraping only, never write). */
  private prometheusIdentity(
    name: string,
    args: MetricsRetentionArgs,
    labels: Record<string, string>,
  ): core.ServiceAccount {
    const child = { parent: this };
    const account = new core.ServiceAccount(
      `${name}-prometheus`,
      { metadata: { name: PROMETHEUS_ACCOUNT, namespace: args.monitoringNamespace, labels } },
      child,
    );
    // Service discovery and scraping only: read, never write.
    const discovery = new rbac.ClusterRole(
      `${name}-prometheus`,
      {
        metadata: { name: PROMETHEUS_ACCOUNT, labels },
        rules: [
          {
            apiGroups: [""],
            resources: ["nodes", "nodes/metrics", "services", "endpoints", "pods"],
            verbs: ["get", "list", "watch"],
          },
          { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
          { nonResourceURLs: ["/metrics"], verbs: ["get"] },
        ],
      },
      child,
    );
    new rbac.ClusterRoleBinding(
      `${name}-prometheus`,
      {
        metadata: { name: PROMETHEUS_ACCOUNT, labels },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: discovery.metadata.name,
        },
        subjects: [{ kind: "ServiceAccount", name: PROMETHEUS_ACCOUNT, namespace: args.monitoringNamespace }],
      },
      child,
    );
    return account;
  }
}

/**
 * The platform Prometheus: the short local window, every monitor and rule selected, alerts to the
 * cluster's Alertmanager, one remote-write queue per tier.
 */
function platformPrometheusSpec(args: MetricsRetentionArgs): PrometheusSpec {
  const everything = {};
  return {
    // One replica: two would write every sample twice, and Mimir's HA deduplication needs a KV store the platform does not run.
    replicas: 1,
    serviceAccountName: PROMETHEUS_ACCOUNT,
    retention: `${LOCAL_RETENTION_DAYS}d`,
    externalLabels: { region: args.region },
    serviceMonitorSelector: everything,
    serviceMonitorNamespaceSelector: everything,
    podMonitorSelector: everything,
    podMonitorNamespaceSelector: everything,
    ruleSelector: everything,
    ruleNamespaceSelector: everything,
    probeSelector: everything,
    probeNamespaceSelector: everything,
    alerting: {
      alertmanagers: [
        {
          namespace: args.monitoringNamespace,
          name: "alertmanager-operated",
          port: "web",
          apiVersion: "v2",
        },
      ],
    },
    remoteWrite: tierRemoteWrites(args.remoteWriteUrl),
    resources: { requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "2", memory: "8Gi" } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      fsGroup: 2000,
      seccompProfile: { type: "RuntimeDefault" },
    },
    storage: {
      volumeClaimTemplate: {
        spec: {
          ...(args.storageClassName ? { storageClassName: args.storageClassName } : {}),
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: args.storageSize } },
        },
      },
    },
  };
}

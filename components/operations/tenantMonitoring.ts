import * as core from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { coreNamespace, type AlertChannel, type AlertSeverity, type EffectiveProfile } from "../../tiers";
import { tenantAlertRules, type RuleGroup } from "./alertRules";
import { tenantSloRules, type SloRulesInput } from "./sloRules";
import { tenantProbes, type ProbeSpec } from "./probes";
import { customResource } from "../shared/crds";
import { dashboardJson, sloDashboard, tenantDashboards } from "./dashboards";
import { LABEL, tenantLabels, type TenantIdentity } from "../shared/labels";

/** Where the tenant's alerts go; only the channels of its tier (tiers/tenantRules.ts checks). */
export interface AlertingArgs {
  /** Email recipients (every tier). */
  readonly email: readonly string[];
  /** Slack incoming-webhook URL (Premium, Business). A secret. */
  readonly slackWebhookUrl?: pulumi.Input<string>;
  /** PagerDuty Events v2 routing key (Business). A secret. */
  readonly pagerdutyRoutingKey?: pulumi.Input<string>;
  /** SMS gateway webhook URL (Business; Alertmanager has no SMS receiver of its own). A secret. */
  readonly smsWebhookUrl?: pulumi.Input<string>;
}

export interface TenantMonitoringArgs {
  readonly identity: TenantIdentity;
  readonly profile: EffectiveProfile;
  /** Every namespace of the tenant, core first; each gets a ServiceMonitor. */
  readonly namespaces: readonly string[];
  /** The tenant's Cloudflare zone (for the bandwidth alert). */
  readonly cdnZone: string;
  /** The sites' namespaces and hostnames, and the tenant's Deployments: the SLO rules' subjects. */
  readonly slo: Pick<SloRulesInput, "sites" | "deployments">;
  /** Namespace of the platform's Prometheus and blackbox exporter (the hostnames' Probes' prober). */
  readonly monitoringNamespace: string;
  /**
   * Receivers of the tier's alert routes. Default none: no AlertmanagerConfig, the tenant's alerts
   * reach only the platform Alertmanager's own route.
   */
  readonly alerting?: AlertingArgs;
  /**
   * The tenant is suspended: its alert and SLO rules and its hostnames' Probes are not declared
   * (the shop is down on purpose); ServiceMonitors, routing and dashboards stay. Default false.
   */
  readonly suspended?: boolean;
}

/** Secret holding the receivers' credentials, and its keys. */
export const ALERT_RECEIVERS_SECRET = "tenant-alert-receivers";
const SECRET_KEYS = {
  slack: "slack-webhook-url",
  pagerduty: "pagerduty-routing-key",
  sms: "sms-webhook-url",
} as const;

/** Label Grafana's sidecar selects dashboard ConfigMaps by. */
export const DASHBOARD_LABEL = "grafana_dashboard";

/** ServiceMonitor (monitoring.coreos.com/v1), the fields set here. */
export interface ServiceMonitorSpec {
  readonly selector: { readonly matchLabels: Record<string, string> };
  readonly namespaceSelector: { readonly matchNames: readonly string[] };
  readonly endpoints: readonly {
    readonly port: string;
    readonly path: string;
    readonly interval: string;
    readonly relabelings: readonly {
      readonly action: "replace";
      readonly targetLabel: string;
      readonly replacement: string;
    }[];
  }[];
}

type SecretKeyRef = { readonly name: string; readonly key: string };

/** AlertmanagerConfig (monitoring.coreos.com/v1alpha1), the fields set here. */
export interface AlertmanagerConfigSpec {
  readonly route: {
    readonly receiver: string;
    readonly groupBy: readonly string[];
    readonly groupWait: string;
    readonly repeatInterval: string;
    readonly routes: readonly {
      readonly receiver: string;
      readonly matchers: readonly {
        readonly name: string;
        readonly matchType: "=~";
        readonly value: string;
      }[];
      readonly continue: boolean;
    }[];
  };
  readonly receivers: readonly {
    readonly name: string;
    readonly emailConfigs?: readonly { readonly to: string; readonly sendResolved: boolean }[];
    readonly slackConfigs?: readonly { readonly apiURL: SecretKeyRef; readonly sendResolved: boolean }[];
    readonly pagerdutyConfigs?: readonly { readonly routingKey: SecretKeyRef }[];
    readonly webhookConfigs?: readonly { readonly urlSecret: SecretKeyRef }[];
  }[];
}

/** The tier's routes (channel -> severities) as Alertmanager routes, one receiver per channel. */
export function alertRouting(
  routes: Readonly<Partial<Record<AlertChannel, readonly AlertSeverity[]>>>,
  alerting: AlertingArgs,
): AlertmanagerConfigSpec {
  const channels = (Object.keys(routes) as AlertChannel[]).filter((c) => (routes[c] ?? []).length > 0);
  const ref = (channel: keyof typeof SECRET_KEYS): SecretKeyRef => ({
    name: ALERT_RECEIVERS_SECRET,
    key: SECRET_KEYS[channel],
  });
  const receiver = (channel: AlertChannel): AlertmanagerConfigSpec["receivers"][number] => {
    switch (channel) {
      case "email":
        return { name: channel, emailConfigs: alerting.email.map((to) => ({ to, sendResolved: true })) };
      case "slack":
        return { name: channel, slackConfigs: [{ apiURL: ref("slack"), sendResolved: true }] };
      case "pagerduty":
        return { name: channel, pagerdutyConfigs: [{ routingKey: ref("pagerduty") }] };
      case "sms":
        return { name: channel, webhookConfigs: [{ urlSecret: ref("sms") }] };
    }
  };
  return {
    // Alerts no route takes (a severity the tier routes nowhere) end in a receiver without configs.
    route: {
      receiver: "unrouted",
      groupBy: ["alertname", "tenant"],
      groupWait: "30s",
      repeatInterval: "4h",
      routes: channels.map((c) => ({
        receiver: c,
        matchers: [{ name: "severity", matchType: "=~", value: routes[c]!.join("|") }],
        continue: true,
      })),
    },
    receivers: [{ name: "unrouted" }, ...channels.map(receiver)],
  };
}

/**
 * The tenant's monitoring on the platform's prometheus-operator: a ServiceMonitor per namespace
 * (every service's `metrics` port; targets labelled with tenant and tier, which the long-term
 * store's per-tier retention selects on), a PrometheusRule with the quota alerts, the tier's alert
 * routing with the receivers' credentials in a Secret, and the tier's Grafana dashboards.
 */
export class TenantMonitoring extends pulumi.ComponentResource {
  /** The quota alert groups (none while the tenant is suspended). */
  readonly ruleGroups: readonly RuleGroup[];
  /** The SLO rule groups (none while the tenant is suspended). */
  readonly sloRuleGroups: readonly RuleGroup[];

  constructor(name: string, args: TenantMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:tenant:TenantMonitoring", name, {}, opts);
    const labels = tenantLabels(args.identity);
    const coreNs = coreNamespace(args.identity.tenantId);
    for (const namespace of args.namespaces) this.serviceMonitor(name, args, namespace, labels);
    // A suspended shop is down on purpose: no alert, no burn of its error budget, no outside-in probe.
    this.ruleGroups = args.suspended ? [] : this.quotaAlerts(name, args, coreNs, labels);
    this.sloRuleGroups = args.suspended ? [] : this.objectives(name, args, coreNs, labels);
    if (args.alerting) this.alertRouting(name, args.profile, args.alerting, coreNs, labels);
    this.dashboards(name, args, coreNs, labels);
    this.registerOutputs({ ruleGroups: [...this.ruleGroups, ...this.sloRuleGroups].map((g) => g.name) });
  }

  /** A namespace's ServiceMonitor: every service's `metrics` port, targets labelled with tenant and tier. */
  private serviceMonitor(
    name: string,
    args: TenantMonitoringArgs,
    namespace: string,
    labels: Record<string, string>,
  ): void {
    const { identity } = args;
    customResource<ServiceMonitorSpec>(
      `${name}-${namespace}-services`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name: "tenant-services", namespace, labels },
        spec: {
          selector: {
            matchLabels: { [LABEL.tenant]: identity.tenantId, [LABEL.partOf]: labels[LABEL.partOf]! },
          },
          namespaceSelector: { matchNames: [namespace] },
          endpoints: [
            {
              port: "metrics",
              path: "/metrics",
              interval: "30s",
              relabelings: [
                { action: "replace", targetLabel: LABEL.tenant, replacement: identity.tenantId },
                { action: "replace", targetLabel: LABEL.tier, replacement: identity.tier },
              ],
            },
          ],
        },
      },
      { parent: this },
    );
  }

  /** The quota alerts' PrometheusRule. */
  private quotaAlerts(
    name: string,
    args: TenantMonitoringArgs,
    coreNs: string,
    labels: Record<string, string>,
  ): readonly RuleGroup[] {
    const groups = tenantAlertRules({
      tenantId: args.identity.tenantId,
      tier: args.identity.tier,
      profile: args.profile,
      namespaces: args.namespaces,
      cdnZone: args.cdnZone,
    });
    customResource<{ groups: readonly RuleGroup[] }>(
      `${name}-rules`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "tenant-quota-alerts", namespace: coreNs, labels },
        spec: { groups },
      },
      { parent: this },
    );
    return groups;
  }

  /** The tier's alert routing, with the receivers' credentials in a Secret. */
  private alertRouting(
    name: string,
    profile: EffectiveProfile,
    a: AlertingArgs,
    coreNs: string,
    labels: Record<string, string>,
  ): void {
    const secret = new core.Secret(
      `${name}-receivers`,
      {
        metadata: { name: ALERT_RECEIVERS_SECRET, namespace: coreNs, labels },
        type: "Opaque",
        stringData: {
          ...(a.slackWebhookUrl !== undefined
            ? { [SECRET_KEYS.slack]: pulumi.secret(a.slackWebhookUrl) }
            : {}),
          ...(a.pagerdutyRoutingKey !== undefined
            ? { [SECRET_KEYS.pagerduty]: pulumi.secret(a.pagerdutyRoutingKey) }
            : {}),
          ...(a.smsWebhookUrl !== undefined ? { [SECRET_KEYS.sms]: pulumi.secret(a.smsWebhookUrl) } : {}),
        },
      },
      { parent: this },
    );
    customResource<AlertmanagerConfigSpec>(
      `${name}-routing`,
      {
        apiVersion: "monitoring.coreos.com/v1alpha1",
        kind: "AlertmanagerConfig",
        metadata: { name: "tenant-alert-routing", namespace: coreNs, labels },
        spec: alertRouting(profile.tier.monitoring.routes, a),
      },
      { parent: this, dependsOn: [secret] },
    );
  }

  /** The tier's Grafana dashboards and the SLO dashboard, in one ConfigMap. */
  private dashboards(
    name: string,
    args: TenantMonitoringArgs,
    coreNs: string,
    labels: Record<string, string>,
  ): void {
    const { identity } = args;
    const tier = args.profile.tier;
    const dashboards = [
      ...tenantDashboards(identity.tenantId, tier.monitoring.level, args.namespaces),
      sloDashboard(identity.tenantId, tier),
    ];
    new core.ConfigMap(
      `${name}-dashboards`,
      {
        metadata: {
          name: `tenant-${identity.tenantId}-dashboards`,
          // In the tenant's namespace like all its objects: Grafana's sidecar watches every namespace.
          namespace: coreNs,
          labels: { ...labels, [DASHBOARD_LABEL]: "1" },
          // One Grafana folder per tenant (folder permissions keep tenants apart).
          annotations: { grafana_folder: `tenant-${identity.tenantId}` },
        },
        data: Object.fromEntries(dashboards.map((d) => [`${d.uid}.json`, dashboardJson(d)])),
      },
      { parent: this },
    );
  }

  /** The SLO rules (SLIs, burn-rate and event alerts) and the hostnames' Probes. */
  private objectives(
    name: string,
    args: TenantMonitoringArgs,
    coreNs: string,
    labels: Record<string, string>,
  ): readonly RuleGroup[] {
    // SLIs, SLOs and the tier's event alerts (sloRules.ts), in their own group and object.
    const groups = tenantSloRules({
      tenantId: args.identity.tenantId,
      tier: args.identity.tier,
      profile: args.profile,
      ...args.slo,
    });
    customResource<{ groups: readonly RuleGroup[] }>(
      `${name}-slo-rules`,
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "tenant-slo", namespace: coreNs, labels },
        spec: { groups },
      },
      { parent: this },
    );

    // Outside-in: a Probe per hostname, the SLI's stand-in where the gateway saw nothing.
    for (const probe of tenantProbes(args.identity, args.slo.sites, args.monitoringNamespace)) {
      customResource<ProbeSpec>(
        `${name}-${probe.name}`,
        {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "Probe",
          metadata: { name: probe.name, namespace: coreNs, labels },
          spec: probe.spec,
        },
        { parent: this },
      );
    }
    return groups;
  }
}

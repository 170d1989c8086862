import * as core from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { GATEWAY, type EffectiveProfile, type NamespacePlan } from "../../tiers";
import { RABBITMQ_SECRET, RUNTIME_CONFIGMAP } from "../shared/contracts";
import { LABEL, tenantLabels, type TenantIdentity } from "../shared/labels";
import { Microservice } from "./microservice";
import { NamespaceGuardrails } from "./namespaceGuardrails";
import type { PlatformAccess } from "./networkIsolation";
import { SiteRouting, type RoutingMode } from "./siteRouting";
import { WorkloadAutoscaler, type ScalingSignal } from "./workloadAutoscaler";

export interface SiteStackArgs {
  readonly identity: TenantIdentity;
  readonly profile: EffectiveProfile;
  /** This site's namespace plan (site 1 = the core namespace, which TenantStack creates). */
  readonly plan: NamespacePlan;
  readonly coreNamespace: string;
  readonly namespace: string;
  readonly hostnames: readonly string[];
  readonly routing: RoutingMode;
  readonly network: PlatformAccess;
  readonly gatewayImage: string;
  readonly priorityClassName: string;
  /** Settings for the site namespace's runtime ConfigMap (site 1 shares the core's). */
  readonly runtimeSettings: Record<string, string>;
  readonly prometheusUrl: string;
  readonly trustedCidrs?: readonly string[];
  /** RabbitMQ credentials for the site namespace's copy of the tenant Secret (sites 2..N). */
  readonly messagingCredentials: Record<string, pulumi.Input<string>>;
  /** The tenant is suspended: its gateway at zero, its hostnames answering the maintenance response. Default false. */
  readonly suspended?: boolean;
}

/** A site the tenant removed (sites 2..N only): what is left of it is its guarded namespace. */
export interface RetiredSiteArgs {
  readonly retired: true;
  readonly identity: TenantIdentity;
  /** The retired namespace's plan: zero quota, no workloads (tiers/sizing.ts). */
  readonly plan: NamespacePlan;
  readonly namespace: string;
}

/**
 * One storefront: its namespace (sites 2..N; site 1 lives in the core namespace), its
 * api-gateway with the tier's autoscaling (this site's share of the tenant's gateway fleet),
 * and the route for its hostnames. A retired site keeps the same component and names with only
 * its namespace, sealed, so removing a site updates the namespace's guardrails in place and
 * deletes its workload, route and credentials.
 */
export class SiteStack extends pulumi.ComponentResource {
  readonly namespace: string;
  readonly hostnames: readonly string[];

  constructor(name: string, args: SiteStackArgs | RetiredSiteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:tenant:SiteStack", name, {}, opts);
    this.namespace = args.namespace;
    if ("retired" in args) {
      this.hostnames = [];
      this.sealRetired(name, args);
    } else {
      this.hostnames = args.hostnames;
      // Site 1 lives in the core namespace, which TenantStack sets up; sites 2..N set up their own.
      const dependsOn = args.plan.site > 1 ? this.siteNamespace(name, args) : [];
      this.gateway(name, args, dependsOn);
      new SiteRouting(
        `${name}-routing`,
        {
          identity: args.identity,
          site: args.plan.site,
          hostnames: args.hostnames,
          coreNamespace: args.coreNamespace,
          siteNamespace: args.namespace,
          routing: args.routing,
          rateLimit: args.profile.tier.rateLimit,
          ...(args.trustedCidrs ? { trustedCidrs: args.trustedCidrs } : {}),
          ...(args.suspended ? { suspended: true } : {}),
        },
        { parent: this, dependsOn },
      );
    }
    this.registerOutputs({ namespace: this.namespace, hostnames: this.hostnames });
  }

  /** A retired site: its namespace only, sealed by a zero quota, the limit range and default-deny. */
  private sealRetired(name: string, args: RetiredSiteArgs): void {
    if (args.plan.site < 2)
      throw new Error(`site ${args.plan.site} lives in the core namespace and cannot be retired`);
    new NamespaceGuardrails(
      `${name}-namespace`,
      { identity: args.identity, namespace: args.namespace, role: "retired", plan: args.plan },
      { parent: this },
    );
  }

  /** A site's own namespace with its guardrails, runtime settings and RabbitMQ credentials. */
  private siteNamespace(name: string, args: SiteStackArgs): pulumi.Resource[] {
    const { identity, plan } = args;
    const guardrails = new NamespaceGuardrails(
      `${name}-namespace`,
      { identity, namespace: args.namespace, role: "site", plan, network: args.network },
      { parent: this },
    );
    const runtime = new core.ConfigMap(
      `${name}-runtime`,
      {
        metadata: { name: RUNTIME_CONFIGMAP, namespace: args.namespace, labels: tenantLabels(identity) },
        data: { ...args.runtimeSettings, SITE: String(plan.site) },
      },
      { parent: this, dependsOn: [guardrails] },
    );
    const credentials = new core.Secret(
      `${name}-rabbitmq`,
      {
        metadata: { name: RABBITMQ_SECRET, namespace: args.namespace, labels: tenantLabels(identity) },
        type: "Opaque",
        stringData: args.messagingCredentials,
      },
      { parent: this, dependsOn: [guardrails] },
    );
    return [guardrails, runtime, credentials];
  }

  /** The site's api-gateway and its autoscaler (on request rate where the tier has a target, else resources). */
  private gateway(name: string, args: SiteStackArgs, dependsOn: pulumi.Resource[]): void {
    const { identity, plan } = args;
    const workload = plan.workloads.find((w) => w.service === GATEWAY.name);
    if (!workload) throw new Error(`site ${plan.site} plan has no ${GATEWAY.name}`);
    new Microservice(
      `${name}-${GATEWAY.name}`,
      {
        identity,
        namespace: args.namespace,
        workload,
        port: GATEWAY.port,
        image: args.gatewayImage,
        priorityClassName: args.priorityClassName,
        configMapEnv: [RUNTIME_CONFIGMAP],
        secretEnv: [RABBITMQ_SECRET],
        extraLabels: { [LABEL.site]: String(plan.site) },
        ...(args.suspended ? { suspended: true } : {}),
      },
      { parent: this, dependsOn },
    );
    const spec = args.profile.tier.autoscaling;
    const signal: ScalingSignal =
      spec.requestsPerSecondPerPod === undefined
        ? { kind: "resources" }
        : { kind: "requests", prometheusUrl: args.prometheusUrl, perPod: spec.requestsPerSecondPerPod };
    new WorkloadAutoscaler(
      `${name}-${GATEWAY.name}-autoscaler`,
      {
        identity,
        namespace: args.namespace,
        workloadName: workload.workloadName,
        minReplicas: workload.minReplicas,
        maxReplicas: workload.maxReplicas,
        spec,
        signal,
        ...(args.suspended ? { suspended: true } : {}),
      },
      { parent: this, dependsOn },
    );
  }
}

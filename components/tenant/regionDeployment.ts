import * as core from "@pulumi/kubernetes/core/v1";
import type * as pulumi from "@pulumi/pulumi";
import {
  coreNamespace,
  crossRegionHost,
  platformHostname,
  priorityClassName,
  SERVICES,
  siteNamespace,
  type BucketName,
  type ServiceDefinition,
  type WorkloadPlan,
} from "../../tiers";
import {
  databaseSecretName,
  OBJECT_STORAGE_SECRET,
  RABBITMQ_SECRET,
  RUNTIME_CONFIGMAP,
  UPLOAD_RULES_CONFIGMAP,
} from "../shared/contracts";
import { tenantLabels } from "../shared/labels";
import { RedisCache } from "../data/redisCache";
import type { TenantDatabases } from "../data/tenantDatabases";
import { TenantMessaging } from "../data/tenantMessaging";
import { TenantObjectStorage } from "../data/tenantObjectStorage";
import { TenantRateLimit } from "../edge/tenantRateLimit";
import { TenantMonitoring } from "../operations/tenantMonitoring";
import { Microservice } from "./microservice";
import { runtimeSettings } from "./runtimeSettings";
import { SiteStack } from "./siteStack";
import type { RegionSite, TenantBuild } from "./tenantRegions";
import { WorkloadAutoscaler } from "./workloadAutoscaler";

/** What one region of the tenant built, for the tenant-wide parts (outputs, backups, replication). */
export interface RegionDeployment {
  readonly messaging: TenantMessaging;
  readonly storage: TenantObjectStorage;
  readonly buckets: Readonly<Record<BucketName, string>>;
  /** The region's data components (the backups wait for them). */
  readonly dataComponents: pulumi.Resource[];
  readonly namespaces: readonly string[];
  readonly retiredNamespaces: readonly string[];
  readonly hostnames: readonly (readonly string[])[];
}

/** Options of a child of the TenantStack in one region: its parent, its cluster, what it waits for. */
type InRegion = {
  parent: pulumi.Resource;
  providers: pulumi.ProviderResource[];
  dependsOn?: pulumi.Resource[];
};

/** One region's share of the tenant: its vhost and buckets, Redis, services, sites, rate limit and monitoring. */
export function deployRegion(
  build: TenantBuild,
  region: RegionSite,
  home: {
    readonly databases: TenantDatabases;
    /** The home region's RabbitMQ user password (undefined while building the home region). */
    readonly password: pulumi.Output<string> | undefined;
  },
): RegionDeployment {
  const inRegion: InRegion = { parent: build.parent, providers: [region.kubernetes] };
  const { settings, runtime } = regionRuntime(build, region, { ...inRegion, dependsOn: [region.guardrails] });
  const messaging = regionMessaging(build, region, home.password, inRegion);
  const storage = regionObjectStorage(build, region, inRegion);
  const dataComponents = [messaging, storage];
  const ready = { ...inRegion, dependsOn: [region.guardrails, runtime, home.databases, ...dataComponents] };
  for (const svc of SERVICES.filter((s) => !s.perSite)) coreService(build, region, svc, ready);
  const sites = activeSites(build, region, { settings, messaging }, { ready, inRegion });
  const retired = build.plan.retired.map(
    (nsPlan) =>
      new SiteStack(
        `${region.prefix}-site-${nsPlan.site}`,
        {
          retired: true,
          identity: build.identity,
          plan: nsPlan,
          namespace: siteNamespace(build.args.tenantId, nsPlan.site),
        },
        inRegion,
      ),
  );
  tenantWideGuards(build, region, sites, { ...inRegion, dependsOn: [region.guardrails] });
  return {
    messaging,
    storage,
    buckets: storage.buckets,
    dataComponents,
    namespaces: sites.map((s) => s.namespace),
    retiredNamespaces: retired.map((s) => s.namespace),
    hostnames: sites.map((s) => s.hostnames),
  };
}

/** The tier's own Redis where the plan has one (Premium, Business), else the platform's; and the runtime ConfigMap. */
function regionRuntime(
  build: TenantBuild,
  region: RegionSite,
  inCore: InRegion,
): { settings: Record<string, string>; runtime: core.ConfigMap } {
  const { args, identity, plan } = build;
  const coreNs = coreNamespace(args.tenantId);
  const redisWorkload = plan.namespaces[0]!.workloads.find((w) => w.service === "redis");
  const redis =
    redisWorkload && plan.redisVolumeGi !== undefined
      ? new RedisCache(
          `${region.prefix}-redis`,
          {
            identity,
            namespace: coreNs,
            workload: redisWorkload,
            volumeGi: plan.redisVolumeGi,
            image: args.images.redis,
            priorityClassName: priorityClassName(args.tier),
            ...(args.suspended ? { suspended: true } : {}),
          },
          inCore,
        ).endpoint
      : { host: args.platform.endpoints.redis.host, port: args.platform.endpoints.redis.port };
  const settings = runtimeSettings(identity, build.profile, redis);
  const runtime = new core.ConfigMap(
    `${region.prefix}-runtime`,
    {
      metadata: { name: RUNTIME_CONFIGMAP, namespace: coreNs, labels: tenantLabels(identity) },
      data: { ...settings, SITE: "1" },
    },
    { parent: build.parent, provider: region.kubernetes, dependsOn: [region.guardrails] },
  );
  return { settings, runtime };
}

/** The region's vhost, federated with the tenant's other regions (one password across them). */
function regionMessaging(
  build: TenantBuild,
  region: RegionSite,
  homePassword: pulumi.Output<string> | undefined,
  inRegion: InRegion,
): TenantMessaging {
  const { args } = build;
  const { rabbitmq } = args.platform.endpoints;
  return new TenantMessaging(
    `${region.prefix}-messaging`,
    {
      identity: build.identity,
      profile: build.profile,
      namespace: coreNamespace(args.tenantId),
      server: {
        host: rabbitmq.host,
        port: rabbitmq.port,
        managementUrl: region.admin.rabbitmq.managementUrl,
        admin: region.admin.rabbitmq,
      },
      federationUpstreams: args.dataServices.federationUpstreams,
      federationPeers: build.regionNames
        .filter((other) => other !== region.name)
        .map((other) => ({ region: other, host: crossRegionHost(other, "rabbitmq"), port: rabbitmq.port })),
      ...(homePassword ? { password: homePassword } : {}),
      dependsOn: [region.guardrails],
    },
    inRegion,
  );
}

/** The region's buckets, on its own object storage (reached at its cross-region host outside the home region). */
function regionObjectStorage(
  build: TenantBuild,
  region: RegionSite,
  inRegion: InRegion,
): TenantObjectStorage {
  const { objectStorage } = build.args.platform.endpoints;
  const host = region.home ? objectStorage.host : crossRegionHost(region.name, "objectStorage");
  return new TenantObjectStorage(
    `${region.prefix}-object-storage`,
    {
      identity: build.identity,
      profile: build.profile,
      namespace: coreNamespace(build.args.tenantId),
      server: {
        endpoint: `${host}:${objectStorage.port}`,
        ssl: region.admin.objectStorage.ssl,
        admin: region.admin.objectStorage,
      },
      dependsOn: [region.guardrails],
    },
    inRegion,
  );
}

/** One shared service of the core namespace, and its queue-driven autoscaler where the tier scales it. */
function coreService(build: TenantBuild, region: RegionSite, svc: ServiceDefinition, ready: InRegion): void {
  const { args, identity } = build;
  const tier = build.profile.tier;
  const workload = build.plan.namespaces[0]!.workloads.find((w) => w.service === svc.name);
  if (!workload) throw new Error(`core plan has no ${svc.name}`);
  new Microservice(
    `${region.prefix}-${svc.name}`,
    {
      identity,
      namespace: coreNamespace(args.tenantId),
      workload,
      port: svc.port,
      image: `${args.images.registry}/${svc.name}:${args.images.tag}`,
      priorityClassName: priorityClassName(args.tier),
      configMapEnv: [RUNTIME_CONFIGMAP, ...(svc.bucket ? [UPLOAD_RULES_CONFIGMAP] : [])],
      secretEnv: [
        ...(svc.hasDatabase ? [databaseSecretName(svc.workloadName)] : []),
        RABBITMQ_SECRET,
        ...(svc.bucket ? [OBJECT_STORAGE_SECRET] : []),
      ],
      ...(args.suspended ? { suspended: true } : {}),
    },
    ready,
  );
  const queueDepth = tier.autoscaling.queueDepthPerConsumer;
  if (workload.autoscaled && svc.queueConsumer && queueDepth !== undefined) {
    queueAutoscaler(build, region, workload, queueDepth, ready);
  }
}

function queueAutoscaler(
  build: TenantBuild,
  region: RegionSite,
  workload: WorkloadPlan,
  perConsumer: number,
  ready: InRegion,
): void {
  const coreNs = coreNamespace(build.args.tenantId);
  new WorkloadAutoscaler(
    `${region.prefix}-${workload.service}-autoscaler`,
    {
      identity: build.identity,
      namespace: coreNs,
      workloadName: workload.workloadName,
      minReplicas: workload.minReplicas,
      maxReplicas: workload.maxReplicas,
      spec: build.profile.tier.autoscaling,
      signal: { kind: "queue", vhost: coreNs, perConsumer },
      ...(build.args.suspended ? { suspended: true } : {}),
    },
    ready,
  );
}

/** A SiteStack per active site: site 1 (the core namespace) waits for the data services, the others need not. */
function activeSites(
  build: TenantBuild,
  region: RegionSite,
  core: { readonly settings: Record<string, string>; readonly messaging: TenantMessaging },
  options: { readonly ready: InRegion; readonly inRegion: InRegion },
): SiteStack[] {
  const { args, identity, profile } = build;
  return build.plan.namespaces.map((nsPlan, i) => {
    const site = nsPlan.site;
    return new SiteStack(
      `${region.prefix}-site-${site}`,
      {
        identity,
        profile,
        plan: nsPlan,
        coreNamespace: coreNamespace(args.tenantId),
        namespace: siteNamespace(args.tenantId, site),
        hostnames: [
          platformHostname(args.tenantId, site, args.platform.domain),
          ...args.sites[i]!.customDomains,
        ],
        routing: args.routing,
        network: region.network,
        gatewayImage: `${args.images.registry}/api-gateway:${args.images.tag}`,
        priorityClassName: priorityClassName(args.tier),
        runtimeSettings: core.settings,
        prometheusUrl: args.platform.prometheusUrl,
        messagingCredentials: core.messaging.credentials,
        ...(args.trustedCidrs ? { trustedCidrs: args.trustedCidrs } : {}),
        ...(args.suspended ? { suspended: true } : {}),
      },
      site === 1 ? options.ready : options.inRegion,
    );
  });
}

/** The tenant-wide rate limit (Gateway API routing) and the region's monitoring of the tenant's SLOs. */
function tenantWideGuards(
  build: TenantBuild,
  region: RegionSite,
  sites: readonly SiteStack[],
  inCore: InRegion,
) {
  const { args, identity, profile, plan } = build;
  const coreNs = coreNamespace(args.tenantId);
  if (args.routing.mode === "gateway-api") {
    new TenantRateLimit(
      `${region.prefix}-rate-limit`,
      {
        identity,
        namespace: coreNs,
        rateLimit: profile.tier.rateLimit,
        gateway: args.routing.gateway,
        trustedClients: (args.trustedCidrs ?? []).length > 0,
      },
      inCore,
    );
  }
  const slo = {
    sites: sites.map((s, i) => ({
      site: plan.namespaces[i]!.site,
      namespace: s.namespace,
      hostnames: s.hostnames,
    })),
    deployments: plan.namespaces.flatMap((ns, i) =>
      ns.workloads.map((w) => ({ namespace: sites[i]!.namespace, name: w.workloadName })),
    ),
  };
  new TenantMonitoring(
    `${region.prefix}-monitoring`,
    {
      identity,
      profile,
      namespaces: sites.map((s) => s.namespace),
      cdnZone: args.cloudflare.zoneName,
      slo,
      monitoringNamespace: args.platform.monitoringNamespace,
      ...(args.alerting ? { alerting: args.alerting } : {}),
      ...(args.suspended ? { suspended: true } : {}),
    },
    inCore,
  );
}

import * as core from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import {
  assertValidEdgeRequest,
  assertValidTenantRequest,
  coreNamespace,
  effectiveProfile,
  monthlyPrice,
  planTenant,
  platformHostname,
  priorityClassName,
  SERVICES,
  siteNamespace,
  databaseNamespace,
  type AddOns,
  type BucketName,
  type DedicatedClusterSpec,
  type EffectiveProfile,
  type TenantPlan,
  type TierName,
} from "../tiers";
import { databaseSecretName, OBJECT_STORAGE_SECRET, RABBITMQ_SECRET, RUNTIME_CONFIGMAP, UPLOAD_RULES_CONFIGMAP } from "./contracts";
import { tenantLabels, type TenantIdentity } from "./labels";
import { Microservice } from "./microservice";
import { NamespaceGuardrails } from "./namespaceGuardrails";
import { DedicatedMysqlCluster, ROUTER_PORT } from "./dedicatedMysqlCluster";
import type { HostEndpoint } from "./networkIsolation";
import { TenantDatabases, type MysqlServer } from "./tenantDatabases";
import { TenantMessaging } from "./tenantMessaging";
import { TenantMonitoring, type AlertingArgs } from "./tenantMonitoring";
import { TenantBackups, type BackupPlatformArgs } from "./tenantBackups";
import { TenantObjectStorage } from "./tenantObjectStorage";
import { RedisCache } from "./redisCache";
import { runtimeSettings } from "./runtimeSettings";
import { SiteStack } from "./siteStack";
import type { RoutingMode } from "./siteRouting";
import { TenantRateLimit } from "./tenantRateLimit";
import { TenantEdge } from "./tenantEdge";
import type { CustomDomainRecords, EdgeZone } from "./edgeHostnames";
import { WorkloadAutoscaler } from "./workloadAutoscaler";

export interface SiteArgs {
  /** The site's own domains (counted against the tier's custom-domain allowance). Default none. */
  readonly customDomains: readonly string[];
}

export interface PlatformArgs {
  /** Parent domain of the platform hostnames: `<tenant>.<domain>`, `<tenant>-site-<n>.<domain>`. */
  readonly domain: string;
  /** Namespace of the edge proxies (Envoy Gateway, or ingress-nginx in legacy mode). */
  readonly edgeNamespace: string;
  /** Namespace of Prometheus. */
  readonly monitoringNamespace: string;
  /** Prometheus HTTP API used by request-rate autoscaling. */
  readonly prometheusUrl: string;
  /** Shared MySQL, RabbitMQ and object storage (and the shared Redis for tiers without their own). */
  readonly endpoints: Readonly<Record<"mysql" | "rabbitmq" | "objectStorage" | "redis", HostEndpoint>>;
  /** The backup bucket (region, KMS key), the cluster's OIDC provider, the backup runners' namespace. */
  readonly backups: BackupPlatformArgs;
}

/** Admin accounts of the shared data services, used by their Pulumi providers only. */
export interface AdminCredentials {
  readonly mysql: { readonly user: string; readonly password: string };
  readonly rabbitmq: { readonly user: string; readonly password: string; readonly managementUrl: string };
  readonly objectStorage: { readonly user: string; readonly password: string; readonly ssl: boolean };
}

export interface DataServicesArgs {
  /** Host of the MySQL read replica for the reporting user. Default: the primary's host. */
  readonly mysqlReadReplicaHost?: string;
  /** Business only: a dedicated InnoDB cluster. Default false. */
  readonly dedicatedMysqlCluster: boolean;
  /** Business only: federation upstreams (other regions). Default none. */
  readonly federationUpstreams: readonly { readonly name: string; readonly uri: string }[];
}

export interface TenantStackArgs {
  /** Lowercase DNS label, 3-20 characters (tiers/naming.ts). */
  readonly tenantId: string;
  readonly tier: TierName;
  /** Business add-ons. Default none. */
  readonly addOns?: AddOns;
  /** Sites in order; site 1 first. At least one, at most the tier's maximum. */
  readonly sites: readonly SiteArgs[];
  /**
   * Site numbers of sites the tenant removed (beyond `sites`, from any former tier). Their
   * namespaces stay, guarded by a zero quota, the limit range and default-deny, until the
   * tenant is deprovisioned. Default none.
   */
  readonly retiredSites?: readonly number[];
  /** Image registry and tag of the 13 services (`<registry>/<service>:<tag>`), and the Redis image. */
  readonly images: { readonly registry: string; readonly tag: string; readonly redis: string };
  readonly routing: RoutingMode;
  readonly platform: PlatformArgs;
  /** Client CIDRs exempt from rate limiting (Business only). Default none. */
  readonly trustedCidrs?: readonly string[];
  readonly adminCredentials: AdminCredentials;
  readonly dataServices: DataServicesArgs;
  /** The tenant's Cloudflare zone; the provider comes in `opts.providers` (README "Edge"). */
  readonly cloudflare: EdgeZone;
  /** Receivers of the tier's alert channels. Default none (the platform Alertmanager's route only). */
  readonly alerting?: AlertingArgs;
}

/**
 * Everything one tenant gets, sized from its tier: the core namespace with the shared
 * services, Redis and runtime settings, one SiteStack per site, and the tenant-wide rate
 * limit. The request is validated before anything is registered.
 */
export class TenantStack extends pulumi.ComponentResource {
  readonly profile: EffectiveProfile;
  readonly plan: TenantPlan;
  /** The active sites' namespaces, site 1 (the core namespace) first. */
  readonly namespaces: readonly string[];
  /** Namespaces of retired sites, kept guarded until the tenant is deprovisioned. */
  readonly retiredNamespaces: readonly string[];
  readonly hostnames: readonly (readonly string[])[];
  readonly monthlyPriceEur: number;
  readonly databases: readonly string[];
  readonly vhost: string;
  readonly buckets: Readonly<Record<BucketName, string>>;
  /** DNS records each customer creates for its custom domain (ownership TXT, CNAME). */
  readonly customDomainRecords: readonly CustomDomainRecords[];

  constructor(name: string, args: TenantStackArgs, opts?: pulumi.ComponentResourceOptions) {
    assertValidTenantRequest(args);
    assertValidEdgeRequest(args);
    const profile = effectiveProfile(args.tier, args.addOns);
    const plan = planTenant(profile, args.sites.length, args.retiredSites);
    super("collect-verything:tenant:TenantStack", name, {}, opts);
    const cloudflareProvider = this.cloudflareProvider();
    this.profile = profile;
    this.plan = plan;

    const identity: TenantIdentity = { tenantId: args.tenantId, tier: args.tier };
    const coreNs = coreNamespace(args.tenantId);
    const tier = profile.tier;
    const dedicatedRedis = tier.redis === "dedicated";
    const { endpoints } = args.platform;
    const dedicatedDatabase = args.dataServices.dedicatedMysqlCluster ? tier.database.dedicatedCluster : undefined;
    const network = {
      edgeNamespace: args.platform.edgeNamespace,
      monitoringNamespace: args.platform.monitoringNamespace,
      endpoints: {
        // A dedicated cluster's routers replace the shared MySQL.
        mysql: dedicatedDatabase ? { namespace: databaseNamespace(args.tenantId), port: ROUTER_PORT } : endpoints.mysql,
        rabbitmq: endpoints.rabbitmq,
        objectStorage: endpoints.objectStorage,
        ...(dedicatedRedis ? {} : { redis: endpoints.redis }),
      },
    };
    const corePlan = plan.namespaces[0]!;
    const priority = priorityClassName(args.tier);
    const image = (service: string) => `${args.images.registry}/${service}:${args.images.tag}`;

    const guardrails = new NamespaceGuardrails(
      `${name}-core`,
      { identity, namespace: coreNs, role: "core", plan: corePlan, network },
      { parent: this },
    );
    const inCore = { parent: this, dependsOn: [guardrails] };

    // The tier's own Redis where the plan has one (Premium, Business); the platform's otherwise.
    const redisWorkload = corePlan.workloads.find((w) => w.service === "redis");
    const redis =
      redisWorkload && plan.redisVolumeGi !== undefined
        ? new RedisCache(
            `${name}-redis`,
            { identity, namespace: coreNs, workload: redisWorkload, volumeGi: plan.redisVolumeGi, image: args.images.redis, priorityClassName: priority },
            inCore,
          ).endpoint
        : { host: endpoints.redis.host, port: endpoints.redis.port };

    const settings = runtimeSettings(identity, profile, redis);
    const runtime = new core.ConfigMap(
      `${name}-runtime`,
      { metadata: { name: RUNTIME_CONFIGMAP, namespace: coreNs, labels: tenantLabels(identity) }, data: { ...settings, SITE: "1" } },
      inCore,
    );
    const data = this.dataServices(name, args, identity, profile, coreNs, guardrails, dedicatedDatabase);
    const inCoreReady = { parent: this, dependsOn: [guardrails, runtime, ...data.components] };
    this.databases = data.databases;
    this.vhost = data.messaging.vhost;
    this.buckets = data.buckets;

    for (const svc of SERVICES.filter((s) => !s.perSite)) {
      const workload = corePlan.workloads.find((w) => w.service === svc.name);
      if (!workload) throw new Error(`core plan has no ${svc.name}`);
      new Microservice(
        `${name}-${svc.name}`,
        {
          identity,
          namespace: coreNs,
          workload,
          port: svc.port,
          image: image(svc.name),
          priorityClassName: priority,
          configMapEnv: [RUNTIME_CONFIGMAP, ...(svc.bucket ? [UPLOAD_RULES_CONFIGMAP] : [])],
          secretEnv: [
            ...(svc.hasDatabase ? [databaseSecretName(svc.workloadName)] : []),
            RABBITMQ_SECRET,
            ...(svc.bucket ? [OBJECT_STORAGE_SECRET] : []),
          ],
        },
        inCoreReady,
      );
      const queueDepth = tier.autoscaling.queueDepthPerConsumer;
      if (workload.autoscaled && svc.queueConsumer && queueDepth !== undefined) {
        new WorkloadAutoscaler(
          `${name}-${svc.name}-autoscaler`,
          {
            identity,
            namespace: coreNs,
            workloadName: workload.workloadName,
            minReplicas: workload.minReplicas,
            maxReplicas: workload.maxReplicas,
            spec: tier.autoscaling,
            signal: { kind: "queue", vhost: coreNs, perConsumer: queueDepth },
          },
          inCoreReady,
        );
      }
    }

    const sites = plan.namespaces.map((nsPlan, i) => {
      const site = nsPlan.site;
      const namespace = siteNamespace(args.tenantId, site);
      return new SiteStack(
        `${name}-site-${site}`,
        {
          identity,
          profile,
          plan: nsPlan,
          coreNamespace: coreNs,
          namespace,
          hostnames: [platformHostname(args.tenantId, site, args.platform.domain), ...args.sites[i]!.customDomains],
          routing: args.routing,
          network,
          gatewayImage: image("api-gateway"),
          priorityClassName: priority,
          runtimeSettings: settings,
          prometheusUrl: args.platform.prometheusUrl,
          messagingCredentials: data.messaging.credentials,
          ...(args.trustedCidrs ? { trustedCidrs: args.trustedCidrs } : {}),
        },
        site === 1 ? inCoreReady : { parent: this },
      );
    });

    const retired = plan.retired.map((nsPlan) => {
      const namespace = siteNamespace(args.tenantId, nsPlan.site);
      return new SiteStack(`${name}-site-${nsPlan.site}`, { retired: true, identity, plan: nsPlan, namespace }, { parent: this });
    });

    if (args.routing.mode === "gateway-api") {
      new TenantRateLimit(
        `${name}-rate-limit`,
        { identity, namespace: coreNs, rateLimit: tier.rateLimit, gateway: args.routing.gateway, trustedClients: (args.trustedCidrs ?? []).length > 0 },
        inCore,
      );
    }
    const edge = new TenantEdge(
      `${name}-edge`,
      {
        identity,
        tier,
        zone: args.cloudflare,
        platformHostnames: plan.namespaces.map((ns) => platformHostname(args.tenantId, ns.site, args.platform.domain)),
        customDomains: args.sites.flatMap((s) => s.customDomains),
        ...(args.trustedCidrs ? { trustedCidrs: args.trustedCidrs } : {}),
        provider: cloudflareProvider,
      },
      { parent: this },
    );
    this.customDomainRecords = edge.customDomainRecords;

    this.namespaces = sites.map((s) => s.namespace);
    this.retiredNamespaces = retired.map((s) => s.namespace);
    this.hostnames = sites.map((s) => s.hostnames);
    const observed = { identity, profile, namespaces: this.namespaces, cdnZone: args.cloudflare.zoneName };
    new TenantMonitoring(`${name}-monitoring`, { ...observed, ...(args.alerting ? { alerting: args.alerting } : {}) }, inCore);
    const backupSource = { mysql: data.mysql, rabbitmqManagementUrl: args.adminCredentials.rabbitmq.managementUrl, platform: args.platform.backups };
    new TenantBackups(`${name}-backups`, { identity, tier, namespace: coreNs, ...backupSource }, { parent: this, dependsOn: [guardrails, ...data.components] });
    this.monthlyPriceEur = monthlyPrice(profile, args.sites.length).monthlyEur;
    this.registerOutputs({
      namespaces: this.namespaces,
      retiredNamespaces: this.retiredNamespaces,
      hostnames: this.hostnames,
      databases: this.databases,
      vhost: this.vhost,
      buckets: this.buckets,
      monthlyPriceEur: this.monthlyPriceEur,
      customDomainRecords: this.customDomainRecords,
    });
  }

  /** The Cloudflare provider given in `opts.providers`: edge resources never use an ambient one. */
  private cloudflareProvider(): pulumi.ProviderResource {
    const provider = this.getProvider("cloudflare:index:Ruleset");
    if (!provider) throw new Error("TenantStack needs the Cloudflare provider: pass it in opts.providers");
    return provider;
  }

  /** MySQL (shared, or a Business tenant's dedicated cluster), RabbitMQ and object storage. */
  private dataServices(
    name: string,
    args: TenantStackArgs,
    identity: TenantIdentity,
    profile: EffectiveProfile,
    namespace: string,
    guardrails: pulumi.Resource,
    dedicated: DedicatedClusterSpec | undefined,
  ): {
    components: pulumi.Resource[];
    databases: readonly string[];
    messaging: TenantMessaging;
    buckets: Readonly<Record<BucketName, string>>;
    mysql: { host: pulumi.Input<string>; port: number };
  } {
    const { endpoints } = args.platform;
    const admin = args.adminCredentials;
    const inNamespace = { dependsOn: [guardrails] };
    const cluster = dedicated ? new DedicatedMysqlCluster(`${name}-dedicated-mysql`, { identity, spec: dedicated, backupNamespace: args.platform.backups.namespace }, { parent: this }) : undefined;
    const server: MysqlServer = cluster
      ? { host: cluster.host, port: cluster.port, admin: { user: "root", password: cluster.rootPassword } }
      : {
          host: endpoints.mysql.host,
          port: endpoints.mysql.port,
          ...(args.dataServices.mysqlReadReplicaHost ? { readReplicaHost: args.dataServices.mysqlReadReplicaHost } : {}),
          admin: admin.mysql,
        };
    const databases = new TenantDatabases(
      `${name}-databases`,
      { identity, profile, namespace, server, ...inNamespace },
      { parent: this, ...(cluster ? { dependsOn: [cluster] } : {}) },
    );
    const messaging = new TenantMessaging(
      `${name}-messaging`,
      {
        identity,
        profile,
        namespace,
        server: { host: endpoints.rabbitmq.host, port: endpoints.rabbitmq.port, managementUrl: admin.rabbitmq.managementUrl, admin: admin.rabbitmq },
        federationUpstreams: args.dataServices.federationUpstreams,
        ...inNamespace,
      },
      { parent: this },
    );
    const storage = new TenantObjectStorage(
      `${name}-object-storage`,
      {
        identity,
        profile,
        namespace,
        server: { endpoint: `${endpoints.objectStorage.host}:${endpoints.objectStorage.port}`, ssl: admin.objectStorage.ssl, admin: admin.objectStorage },
        ...inNamespace,
      },
      { parent: this },
    );
    const mysql = { host: server.host, port: server.port };
    return { components: [databases, messaging, storage], databases: databases.databases, messaging, buckets: storage.buckets, mysql };
  }
}

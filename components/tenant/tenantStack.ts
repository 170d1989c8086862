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
  crossRegionHost,
  PLATFORM_REGIONS,
  regionGatewayHostname,
  type AddOns,
  type BucketName,
  type EffectiveProfile,
  type RegionName,
  type TenantPlan,
  type TierDefinition,
  type TierName,
} from "../../tiers";
import {
  databaseSecretName,
  OBJECT_STORAGE_SECRET,
  RABBITMQ_SECRET,
  RUNTIME_CONFIGMAP,
  UPLOAD_RULES_CONFIGMAP,
} from "../shared/contracts";
import { tenantLabels, type TenantIdentity } from "../shared/labels";
import { Microservice } from "./microservice";
import { NamespaceGuardrails } from "./namespaceGuardrails";
import { DedicatedMysqlCluster, ROUTER_PORT } from "../data/dedicatedMysqlCluster";
import type { HostEndpoint, PlatformEndpoints } from "./networkIsolation";
import { TenantDatabases, type MysqlServer } from "../data/tenantDatabases";
import { TenantMessaging } from "../data/tenantMessaging";
import { TenantMonitoring, type AlertingArgs } from "../operations/tenantMonitoring";
import { TenantBackups, type BackupPlatformArgs } from "../operations/tenantBackups";
import { TenantObjectStorage } from "../data/tenantObjectStorage";
import { RedisCache } from "../data/redisCache";
import { runtimeSettings } from "./runtimeSettings";
import { SiteStack } from "./siteStack";
import type { RoutingMode } from "./siteRouting";
import { TenantRateLimit } from "../edge/tenantRateLimit";
import { TenantEdge } from "../edge/tenantEdge";
import { BucketReplication } from "../data/bucketReplication";
import type { CustomDomainRecords, EdgeZone } from "../edge/edgeHostnames";
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

type RabbitAdmin = { readonly user: string; readonly password: string; readonly managementUrl: string };
type ObjectStorageAdmin = { readonly user: string; readonly password: string; readonly ssl: boolean };

/** Admin accounts of the shared data services, used by their Pulumi providers only. */
export interface AdminCredentials {
  readonly mysql: { readonly user: string; readonly password: string };
  readonly rabbitmq: RabbitAdmin;
  readonly objectStorage: ObjectStorageAdmin;
  /**
   * Another region's RabbitMQ and object storage accounts. Default: the home region's accounts,
   * reached at that region's cross-region hosts (tiers/regions.ts).
   */
  readonly regions?: Partial<
    Record<RegionName, { readonly rabbitmq: RabbitAdmin; readonly objectStorage: ObjectStorageAdmin }>
  >;
}

/** One region of the tenant: its name and its cluster's Kubernetes provider (from the region's platform stack). */
export interface TenantRegionArgs {
  readonly name: RegionName;
  readonly kubernetes: pulumi.ProviderResource;
}

export interface DataServicesArgs {
  /** Host of the MySQL read replica for the reporting user. Default: the primary's host. */
  readonly mysqlReadReplicaHost?: string;
  /** Business only: a dedicated InnoDB cluster. Default false. */
  readonly dedicatedMysqlCluster: boolean;
  /** Business only: federation upstreams beyond the tenant's own regions (those are added). Default none. */
  readonly federationUpstreams: readonly { readonly name: string; readonly uri: string }[];
}

export interface TenantStackArgs {
  /** Lowercase DNS label, 3-20 characters (tiers/naming.ts). */
  readonly tenantId: string;
  readonly tier: TierName;
  /**
   * The regions the tenant runs in, home first: each gets the tenant's namespaces, workloads,
   * routing, vhost and buckets at the tier's full quota; the home region also holds the
   * databases and backups. More than one only on Business. At least one.
   */
  readonly regions: readonly TenantRegionArgs[];
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
  /** The tenant's Cloudflare zone; the provider comes in `opts.providers` (docs/edge.md). */
  readonly cloudflare: EdgeZone;
  /** Receivers of the tier's alert channels. Default none (the platform Alertmanager's route only). */
  readonly alerting?: AlertingArgs;
}

/** One region being built: its name, the prefix of its resource names, its cluster's provider. */
interface RegionSite {
  readonly name: RegionName;
  readonly home: boolean;
  /** The home region keeps the names the tenant's resources always had; another region's carry its name. */
  readonly prefix: string;
  readonly kubernetes: pulumi.ProviderResource;
  /** What the tenant's network policies let its pods reach in this region. */
  readonly network: {
    readonly edgeNamespace: string;
    readonly monitoringNamespace: string;
    readonly endpoints: PlatformEndpoints;
  };
  readonly guardrails: NamespaceGuardrails;
  /** The region's RabbitMQ and object-storage admin accounts (regionAdmin). */
  readonly admin: RegionAdmin;
}

/**
 * Everything one tenant gets, sized from its tier: in each of its regions the core namespace
 * with the shared services, Redis, runtime settings, vhost and buckets, one SiteStack per site,
 * the tenant-wide rate limit and monitoring; in its home region the databases and backups; and
 * the edge in front of all regions. The request is validated before anything is registered.
 *
 * A region's quota is the tier's whole quota: regions are active-active (the seed deploys the
 * full Business release to every region), so each one must carry all of the tenant's traffic
 * when another fails. Every Kubernetes object goes through its region's provider.
 */
export class TenantStack extends pulumi.ComponentResource {
  readonly profile: EffectiveProfile;
  readonly plan: TenantPlan;
  /** The regions, home first. */
  readonly regions: readonly RegionName[];
  /** The active sites' namespaces (the same in every region), site 1 (the core namespace) first. */
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
    const regionNames = args.regions.map((r) => r.name);
    assertValidTenantRequest({ ...args, regions: regionNames });
    assertValidEdgeRequest(args);
    const home = args.regions[0];
    if (!home) throw new Error("TenantStack needs at least one region");
    const profile = effectiveProfile(args.tier, args.addOns);
    const plan = planTenant(profile, args.sites.length, args.retiredSites);
    // The home cluster is the default for every Kubernetes child; other regions pass their own.
    const given = opts?.providers ?? [];
    super(
      "collect-verything:tenant:TenantStack",
      name,
      {},
      { ...opts, providers: [...(Array.isArray(given) ? given : Object.values(given)), home.kubernetes] },
    );
    const cloudflareProvider = this.cloudflareProvider();
    this.profile = profile;
    this.plan = plan;
    this.regions = regionNames;

    const identity: TenantIdentity = { tenantId: args.tenantId, tier: args.tier };
    const coreNs = coreNamespace(args.tenantId);
    const tier = profile.tier;
    const { endpoints } = args.platform;
    const dedicatedDatabase = args.dataServices.dedicatedMysqlCluster
      ? tier.database.dedicatedCluster
      : undefined;
    const corePlan = plan.namespaces[0]!;

    // Phase 1, every region: the core namespace and its guardrails (the Secrets below need them).
    const regions = args.regions.map((region): RegionSite => {
      const isHome = region.name === home.name;
      const prefix = isHome ? name : `${name}-${region.name}`;
      const network = {
        edgeNamespace: args.platform.edgeNamespace,
        monitoringNamespace: args.platform.monitoringNamespace,
        endpoints: {
          // MySQL is the home region's: a dedicated cluster's routers there, the shared cluster
          // there, or (from another region: never with a dedicated cluster) the home VPC across the peering.
          mysql: !isHome
            ? { cidr: PLATFORM_REGIONS[home.name].vpcCidr, port: endpoints.mysql.port }
            : dedicatedDatabase
              ? { namespace: databaseNamespace(args.tenantId), port: ROUTER_PORT }
              : endpoints.mysql,
          rabbitmq: endpoints.rabbitmq,
          objectStorage: endpoints.objectStorage,
          ...(tier.redis === "dedicated" ? {} : { redis: endpoints.redis }),
        },
      };
      const guardrails = new NamespaceGuardrails(
        `${prefix}-core`,
        { identity, namespace: coreNs, role: "core", plan: corePlan, network },
        { parent: this, providers: [region.kubernetes] },
      );
      const admin = isHome ? args.adminCredentials : regionAdmin(region.name, args.adminCredentials);
      return {
        name: region.name,
        home: isHome,
        prefix,
        kubernetes: region.kubernetes,
        network,
        guardrails,
        admin,
      };
    });
    const homeRegion = regions[0]!;
    const others = regions.slice(1);

    // The databases live in the home region; every region gets their credentials.
    const cluster = dedicatedDatabase
      ? new DedicatedMysqlCluster(
          `${name}-dedicated-mysql`,
          { identity, spec: dedicatedDatabase, backupNamespace: args.platform.backups.namespace },
          { parent: this },
        )
      : undefined;
    const server: MysqlServer = cluster
      ? { host: cluster.host, port: cluster.port, admin: { user: "root", password: cluster.rootPassword } }
      : {
          host: endpoints.mysql.host,
          port: endpoints.mysql.port,
          ...(args.dataServices.mysqlReadReplicaHost
            ? { readReplicaHost: args.dataServices.mysqlReadReplicaHost }
            : {}),
          admin: args.adminCredentials.mysql,
        };
    const databases = new TenantDatabases(
      `${name}-databases`,
      {
        identity,
        profile,
        namespace: coreNs,
        server,
        dependsOn: [homeRegion.guardrails],
        otherRegions: others.map((r) => ({
          region: r.name,
          provider: r.kubernetes,
          host: crossRegionHost(home.name, "mysql"),
          dependsOn: [r.guardrails],
        })),
      },
      { parent: this, ...(cluster ? { dependsOn: [cluster] } : {}) },
    );
    this.databases = databases.databases;

    // Phase 2, every region: data services, workloads, sites, rate limit, monitoring.
    let homeMessaging: TenantMessaging | undefined;
    const built = regions.map((region) => {
      const result = this.deployRegion(region, {
        args,
        identity,
        profile,
        plan,
        databases,
        regionNames,
        homePassword: homeMessaging?.password,
      });
      homeMessaging ??= result.messaging;
      return result;
    });
    this.replicateBuckets(
      args,
      identity,
      tier,
      regions,
      built.map((b) => b.storage),
    );
    const homeBuilt = built[0]!;
    this.vhost = homeBuilt.messaging.vhost;
    this.buckets = homeBuilt.buckets;
    this.namespaces = homeBuilt.namespaces;
    this.retiredNamespaces = homeBuilt.retiredNamespaces;
    this.hostnames = homeBuilt.hostnames;

    const edge = new TenantEdge(
      `${name}-edge`,
      {
        identity,
        tier,
        zone: args.cloudflare,
        platformHostnames: plan.namespaces.map((ns) =>
          platformHostname(args.tenantId, ns.site, args.platform.domain),
        ),
        customDomains: args.sites.flatMap((s) => s.customDomains),
        ...(args.trustedCidrs ? { trustedCidrs: args.trustedCidrs } : {}),
        // Several regions: a load balancer with a pool per region (the home region's origin is the configured one).
        ...(others.length > 0
          ? {
              regions: regions.map((r) => ({
                name: r.name,
                originAddress: r.home ? args.cloudflare.originAddress : regionGatewayHostname(r.name),
              })),
            }
          : {}),
        provider: cloudflareProvider,
      },
      { parent: this },
    );
    this.customDomainRecords = edge.customDomainRecords;

    const backupSource = {
      mysql: { host: server.host, port: server.port },
      rabbitmqManagementUrl: args.adminCredentials.rabbitmq.managementUrl,
      platform: args.platform.backups,
    };
    new TenantBackups(
      `${name}-backups`,
      { identity, tier, namespace: coreNs, ...backupSource },
      { parent: this, dependsOn: [homeRegion.guardrails, databases, ...homeBuilt.dataComponents] },
    );
    this.monthlyPriceEur = monthlyPrice(profile, args.sites.length, {
      regions: regionNames,
      dedicatedMysqlCluster: args.dataServices.dedicatedMysqlCluster,
    }).monthlyEur;
    this.registerOutputs({
      regions: this.regions,
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

  /** One region's share of the tenant: its vhost and buckets, Redis, services, sites, rate limit and monitoring. */
  private deployRegion(
    region: RegionSite,
    tenant: {
      readonly args: TenantStackArgs;
      readonly identity: TenantIdentity;
      readonly profile: EffectiveProfile;
      readonly plan: TenantPlan;
      readonly databases: TenantDatabases;
      readonly regionNames: readonly RegionName[];
      /** The home region's RabbitMQ user password (undefined while building the home region). */
      readonly homePassword: pulumi.Output<string> | undefined;
    },
  ): {
    messaging: TenantMessaging;
    storage: TenantObjectStorage;
    buckets: Readonly<Record<BucketName, string>>;
    dataComponents: pulumi.Resource[];
    namespaces: readonly string[];
    retiredNamespaces: readonly string[];
    hostnames: readonly (readonly string[])[];
  } {
    const { args, identity, profile, plan } = tenant;
    const { prefix, guardrails, network } = region;
    const tier = profile.tier;
    const coreNs = coreNamespace(args.tenantId);
    const corePlan = plan.namespaces[0]!;
    const endpoints = args.platform.endpoints;
    const inRegion = { parent: this, providers: [region.kubernetes] };
    const inCore = { ...inRegion, dependsOn: [guardrails] };
    const priority = priorityClassName(args.tier);
    const image = (service: string) => `${args.images.registry}/${service}:${args.images.tag}`;

    // The tier's own Redis where the plan has one (Premium, Business); the platform's otherwise.
    const redisWorkload = corePlan.workloads.find((w) => w.service === "redis");
    const redis =
      redisWorkload && plan.redisVolumeGi !== undefined
        ? new RedisCache(
            `${prefix}-redis`,
            {
              identity,
              namespace: coreNs,
              workload: redisWorkload,
              volumeGi: plan.redisVolumeGi,
              image: args.images.redis,
              priorityClassName: priority,
            },
            inCore,
          ).endpoint
        : { host: endpoints.redis.host, port: endpoints.redis.port };
    const settings = runtimeSettings(identity, profile, redis);
    const runtime = new core.ConfigMap(
      `${prefix}-runtime`,
      {
        metadata: { name: RUNTIME_CONFIGMAP, namespace: coreNs, labels: tenantLabels(identity) },
        data: { ...settings, SITE: "1" },
      },
      { parent: this, provider: region.kubernetes, dependsOn: [guardrails] },
    );

    const { admin } = region;
    const messaging = new TenantMessaging(
      `${prefix}-messaging`,
      {
        identity,
        profile,
        namespace: coreNs,
        server: {
          host: endpoints.rabbitmq.host,
          port: endpoints.rabbitmq.port,
          managementUrl: admin.rabbitmq.managementUrl,
          admin: admin.rabbitmq,
        },
        federationUpstreams: args.dataServices.federationUpstreams,
        federationPeers: tenant.regionNames
          .filter((other) => other !== region.name)
          .map((other) => ({
            region: other,
            host: crossRegionHost(other, "rabbitmq"),
            port: endpoints.rabbitmq.port,
          })),
        ...(tenant.homePassword ? { password: tenant.homePassword } : {}),
        dependsOn: [guardrails],
      },
      inRegion,
    );
    const storage = new TenantObjectStorage(
      `${prefix}-object-storage`,
      {
        identity,
        profile,
        namespace: coreNs,
        server: {
          endpoint: `${region.home ? endpoints.objectStorage.host : crossRegionHost(region.name, "objectStorage")}:${endpoints.objectStorage.port}`,
          ssl: admin.objectStorage.ssl,
          admin: admin.objectStorage,
        },
        dependsOn: [guardrails],
      },
      inRegion,
    );
    const dataComponents = [messaging, storage];
    const inCoreReady = {
      ...inRegion,
      dependsOn: [guardrails, runtime, tenant.databases, ...dataComponents],
    };

    for (const svc of SERVICES.filter((s) => !s.perSite)) {
      const workload = corePlan.workloads.find((w) => w.service === svc.name);
      if (!workload) throw new Error(`core plan has no ${svc.name}`);
      new Microservice(
        `${prefix}-${svc.name}`,
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
          `${prefix}-${svc.name}-autoscaler`,
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
      return new SiteStack(
        `${prefix}-site-${site}`,
        {
          identity,
          profile,
          plan: nsPlan,
          coreNamespace: coreNs,
          namespace: siteNamespace(args.tenantId, site),
          hostnames: [
            platformHostname(args.tenantId, site, args.platform.domain),
            ...args.sites[i]!.customDomains,
          ],
          routing: args.routing,
          network,
          gatewayImage: image("api-gateway"),
          priorityClassName: priority,
          runtimeSettings: settings,
          prometheusUrl: args.platform.prometheusUrl,
          messagingCredentials: messaging.credentials,
          ...(args.trustedCidrs ? { trustedCidrs: args.trustedCidrs } : {}),
        },
        site === 1 ? inCoreReady : inRegion,
      );
    });
    const retired = plan.retired.map(
      (nsPlan) =>
        new SiteStack(
          `${prefix}-site-${nsPlan.site}`,
          { retired: true, identity, plan: nsPlan, namespace: siteNamespace(args.tenantId, nsPlan.site) },
          inRegion,
        ),
    );

    if (args.routing.mode === "gateway-api") {
      new TenantRateLimit(
        `${prefix}-rate-limit`,
        {
          identity,
          namespace: coreNs,
          rateLimit: tier.rateLimit,
          gateway: args.routing.gateway,
          trustedClients: (args.trustedCidrs ?? []).length > 0,
        },
        inCore,
      );
    }
    const namespaces = sites.map((s) => s.namespace);
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
    const observed = {
      identity,
      profile,
      namespaces,
      cdnZone: args.cloudflare.zoneName,
      slo,
      monitoringNamespace: args.platform.monitoringNamespace,
    };
    new TenantMonitoring(
      `${prefix}-monitoring`,
      { ...observed, ...(args.alerting ? { alerting: args.alerting } : {}) },
      inCore,
    );
    return {
      messaging,
      storage,
      buckets: storage.buckets,
      dataComponents,
      namespaces,
      retiredNamespaces: retired.map((s) => s.namespace),
      hostnames: sites.map((s) => s.hostnames),
    };
  }

  /**
   * Where the tier replicates buckets (Business): in each region a Job keeps every bucket
   * replicated to the same bucket in each other region (none with one region, so rules to a
   * region the tenant left are removed).
   */
  private replicateBuckets(
    args: TenantStackArgs,
    identity: TenantIdentity,
    tier: TierDefinition,
    regions: readonly RegionSite[],
    storages: readonly TenantObjectStorage[],
  ): void {
    if (!tier.objectStorage.crossRegionReplication) return;
    const { port } = args.platform.endpoints.objectStorage;
    const site = (region: RegionSite, storage: TenantObjectStorage) => {
      if (!storage.replication)
        throw new Error(
          `the ${tier.displayName} tier replicates buckets but ${region.name}'s object storage has no replicator`,
        );
      return {
        region: region.name,
        secure: region.admin.objectStorage.ssl,
        credentials: storage.replication,
      };
    };
    regions.forEach((region, i) => {
      const storage = storages[i]!;
      new BucketReplication(
        `${region.prefix}-bucket-replication`,
        {
          identity,
          tier,
          namespace: coreNamespace(args.tenantId),
          buckets: Object.values(storage.buckets),
          // The Job runs in the source region: its own object storage is the in-cluster one.
          source: {
            ...site(region, storage),
            endpoint: `${args.platform.endpoints.objectStorage.host}:${port}`,
          },
          targets: regions
            .map((other, j) => ({ other, storage: storages[j]! }))
            .filter(({ other }) => other.name !== region.name)
            .map(({ other, storage: theirs }) => ({
              ...site(other, theirs),
              endpoint: `${crossRegionHost(other.name, "objectStorage")}:${port}`,
              cidr: PLATFORM_REGIONS[other.name].vpcCidr,
            })),
        },
        { parent: this, providers: [region.kubernetes], dependsOn: [region.guardrails, ...storages] },
      );
    });
  }
}

type RegionAdmin = { readonly rabbitmq: RabbitAdmin; readonly objectStorage: ObjectStorageAdmin };

/** Another region's RabbitMQ and object-storage admin accounts: its own, or the home's at its cross-region hosts. */
function regionAdmin(region: RegionName, admin: AdminCredentials): RegionAdmin {
  const own = admin.regions?.[region];
  if (own) return own;
  // The home accounts at the region's cross-region host (same scheme, port and path).
  const managementUrl = new URL(admin.rabbitmq.managementUrl);
  managementUrl.hostname = crossRegionHost(region, "rabbitmq");
  return {
    rabbitmq: { ...admin.rabbitmq, managementUrl: managementUrl.toString() },
    objectStorage: admin.objectStorage,
  };
}

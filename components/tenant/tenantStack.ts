import * as pulumi from "@pulumi/pulumi";
import {
  assertValidEdgeRequest,
  assertValidTenantRequest,
  coreNamespace,
  effectiveProfile,
  monthlyPrice,
  planTenant,
  platformHostname,
  regionGatewayHostname,
  type BucketName,
  type EffectiveProfile,
  type RegionName,
  type TenantPlan,
} from "../../tiers";
import type { MysqlServer, TenantDatabases } from "../data/tenantDatabases";
import type { TenantMessaging } from "../data/tenantMessaging";
import { TenantEdge } from "../edge/tenantEdge";
import type { CustomDomainRecords } from "../edge/edgeHostnames";
import { TenantBackups } from "../operations/tenantBackups";
import { replicateBuckets } from "./bucketReplicas";
import { homeDatabases } from "./homeDatabases";
import { deployRegion, type RegionDeployment } from "./regionDeployment";
import { prepareRegions, type RegionSite, type TenantBuild } from "./tenantRegions";
import type { TenantStackArgs } from "./tenantStackArgs";
import { erasingTransformations } from "../shared/statefulOptions";

export type {
  AdminCredentials,
  DataServicesArgs,
  PlatformArgs,
  SiteArgs,
  TenantRegionArgs,
  TenantStackArgs,
} from "./tenantStackArgs";

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
      {
        ...opts,
        providers: [...(Array.isArray(given) ? given : Object.values(given)), home.kubernetes],
        transformations: [...(opts?.transformations ?? []), ...erasingTransformations(args.erasing === true)],
      },
    );
    const cloudflareProvider = this.cloudflareProvider();
    this.profile = profile;
    this.plan = plan;
    this.regions = regionNames;
    const build: TenantBuild = {
      name,
      args,
      identity: { tenantId: args.tenantId, tier: args.tier },
      profile,
      plan,
      regionNames,
      dedicatedDatabase: args.dataServices.dedicatedMysqlCluster
        ? profile.tier.database.dedicatedCluster
        : undefined,
      parent: this,
    };

    const regions = prepareRegions(build);
    const { server, databases } = homeDatabases(build, regions);
    this.databases = databases.databases;
    const built = this.deployRegions(build, regions, databases);
    replicateBuckets(
      build,
      regions,
      built.map((b) => b.storage),
    );
    const homeBuilt = built[0]!;
    this.vhost = homeBuilt.messaging.vhost;
    this.buckets = homeBuilt.buckets;
    this.namespaces = homeBuilt.namespaces;
    this.retiredNamespaces = homeBuilt.retiredNamespaces;
    this.hostnames = homeBuilt.hostnames;
    this.customDomainRecords = this.edge(build, regions, cloudflareProvider).customDomainRecords;
    this.backups(build, server, [regions[0]!.guardrails, databases, ...homeBuilt.dataComponents]);
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

  /** Phase 2, every region: data services, workloads, sites, rate limit, monitoring (the home region first). */
  private deployRegions(
    build: TenantBuild,
    regions: readonly RegionSite[],
    databases: TenantDatabases,
  ): RegionDeployment[] {
    let homeMessaging: TenantMessaging | undefined;
    return regions.map((region) => {
      const result = deployRegion(build, region, { databases, password: homeMessaging?.password });
      homeMessaging ??= result.messaging;
      return result;
    });
  }

  /** The edge in front of every region: one origin, or a load balancer with a pool per region. */
  private edge(
    build: TenantBuild,
    regions: readonly RegionSite[],
    provider: pulumi.ProviderResource,
  ): TenantEdge {
    const { args, identity, plan } = build;
    return new TenantEdge(
      `${build.name}-edge`,
      {
        identity,
        tier: build.profile.tier,
        zone: args.cloudflare,
        platformHostnames: plan.namespaces.map((ns) =>
          platformHostname(args.tenantId, ns.site, args.platform.domain),
        ),
        customDomains: args.sites.flatMap((s) => s.customDomains),
        ...(args.trustedCidrs ? { trustedCidrs: args.trustedCidrs } : {}),
        // The home region's origin is the configured one; another region's is its gateway.
        ...(regions.length > 1
          ? {
              regions: regions.map((r) => ({
                name: r.name,
                originAddress: r.home ? args.cloudflare.originAddress : regionGatewayHostname(r.name),
              })),
            }
          : {}),
        provider,
        originPullClient: args.originPullClient,
      },
      { parent: this },
    );
  }

  /** The home region's backups of the databases and the vhost definitions. */
  private backups(build: TenantBuild, server: MysqlServer, dependsOn: pulumi.Resource[]): void {
    const { args, identity } = build;
    new TenantBackups(
      `${build.name}-backups`,
      {
        identity,
        tier: build.profile.tier,
        namespace: coreNamespace(args.tenantId),
        mysql: { host: server.host, port: server.port },
        rabbitmqManagementUrl: args.adminCredentials.rabbitmq.managementUrl,
        platform: args.platform.backups,
      },
      { parent: this, dependsOn },
    );
  }
}

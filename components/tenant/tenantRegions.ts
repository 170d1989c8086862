import type * as pulumi from "@pulumi/pulumi";
import {
  coreNamespace,
  crossRegionHost,
  databaseNamespace,
  PLATFORM_REGIONS,
  type DedicatedClusterSpec,
  type EffectiveProfile,
  type RegionName,
  type TenantPlan,
} from "../../tiers";
import type { TenantIdentity } from "../shared/labels";
import { ROUTER_PORT } from "../data/dedicatedMysqlCluster";
import { NamespaceGuardrails } from "./namespaceGuardrails";
import type { PlatformEndpoints } from "./networkIsolation";
import type {
  AdminCredentials,
  ObjectStorageAdmin,
  RabbitAdmin,
  TenantRegionArgs,
  TenantStackArgs,
} from "./tenantStackArgs";

/** What every builder of a TenantStack shares: the validated request and what was derived from it. */
export interface TenantBuild {
  /** The TenantStack's resource name (the prefix of its children's names). */
  readonly name: string;
  readonly args: TenantStackArgs;
  readonly identity: TenantIdentity;
  readonly profile: EffectiveProfile;
  readonly plan: TenantPlan;
  readonly regionNames: readonly RegionName[];
  /** The tier's dedicated InnoDB cluster, when the tenant has one. */
  readonly dedicatedDatabase: DedicatedClusterSpec | undefined;
  /** The TenantStack: every child's parent. */
  readonly parent: pulumi.Resource;
}

export type RegionAdmin = { readonly rabbitmq: RabbitAdmin; readonly objectStorage: ObjectStorageAdmin };

/** One region being built: its name, the prefix of its resource names, its cluster's provider. */
export interface RegionSite {
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

/** Phase 1, every region: the core namespace and its guardrails (the Secrets built later need them). */
export function prepareRegions(build: TenantBuild): RegionSite[] {
  const home = build.args.regions[0]!;
  return build.args.regions.map((region) => prepareRegion(build, region, region.name === home.name));
}

function prepareRegion(build: TenantBuild, region: TenantRegionArgs, isHome: boolean): RegionSite {
  const { args, identity, plan } = build;
  const prefix = isHome ? build.name : `${build.name}-${region.name}`;
  const network = {
    edgeNamespace: args.platform.edgeNamespace,
    monitoringNamespace: args.platform.monitoringNamespace,
    endpoints: regionEndpoints(build, isHome),
  };
  const guardrails = new NamespaceGuardrails(
    `${prefix}-core`,
    { identity, namespace: coreNamespace(args.tenantId), role: "core", plan: plan.namespaces[0]!, network },
    { parent: build.parent, providers: [region.kubernetes] },
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
}

/** The data services a region's pods may reach. */
function regionEndpoints(build: TenantBuild, isHome: boolean): PlatformEndpoints {
  const { endpoints } = build.args.platform;
  const homeName = build.regionNames[0]!;
  return {
    // MySQL is the home region's: a dedicated cluster's routers there, the shared cluster
    // there, or (from another region: never with a dedicated cluster) the home VPC across the peering.
    mysql: !isHome
      ? { cidr: PLATFORM_REGIONS[homeName].vpcCidr, port: endpoints.mysql.port }
      : build.dedicatedDatabase
        ? { namespace: databaseNamespace(build.args.tenantId), port: ROUTER_PORT }
        : endpoints.mysql,
    rabbitmq: endpoints.rabbitmq,
    objectStorage: endpoints.objectStorage,
    ...(build.profile.tier.redis === "dedicated" ? {} : { redis: endpoints.redis }),
  };
}

/** Another region's RabbitMQ and object-storage admin accounts: its own, or the home's at its cross-region hosts. */
export function regionAdmin(region: RegionName, admin: AdminCredentials): RegionAdmin {
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

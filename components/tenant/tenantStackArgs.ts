import type * as pulumi from "@pulumi/pulumi";
import type { AddOns, RegionName, TierName } from "../../tiers";
import type { HostEndpoint } from "./networkIsolation";
import type { AlertingArgs } from "../operations/tenantMonitoring";
import type { BackupPlatformArgs } from "../operations/tenantBackups";
import type { RoutingMode } from "./siteRouting";
import type { EdgeZone } from "../edge/edgeHostnames";
import type { OriginPullClient } from "../shared/contracts";

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

export type RabbitAdmin = {
  readonly user: string;
  readonly password: string;
  readonly managementUrl: string;
};
export type ObjectStorageAdmin = { readonly user: string; readonly password: string; readonly ssl: boolean };

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
  /** The platform's origin-pull client certificate (a secret), uploaded to the zone: the gateways accept only it. */
  readonly originPullClient: pulumi.Input<OriginPullClient>;
  /** Receivers of the tier's alert channels. Default none (the platform Alertmanager's route only). */
  readonly alerting?: AlertingArgs;
  /**
   * Suspended by a deprovision (set by the operations, never by a request): every workload at
   * zero replicas with no autoscaler that can raise it, every hostname answering the maintenance
   * response; data services, volumes, databases, vhost and buckets exactly as when active
   * (docs/tenant-lifecycle.md). Default false.
   */
  readonly suspended?: boolean;
  /**
   * Erasing mode, the operator's `tenant:erasing` flag (never part of a request): nothing is
   * protected or retained on delete and buckets may be destroyed with their objects, so the
   * purge's destroy deletes everything (components/shared/statefulOptions.ts). Default false.
   */
  readonly erasing?: boolean;
}

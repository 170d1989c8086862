/**
 * The AWS regions the platform runs in: one platform stack (VPC, EKS cluster, backup bucket) per
 * region, and the regions a tenant may be placed in. Zones are listed, not looked up: the
 * programs make no provider calls (the offline synth runs without an account) and a cluster's
 * zones must not move under it when AWS adds one.
 *
 * - eu-west-3 (Paris): the primary region, where the existing tenants and the backup bucket live.
 * - eu-central-1 (Frankfurt): the second EU region for Business tenants (data stays in the EU).
 * - us-east-1 (N. Virginia): for tenants whose customers are in North America.
 *
 * Each region's VPC has its own /16 so that regions can be peered without overlapping
 * addresses: a tenant's secondary regions reach its home region's MySQL over the peering, and
 * the tenants' network policies allow exactly that CIDR.
 */
import { DEFAULT_BACKUP_BUCKET } from "./backups";

export interface PlatformRegion {
  /** Three availability zones: the subnets, NAT gateways and node groups span them. */
  readonly zones: readonly [string, string, string];
  /** The VPC's CIDR block (a /16, distinct per region). */
  readonly vpcCidr: string;
}

export const PLATFORM_REGIONS = {
  "eu-west-3": { zones: ["eu-west-3a", "eu-west-3b", "eu-west-3c"], vpcCidr: "10.30.0.0/16" },
  "eu-central-1": { zones: ["eu-central-1a", "eu-central-1b", "eu-central-1c"], vpcCidr: "10.31.0.0/16" },
  "us-east-1": { zones: ["us-east-1a", "us-east-1b", "us-east-1c"], vpcCidr: "10.40.0.0/16" },
} as const satisfies Record<string, PlatformRegion>;

export type RegionName = keyof typeof PLATFORM_REGIONS;
export const REGION_NAMES = Object.keys(PLATFORM_REGIONS) as RegionName[];
/** The region the existing single-region stacks run in, and a tenant's default home region. */
export const PRIMARY_REGION: RegionName = "eu-west-3";

export class RegionError extends Error {
  override readonly name = "RegionError";
}

export function isRegionName(value: string): value is RegionName {
  return Object.hasOwn(PLATFORM_REGIONS, value);
}

/** The region named by `field`, or a RegionError naming the field and the supported regions. */
export function parseRegion(value: string | undefined, field: string): RegionName {
  if (value === undefined || value === "")
    throw new RegionError(`${field}: required, one of ${REGION_NAMES.join(", ")}`);
  if (!isRegionName(value))
    throw new RegionError(`${field}: "${value}" is not a supported region (${REGION_NAMES.join(", ")})`);
  return value;
}

/**
 * The region's backup bucket (S3 names are global). The primary region keeps the name the tenants'
 * `platform.backups.bucket` defaults to; the others carry their region.
 */
export function backupBucketName(region: RegionName): string {
  return region === PRIMARY_REGION ? DEFAULT_BACKUP_BUCKET : `${DEFAULT_BACKUP_BUCKET}-${region}`;
}

/** The private zone, resolvable from every peered VPC, where each region publishes its shared services. */
export const PLATFORM_PRIVATE_ZONE = "platform.collect-verything.internal";
/** The public zone of the regions' edge gateways (the origins of the Cloudflare pools). */
export const PLATFORM_GATEWAY_ZONE = "gateways.collect-verything.com";

/** The services a region publishes to the other regions (internal load balancers, private DNS). */
export type CrossRegionService = "mysql" | "rabbitmq" | "objectStorage";
const SERVICE_LABELS: Readonly<Record<CrossRegionService, string>> = {
  mysql: "mysql",
  rabbitmq: "rabbitmq",
  objectStorage: "minio",
};

/**
 * Where another region reaches a region's shared service: the platform program publishes these
 * names (its outputs) and the tenant programs use them, both from this one function.
 */
export function crossRegionHost(region: RegionName, service: CrossRegionService): string {
  return `${SERVICE_LABELS[service]}.${region}.${PLATFORM_PRIVATE_ZONE}`;
}

/** Every shared service's cross-region host of a region: what its platform stack publishes. */
export function crossRegionHosts(region: RegionName): Readonly<Record<CrossRegionService, string>> {
  return {
    mysql: crossRegionHost(region, "mysql"),
    rabbitmq: crossRegionHost(region, "rabbitmq"),
    objectStorage: crossRegionHost(region, "objectStorage"),
  };
}

/** The public hostname of the region's edge gateway: the origin Cloudflare sends the region's traffic to. */
export function regionGatewayHostname(region: RegionName): string {
  return `${region}.${PLATFORM_GATEWAY_ZONE}`;
}

/** The Pulumi organization of the platform stacks, unless a tenant's config names another. */
export const DEFAULT_PLATFORM_ORGANIZATION = "collect-verything";

/** The platform stack of a region, as tenant stacks reference it: `<organization>/platform/<region>`. */
export function platformStackName(organization: string, region: RegionName): string {
  return `${organization}/platform/${region}`;
}

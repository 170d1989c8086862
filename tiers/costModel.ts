/**
 * What a tenant costs per month, from the same numbers that build it: its plan (sizing.ts) gives
 * the CPU and memory its pods request, the catalog its volumes' storage class, buckets, backups
 * and edge features; priceTable.ts gives the list prices. Costs are computed in USD per region
 * (each region holds the tenant's whole quota, components/tenant/tenantStack.ts) and converted
 * to EUR at the table's rate.
 *
 * What the catalog cannot say (how much data a tenant keeps, how much traffic it serves, how many
 * tenants share a region's fixed costs) is in COST_ASSUMPTIONS: estimates, each named, that
 * docs/finops.md lists next to the figures they produce. Support, licences and the platform's
 * own services beyond storage (MySQL, RabbitMQ and Prometheus pods) are not in the model.
 */
import type { StorageClassSpec, TierDefinition, TierName } from "./catalog";
import { retentionDaysOf } from "./backups";
import { PRICE_TABLE, type NodePrice, type PriceTable, type RegionPrices } from "./priceTable";
import type { EffectiveProfile } from "./profile";
import { PLATFORM_REGIONS, PRIMARY_REGION, type RegionName } from "./regions";
import { planTenant, workloadUsage, type Scale, type TenantPlan } from "./sizing";

/** The deployment being priced beyond the profile: sites, regions, database. */
export interface Deployment {
  readonly sites: number;
  /** Home first. Default [PRIMARY_REGION]. */
  readonly regions?: readonly RegionName[];
  /** A dedicated InnoDB cluster (Business). Default false. */
  readonly dedicatedMysqlCluster?: boolean;
  /** Which replica counts the pods run at: "minimum" (steady state, default) or "maximum" (every autoscaler at its maximum). */
  readonly scale?: Scale;
}

/** Estimates the model needs and the catalog does not hold. */
export interface CostAssumptions {
  /** Data a tenant keeps in MySQL (its 11 databases), GB: the size of a dump and of each replica. */
  readonly databaseGb: Readonly<Record<TierName, number>>;
  /** Traffic a tenant serves to the internet per month, GB (at the edge when the tier has a CDN). */
  readonly egressGb: Readonly<Record<TierName, number>>;
  /** Share of edge traffic the CDN serves from cache (tiers with a CDN; the rest leaves the origin). */
  readonly cacheHitRatio: number;
  /** Binary logs written per day, as a share of the database (tiers with point-in-time recovery). */
  readonly binlogShareOfDatabasePerDay: number;
  /** Object storage: MinIO on gp3, raw bytes per stored byte (erasure coding EC:2 over 4 drives). */
  readonly objectStorageOverhead: number;
  /** Extra space non-current versions take on versioned buckets, as a share of the data. */
  readonly noncurrentVersionShare: number;
  /** Share of a replicated tenant's buckets that changes (and crosses regions) per month. */
  readonly replicatedShareOfBucketsPerMonth: number;
  /** Buckets are priced full: a tenant may fill its quota, and the guard must hold then. */
  readonly bucketFill: number;
  /** Node capacity kept by the daemon sets on every node (CNI, kube-proxy, EBS CSI, node exporter). */
  readonly daemonSetsPerNode: { readonly cpu: number; readonly memory: number };
  /** Share of allocatable capacity pods really get (bin packing leaves the rest stranded). */
  readonly packingEfficiency: number;
  /** Tenants a region's fixed costs (EKS control plane, one NAT gateway per zone) are shared by. */
  readonly tenantsPerRegion: number;
  /** Other NAT traffic per tenant and month (pods calling payment, mail and image APIs), GB. */
  readonly natBaselineGb: number;
}

export const COST_ASSUMPTIONS: CostAssumptions = Object.freeze({
  databaseGb: { standard: 0.5, premium: 2, business: 10 },
  egressGb: { standard: 20, premium: 100, business: 1000 },
  cacheHitRatio: 0.6,
  binlogShareOfDatabasePerDay: 0.05,
  objectStorageOverhead: 2,
  noncurrentVersionShare: 0.2,
  replicatedShareOfBucketsPerMonth: 0.1,
  bucketFill: 1,
  daemonSetsPerNode: { cpu: 300, memory: 512 },
  packingEfficiency: 0.85,
  tenantsPerRegion: 50,
  natBaselineGb: 5,
});

export type CostCategory =
  "compute" | "block-storage" | "database" | "object-storage" | "backups" | "network" | "platform" | "edge";

export interface CostLine {
  readonly category: CostCategory;
  /** undefined for a cost that is not regional (the Cloudflare edge). */
  readonly region?: RegionName;
  readonly label: string;
  readonly usd: number;
}

export interface CostBreakdown {
  readonly lines: readonly CostLine[];
  readonly usd: number;
  readonly eur: number;
  /** The price table's date. */
  readonly pricesAsOf: string;
}

/**
 * CPU (millicores) and memory (MiB) of one node that pods can use: EKS's kubelet reservation
 * (amazon-eks-ami: 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% above;
 * 255Mi + 11Mi per pod, 100Mi eviction threshold), less the daemon sets, times the packing efficiency.
 */
export function usableNodeCapacity(
  node: NodePrice,
  assumptions: CostAssumptions = COST_ASSUMPTIONS,
): { cpu: number; memory: number } {
  const steps: readonly [number, number][] = [
    [1, 0.06],
    [1, 0.01],
    [2, 0.005],
    [Infinity, 0.0025],
  ];
  let left = node.vcpu;
  let reservedCpu = 0;
  for (const [cores, share] of steps) {
    const n = Math.min(left, cores);
    reservedCpu += n * 1000 * share;
    left -= n;
  }
  const reservedMemory = 255 + 11 * node.maxPods + 100;
  const { daemonSetsPerNode: ds, packingEfficiency } = assumptions;
  return {
    cpu: (node.vcpu * 1000 - reservedCpu - ds.cpu) * packingEfficiency,
    memory: (node.memoryGi * 1024 - reservedMemory - ds.memory) * packingEfficiency,
  };
}

/** Month price of one gp3 volume of `gi` at a storage class (IOPS and throughput above the free baseline). */
export function gp3VolumeMonthly(
  gi: number,
  storageClass: StorageClassSpec,
  gp3: RegionPrices["gp3"],
): number {
  return (
    gi * gp3.gbMonth +
    Math.max(0, storageClass.iops - 3000) * gp3.iopsMonth +
    Math.max(0, storageClass.throughputMiBps - 125) * gp3.mibpsMonth
  );
}

interface Priced {
  readonly tier: TierDefinition;
  readonly profile: EffectiveProfile;
  readonly plan: TenantPlan;
  readonly deployment: Required<Deployment>;
  readonly prices: PriceTable;
  readonly assumptions: CostAssumptions;
}

/** The tenant's pods (and a dedicated database cluster's) as a share of nodes: the scarcer of CPU and memory. */
function computeLines(p: Priced, region: RegionName): CostLine[] {
  const node = p.prices.regions[region].node;
  const usable = usableNodeCapacity(node, p.assumptions);
  const nodeMonthly = node.usdPerHour * p.prices.hoursPerMonth;
  const workloads = p.plan.namespaces.flatMap((ns) => ns.workloads);
  const pods = workloadUsage(workloads, p.deployment.scale, false);
  const share = (cpu: number, memory: number) => Math.max(cpu / usable.cpu, memory / usable.memory);
  const lines: CostLine[] = [
    {
      category: "compute",
      region,
      label: `${pods.pods} pods requesting ${pods.requestsCpu}m CPU, ${pods.requestsMemory}Mi (${node.instanceType} share)`,
      usd: share(pods.requestsCpu, pods.requestsMemory) * nodeMonthly,
    },
  ];
  const cluster = p.tier.database.dedicatedCluster;
  if (cluster && p.deployment.dedicatedMysqlCluster && region === p.deployment.regions[0]) {
    const cpu = cluster.instances * cluster.instanceResources.requests.cpu;
    const memory = cluster.instances * cluster.instanceResources.requests.memory;
    const routers = cluster.routers;
    lines.push({
      category: "compute",
      region,
      label: `dedicated MySQL: ${cluster.instances} servers, ${routers} routers`,
      usd:
        share(
          cpu + routers * cluster.routerResources.requests.cpu,
          memory + routers * cluster.routerResources.requests.memory,
        ) * nodeMonthly,
    });
  }
  return lines;
}

/** The tenant's own volumes at its tier's class, add-on storage, and its share of the shared MySQL's disks. */
function storageLines(p: Priced, region: RegionName): CostLine[] {
  const prices = p.prices.regions[region];
  const home = region === p.deployment.regions[0];
  const lines: CostLine[] = [];
  const volumes = p.plan.namespaces.flatMap((ns) => ns.volumes);
  const cluster = p.tier.database.dedicatedCluster;
  if (cluster && p.deployment.dedicatedMysqlCluster && home)
    // Each server's data volume and the operator's backup volume, all at the tier's class.
    volumes.push(...Array.from({ length: cluster.instances + 1 }, () => cluster.instanceStorageGi));
  const volumeUsd = volumes.reduce(
    (sum, gi) => sum + gp3VolumeMonthly(gi, p.tier.storageClass, prices.gp3),
    0,
  );
  if (volumes.length > 0)
    lines.push({
      category: "block-storage",
      region,
      label: `${volumes.length} gp3 volume(s), ${volumes.reduce((a, b) => a + b, 0)} GiB at ${p.tier.storageClass.iops} IOPS, ${p.tier.storageClass.throughputMiBps} MiB/s`,
      usd: volumeUsd,
    });
  const extra = p.profile.addOns.extraStorageGi;
  if (extra > 0)
    lines.push({
      category: "block-storage",
      region,
      label: `${extra} GiB add-on storage`,
      usd: extra * prices.gp3.gbMonth,
    });
  if (home && !p.deployment.dedicatedMysqlCluster) {
    const gb = p.assumptions.databaseGb[p.tier.name];
    const copies = 1 + p.tier.database.readReplicas;
    lines.push({
      category: "database",
      region,
      label: `shared MySQL: ${gb} GB x ${copies} (primary and read replicas)`,
      usd: gb * copies * prices.gp3.gbMonth,
    });
  }
  return lines;
}

const bucketQuotaGb = (tier: TierDefinition): number =>
  Object.values(tier.objectStorage.buckets).reduce((sum, b) => sum + b.quotaGb, 0);

/** The tenant's buckets in this region (MinIO on gp3), full, with their non-current versions. */
function objectStorageLine(p: Priced, region: RegionName): CostLine {
  const a = p.assumptions;
  const versions = p.tier.objectStorage.versioning ? 1 + a.noncurrentVersionShare : 1;
  const gb = bucketQuotaGb(p.tier) * a.bucketFill * versions;
  return {
    category: "object-storage",
    region,
    label: `${gb} GB of buckets x ${a.objectStorageOverhead} (erasure coding) on gp3`,
    usd: gb * a.objectStorageOverhead * p.prices.regions[region].gp3.gbMonth,
  };
}

/** Dumps (and binary logs) a month writes and the bucket keeps: S3 Standard, uploaded through the NAT gateways. */
function backupVolumes(p: Priced): { retainedGb: number; uploadedGbPerMonth: number; dumpsPerDay: number } {
  const b = p.tier.backups;
  const db = p.assumptions.databaseGb[p.tier.name];
  const dumpsPerDay = b.mode === "hourly" ? 24 : 1;
  const binlogGbPerDay = b.pointInTimeRecovery ? db * p.assumptions.binlogShareOfDatabasePerDay : 0;
  const days = retentionDaysOf(b);
  return {
    dumpsPerDay,
    retainedGb: days * (dumpsPerDay * db + binlogGbPerDay),
    uploadedGbPerMonth: 30 * (dumpsPerDay * db + binlogGbPerDay),
  };
}

function backupLine(p: Priced, region: RegionName): CostLine {
  const v = backupVolumes(p);
  return {
    category: "backups",
    region,
    label: `${v.retainedGb} GB kept (${v.dumpsPerDay} dump(s) a day for ${retentionDaysOf(p.tier.backups)} days${p.tier.backups.pointInTimeRecovery ? ", binary logs" : ""})`,
    usd: v.retainedGb * p.prices.regions[region].s3StandardGbMonth,
  };
}

/** Internet egress from the origin, NAT processing, replication across regions, and the region's fixed costs shared. */
function networkLines(p: Priced, region: RegionName): CostLine[] {
  const prices = p.prices.regions[region];
  const a = p.assumptions;
  const regions = p.deployment.regions;
  const home = region === regions[0];
  const cached = p.tier.cdn.enabled ? a.cacheHitRatio : 0;
  const originGb = (a.egressGb[p.tier.name] * (1 - cached)) / regions.length;
  const natGb = a.natBaselineGb + (home ? backupVolumes(p).uploadedGbPerMonth : 0);
  const lines: CostLine[] = [
    {
      category: "network",
      region,
      label: `${originGb} GB origin egress`,
      usd: originGb * prices.internetEgressGb,
    },
    {
      category: "network",
      region,
      label: `${natGb} GB through NAT`,
      usd: natGb * prices.natGateway.usdPerGb,
    },
  ];
  if (p.tier.objectStorage.crossRegionReplication && regions.length > 1) {
    const gb = bucketQuotaGb(p.tier) * a.replicatedShareOfBucketsPerMonth * (regions.length - 1);
    lines.push({
      category: "network",
      region,
      label: `${gb} GB replicated to ${regions.length - 1} region(s)`,
      usd: gb * prices.interRegionGb,
    });
  }
  const zones = PLATFORM_REGIONS[region].zones.length;
  const fixed = (prices.eksClusterHour + zones * prices.natGateway.usdPerHour) * p.prices.hoursPerMonth;
  lines.push({
    category: "platform",
    region,
    label: `1/${a.tenantsPerRegion} of the EKS control plane and ${zones} NAT gateways`,
    usd: fixed / a.tenantsPerRegion,
  });
  return lines;
}

/** Cloudflare: the plan the tier's edge features need, load balancing across regions, Argo. */
function edgeLines(p: Priced): CostLine[] {
  const cdn = p.tier.cdn;
  const cf = p.prices.cloudflare;
  const lines: CostLine[] = [];
  if (!cdn.enabled) return lines;
  // The WAF's managed rulesets and advanced rate limiting need at least Business (advanced rate
  // limiting is an Enterprise add-on, quoted, not listed: Business is the list floor).
  const business = cdn.waf || cdn.advancedRateLimiting;
  lines.push({
    category: "edge",
    label: `Cloudflare ${business ? "Business" : "Pro"} plan`,
    usd: business ? cf.businessMonthly : cf.proMonthly,
  });
  const origins = p.deployment.regions.length;
  if (cdn.loadBalancing && origins > 1)
    lines.push({
      category: "edge",
      label: `Load Balancing, ${origins} origins`,
      usd:
        cf.loadBalancingMonthly +
        Math.max(0, origins - cf.loadBalancingOriginsIncluded) * cf.loadBalancingExtraOriginMonthly,
    });
  if (cdn.argoSmartRouting) {
    const gb = p.assumptions.egressGb[p.tier.name] * (1 - p.assumptions.cacheHitRatio);
    lines.push({
      category: "edge",
      label: `Argo Smart Routing, ${gb} GB`,
      usd: cf.argoMonthly + gb * cf.argoPerGb,
    });
  }
  return lines;
}

/** What the tenant costs per month at list prices (USD lines, EUR total). */
export function monthlyCost(
  profile: EffectiveProfile,
  deployment: Deployment,
  prices: PriceTable = PRICE_TABLE,
  assumptions: CostAssumptions = COST_ASSUMPTIONS,
): CostBreakdown {
  const resolved: Required<Deployment> = {
    sites: deployment.sites,
    regions: deployment.regions ?? [PRIMARY_REGION],
    dedicatedMysqlCluster: deployment.dedicatedMysqlCluster ?? false,
    scale: deployment.scale ?? "minimum",
  };
  if (resolved.regions.length === 0) throw new Error("deployment.regions: at least one region");
  if (resolved.dedicatedMysqlCluster && !profile.tier.database.dedicatedCluster)
    throw new Error(`deployment.dedicatedMysqlCluster: the ${profile.tier.displayName} tier has none`);
  const p: Priced = {
    tier: profile.tier,
    profile,
    plan: planTenant(profile, resolved.sites),
    deployment: resolved,
    prices,
    assumptions,
  };
  const lines = [
    ...resolved.regions.flatMap((region) => [
      ...computeLines(p, region),
      ...storageLines(p, region),
      objectStorageLine(p, region),
      ...(region === resolved.regions[0] ? [backupLine(p, region)] : []),
      ...networkLines(p, region),
    ]),
    ...edgeLines(p),
  ];
  const usd = lines.reduce((sum, l) => sum + l.usd, 0);
  return { lines, usd, eur: usd / prices.usdPerEur, pricesAsOf: prices.asOf };
}

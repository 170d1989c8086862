/**
 * Workload sizing: what runs where and how big, derived from the tenant's quota so that
 * everything fits (docs/product.md, invariant 1) and per-namespace quotas sum to the tenant's total
 * (invariant 2). The seed's per-service sizes are ceilings: they do not fit the seed's own
 * quotas (13 services need 2.6 / 6.5 / 13 CPU against 2 / 6 / 12).
 *
 * The rule, in order:
 * 1. Gateway replicas. The tier's api-gateway range is the tenant's whole gateway fleet, since
 *    the rate limit it serves is per tenant. It is split across sites, lower sites first, and
 *    every site keeps at least one replica, or the tier's `sla.requestPathReplicas` (Premium and
 *    Business: 2, one per zone), even where that takes the fleet past the tier's maximum.
 * 2. Shared services run `serviceReplicas` each in the core namespace; the queue consumer
 *    autoscales up to twice that where the tier scales on queue depth. A dedicated Redis adds
 *    one pod (Recreate, it owns a ReadWriteOnce volume).
 * 3. Rollouts. A deployment whose minimum is one replica surges one pod and keeps its pod until
 *    the new one is ready (maxSurge 1, maxUnavailable 0), so no rollout takes it to zero; one
 *    with two or more rolls with maxUnavailable 1 and no surge. At minimum scale the pod quota
 *    must hold at least one surge; at maximum scale a surge the quota cannot hold waits for
 *    room (Standard: 12 services + 3 gateways are its 15 pods), it never exceeds the quota.
 * 4. Pod size. Every pod gets the same share: the quota, less the core namespace's jobs headroom
 *    (one replication Job pod where the tier replicates buckets across regions, tiers/replication.ts),
 *    divided by the pods that can exist at once (maximum scale plus every surge, but no more
 *    than the pod quota), for the tier's
 *    largest site count (so adding a site never resizes running pods), rounded down (5m, 8Mi)
 *    and capped by the seed's per-service size. CPU and memory then hold every pod the pod
 *    quota admits: a rollout only ever waits on the pod count.
 * 5. Namespaces. Each site namespace gets exactly what its pods need at maximum with their
 *    surge, plus an even share of PVCs, load balancers and the storage not needed by the core's
 *    own volumes; the core namespace gets the rest, so the namespaces sum to the tenant's quota
 *    exactly, and the rest holds the jobs headroom (whatever the site count, so a tenant adding
 *    a region or a site never resizes running pods). A retired site's namespace (a site the tenant removed) keeps a zero quota and the
 *    tightest limit range: it holds its data but runs nothing, and leaves the sum unchanged.
 */
import { GP3_MAX_IOPS_PER_GIB, LIMIT_RANGE, type ContainerResources, type QuotaSpec } from "./catalog";
import type { EffectiveProfile } from "./profile";
import { coreJobsHeadroom } from "./replication";
import { GATEWAY, QUEUE_CONSUMER, SHARED_SERVICES, type ServiceName } from "./services";
import { retiredSiteProblems } from "./tenantRules";
import type { Gibibytes, Mebibytes, Millicores } from "../lib/units";

const CPU_STEP: Millicores = 5;
const MEMORY_STEP: Mebibytes = 8;

export interface RolloutStrategy {
  readonly maxSurge: 0 | 1;
  readonly maxUnavailable: 0 | 1;
}

export interface WorkloadPlan {
  readonly service: ServiceName | "redis";
  readonly workloadName: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly autoscaled: boolean;
  /** Recreate for a single-writer volume; otherwise a rolling update. */
  readonly strategy: RolloutStrategy | "Recreate";
  readonly resources: ContainerResources;
}

export interface LimitRangePlan {
  readonly containerMax: { readonly cpu: Millicores; readonly memory: Mebibytes };
  readonly containerMin: { readonly cpu: Millicores; readonly memory: Mebibytes };
  readonly containerDefault: { readonly cpu: Millicores; readonly memory: Mebibytes };
  readonly containerDefaultRequest: { readonly cpu: Millicores; readonly memory: Mebibytes };
  readonly podMax: { readonly cpu: Millicores; readonly memory: Mebibytes };
  readonly pvcMin: Gibibytes;
  readonly pvcMax: Gibibytes;
}

export interface NamespacePlan {
  /** 1 = core namespace (site 1 and the shared services). */
  readonly site: number;
  readonly workloads: readonly WorkloadPlan[];
  /** Volumes the plan itself claims in this namespace, in GiB. */
  readonly volumes: readonly Gibibytes[];
  /** One pod each the quota keeps free for the tier's Jobs (core namespace only), beside the workloads at their peak. */
  readonly jobs: readonly ContainerResources[];
  readonly quota: QuotaSpec;
  readonly limitRange: LimitRangePlan;
}

export interface TenantPlan {
  readonly sites: number;
  /** Size of every pod. */
  readonly podResources: ContainerResources;
  /** Size of the dedicated Redis volume, the smallest gp3 volume that reaches the tier's IOPS. */
  readonly redisVolumeGi?: Gibibytes;
  /** The active sites' namespaces, site 1 (the core namespace) first. */
  readonly namespaces: readonly NamespacePlan[];
  /** Namespaces of retired sites, in the order given: zero quota, no workloads. */
  readonly retired: readonly NamespacePlan[];
}

export class SizingError extends Error {
  override readonly name = "SizingError";
}

/** Splits `total` over `parts` as evenly as possible, the first parts taking the remainder. */
export function splitEvenly(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
}

/** Smallest gp3 volume that can be provisioned with `iops` (500 IOPS per GiB at most). */
export function minimumVolumeForIops(iops: number): Gibibytes {
  return Math.max(LIMIT_RANGE.pvcMin, Math.ceil(iops / GP3_MAX_IOPS_PER_GIB));
}

export function gatewayReplicasPerSite(
  profile: EffectiveProfile,
  sites: number,
): { min: number; max: number }[] {
  const { minReplicas, maxReplicas } = profile.tier.autoscaling;
  if (sites > maxReplicas) {
    throw new SizingError(
      `${sites} sites need at least ${sites} gateway replicas; the tier allows ${maxReplicas}`,
    );
  }
  // No single point of failure on the request path (tiers/catalog.ts `sla.requestPathReplicas`):
  // every site's gateway runs at least that many replicas, beyond the tier's fleet maximum when
  // the sites need it (Business over 7 sites: 2 x 10 = 20 > 15; the pod quota holds them).
  const floor = Math.max(1, profile.tier.sla.requestPathReplicas);
  const maxes = splitEvenly(maxReplicas, sites);
  return splitEvenly(minReplicas, sites).map((split, i) => {
    const min = Math.max(floor, Math.min(Math.max(1, split), maxes[i]!));
    return { min, max: Math.max(min, maxes[i]!) };
  });
}

interface Replicas {
  service: ServiceName | "redis";
  workloadName: string;
  min: number;
  max: number;
  autoscaled: boolean;
  recreate: boolean;
}

function replicasBySite(profile: EffectiveProfile, sites: number): Replicas[][] {
  const tier = profile.tier;
  const gateways = gatewayReplicasPerSite(profile, sites);
  const shared: Replicas[] = SHARED_SERVICES.map((svc) => {
    const scalesOnQueue =
      svc.name === QUEUE_CONSUMER.name && tier.autoscaling.queueDepthPerConsumer !== undefined;
    return {
      service: svc.name,
      workloadName: svc.workloadName,
      min: tier.serviceReplicas,
      max: scalesOnQueue ? 2 * tier.serviceReplicas : tier.serviceReplicas,
      autoscaled: scalesOnQueue,
      recreate: false,
    };
  });
  if (tier.redis === "dedicated") {
    shared.push({
      service: "redis",
      workloadName: "redis",
      min: 1,
      max: 1,
      autoscaled: false,
      recreate: true,
    });
  }
  return gateways.map((g, i) => {
    const gateway: Replicas = {
      service: GATEWAY.name,
      workloadName: GATEWAY.workloadName,
      min: g.min,
      max: g.max,
      autoscaled: true,
      recreate: false,
    };
    return i === 0 ? [gateway, ...shared] : [gateway];
  });
}

/** Recreate for a single-writer volume; a lone replica surges, two or more roll one at a time. */
function rolloutOf(r: Replicas): WorkloadPlan["strategy"] {
  if (r.recreate) return "Recreate";
  return r.min === 1 ? { maxSurge: 1, maxUnavailable: 0 } : { maxSurge: 0, maxUnavailable: 1 };
}

const surgeOf = (strategy: WorkloadPlan["strategy"]): number =>
  strategy === "Recreate" ? 0 : strategy.maxSurge;

function podsAt(bySite: Replicas[][], scale: Scale, withSurge: boolean): number {
  return bySite
    .flat()
    .reduce((n, r) => n + (scale === "minimum" ? r.min : r.max) + (withSurge ? surgeOf(rolloutOf(r)) : 0), 0);
}

const floorTo = (value: number, step: number): number => Math.floor(value / step) * step;

/**
 * The resources of every pod and the core jobs' headroom: pods are sized so that every pod that
 * can exist at once (maximum scale of the largest site count, every surge, the jobs) fits the
 * quota, within the tier's per-service ceiling; refused when the quota cannot hold that.
 */
function podSizing(profile: EffectiveProfile): {
  readonly jobs: readonly ContainerResources[];
  readonly podResources: ContainerResources;
} {
  const { tier, quota } = profile;
  // Pods are sized for the tier's largest site count, so that a tenant adding a site keeps
  // its pod sizes.
  const worstCase = replicasBySite(profile, tier.maxSites);
  // Jobs are counted like pods at every scale (a running Job pod is charged by the quota).
  const jobs = coreJobsHeadroom(tier);
  const atMaximum = podsAt(worstCase, "maximum", false) + jobs.length;
  if (atMaximum > quota.pods) {
    throw new SizingError(
      `${tier.displayName} needs ${atMaximum} pods at maximum scale; its quota allows ${quota.pods}`,
    );
  }
  const atMinimum = podsAt(worstCase, "minimum", false) + jobs.length;
  if (atMinimum + 1 > quota.pods) {
    throw new SizingError(
      `${tier.displayName} needs ${atMinimum} pods at minimum scale; its quota of ${quota.pods} leaves no room for a rollout surge`,
    );
  }
  // Every pod that can exist at once: maximum scale plus every surge, as far as the pod quota admits.
  const worstPods = Math.min(quota.pods - jobs.length, podsAt(worstCase, "maximum", true));
  const jobTotal = (pick: (r: ContainerResources) => number): number =>
    jobs.reduce((sum, r) => sum + pick(r), 0);
  const share = (total: number, pick: (r: ContainerResources) => number, step: number): number =>
    floorTo((total - jobTotal(pick)) / worstPods, step);
  const ceiling = tier.serviceCeiling;
  const podResources: ContainerResources = {
    requests: {
      cpu: Math.min(
        ceiling.requests.cpu,
        share(quota.requestsCpu, (r) => r.requests.cpu, CPU_STEP),
      ),
      memory: Math.min(
        ceiling.requests.memory,
        share(quota.requestsMemory, (r) => r.requests.memory, MEMORY_STEP),
      ),
    },
    limits: {
      cpu: Math.min(
        ceiling.limits.cpu,
        share(quota.limitsCpu, (r) => r.limits.cpu, CPU_STEP),
      ),
      memory: Math.min(
        ceiling.limits.memory,
        share(quota.limitsMemory, (r) => r.limits.memory, MEMORY_STEP),
      ),
    },
  };
  const min = LIMIT_RANGE.containerMin;
  if (podResources.requests.cpu < min.cpu || podResources.requests.memory < min.memory) {
    throw new SizingError(`${tier.displayName} pods would get less than the LimitRange minimum`);
  }
  return { jobs, podResources };
}

/**
 * The tenant's plan for `sites` active sites; `retiredSites` are the site numbers of sites it
 * removed, whose namespaces stay guarded with a zero quota (checked by tiers/tenantRules.ts).
 */
export function planTenant(
  profile: EffectiveProfile,
  sites: number,
  retiredSites: readonly number[] = [],
): TenantPlan {
  const { tier, quota } = profile;
  if (!Number.isInteger(sites) || sites < 1 || sites > tier.maxSites) {
    throw new SizingError(
      `sites must be an integer from 1 to ${tier.maxSites} for ${tier.displayName}, got ${sites}`,
    );
  }
  const retiredProblems = retiredSiteProblems(sites, retiredSites);
  if (retiredProblems.length > 0)
    throw new SizingError(retiredProblems.map((p) => `${p.field}: ${p.message}`).join("; "));

  const { jobs, podResources } = podSizing(profile);

  const redisVolumeGi = tier.redis === "dedicated" ? minimumVolumeForIops(tier.storageClass.iops) : undefined;
  const bySite = replicasBySite(profile, sites);
  const workloads = bySite.map((site) =>
    site.map((r): WorkloadPlan => ({
      service: r.service,
      workloadName: r.workloadName,
      minReplicas: r.min,
      maxReplicas: r.max,
      autoscaled: r.autoscaled,
      strategy: rolloutOf(r),
      resources: podResources,
    })),
  );
  const volumesBySite: Gibibytes[][] = bySite.map((_, i) =>
    i === 0 && redisVolumeGi ? [redisVolumeGi] : [],
  );
  const quotas = splitQuota(quota, workloads, volumesBySite);
  const namespaces = workloads.map((w, i): NamespacePlan => ({
    site: i + 1,
    workloads: w,
    volumes: volumesBySite[i]!,
    jobs: i === 0 ? jobs : [],
    quota: quotas[i]!,
    limitRange: limitRangeFor(quotas[i]!, podResources),
  }));
  const retired = retiredSites.map(retiredNamespacePlan);
  return { sites, podResources, ...(redisVolumeGi ? { redisVolumeGi } : {}), namespaces, retired };
}

const ZERO_QUOTA: QuotaSpec = {
  requestsCpu: 0,
  requestsMemory: 0,
  limitsCpu: 0,
  limitsMemory: 0,
  pods: 0,
  persistentVolumeClaims: 0,
  loadBalancers: 0,
  requestsStorage: 0,
};

/**
 * A removed site's namespace: it keeps whatever it holds, admits nothing new (zero quota), and
 * its limit range is the tightest valid one (every bound at the platform minimum).
 */
export function retiredNamespacePlan(site: number): NamespacePlan {
  const floor = LIMIT_RANGE.containerMin;
  return {
    site,
    workloads: [],
    volumes: [],
    jobs: [],
    quota: ZERO_QUOTA,
    limitRange: {
      containerMax: floor,
      containerMin: floor,
      containerDefault: floor,
      containerDefaultRequest: floor,
      podMax: floor,
      pvcMin: LIMIT_RANGE.pvcMin,
      pvcMax: LIMIT_RANGE.pvcMin,
    },
  };
}

export type Scale = "minimum" | "maximum";

export interface WorkloadUsage {
  pods: number;
  requestsCpu: Millicores;
  requestsMemory: Mebibytes;
  limitsCpu: Millicores;
  limitsMemory: Mebibytes;
}

/** What workloads consume at a scale, with or without every rolling-update surge at once. */
export function workloadUsage(
  workloads: readonly WorkloadPlan[],
  scale: Scale,
  withSurge: boolean,
): WorkloadUsage {
  let pods = 0;
  let requestsCpu = 0;
  let requestsMemory = 0;
  let limitsCpu = 0;
  let limitsMemory = 0;
  for (const w of workloads) {
    const n = (scale === "minimum" ? w.minReplicas : w.maxReplicas) + (withSurge ? surgeOf(w.strategy) : 0);
    pods += n;
    requestsCpu += n * w.resources.requests.cpu;
    requestsMemory += n * w.resources.requests.memory;
    limitsCpu += n * w.resources.limits.cpu;
    limitsMemory += n * w.resources.limits.memory;
  }
  return { pods, requestsCpu, requestsMemory, limitsCpu, limitsMemory };
}

/** What a namespace's workloads consume at maximum scale with every rollout surge. */
export const peakUsage = (workloads: readonly WorkloadPlan[]): WorkloadUsage =>
  workloadUsage(workloads, "maximum", true);

function splitQuota(total: QuotaSpec, workloads: WorkloadPlan[][], volumes: Gibibytes[][]): QuotaSpec[] {
  const sites = workloads.length;
  const coreStorage = volumes[0]!.reduce((a, b) => a + b, 0);
  const siteStorage = Math.floor((total.requestsStorage - coreStorage) / sites);
  const sitePvcs = Math.floor((total.persistentVolumeClaims - volumes[0]!.length) / sites);
  const siteLoadBalancers = Math.floor(total.loadBalancers / sites);
  const siteQuotas = workloads.slice(1).map((w): QuotaSpec => {
    const peak = peakUsage(w);
    return {
      requestsCpu: peak.requestsCpu,
      requestsMemory: peak.requestsMemory,
      limitsCpu: peak.limitsCpu,
      limitsMemory: peak.limitsMemory,
      pods: peak.pods,
      persistentVolumeClaims: sitePvcs,
      loadBalancers: siteLoadBalancers,
      requestsStorage: siteStorage,
    };
  });
  const rest = (key: keyof QuotaSpec): number => total[key] - siteQuotas.reduce((sum, q) => sum + q[key], 0);
  const core: QuotaSpec = {
    requestsCpu: rest("requestsCpu"),
    requestsMemory: rest("requestsMemory"),
    limitsCpu: rest("limitsCpu"),
    limitsMemory: rest("limitsMemory"),
    pods: rest("pods"),
    persistentVolumeClaims: rest("persistentVolumeClaims"),
    loadBalancers: rest("loadBalancers"),
    requestsStorage: rest("requestsStorage"),
  };
  return [core, ...siteQuotas];
}

function limitRangeFor(quota: QuotaSpec, pod: ContainerResources): LimitRangePlan {
  const lr = LIMIT_RANGE;
  return {
    containerMax: {
      cpu: Math.min(lr.containerMax.cpu, quota.limitsCpu),
      memory: Math.min(lr.containerMax.memory, quota.limitsMemory),
    },
    containerMin: lr.containerMin,
    containerDefault: pod.limits,
    containerDefaultRequest: pod.requests,
    podMax: {
      cpu: Math.min(lr.podMax.cpu, quota.limitsCpu),
      memory: Math.min(lr.podMax.memory, quota.limitsMemory),
    },
    pvcMin: lr.pvcMin,
    pvcMax: Math.max(lr.pvcMin, Math.min(lr.pvcMax, quota.requestsStorage)),
  };
}

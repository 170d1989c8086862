/**
 * Workload sizing: what runs where and how big, derived from the tenant's quota so that
 * everything fits (SPEC invariant 1) and per-namespace quotas sum to the tenant's total
 * (invariant 2). The seed's per-service sizes are ceilings: they do not fit the seed's own
 * quotas (13 services need 2.6 / 6.5 / 13 CPU against 2 / 6 / 12).
 *
 * The rule, in order:
 * 1. Gateway replicas. The tier's api-gateway range is the tenant's whole gateway fleet, since
 *    the rate limit it serves is per tenant. It is split across sites, lower sites first, and
 *    every site keeps at least one replica.
 * 2. Shared services run `serviceReplicas` each in the core namespace; the queue consumer
 *    autoscales up to twice that where the tier scales on queue depth. A dedicated Redis adds
 *    one pod (Recreate, it owns a ReadWriteOnce volume).
 * 3. Rollouts. A deployment whose minimum is one replica surges one pod (never down during a
 *    rollout); one with two or more rolls with maxUnavailable 1 and no surge. If the pod quota
 *    cannot hold every surge at once (Standard: 12 services + 3 gateways = its 15 pods), every
 *    deployment rolls without surge.
 * 4. Pod size. Every pod gets the same share: the quota divided by the pods at maximum scale
 *    plus surge for the tier's largest site count (so adding a site never resizes running pods),
 *    rounded down (5m, 8Mi) and capped by the seed's per-service size.
 * 5. Namespaces. Each site namespace gets exactly what its pods need at maximum, plus an even
 *    share of PVCs, load balancers and the storage not needed by the core's own volumes; the core
 *    namespace gets the rest, so the namespaces sum to the tenant's quota exactly.
 */
import { GP3_MAX_IOPS_PER_GIB, LIMIT_RANGE, type ContainerResources, type QuotaSpec } from "./catalog";
import type { EffectiveProfile } from "./profile";
import { GATEWAY, QUEUE_CONSUMER, SHARED_SERVICES, type ServiceName } from "./services";
import type { Gibibytes, Mebibytes, Millicores } from "./units";

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
  readonly quota: QuotaSpec;
  readonly limitRange: LimitRangePlan;
}

export interface TenantPlan {
  readonly sites: number;
  /** Size of every pod. */
  readonly podResources: ContainerResources;
  /** Size of the dedicated Redis volume, the smallest gp3 volume that reaches the tier's IOPS. */
  readonly redisVolumeGi?: Gibibytes;
  readonly namespaces: readonly NamespacePlan[];
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

export function gatewayReplicasPerSite(profile: EffectiveProfile, sites: number): { min: number; max: number }[] {
  const { minReplicas, maxReplicas } = profile.tier.autoscaling;
  if (sites > maxReplicas) {
    throw new SizingError(`${sites} sites need at least ${sites} gateway replicas; the tier allows ${maxReplicas}`);
  }
  const maxes = splitEvenly(maxReplicas, sites);
  return splitEvenly(minReplicas, sites).map((min, i) => {
    const max = maxes[i]!;
    return { min: Math.min(Math.max(1, min), max), max };
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
    const scalesOnQueue = svc.name === QUEUE_CONSUMER.name && tier.autoscaling.queueDepthPerConsumer !== undefined;
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
    shared.push({ service: "redis", workloadName: "redis", min: 1, max: 1, autoscaled: false, recreate: true });
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

const wantsSurge = (r: Replicas): boolean => !r.recreate && r.min === 1;

function podsAtMaximum(bySite: Replicas[][], surge: boolean): number {
  return bySite.flat().reduce((n, r) => n + r.max + (surge && wantsSurge(r) ? 1 : 0), 0);
}

const floorTo = (value: number, step: number): number => Math.floor(value / step) * step;

export function planTenant(profile: EffectiveProfile, sites: number): TenantPlan {
  const { tier, quota } = profile;
  if (!Number.isInteger(sites) || sites < 1 || sites > tier.maxSites) {
    throw new SizingError(`sites must be an integer from 1 to ${tier.maxSites} for ${tier.displayName}, got ${sites}`);
  }

  // Surge is decided and pods are sized for the tier's largest site count, so that a tenant
  // adding a site keeps its rollout strategy and pod sizes.
  const worstCase = replicasBySite(profile, tier.maxSites);
  const surge = podsAtMaximum(worstCase, true) <= quota.pods;
  const worstPods = podsAtMaximum(worstCase, surge);
  if (worstPods > quota.pods) {
    throw new SizingError(`${tier.displayName} needs ${worstPods} pods at maximum scale; its quota allows ${quota.pods}`);
  }
  const ceiling = tier.serviceCeiling;
  const podResources: ContainerResources = {
    requests: {
      cpu: Math.min(ceiling.requests.cpu, floorTo(quota.requestsCpu / worstPods, CPU_STEP)),
      memory: Math.min(ceiling.requests.memory, floorTo(quota.requestsMemory / worstPods, MEMORY_STEP)),
    },
    limits: {
      cpu: Math.min(ceiling.limits.cpu, floorTo(quota.limitsCpu / worstPods, CPU_STEP)),
      memory: Math.min(ceiling.limits.memory, floorTo(quota.limitsMemory / worstPods, MEMORY_STEP)),
    },
  };
  const min = LIMIT_RANGE.containerMin;
  if (podResources.requests.cpu < min.cpu || podResources.requests.memory < min.memory) {
    throw new SizingError(`${tier.displayName} pods would get less than the LimitRange minimum`);
  }

  const redisVolumeGi = tier.redis === "dedicated" ? minimumVolumeForIops(tier.storageClass.iops) : undefined;
  const bySite = replicasBySite(profile, sites);
  const workloads = bySite.map((site) =>
    site.map(
      (r): WorkloadPlan => ({
        service: r.service,
        workloadName: r.workloadName,
        minReplicas: r.min,
        maxReplicas: r.max,
        autoscaled: r.autoscaled,
        strategy: r.recreate
          ? "Recreate"
          : surge && wantsSurge(r)
            ? { maxSurge: 1, maxUnavailable: 0 }
            : { maxSurge: 0, maxUnavailable: 1 },
        resources: podResources,
      }),
    ),
  );
  const volumesBySite: Gibibytes[][] = bySite.map((_, i) => (i === 0 && redisVolumeGi ? [redisVolumeGi] : []));
  const quotas = splitQuota(quota, workloads, volumesBySite);
  const namespaces = workloads.map(
    (w, i): NamespacePlan => ({
      site: i + 1,
      workloads: w,
      volumes: volumesBySite[i]!,
      quota: quotas[i]!,
      limitRange: limitRangeFor(quotas[i]!, podResources),
    }),
  );
  return { sites, podResources, ...(redisVolumeGi ? { redisVolumeGi } : {}), namespaces };
}

/** What a namespace's workloads consume at maximum scale with their rollout surge. */
export function peakUsage(workloads: readonly WorkloadPlan[]): {
  pods: number;
  requestsCpu: Millicores;
  requestsMemory: Mebibytes;
  limitsCpu: Millicores;
  limitsMemory: Mebibytes;
} {
  let pods = 0;
  let requestsCpu = 0;
  let requestsMemory = 0;
  let limitsCpu = 0;
  let limitsMemory = 0;
  for (const w of workloads) {
    const n = w.maxReplicas + (w.strategy !== "Recreate" ? w.strategy.maxSurge : 0);
    pods += n;
    requestsCpu += n * w.resources.requests.cpu;
    requestsMemory += n * w.resources.requests.memory;
    limitsCpu += n * w.resources.limits.cpu;
    limitsMemory += n * w.resources.limits.memory;
  }
  return { pods, requestsCpu, requestsMemory, limitsCpu, limitsMemory };
}

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
    podMax: { cpu: Math.min(lr.podMax.cpu, quota.limitsCpu), memory: Math.min(lr.podMax.memory, quota.limitsMemory) },
    pvcMin: lr.pvcMin,
    pvcMax: Math.max(lr.pvcMin, Math.min(lr.pvcMax, quota.requestsStorage)),
  };
}

/**
 * What a set of Kubernetes objects would consume, per namespace, at minimum scale (and while
 * one deployment rolls there) and at maximum scale: the arithmetic behind the fit invariant
 * (docs/product.md, invariant 1: at maximum scale a rollout may wait on the quota, never exceed it).
 * It reads only the objects (every pod-bearing kind, autoscalers, claims, Services, quotas,
 * LimitRange defaults), never the sizing code that produced them, so it can judge that code.
 */
import { QUOTA_FIELDS } from "../../tiers/quotaFields";
import {
  isKind,
  nameOf,
  namespaceOf,
  specOf,
  type ClaimSpec,
  type DeploymentSpec,
  type KubeObject,
  type PodSpec,
  type ScaleTarget,
} from "./objects";
import { claimStorage, podCost, podSpecOf, type ContainerDefaults, type PodCost } from "./pods";

export interface ResourceTotals {
  pods: number;
  requestsCpu: number;
  requestsMemory: number;
  limitsCpu: number;
  limitsMemory: number;
  persistentVolumeClaims: number;
  requestsStorage: number;
  loadBalancers: number;
}

export interface NamespaceUsage {
  readonly namespace: string;
  /** The namespace's ResourceQuota `hard`, parsed (undefined when it has none). */
  readonly quota?: ResourceTotals;
  readonly atMinimum: ResourceTotals;
  /** At minimum scale with the largest single deployment's rolling-update surge. */
  readonly atMinimumRolling: ResourceTotals;
  readonly atMaximum: ResourceTotals;
  /** Keys of the quota that the maximum, or the minimum with one rollout surge, exceeds. */
  readonly overQuota: readonly (keyof ResourceTotals)[];
  /** Workloads whose pods nobody can count from the objects (each with the reason and the fix). */
  readonly uncounted: readonly string[];
}

export const emptyTotals = (): ResourceTotals => ({
  pods: 0,
  requestsCpu: 0,
  requestsMemory: 0,
  limitsCpu: 0,
  limitsMemory: 0,
  persistentVolumeClaims: 0,
  requestsStorage: 0,
  loadBalancers: 0,
});

/** A ResourceQuota's `spec.hard` as written ({} when it has none). */
export const quotaHardOf = (o: KubeObject): Readonly<Record<string, string>> =>
  ((o.spec ?? {}) as { hard?: Record<string, string> }).hard ?? {};

export function parseQuotaHard(hard: Readonly<Record<string, string>>): ResourceTotals {
  const totals = emptyTotals();
  for (const { key, hardKey, parse } of QUOTA_FIELDS) {
    const quantity = hard[hardKey];
    if (quantity !== undefined) totals[key] = parse(quantity);
  }
  return totals;
}

/** Extra pods a rolling update may create at `replicas` (Kubernetes' default maxSurge is 25%). */
export function surgePods(spec: DeploymentSpec, replicas: number): number {
  if (spec.strategy?.type === "Recreate") return 0;
  const surge = spec.strategy?.rollingUpdate?.maxSurge ?? "25%";
  if (typeof surge === "number") return surge;
  const percent = /^(\d+)%$/.exec(surge);
  return percent ? Math.ceil((replicas * Number(percent[1])) / 100) : Number(surge);
}

export interface ScaleBounds {
  readonly min: number;
  readonly max: number;
  readonly autoscaler: "HPA" | "KEDA";
}

/** Key of a scale target: "namespace/Kind/name". */
export const scaleKey = (namespace: string, kind: string, name: string): string =>
  `${namespace}/${kind}/${name}`;

/** Autoscaler bounds by scale target: HPA v2 and KEDA ScaledObject (whose target kind defaults to Deployment). */
export function autoscalerBounds(objects: readonly KubeObject[]): Map<string, ScaleBounds> {
  const bounds = new Map<string, ScaleBounds>();
  for (const o of objects) {
    const spec = specOf<{
      scaleTargetRef?: ScaleTarget;
      minReplicas?: number;
      maxReplicas?: number;
      minReplicaCount?: number;
      maxReplicaCount?: number;
    }>(o);
    const target = spec.scaleTargetRef;
    if (!target?.name) continue;
    if (isKind(o, "HorizontalPodAutoscaler")) {
      bounds.set(scaleKey(namespaceOf(o), target.kind ?? "", target.name), {
        min: spec.minReplicas ?? 1,
        max: spec.maxReplicas ?? 1,
        autoscaler: "HPA",
      });
    } else if (isKind(o, "ScaledObject")) {
      // KEDA defaults: minReplicaCount 0, maxReplicaCount 100.
      bounds.set(scaleKey(namespaceOf(o), target.kind ?? "Deployment", target.name), {
        min: spec.minReplicaCount ?? 0,
        max: spec.maxReplicaCount ?? 100,
        autoscaler: "KEDA",
      });
    }
  }
  return bounds;
}

/**
 * Pods a workload runs at once at minimum and at maximum scale, and the extra pods one rollout
 * surges at minimum scale (a rollout at maximum scale waits on the quota), or why nobody can say.
 */
export type PodCount =
  { readonly min: number; readonly max: number; readonly surge?: number } | { readonly uncountable: string };

interface JobSpec {
  parallelism?: number;
  completions?: number;
}

const jobPods = (job: JobSpec | undefined): number =>
  Math.min(job?.parallelism ?? 1, job?.completions ?? Number.POSITIVE_INFINITY);

export function podCount(o: KubeObject, bounds: ReadonlyMap<string, ScaleBounds>): PodCount {
  const spec = specOf<
    DeploymentSpec &
      JobSpec & {
        concurrencyPolicy?: string;
        jobTemplate?: { spec?: JobSpec };
        jobTargetRef?: JobSpec;
        minReplicaCount?: number;
        maxReplicaCount?: number;
      }
  >(o);
  const scaled = () =>
    bounds.get(scaleKey(namespaceOf(o), o.kind ?? "", nameOf(o))) ?? {
      min: spec.replicas ?? 1,
      max: spec.replicas ?? 1,
    };
  switch (o.kind) {
    case "Deployment": {
      const scale = scaled();
      return { min: scale.min, max: scale.max, surge: surgePods(spec, scale.min) };
    }
    case "StatefulSet":
    case "ReplicaSet":
    case "ReplicationController":
      return scaled();
    case "Pod":
      return { min: 1, max: 1 };
    case "Job":
      return { min: jobPods(spec), max: jobPods(spec) };
    case "CronJob": {
      // Allow (the default) lets runs overlap without bound; Forbid and Replace keep one.
      const policy = spec.concurrencyPolicy ?? "Allow";
      if (policy === "Allow")
        return {
          uncountable:
            "concurrencyPolicy Allow lets its runs overlap without bound; set concurrencyPolicy Forbid",
        };
      return { min: 0, max: jobPods(spec.jobTemplate?.spec) };
    }
    case "ScaledJob":
      // KEDA default maxReplicaCount: 100 jobs.
      return {
        min: (spec.minReplicaCount ?? 0) * jobPods(spec.jobTargetRef),
        max: (spec.maxReplicaCount ?? 100) * jobPods(spec.jobTargetRef),
      };
    case "DaemonSet":
      return {
        uncountable: "a DaemonSet runs one pod per node, which depends on the cluster; use a Deployment",
      };
    default:
      return { min: 0, max: 0 };
  }
}

function add(target: ResourceTotals, pods: number, per: PodCost): void {
  target.pods += pods;
  for (const key of [
    "requestsCpu",
    "requestsMemory",
    "limitsCpu",
    "limitsMemory",
    "persistentVolumeClaims",
    "requestsStorage",
  ] as const)
    target[key] += pods * per[key];
}

const addClaim = (target: ResourceTotals, claims: number, storage: number): void => {
  target.persistentVolumeClaims += claims;
  target.requestsStorage += storage;
};

/** Target kinds whose pods a VerticalPodAutoscaler in "Off" mode only recommends for. */
function resizingVpas(objects: readonly KubeObject[]): Map<string, string> {
  const resizing = new Map<string, string>();
  for (const o of objects) {
    if (!isKind(o, "VerticalPodAutoscaler")) continue;
    const spec = specOf<{ targetRef?: ScaleTarget; updatePolicy?: { updateMode?: string } }>(o);
    const mode = spec.updatePolicy?.updateMode ?? "Auto";
    if (mode !== "Off" && spec.targetRef?.name)
      resizing.set(
        scaleKey(namespaceOf(o), spec.targetRef.kind ?? "", spec.targetRef.name),
        `VerticalPodAutoscaler ${nameOf(o)} (updateMode ${mode})`,
      );
  }
  return resizing;
}

/** The Container defaults of each namespace's LimitRange. */
function limitRangeDefaults(objects: readonly KubeObject[]): Map<string, ContainerDefaults> {
  const defaults = new Map<string, ContainerDefaults>();
  for (const o of objects) {
    if (!isKind(o, "LimitRange")) continue;
    const item = specOf<{ limits?: ({ type?: string } & ContainerDefaults)[] }>(o).limits?.find(
      (l) => l.type === "Container",
    );
    if (item) defaults.set(namespaceOf(o), item);
  }
  return defaults;
}

/** What one namespace's objects add up to, before the rolling totals and the verdict. */
interface NamespaceTally {
  quota?: ResourceTotals;
  min: ResourceTotals;
  max: ResourceTotals;
  surge: ResourceTotals;
  uncounted: string[];
}

/** What a pod-owning object's pods cost: the autoscalers' bounds, the resizing VPAs, the LimitRange defaults. */
interface PodContext {
  readonly bounds: ReturnType<typeof autoscalerBounds>;
  readonly vpas: ReadonlyMap<string, string>;
  readonly defaults: ReadonlyMap<string, ContainerDefaults>;
}

export function namespaceUsage(objects: readonly KubeObject[]): NamespaceUsage[] {
  const context: PodContext = {
    bounds: autoscalerBounds(objects),
    vpas: resizingVpas(objects),
    defaults: limitRangeDefaults(objects),
  };
  const byNamespace = new Map<string, NamespaceTally>();
  const entry = (ns: string) => {
    let e = byNamespace.get(ns);
    if (!e)
      byNamespace.set(
        ns,
        (e = { min: emptyTotals(), max: emptyTotals(), surge: emptyTotals(), uncounted: [] }),
      );
    return e;
  };
  for (const o of objects) {
    if (isKind(o, "Namespace")) entry(nameOf(o));
  }
  for (const o of objects) {
    const ns = namespaceOf(o);
    if (!ns) continue;
    const e = entry(ns);
    const pod = podSpecOf(o);
    if (isKind(o, "ResourceQuota")) {
      e.quota = parseQuotaHard(quotaHardOf(o));
    } else if (pod) {
      addPods(e, o, pod, context);
    } else if (isKind(o, "PersistentVolumeClaim")) {
      const storage = claimStorage(specOf<ClaimSpec>(o));
      for (const t of [e.min, e.max]) addClaim(t, 1, storage);
    } else if (isKind(o, "Service") && specOf<{ type?: string }>(o).type === "LoadBalancer") {
      e.min.loadBalancers += 1;
      e.max.loadBalancers += 1;
    }
  }
  return [...byNamespace.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([namespace, e]) => usageOf(namespace, e));
}

/** Adds a pod-owning object's pods at minimum and maximum scale, its largest surge, its claims. */
function addPods(e: NamespaceTally, o: KubeObject, pod: PodSpec, context: PodContext): void {
  const { bounds, vpas, defaults } = context;
  const ns = namespaceOf(o);
  const count = podCount(o, bounds);
  const resizer = vpas.get(scaleKey(ns, o.kind ?? "", nameOf(o)));
  if ("uncountable" in count) e.uncounted.push(`${o.kind} ${nameOf(o)}: ${count.uncountable}`);
  else if (resizer)
    e.uncounted.push(
      `${o.kind} ${nameOf(o)}: ${resizer} rewrites its pods' sizes; use updateMode Off (recommendations only)`,
    );
  const { min, max, surge = 0 } = "uncountable" in count ? { min: 0, max: 0 } : count;
  const per = podCost(pod, defaults.get(ns));
  add(e.min, min, per);
  add(e.max, max, per);
  // Deployments roll one at a time: the largest single surge is what minimum scale must hold.
  const rollout = emptyTotals();
  add(rollout, surge, per);
  for (const k of Object.keys(rollout) as (keyof ResourceTotals)[])
    e.surge[k] = Math.max(e.surge[k], rollout[k]);
  // Every replica of a StatefulSet gets its own claim from each template.
  for (const claim of specOf<{ volumeClaimTemplates?: { spec?: ClaimSpec }[] }>(o).volumeClaimTemplates ??
    []) {
    if (o.kind !== "StatefulSet") break;
    const storage = claim.spec ? claimStorage(claim.spec) : 0;
    addClaim(e.min, min, min * storage);
    addClaim(e.max, max, max * storage);
  }
}

/** A namespace's totals with the rolling one (minimum plus the largest surge) and what exceeds its quota. */
function usageOf(namespace: string, e: NamespaceTally): NamespaceUsage {
  const quota = e.quota;
  const rolling = emptyTotals();
  for (const k of Object.keys(rolling) as (keyof ResourceTotals)[]) rolling[k] = e.min[k] + e.surge[k];
  const overQuota = quota
    ? (Object.keys(quota) as (keyof ResourceTotals)[]).filter(
        (k) => e.max[k] > quota[k] || rolling[k] > quota[k],
      )
    : [];
  return {
    namespace,
    ...(quota ? { quota } : {}),
    atMinimum: e.min,
    atMinimumRolling: rolling,
    atMaximum: e.max,
    overQuota,
    uncounted: e.uncounted,
  };
}

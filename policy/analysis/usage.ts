/**
 * What a set of Kubernetes objects would consume, per namespace, at minimum scale (and while
 * one deployment rolls there) and at maximum scale: the arithmetic behind the fit invariant
 * (SPEC 5.1: at maximum scale a rollout may wait on the quota, never exceed it).
 * It reads only the objects (Deployments, HPAs, ScaledObjects, PVCs, Services, quotas),
 * never the sizing code that produced them, so it can judge that code.
 */
import { QUOTA_FIELDS } from "../../tiers/quotaFields";
import { parseCpu, parseMemory, parseStorage } from "../../tiers/units";
import { isKind, nameOf, namespaceOf, type Container, type DeploymentSpec, type KubeObject, type ScaleTarget } from "./objects";

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
export const quotaHardOf = (o: KubeObject): Readonly<Record<string, string>> => ((o.spec ?? {}) as { hard?: Record<string, string> }).hard ?? {};

export function parseQuotaHard(hard: Readonly<Record<string, string>>): ResourceTotals {
  const totals = emptyTotals();
  for (const { key, hardKey, parse } of QUOTA_FIELDS) {
    const quantity = hard[hardKey];
    if (quantity !== undefined) totals[key] = parse(quantity);
  }
  return totals;
}

/** Per-pod requests and limits: the sum over the pod's containers (undefined = 0). */
export function podResources(containers: readonly Container[]): Pick<ResourceTotals, "requestsCpu" | "requestsMemory" | "limitsCpu" | "limitsMemory"> {
  const sum = { requestsCpu: 0, requestsMemory: 0, limitsCpu: 0, limitsMemory: 0 };
  for (const c of containers) {
    const r = c.resources ?? {};
    sum.requestsCpu += r.requests?.cpu !== undefined ? parseCpu(r.requests.cpu) : 0;
    sum.requestsMemory += r.requests?.memory !== undefined ? parseMemory(r.requests.memory) : 0;
    sum.limitsCpu += r.limits?.cpu !== undefined ? parseCpu(r.limits.cpu) : 0;
    sum.limitsMemory += r.limits?.memory !== undefined ? parseMemory(r.limits.memory) : 0;
  }
  return sum;
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

/** Autoscaler bounds by "namespace/deployment": HPA v2 and KEDA ScaledObject. */
export function autoscalerBounds(objects: readonly KubeObject[]): Map<string, ScaleBounds> {
  const bounds = new Map<string, ScaleBounds>();
  for (const o of objects) {
    const spec = (o.spec ?? {}) as {
      scaleTargetRef?: ScaleTarget;
      minReplicas?: number;
      maxReplicas?: number;
      minReplicaCount?: number;
      maxReplicaCount?: number;
    };
    if (isKind(o, "HorizontalPodAutoscaler") && spec.scaleTargetRef?.name) {
      bounds.set(`${namespaceOf(o)}/${spec.scaleTargetRef.name}`, { min: spec.minReplicas ?? 1, max: spec.maxReplicas ?? 1, autoscaler: "HPA" });
    } else if (isKind(o, "ScaledObject") && spec.scaleTargetRef?.name) {
      // KEDA defaults: minReplicaCount 0, maxReplicaCount 100.
      bounds.set(`${namespaceOf(o)}/${spec.scaleTargetRef.name}`, {
        min: spec.minReplicaCount ?? 0,
        max: spec.maxReplicaCount ?? 100,
        autoscaler: "KEDA",
      });
    }
  }
  return bounds;
}

function add(target: ResourceTotals, pods: number, per: ReturnType<typeof podResources>): void {
  target.pods += pods;
  target.requestsCpu += pods * per.requestsCpu;
  target.requestsMemory += pods * per.requestsMemory;
  target.limitsCpu += pods * per.limitsCpu;
  target.limitsMemory += pods * per.limitsMemory;
}

export function namespaceUsage(objects: readonly KubeObject[]): NamespaceUsage[] {
  const bounds = autoscalerBounds(objects);
  const byNamespace = new Map<string, { quota?: ResourceTotals; min: ResourceTotals; max: ResourceTotals; surge: ResourceTotals }>();
  const entry = (ns: string) => {
    let e = byNamespace.get(ns);
    if (!e) byNamespace.set(ns, (e = { min: emptyTotals(), max: emptyTotals(), surge: emptyTotals() }));
    return e;
  };
  for (const o of objects) {
    if (isKind(o, "Namespace")) entry(nameOf(o));
  }
  for (const o of objects) {
    const ns = namespaceOf(o);
    if (!ns) continue;
    const e = entry(ns);
    if (isKind(o, "ResourceQuota")) {
      e.quota = parseQuotaHard(quotaHardOf(o));
    } else if (isKind(o, "Deployment") || isKind(o, "StatefulSet")) {
      const spec = (o.spec ?? {}) as DeploymentSpec;
      const per = podResources(spec.template?.spec?.containers ?? []);
      const scale = bounds.get(`${ns}/${nameOf(o)}`) ?? { min: spec.replicas ?? 1, max: spec.replicas ?? 1 };
      add(e.min, scale.min, per);
      add(e.max, scale.max, per);
      const surge = emptyTotals();
      add(surge, isKind(o, "Deployment") ? surgePods(spec, scale.min) : 0, per);
      for (const k of Object.keys(surge) as (keyof ResourceTotals)[]) e.surge[k] = Math.max(e.surge[k], surge[k]);
    } else if (isKind(o, "PersistentVolumeClaim")) {
      const storage = ((o.spec ?? {}) as { resources?: { requests?: { storage?: string } } }).resources?.requests?.storage;
      for (const t of [e.min, e.max]) {
        t.persistentVolumeClaims += 1;
        t.requestsStorage += storage ? parseStorage(storage) : 0;
      }
    } else if (isKind(o, "Service") && ((o.spec ?? {}) as { type?: string }).type === "LoadBalancer") {
      e.min.loadBalancers += 1;
      e.max.loadBalancers += 1;
    }
  }
  return [...byNamespace.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([namespace, e]) => {
      const quota = e.quota;
      const rolling = emptyTotals();
      for (const k of Object.keys(rolling) as (keyof ResourceTotals)[]) rolling[k] = e.min[k] + e.surge[k];
      const overQuota = quota
        ? (Object.keys(quota) as (keyof ResourceTotals)[]).filter((k) => e.max[k] > quota[k] || rolling[k] > quota[k])
        : [];
      return { namespace, ...(quota ? { quota } : {}), atMinimum: e.min, atMinimumRolling: rolling, atMaximum: e.max, overQuota };
    });
}

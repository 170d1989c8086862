/**
 * What one pod of a workload costs the namespace quota, as Kubernetes admission computes it,
 * and how many pods each kind of workload can run at once. Read from the objects only.
 */
import { parseCpu, parseMemory, parseStorage } from "../../lib/units";
import {
  specOf,
  type ClaimSpec,
  type Container,
  type KubeObject,
  type PodSpec,
  type Quantities,
} from "./objects";
import type { ResourceTotals } from "./usage";

/** Every kind that carries a pod template, and where it keeps it. */
export function podSpecOf(o: KubeObject): PodSpec | undefined {
  const spec = specOf<{
    template?: { spec?: PodSpec };
    jobTemplate?: { spec?: { template?: { spec?: PodSpec } } };
    jobTargetRef?: { template?: { spec?: PodSpec } };
  }>(o);
  switch (o.kind) {
    case "Pod":
      return o.spec as PodSpec;
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "ReplicationController":
    case "Job":
      return spec.template?.spec;
    case "CronJob":
      return spec.jobTemplate?.spec?.template?.spec;
    case "ScaledJob":
      return spec.jobTargetRef?.template?.spec;
    default:
      return undefined;
  }
}

/** Init, app and ephemeral containers: every container a pod can run. */
export const allContainers = (pod: PodSpec): Container[] => [
  ...(pod.initContainers ?? []),
  ...(pod.containers ?? []),
  ...(pod.ephemeralContainers ?? []),
];

/** What one pod charges against its namespace's quota: every quota field but the counts of pods and load balancers. */
export type PodCost = Omit<ResourceTotals, "pods" | "loadBalancers">;

/** A LimitRange's Container defaults, which admission writes into containers that set nothing. */
export interface ContainerDefaults {
  readonly default?: Quantities;
  readonly defaultRequest?: Quantities;
}

type Field = "requestsCpu" | "requestsMemory" | "limitsCpu" | "limitsMemory";

/** One container's value of a field after admission: its own, else the limit (for a request), else the LimitRange default. */
function containerValue(c: Container, field: Field, defaults: ContainerDefaults): number {
  const resource = field.endsWith("Cpu") ? "cpu" : "memory";
  const parse = resource === "cpu" ? parseCpu : parseMemory;
  const limit = c.resources?.limits?.[resource] ?? defaults.default?.[resource];
  const value = field.startsWith("requests")
    ? (c.resources?.requests?.[resource] ??
      (c.resources?.limits?.[resource] !== undefined
        ? limit
        : (defaults.defaultRequest?.[resource] ?? limit)))
    : limit;
  return value === undefined ? 0 : parse(value);
}

/**
 * A pod's effective value of one field: the larger of its app containers plus sidecars and of
 * each init container plus the sidecars started before it, plus the runtime overhead.
 */
function effective(pod: PodSpec, field: Field, defaults: ContainerDefaults): number {
  let sidecars = 0;
  let init = 0;
  for (const c of pod.initContainers ?? []) {
    const v = containerValue(c, field, defaults);
    if (c.restartPolicy === "Always") {
      sidecars += v;
      init = Math.max(init, sidecars);
    } else {
      init = Math.max(init, sidecars + v);
    }
  }
  const app =
    (pod.containers ?? []).reduce((sum, c) => sum + containerValue(c, field, defaults), 0) + sidecars;
  const overhead = pod.overhead?.[field.endsWith("Cpu") ? "cpu" : "memory"];
  return (
    Math.max(app, init) +
    (overhead === undefined ? 0 : field.endsWith("Cpu") ? parseCpu(overhead) : parseMemory(overhead))
  );
}

/** The claims a pod creates for itself: generic ephemeral volumes. */
export const ephemeralClaims = (pod: PodSpec): ClaimSpec[] =>
  (pod.volumes ?? []).flatMap((v) =>
    v.ephemeral?.volumeClaimTemplate?.spec ? [v.ephemeral.volumeClaimTemplate.spec] : [],
  );

export const claimStorage = (claim: ClaimSpec): number => {
  const storage = claim.resources?.requests?.storage;
  return storage === undefined ? 0 : parseStorage(storage);
};

/** What one pod costs the quota. */
export function podCost(pod: PodSpec, defaults: ContainerDefaults = {}): PodCost {
  const claims = ephemeralClaims(pod);
  return {
    requestsCpu: effective(pod, "requestsCpu", defaults),
    requestsMemory: effective(pod, "requestsMemory", defaults),
    limitsCpu: effective(pod, "limitsCpu", defaults),
    limitsMemory: effective(pod, "limitsMemory", defaults),
    persistentVolumeClaims: claims.length,
    requestsStorage: claims.reduce((sum, c) => sum + claimStorage(c), 0),
  };
}

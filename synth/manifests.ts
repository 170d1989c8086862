import { stringify } from "yaml";
import type { KubeObject } from "../policy/analysis/objects";
import type { RecordedResource, SynthResult } from "./engine";

const KUBERNETES = "kubernetes:";
/** File for cluster-scoped objects. */
export const CLUSTER_FILE = "_cluster.yaml";

/** Order within a file: what must exist first comes first, as `kubectl apply -f` would want. */
const KIND_ORDER = [
  "Namespace",
  "StorageClass",
  "VolumeAttributesClass",
  "PriorityClass",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "ResourceQuota",
  "LimitRange",
  "NetworkPolicy",
  "ConfigMap",
  "Secret",
  "PersistentVolumeClaim",
  "Service",
  "Deployment",
  "PodDisruptionBudget",
  "HorizontalPodAutoscaler",
  "TriggerAuthentication",
  "ScaledObject",
  "ReferenceGrant",
  "HTTPRoute",
  "BackendTrafficPolicy",
  "Ingress",
];

const rank = (kind: string | undefined): number => {
  const i = KIND_ORDER.indexOf(kind ?? "");
  return i === -1 ? KIND_ORDER.length : i;
};

export const isKubernetes = (r: RecordedResource): boolean => r.custom && r.type.startsWith(KUBERNETES);

// A Helm release is no object of the cluster (its chart's objects are rendered by Helm): the
// platform summary lists releases on their own.
const isObject = (r: RecordedResource): boolean =>
  isKubernetes(r) && !r.type.startsWith("kubernetes:pulumi:") && !r.type.startsWith("kubernetes:helm.sh/");

/** The Kubernetes objects of a synth (of every cluster), in a deterministic order (kind, namespace, name). */
export function kubernetesObjects(result: SynthResult): KubeObject[] {
  return sortObjects(result.resources.filter(isObject));
}

/**
 * The objects per cluster, keyed by the region of their provider (`kubernetes-<region>`), or by
 * the provider's name; one key per cluster the stack reaches.
 */
export function kubernetesObjectsByCluster(result: SynthResult): Map<string, KubeObject[]> {
  const names = new Map(result.resources.map((r) => [r.urn, r.name]));
  const clusters = new Map<string, RecordedResource[]>();
  for (const r of result.resources.filter(isObject)) {
    const provider = r.provider === undefined ? "default" : (names.get(r.provider) ?? r.provider);
    const cluster = provider.replace(/^kubernetes-/, "");
    clusters.set(cluster, [...(clusters.get(cluster) ?? []), r]);
  }
  return new Map(
    [...clusters]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([cluster, resources]) => [cluster, sortObjects(resources)]),
  );
}

/** What the output and summary group by: all the objects under "" for one cluster, each region's under its name for several. */
export function objectsPerCluster(result: SynthResult): Map<string, KubeObject[]> {
  const clusters = kubernetesObjectsByCluster(result);
  return clusters.size > 1 ? clusters : new Map([["", kubernetesObjects(result)]]);
}

function sortObjects(resources: readonly RecordedResource[]): KubeObject[] {
  return resources
    .map((r) => r.inputs as KubeObject)
    .sort(
      (a, b) =>
        rank(a.kind) - rank(b.kind) ||
        (a.metadata?.namespace ?? "").localeCompare(b.metadata?.namespace ?? "") ||
        (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""),
    );
}

/** One multi-document YAML file per namespace, plus CLUSTER_FILE for cluster-scoped objects; keys sorted. */
export function manifestFiles(objects: readonly KubeObject[]): Map<string, string> {
  const groups = new Map<string, KubeObject[]>();
  for (const o of objects) {
    const file = o.metadata?.namespace
      ? `${o.metadata.namespace}.yaml`
      : o.kind === "Namespace"
        ? `${o.metadata?.name}.yaml`
        : CLUSTER_FILE;
    groups.set(file, [...(groups.get(file) ?? []), o]);
  }
  const files = new Map<string, string>();
  for (const [file, docs] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    files.set(file, docs.map((d) => stringify(d, { sortMapEntries: true, lineWidth: 0 })).join("---\n"));
  }
  return files;
}

/**
 * A copy with every object's keys sorted, as the Pulumi engine keeps properties: written output
 * then changes when a value does, not when code builds an object in another order.
 */
function withSortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withSortedKeys);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((k) => [k, withSortedKeys(record[k])]),
    );
  }
  return value;
}

/** Every resource as `{type, name, inputs}` (inputs' keys sorted) plus its options, sorted by URN. */
export function resourceList(result: SynthResult): object[] {
  return [...result.resources]
    .sort((a, b) => a.urn.localeCompare(b.urn))
    .map((r) => ({
      type: r.type,
      name: r.name,
      inputs: withSortedKeys(r.inputs),
      ...(r.parent ? { parent: r.parent } : {}),
      ...(r.provider ? { provider: r.provider } : {}),
      ...(r.protect ? { protect: true } : {}),
      ...(r.retainOnDelete ? { retainOnDelete: true } : {}),
      ...(r.ignoreChanges.length > 0 ? { ignoreChanges: r.ignoreChanges } : {}),
    }));
}

/**
 * Which Kubernetes versions serve the API versions the programs create: built-in kinds by the
 * first minor version that serves their apiVersion (GA), and the groups whose kinds are served by
 * CRDs the platform installs (their presence is the closed-world check's, synth/closedWorld.ts).
 * The synth checks every object of a stack against its cluster's version (synth/servedApis.ts);
 * an apiVersion in neither list is refused: what cannot be judged is not created. What the pinned
 * Helm charts render is checked the same way, from the table of components/platform/chartApis.ts.
 */
import { CHARTS } from "../../tiers/chartPins";
import { CHART_APIS, chartOfRelease, CRD_KINDS } from "./chartApis";

/**
 * The clusters' Kubernetes version: in EKS standard support (1.35: 2026-01-28 to 2027-03-27;
 * 1.34's ended 2026-12-02). Upgrading: raise it here, then check the table below.
 */
export const DEFAULT_KUBERNETES_VERSION = "1.35";

/** `group/version:Kind` ("core/v1" for the core group) -> the first minor version serving it. */
export const BUILT_IN_SINCE: Readonly<Record<string, string>> = {
  "core/v1:Namespace": "1.0",
  "core/v1:ConfigMap": "1.0",
  "core/v1:Secret": "1.0",
  "core/v1:Service": "1.0",
  "core/v1:ServiceAccount": "1.0",
  "core/v1:LimitRange": "1.0",
  "core/v1:ResourceQuota": "1.0",
  "core/v1:PersistentVolumeClaim": "1.0",
  "apps/v1:Deployment": "1.9",
  "apps/v1:StatefulSet": "1.9",
  "apps/v1:DaemonSet": "1.9",
  "batch/v1:Job": "1.2",
  "batch/v1:CronJob": "1.21",
  "autoscaling/v2:HorizontalPodAutoscaler": "1.23",
  "policy/v1:PodDisruptionBudget": "1.21",
  "networking.k8s.io/v1:NetworkPolicy": "1.7",
  "networking.k8s.io/v1:Ingress": "1.19",
  "networking.k8s.io/v1:IngressClass": "1.19",
  "rbac.authorization.k8s.io/v1:Role": "1.8",
  "rbac.authorization.k8s.io/v1:RoleBinding": "1.8",
  "rbac.authorization.k8s.io/v1:ClusterRole": "1.8",
  "rbac.authorization.k8s.io/v1:ClusterRoleBinding": "1.8",
  "scheduling.k8s.io/v1:PriorityClass": "1.14",
  "storage.k8s.io/v1:StorageClass": "1.6",
  // GA in 1.34 (v1beta1 from 1.31, off by default): the tier's IOPS class (TierProfile).
  "storage.k8s.io/v1:VolumeAttributesClass": "1.34",
  "admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy": "1.30",
  "admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding": "1.30",
  // Rendered by the pinned charts (chartApis.ts).
  "admissionregistration.k8s.io/v1:MutatingWebhookConfiguration": "1.16",
  "admissionregistration.k8s.io/v1:ValidatingWebhookConfiguration": "1.16",
  "apiregistration.k8s.io/v1:APIService": "1.10",
  "apiextensions.k8s.io/v1:CustomResourceDefinition": "1.16",
};

/** "1.35" -> [1, 35]; undefined for anything else. */
export function minorVersion(version: string): readonly [number, number] | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

const atLeast = (version: string, since: string): boolean => {
  const [a, b] = [minorVersion(version)!, minorVersion(since)!];
  return a[0] !== b[0] ? a[0] > b[0] : a[1] >= b[1];
};

/**
 * `group/version:Kind` of a Pulumi Kubernetes type token ("kubernetes:storage.k8s.io/v1:StorageClass"),
 * or undefined for what is not one object (providers, Helm, YAML groups).
 */
export function apiKindOf(type: string): string | undefined {
  // A Helm release is no API object: its chart is pinned (components/platform/charts.ts).
  if (type.startsWith("kubernetes:helm.sh/")) return undefined;
  const m = /^kubernetes:([a-z0-9.-]+\/v[0-9a-z]+):([A-Za-z]+)$/.exec(type);
  return m ? `${m[1]}:${m[2]}` : undefined;
}

/** Why a cluster of `version` would not serve `apiKind` (`group/version:Kind`), or undefined when it does. */
export function unservedProblem(apiKind: string, version: string): string | undefined {
  const since = BUILT_IN_SINCE[apiKind];
  if (since !== undefined)
    return atLeast(version, since)
      ? undefined
      : `${apiKind.replace(/^core\//, "").replace(":", " ")} needs Kubernetes ${since}, the cluster runs ${version}`;
  if (CRD_KINDS.has(apiKind)) return undefined;
  return `${apiKind.replace(":", " ")} is in no table of served API versions (components/platform/apiVersions.ts, or the CRDs of a pinned chart in chartApis.ts): add it with the version that serves it`;
}

/**
 * Why a Helm release would not work on a cluster of `version`: a chart that is not pinned, a pin
 * whose rendered APIs were not recorded at its version, or a rendered object the cluster (built
 * in, or the pinned charts' CRDs) does not serve.
 */
export function chartReleaseProblems(chart: unknown, chartVersion: unknown, version: string): string[] {
  const name = chartOfRelease(chart);
  if (name === undefined) return [`chart ${String(chart)} is not pinned (tiers/chartPins.ts)`];
  const table = CHART_APIS[name];
  if (chartVersion !== CHARTS[name].version || table.version !== CHARTS[name].version)
    return [
      `chart ${CHARTS[name].chart} ${String(chartVersion)}: what it renders is recorded for ${table.version} (components/platform/chartApis.ts); read its templates at the pinned version and update the table`,
    ];
  return table.renders.flatMap((apiKind) => {
    const problem = unservedProblem(apiKind, version);
    return problem ? [`chart ${CHARTS[name].chart} ${table.version} renders ${problem}`] : [];
  });
}

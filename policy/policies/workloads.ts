/** Autoscalers, container sizes and container security: what the tier allows a workload. */
import { formatCpu, formatMemory, parseCpu, parseMemory } from "../../tiers";
import type { Container, PodSpec } from "../analysis/objects";
import { describe, tierResourcePolicy, type ResourceView } from "../define";

/** The pod template of any workload kind (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod). */
export function podSpecOf(view: ResourceView): PodSpec | undefined {
  const o = view.object;
  const spec = (o?.spec ?? {}) as { template?: { spec?: PodSpec }; jobTemplate?: { spec?: { template?: { spec?: PodSpec } } } };
  switch (o?.kind) {
    case "Pod":
      return o.spec as PodSpec;
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "Job":
      return spec.template?.spec;
    case "CronJob":
      return spec.jobTemplate?.spec?.template?.spec;
    default:
      return undefined;
  }
}

const containersOf = (pod: PodSpec): Container[] => [...(pod.initContainers ?? []), ...(pod.containers ?? [])];

export const autoscalerWithinTier = tierResourcePolicy({
  name: "autoscaler-within-tier",
  description: "HorizontalPodAutoscalers and KEDA ScaledObjects scale between 1 and the tier's maximum replicas.",
  enforcementLevel: "mandatory",
  validate: ({ profile }, view, report) => {
    const o = view.object;
    if (o?.kind !== "HorizontalPodAutoscaler" && o?.kind !== "ScaledObject") return;
    const spec = (o.spec ?? {}) as { minReplicas?: number; maxReplicas?: number; minReplicaCount?: number; maxReplicaCount?: number };
    const keda = o.kind === "ScaledObject";
    const min = keda ? spec.minReplicaCount : (spec.minReplicas ?? 1);
    const max = keda ? spec.maxReplicaCount : spec.maxReplicas;
    const cap = profile.tier.autoscaling.maxReplicas;
    if (max === undefined || max > cap) {
      report(`${describe(view)}: max replicas ${max ?? "unset (KEDA default 100)"} exceeds the ${profile.tier.displayName} tier's ${cap}`);
    }
    if (min === undefined || min < 1) {
      report(`${describe(view)}: min replicas ${min ?? "unset (KEDA default 0)"} would scale the service to zero; at least 1`);
    }
  },
});

export const containerResourcesWithinTier = tierResourcePolicy({
  name: "container-resources-within-tier",
  description: "Every container sets CPU and memory requests and limits, within the tier's per-service ceiling.",
  enforcementLevel: "mandatory",
  validate: ({ profile }, view, report) => {
    const pod = podSpecOf(view);
    if (!pod) return;
    const ceiling = profile.tier.serviceCeiling;
    const tier = profile.tier.displayName;
    for (const c of containersOf(pod)) {
      const where = `${describe(view)} container ${c.name}`;
      const checks = [
        ["requests.cpu", c.resources?.requests?.cpu, ceiling.requests.cpu, parseCpu, formatCpu],
        ["requests.memory", c.resources?.requests?.memory, ceiling.requests.memory, parseMemory, formatMemory],
        ["limits.cpu", c.resources?.limits?.cpu, ceiling.limits.cpu, parseCpu, formatCpu],
        ["limits.memory", c.resources?.limits?.memory, ceiling.limits.memory, parseMemory, formatMemory],
      ] as const;
      for (const [what, value, cap, parse, format] of checks) {
        if (value === undefined) report(`${where} sets no ${what}; the ${tier} tier's ceiling is ${format(cap)}`);
        else if (parse(value) > cap) report(`${where}: ${what} ${value} exceeds the ${tier} tier's ${format(cap)}`);
      }
    }
  },
});

export const workloadSecurity = tierResourcePolicy({
  name: "workload-security",
  description: "No privileged container, host namespace or hostPath; non-root, no privilege escalation, read-only root filesystem.",
  enforcementLevel: "mandatory",
  validate: (_context, view, report) => {
    const pod = podSpecOf(view);
    if (!pod) return;
    const where = describe(view);
    if (pod.hostNetwork) report(`${where} uses the host network`);
    if (pod.hostPID) report(`${where} uses the host PID namespace`);
    if (pod.hostIPC) report(`${where} uses the host IPC namespace`);
    for (const v of pod.volumes ?? []) if (v.hostPath !== undefined) report(`${where} mounts hostPath volume ${v.name}`);
    for (const c of containersOf(pod)) {
      const sc = c.securityContext ?? {};
      if (sc.privileged) report(`${where} container ${c.name} is privileged`);
      if (sc.allowPrivilegeEscalation !== false) report(`${where} container ${c.name} allows privilege escalation`);
      if (sc.readOnlyRootFilesystem !== true) report(`${where} container ${c.name} has a writable root filesystem`);
      if (sc.runAsNonRoot !== true && pod.securityContext?.runAsNonRoot !== true) report(`${where} container ${c.name} may run as root`);
    }
  },
});

export const imageTagPinned = tierResourcePolicy({
  name: "image-tag-pinned",
  description: "Containers run a pinned image tag or digest, never `latest` or an untagged image (hygiene: rollouts and rollbacks stay reproducible).",
  enforcementLevel: "advisory",
  validate: (_context, view, report) => {
    const pod = podSpecOf(view);
    if (!pod) return;
    for (const c of containersOf(pod)) {
      const image = c.image ?? "";
      const lastSegment = image.split("/").pop() ?? "";
      const tag = image.includes("@") ? "digest" : lastSegment.includes(":") ? lastSegment.split(":").pop() : undefined;
      if (tag === undefined || tag === "latest") report(`${describe(view)} container ${c.name} runs ${image || "no image"}: pin a tag or digest`);
    }
  },
});

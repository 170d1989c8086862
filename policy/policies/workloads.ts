/** Autoscalers, container sizes and container security: what the tier allows a workload. */
import { priorityClassName } from "../../tiers";
import { formatCpu, formatMemory, parseCpu, parseMemory, showCpu, showMemory } from "../../lib/units";
import type { Container, PodSpec } from "../analysis/objects";
import { allContainers, podCost, podSpecOf } from "../analysis/pods";
import { describe, tierResourcePolicy, type ResourceView } from "../define";

const podOf = (view: ResourceView): PodSpec | undefined => (view.object ? podSpecOf(view.object) : undefined);

/** Init and app containers: the ones that declare resources (ephemeral containers cannot). */
const sizedContainers = (pod: PodSpec): Container[] => [
  ...(pod.initContainers ?? []),
  ...(pod.containers ?? []),
];

export const autoscalerWithinTier = tierResourcePolicy({
  name: "autoscaler-within-tier",
  description:
    "HorizontalPodAutoscalers and KEDA ScaledObjects scale between 1 and the tier's maximum replicas.",
  enforcementLevel: "mandatory",
  validate: ({ profile }, view, report) => {
    const o = view.object;
    if (o?.kind !== "HorizontalPodAutoscaler" && o?.kind !== "ScaledObject") return;
    const spec = (o.spec ?? {}) as {
      minReplicas?: number;
      maxReplicas?: number;
      minReplicaCount?: number;
      maxReplicaCount?: number;
    };
    const keda = o.kind === "ScaledObject";
    const min = keda ? spec.minReplicaCount : (spec.minReplicas ?? 1);
    const max = keda ? spec.maxReplicaCount : spec.maxReplicas;
    const cap = profile.tier.autoscaling.maxReplicas;
    if (max === undefined || max > cap) {
      report(
        `${describe(view)}: max replicas ${max ?? "unset (KEDA default 100)"} exceeds the ${profile.tier.displayName} tier's ${cap}`,
      );
    }
    if (min === undefined || min < 1) {
      report(
        `${describe(view)}: min replicas ${min ?? "unset (KEDA default 0)"} would scale the service to zero; at least 1`,
      );
    }
  },
});

export const containerResourcesWithinTier = tierResourcePolicy({
  name: "container-resources-within-tier",
  description:
    "Every container sets CPU and memory requests and limits, and each pod as admission charges it (max of its largest init container and its containers plus sidecars) stays within the tier's per-service ceiling.",
  enforcementLevel: "mandatory",
  validate: ({ profile }, view, report) => {
    const pod = podOf(view);
    if (!pod) return;
    const ceiling = profile.tier.serviceCeiling;
    const tier = profile.tier.displayName;
    const cost = podCost(pod);
    const podChecks = [
      ["requests.cpu", cost.requestsCpu, ceiling.requests.cpu, showCpu],
      ["requests.memory", cost.requestsMemory, ceiling.requests.memory, showMemory],
      ["limits.cpu", cost.limitsCpu, ceiling.limits.cpu, showCpu],
      ["limits.memory", cost.limitsMemory, ceiling.limits.memory, showMemory],
    ] as const;
    for (const [what, value, cap, show] of podChecks) {
      if (value > cap)
        report(
          `${describe(view)}: each pod charges ${what} ${show(value)}, over the ${tier} tier's per-service ceiling ${show(cap)}`,
        );
    }
    for (const c of sizedContainers(pod)) {
      const where = `${describe(view)} container ${c.name}`;
      const checks = [
        ["requests.cpu", c.resources?.requests?.cpu, ceiling.requests.cpu, parseCpu, formatCpu],
        [
          "requests.memory",
          c.resources?.requests?.memory,
          ceiling.requests.memory,
          parseMemory,
          formatMemory,
        ],
        ["limits.cpu", c.resources?.limits?.cpu, ceiling.limits.cpu, parseCpu, formatCpu],
        ["limits.memory", c.resources?.limits?.memory, ceiling.limits.memory, parseMemory, formatMemory],
      ] as const;
      for (const [what, value, cap, parse, format] of checks) {
        if (value === undefined)
          report(`${where} sets no ${what}; the ${tier} tier's ceiling is ${format(cap)}`);
        else if (parse(value) > cap)
          report(`${where}: ${what} ${value} exceeds the ${tier} tier's ${format(cap)}`);
      }
    }
  },
});

export const workloadSecurity = tierResourcePolicy({
  name: "workload-security",
  description:
    "No privileged container, host namespace, hostPath or hostPort, no added capability; non-root, no privilege escalation, read-only root filesystem (init and ephemeral containers included); the tier's PriorityClass.",
  enforcementLevel: "mandatory",
  validate: ({ tier }, view, report) => {
    const pod = podOf(view);
    if (!pod) return;
    const where = describe(view);
    if (pod.priorityClassName !== priorityClassName(tier)) {
      report(
        `${where}: priorityClassName ${pod.priorityClassName ?? "unset"} is not the ${tier} tier's ${priorityClassName(tier)}`,
      );
    }
    if (pod.hostNetwork) report(`${where} uses the host network`);
    if (pod.hostPID) report(`${where} uses the host PID namespace`);
    if (pod.hostIPC) report(`${where} uses the host IPC namespace`);
    for (const v of pod.volumes ?? [])
      if (v.hostPath !== undefined) report(`${where} mounts hostPath volume ${v.name}`);
    for (const c of allContainers(pod)) {
      const sc = c.securityContext ?? {};
      if (sc.privileged) report(`${where} container ${c.name} is privileged`);
      for (const p of c.ports ?? [])
        if (p.hostPort !== undefined) report(`${where} container ${c.name} binds host port ${p.hostPort}`);
      const added = (sc.capabilities?.add ?? []).filter((cap) => cap !== "NET_BIND_SERVICE");
      if (added.length > 0)
        report(
          `${where} container ${c.name} adds capabilities ${added.join(", ")} (restricted allows only NET_BIND_SERVICE)`,
        );
      if (sc.allowPrivilegeEscalation !== false)
        report(`${where} container ${c.name} allows privilege escalation`);
      if (sc.readOnlyRootFilesystem !== true)
        report(`${where} container ${c.name} has a writable root filesystem`);
      if (sc.runAsNonRoot !== true && pod.securityContext?.runAsNonRoot !== true)
        report(`${where} container ${c.name} may run as root`);
    }
  },
});

export const imageTagPinned = tierResourcePolicy({
  name: "image-tag-pinned",
  description:
    "Containers run a pinned image tag or digest, never `latest` or an untagged image (hygiene: rollouts and rollbacks stay reproducible).",
  enforcementLevel: "advisory",
  validate: (_context, view, report) => {
    const pod = podOf(view);
    if (!pod) return;
    for (const c of allContainers(pod)) {
      const image = c.image ?? "";
      const lastSegment = image.split("/").pop() ?? "";
      const tag = image.includes("@")
        ? "digest"
        : lastSegment.includes(":")
          ? lastSegment.split(":").pop()
          : undefined;
      if (tag === undefined || tag === "latest")
        report(`${describe(view)} container ${c.name} runs ${image || "no image"}: pin a tag or digest`);
    }
  },
});

export const noNodePorts = tierResourcePolicy({
  name: "no-node-ports",
  description:
    "No tenant Service opens a port on every node (type NodePort or an explicit nodePort): tenants are reached through the platform gateway.",
  enforcementLevel: "mandatory",
  validate: (_context, view, report) => {
    const o = view.object;
    if (o?.kind !== "Service") return;
    const spec = (o.spec ?? {}) as { type?: string; ports?: { nodePort?: number }[] };
    if (spec.type === "NodePort")
      report(`${describe(view)} is of type NodePort, which opens its port on every node of the cluster`);
    for (const p of spec.ports ?? [])
      if (p.nodePort !== undefined) report(`${describe(view)} claims node port ${p.nodePort}`);
  },
});

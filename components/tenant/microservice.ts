import * as apps from "@pulumi/kubernetes/apps/v1";
import { tierScheduling } from "../shared/scheduling";
import * as core from "@pulumi/kubernetes/core/v1";
import * as policy from "@pulumi/kubernetes/policy/v1";
import type * as inputs from "@pulumi/kubernetes/types/input";
import * as pulumi from "@pulumi/pulumi";
import {
  METRICS_PORT,
  PROBE_PATHS,
  RUNTIME_UID,
  SCRATCH_PATHS,
  type ContainerResources,
  type WorkloadPlan,
} from "../../tiers";
import { formatCpu, formatMemory } from "../../lib/units";
import { LABEL, tenantLabels, workloadSelector, type TenantIdentity } from "../shared/labels";

export interface MicroserviceArgs {
  readonly identity: TenantIdentity;
  readonly namespace: string;
  /** Replicas, rollout strategy and size, from tiers/sizing.ts. */
  readonly workload: WorkloadPlan;
  /** Container HTTP port (docs/product.md, tenant model). */
  readonly port: number;
  /** Fully qualified image reference. */
  readonly image: string;
  readonly priorityClassName: string;
  /** Secrets whose keys become environment variables (credentials only live in Secrets). */
  readonly secretEnv: readonly string[];
  /** ConfigMaps whose keys become environment variables. */
  readonly configMapEnv: readonly string[];
  /** Extra labels (e.g. the site number). Default none. */
  readonly extraLabels?: Record<string, string>;
  /** The tenant is suspended: zero replicas, everything else as when active. Default false. */
  readonly suspended?: boolean;
}

export function containerResources(r: ContainerResources): inputs.core.v1.ResourceRequirements {
  return {
    requests: { cpu: formatCpu(r.requests.cpu), memory: formatMemory(r.requests.memory) },
    limits: { cpu: formatCpu(r.limits.cpu), memory: formatMemory(r.limits.memory) },
  };
}

/** Pod and container security settings that satisfy Pod Security `restricted` plus a read-only root. */
export const POD_SECURITY_CONTEXT: inputs.core.v1.PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: RUNTIME_UID,
  runAsGroup: RUNTIME_UID,
  fsGroup: RUNTIME_UID,
  seccompProfile: { type: "RuntimeDefault" },
};
export const CONTAINER_SECURITY_CONTEXT: inputs.core.v1.SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
};

/**
 * The Deployment spec every tenant workload shares: its selector, the planned replicas (left to
 * the autoscaler when there is one; zero while the tenant is suspended) and rollout, and a pod
 * that runs without a service-account token, at the tier's priority, under the restricted
 * security context. A suspension changes the replicas only: the pod template stays as it was,
 * so resuming rolls nothing.
 */
export function workloadDeploymentSpec(
  workload: WorkloadPlan,
  selector: Record<string, string>,
  labels: Record<string, string>,
  priorityClassName: string,
  pod: Pick<inputs.core.v1.PodSpec, "containers" | "volumes">,
  suspended = false,
): inputs.apps.v1.DeploymentSpec {
  return {
    ...(suspended ? { replicas: 0 } : workload.autoscaled ? {} : { replicas: workload.minReplicas }),
    selector: { matchLabels: selector },
    strategy: deploymentStrategy(workload),
    template: {
      metadata: { labels },
      spec: {
        automountServiceAccountToken: false,
        priorityClassName,
        securityContext: POD_SECURITY_CONTEXT,
        ...(workload.minReplicas > 1 ? { topologySpreadConstraints: zoneSpread(selector) } : {}),
        // A dedicated tier's pods on its tainted node pool (components/shared/scheduling.ts).
        ...tierScheduling(labels[LABEL.tier]),
        ...pod,
      },
    },
  };
}

/** The zone label every node carries (well-known label). */
export const ZONE_KEY = "topology.kubernetes.io/zone";

/**
 * Replicas spread evenly over zones (a hard rule: two replicas never share a zone while another
 * zone has room), then over nodes where possible. Per ReplicaSet (`pod-template-hash`), so a
 * rollout's new pods spread too; tainted nodes (a lost zone's NotReady nodes) are not domains.
 */
export function zoneSpread(selector: Record<string, string>): inputs.core.v1.TopologySpreadConstraint[] {
  const common = {
    maxSkew: 1,
    labelSelector: { matchLabels: selector },
    matchLabelKeys: ["pod-template-hash"],
    nodeTaintsPolicy: "Honor",
  };
  return [
    { ...common, topologyKey: ZONE_KEY, whenUnsatisfiable: "DoNotSchedule" },
    { ...common, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway" },
  ];
}

export function deploymentStrategy(workload: WorkloadPlan): inputs.apps.v1.DeploymentStrategy {
  return workload.strategy === "Recreate"
    ? { type: "Recreate" }
    : { type: "RollingUpdate", rollingUpdate: { ...workload.strategy } };
}

/**
 * A Laravel service's pod: one container (its HTTP and metrics ports, environment from the
 * ConfigMaps and Secrets, probes, restricted security context) with scratch emptyDirs.
 */
function servicePod(args: MicroserviceArgs): Pick<inputs.core.v1.PodSpec, "containers" | "volumes"> {
  const { workload } = args;
  const scratch = SCRATCH_PATHS.map((path, i) => ({ name: `scratch-${i}`, path }));
  return {
    containers: [
      {
        name: workload.workloadName,
        image: args.image,
        ports: [
          { name: "http", containerPort: args.port, protocol: "TCP" },
          { name: "metrics", containerPort: METRICS_PORT, protocol: "TCP" },
        ],
        env: [{ name: "SERVICE_NAME", value: workload.service }],
        envFrom: [
          ...args.configMapEnv.map((name) => ({ configMapRef: { name } })),
          ...args.secretEnv.map((name) => ({ secretRef: { name } })),
        ],
        resources: containerResources(workload.resources),
        securityContext: CONTAINER_SECURITY_CONTEXT,
        livenessProbe: {
          httpGet: { path: PROBE_PATHS.liveness, port: "http" },
          periodSeconds: 10,
          failureThreshold: 3,
        },
        readinessProbe: {
          httpGet: { path: PROBE_PATHS.readiness, port: "http" },
          periodSeconds: 5,
          failureThreshold: 3,
        },
        startupProbe: {
          httpGet: { path: PROBE_PATHS.liveness, port: "http" },
          periodSeconds: 5,
          failureThreshold: 30,
        },
        volumeMounts: scratch.map(({ name, path }) => ({ name, mountPath: path })),
      },
    ],
    volumes: scratch.map(({ name }) => ({ name, emptyDir: { sizeLimit: "256Mi" } })),
  };
}

/**
 * One Laravel service: a Deployment (non-root, read-only root, scratch emptyDirs, probes,
 * credentials from Secrets), its ClusterIP Service, and a PodDisruptionBudget when it runs
 * more than one replica (then spread over zones, `zoneSpread`). An autoscaled Deployment leaves `replicas` to its autoscaler.
 */
export class Microservice extends pulumi.ComponentResource {
  readonly deploymentName: pulumi.Output<string>;
  readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: MicroserviceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:tenant:Microservice", name, {}, opts);
    const { workload, identity } = args;
    const selector = workloadSelector(workload.workloadName);
    const labels = tenantLabels(identity, { ...selector, ...args.extraLabels });
    const metadata = { name: workload.workloadName, namespace: args.namespace, labels };

    const deployment = new apps.Deployment(
      name,
      {
        metadata,
        spec: workloadDeploymentSpec(
          workload,
          selector,
          labels,
          args.priorityClassName,
          servicePod(args),
          args.suspended,
        ),
      },
      { parent: this },
    );

    const service = new core.Service(
      name,
      {
        metadata,
        spec: {
          type: "ClusterIP",
          selector,
          ports: [
            { name: "http", port: args.port, targetPort: "http", protocol: "TCP" },
            { name: "metrics", port: METRICS_PORT, targetPort: "metrics", protocol: "TCP" },
          ],
        },
      },
      { parent: this },
    );

    if (workload.minReplicas > 1) {
      new policy.PodDisruptionBudget(
        name,
        { metadata, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
        { parent: this },
      );
    }

    this.deploymentName = deployment.metadata.name;
    this.serviceName = service.metadata.name;
    this.registerOutputs({ deploymentName: this.deploymentName, serviceName: this.serviceName });
  }
}

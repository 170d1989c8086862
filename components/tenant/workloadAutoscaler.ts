import * as autoscaling from "@pulumi/kubernetes/autoscaling/v2";
import * as pulumi from "@pulumi/pulumi";
import type { AutoscalingSpec, ScalingRules } from "../../tiers";
import { CONSUMER_QUEUE, RABBITMQ_SECRET, RABBITMQ_URL_KEY } from "../shared/contracts";
import {
  customResource,
  type ScaledObjectSpec,
  type ScaledObjectTrigger,
  type TriggerAuthenticationSpec,
} from "../shared/crds";
import { tenantLabels, type TenantIdentity } from "../shared/labels";

/** Which external signal, beyond CPU and memory, drives this workload. */
export type ScalingSignal =
  | { readonly kind: "resources" }
  | { readonly kind: "requests"; readonly prometheusUrl: string; readonly perPod: number }
  | { readonly kind: "queue"; readonly vhost: string; readonly perConsumer: number };

export interface WorkloadAutoscalerArgs {
  readonly identity: TenantIdentity;
  readonly namespace: string;
  /** Deployment to scale. */
  readonly workloadName: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** The tier's targets and behaviour. */
  readonly spec: AutoscalingSpec;
  readonly signal: ScalingSignal;
  /**
   * The tenant is suspended: nothing may scale the workload up from zero. Default false.
   * An HPA cannot (minReplicas is at least 1 without the HPAScaleToZero gate), so it is not
   * declared; a ScaledObject stays, paused at zero replicas by KEDA's annotation.
   */
  readonly suspended?: boolean;
}

export const SCALED_OBJECT_API = "keda.sh/v1alpha1";
/**
 * KEDA's pause annotation: KEDA scales the target to this many replicas and stops autoscaling
 * it until the annotation is removed (then it scales within the object's bounds again).
 */
export const KEDA_PAUSED_REPLICAS = "autoscaling.keda.sh/paused-replicas";

/** The Prometheus query of the gateway's request rate in one namespace. */
export function requestRateQuery(namespace: string, workloadName: string): string {
  return `sum(rate(http_requests_total{namespace="${namespace}",service="${workloadName}"}[1m]))`;
}

const mutableRules = (rules: ScalingRules) => ({ ...rules, policies: rules.policies.map((p) => ({ ...p })) });

/** The tier's scale-up (omitted = Kubernetes default) and scale-down behaviour. */
export function scalingBehavior(spec: AutoscalingSpec): {
  scaleUp?: ReturnType<typeof mutableRules>;
  scaleDown: ReturnType<typeof mutableRules>;
} {
  return {
    ...(spec.scaleUp ? { scaleUp: mutableRules(spec.scaleUp) } : {}),
    scaleDown: mutableRules(spec.scaleDown),
  };
}

/**
 * Scales a Deployment within the tier's bounds and behaviour. CPU and memory alone: a plain
 * autoscaling/v2 HPA. Request rate or queue depth: a KEDA ScaledObject (HPA Pods/External
 * metrics would need a metrics adapter), with a TriggerAuthentication for RabbitMQ.
 */
export class WorkloadAutoscaler extends pulumi.ComponentResource {
  constructor(name: string, args: WorkloadAutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:tenant:WorkloadAutoscaler", name, {}, opts);
    // A suspended tenant's HPA is removed: deleting it is the only way it cannot scale the workload up.
    if (args.signal.kind === "resources") {
      if (!args.suspended) this.horizontalPodAutoscaler(name, args);
    } else this.scaledObject(name, args, args.signal);
    this.registerOutputs({});
  }

  private metadata(args: WorkloadAutoscalerArgs) {
    return { name: args.workloadName, namespace: args.namespace, labels: tenantLabels(args.identity) };
  }

  /** CPU and memory alone: a plain autoscaling/v2 HPA. */
  private horizontalPodAutoscaler(name: string, args: WorkloadAutoscalerArgs): void {
    const { spec } = args;
    const utilization = (resource: "cpu" | "memory", averageUtilization: number) => ({
      type: "Resource",
      resource: { name: resource, target: { type: "Utilization", averageUtilization } },
    });
    new autoscaling.HorizontalPodAutoscaler(
      name,
      {
        metadata: this.metadata(args),
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: args.workloadName },
          minReplicas: args.minReplicas,
          maxReplicas: args.maxReplicas,
          metrics: [
            utilization("cpu", spec.cpuUtilizationPercent),
            utilization("memory", spec.memoryUtilizationPercent),
          ],
          behavior: scalingBehavior(spec),
        },
      },
      { parent: this },
    );
  }

  /** Request rate or queue depth: a KEDA ScaledObject, on CPU and memory as well. */
  private scaledObject(
    name: string,
    args: WorkloadAutoscalerArgs,
    signal: Exclude<ScalingSignal, { kind: "resources" }>,
  ): void {
    const { spec } = args;
    const dependsOn: pulumi.Resource[] = [];
    const triggers: ScaledObjectTrigger[] = [
      { type: "cpu", metricType: "Utilization", metadata: { value: String(spec.cpuUtilizationPercent) } },
      {
        type: "memory",
        metricType: "Utilization",
        metadata: { value: String(spec.memoryUtilizationPercent) },
      },
      signal.kind === "requests"
        ? {
            type: "prometheus",
            metricType: "AverageValue",
            metadata: {
              serverAddress: signal.prometheusUrl,
              query: requestRateQuery(args.namespace, args.workloadName),
              threshold: String(signal.perPod),
            },
          }
        : this.queueTrigger(name, args, signal, dependsOn),
    ];
    customResource<ScaledObjectSpec>(
      name,
      {
        apiVersion: SCALED_OBJECT_API,
        kind: "ScaledObject",
        metadata: {
          ...this.metadata(args),
          ...(args.suspended ? { annotations: { [KEDA_PAUSED_REPLICAS]: "0" } } : {}),
        },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: args.workloadName },
          minReplicaCount: args.minReplicas,
          maxReplicaCount: args.maxReplicas,
          advanced: { horizontalPodAutoscalerConfig: { behavior: scalingBehavior(spec) } },
          triggers,
        },
      },
      { parent: this, dependsOn },
    );
  }

  /** The RabbitMQ queue-length trigger, with the TriggerAuthentication it reads the broker URL through. */
  private queueTrigger(
    name: string,
    args: WorkloadAutoscalerArgs,
    signal: Extract<ScalingSignal, { kind: "queue" }>,
    dependsOn: pulumi.Resource[],
  ): ScaledObjectTrigger {
    const authName = `${args.workloadName}-rabbitmq`;
    dependsOn.push(
      customResource<TriggerAuthenticationSpec>(
        `${name}-rabbitmq`,
        {
          apiVersion: SCALED_OBJECT_API,
          kind: "TriggerAuthentication",
          metadata: { ...this.metadata(args), name: authName },
          spec: { secretTargetRef: [{ parameter: "host", name: RABBITMQ_SECRET, key: RABBITMQ_URL_KEY }] },
        },
        { parent: this },
      ),
    );
    return {
      type: "rabbitmq",
      metadata: {
        protocol: "amqp",
        queueName: CONSUMER_QUEUE,
        mode: "QueueLength",
        value: String(signal.perConsumer),
        vhostName: signal.vhost,
      },
      authenticationRef: { name: authName },
    };
  }
}

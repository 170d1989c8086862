import * as apps from "@pulumi/kubernetes/apps/v1";
import * as core from "@pulumi/kubernetes/core/v1";
import type * as inputs from "@pulumi/kubernetes/types/input";
import * as pulumi from "@pulumi/pulumi";
import { SCRATCH_PATHS, storageClassName, volumeAttributesClassName, type WorkloadPlan } from "../../tiers";
import { formatStorage } from "../../lib/units";
import { tenantLabels, workloadSelector, type TenantIdentity } from "../shared/labels";
import {
  containerResources,
  CONTAINER_SECURITY_CONTEXT,
  workloadDeploymentSpec,
} from "../tenant/microservice";
import { statefulOptions } from "../shared/statefulOptions";

export const REDIS_PORT = 6379;

export interface RedisCacheArgs {
  readonly identity: TenantIdentity;
  readonly namespace: string;
  /** Size and rollout of the Redis pod (tiers/sizing.ts: one replica, Recreate). */
  readonly workload: WorkloadPlan;
  /** Volume size; the smallest that reaches the tier's IOPS. */
  readonly volumeGi: number;
  /** Redis image. */
  readonly image: string;
  readonly priorityClassName: string;
  /** The tenant is suspended: Redis at zero replicas, its claim (and the data on it) kept. Default false. */
  readonly suspended?: boolean;
}

/** Fraction of the container memory limit Redis may fill before evicting keys. */
const MAXMEMORY_FRACTION = 0.8;

/** Redis with an append-only file on the claim, evicting only keys with a TTL past its memory share. */
function redisPod(
  args: RedisCacheArgs,
  claimName: pulumi.Input<string>,
): Pick<inputs.core.v1.PodSpec, "containers" | "volumes"> {
  const { workload } = args;
  const maxMemoryMb = Math.floor(workload.resources.limits.memory * MAXMEMORY_FRACTION);
  return {
    containers: [
      {
        name: "redis",
        image: args.image,
        args: [
          "--appendonly",
          "yes",
          "--dir",
          "/data",
          "--maxmemory",
          `${maxMemoryMb}mb`,
          // Sessions and cache entries carry TTLs; evict those first, never a key without one.
          "--maxmemory-policy",
          "volatile-lru",
        ],
        ports: [{ name: "redis", containerPort: REDIS_PORT, protocol: "TCP" }],
        resources: containerResources(workload.resources),
        securityContext: CONTAINER_SECURITY_CONTEXT,
        livenessProbe: { tcpSocket: { port: "redis" }, periodSeconds: 10 },
        readinessProbe: { exec: { command: ["redis-cli", "ping"] }, periodSeconds: 5 },
        volumeMounts: [
          { name: "data", mountPath: "/data" },
          { name: "tmp", mountPath: SCRATCH_PATHS[0] },
        ],
      },
    ],
    volumes: [
      { name: "data", persistentVolumeClaim: { claimName } },
      { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
    ],
  };
}

/**
 * The tenant's own Redis for cache and sessions, with an append-only file on a volume of the
 * tier's storage class. The claim is protected and retained. Its storage class is fixed at
 * creation (the field is immutable); a tier change moves it to the new tier's
 * VolumeAttributesClass, which the EBS CSI driver applies to the volume in place.
 */
export class RedisCache extends pulumi.ComponentResource {
  /** Where the services reach it (the Service's cluster DNS name). */
  readonly endpoint: { readonly host: string; readonly port: number };

  constructor(name: string, args: RedisCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:tenant:RedisCache", name, {}, opts);
    const { identity, workload } = args;
    const selector = workloadSelector(workload.workloadName);
    const labels = tenantLabels(identity, selector);
    const metadata = { name: workload.workloadName, namespace: args.namespace, labels };

    const claim = new core.PersistentVolumeClaim(
      `${name}-data`,
      {
        metadata: { ...metadata, name: `${workload.workloadName}-data` },
        spec: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: storageClassName(identity.tier),
          volumeAttributesClassName: volumeAttributesClassName(identity.tier),
          resources: { requests: { storage: formatStorage(args.volumeGi) } },
        },
      },
      { parent: this, ...statefulOptions("retained"), ignoreChanges: ["spec.storageClassName"] },
    );

    new apps.Deployment(
      name,
      {
        metadata,
        spec: workloadDeploymentSpec(
          workload,
          selector,
          labels,
          args.priorityClassName,
          redisPod(args, claim.metadata.name),
          args.suspended,
        ),
      },
      { parent: this },
    );

    new core.Service(
      name,
      {
        metadata,
        spec: {
          type: "ClusterIP",
          selector,
          ports: [{ name: "redis", port: REDIS_PORT, targetPort: "redis" }],
        },
      },
      { parent: this },
    );
    this.endpoint = {
      host: `${workload.workloadName}.${args.namespace}.svc.cluster.local`,
      port: REDIS_PORT,
    };
    this.registerOutputs({ endpoint: this.endpoint });
  }
}

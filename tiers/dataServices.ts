/**
 * Limits of the data services derived from the tier: what RabbitMQ and object storage are
 * configured with, beyond the literal catalog values.
 */
import {
  BUCKET_NAMES,
  TIER_NAMES,
  TIERS,
  type BucketName,
  type ContainerResources,
  type DedicatedClusterSpec,
  type QuotaSpec,
  type TierDefinition,
} from "./catalog";
import type { EffectiveProfile } from "./profile";
import { SERVICES } from "./services";
import { gbToBytes } from "../lib/units";

/**
 * Pulumi types of the resources that hold a tenant's data: the policy pack requires them
 * protected, and the tenant service refuses a plan that would replace or delete one. Queues hold
 * messages: deleting or redeclaring one loses them.
 */
export const DATA_HOLDING_TYPES: ReadonlySet<string> = new Set([
  "mysql:index/database:Database",
  "minio:index/s3Bucket:S3Bucket",
  "rabbitmq:index/vHost:VHost",
  "rabbitmq:index/queue:Queue",
  "kubernetes:core/v1:PersistentVolumeClaim",
  "kubernetes:mysql.oracle.com/v2:InnoDBCluster",
]);

/**
 * `x-max-priority` of the tenant's priority queue on every tier: the highest any tier sells.
 * It is a queue argument fixed at declaration, so a per-tier value would make every tier change
 * redeclare the queue and drop its messages; the tier's own maximum is enforced by the publishers
 * (RABBITMQ_MAX_PRIORITY in the runtime settings).
 */
export const QUEUE_MAX_PRIORITY: number = Math.max(...TIER_NAMES.map((t) => TIERS[t].messaging.maxPriority));

/** Connections a pod may open to RabbitMQ: one publisher and one consumer channel's connection. */
const CONNECTIONS_PER_POD = 2;
/** Queues a service may declare per site it serves. */
const QUEUES_PER_SERVICE_PER_SITE = 4;

export interface VhostLimits {
  /** Every pod of the tenant at its quota, with a publisher and a consumer connection each. */
  readonly maxConnections: number;
  readonly maxQueues: number;
}

export function vhostLimits(profile: EffectiveProfile): VhostLimits {
  return {
    maxConnections: CONNECTIONS_PER_POD * profile.quota.pods,
    maxQueues: QUEUES_PER_SERVICE_PER_SITE * SERVICES.length * profile.tier.maxSites,
  };
}

/** Upload rules of one bucket: MinIO cannot enforce them, so the services do (presigned POST policy). */
export interface UploadRule {
  readonly maxObjectBytes: number;
  readonly allowedTypes: readonly string[];
  readonly presignedUrlExpirySeconds: number;
  readonly quotaBytes: number;
}

export function uploadRules(tier: TierDefinition): Record<BucketName, UploadRule> {
  const os = tier.objectStorage;
  return Object.fromEntries(
    BUCKET_NAMES.map((b) => [
      b,
      {
        maxObjectBytes: os.buckets[b].maxObjectMb * 1024 * 1024,
        allowedTypes: os.buckets[b].allowedTypes,
        presignedUrlExpirySeconds: os.presignedUrlExpirySeconds,
        quotaBytes: gbToBytes(os.buckets[b].quotaGb),
      },
    ]),
  ) as Record<BucketName, UploadRule>;
}

/**
 * Resources the MySQL operator adds to every server pod (its sidecar) and the backup job's
 * pod; the dedicated cluster's LimitRange gives them these defaults.
 */
export const OPERATOR_HELPER_RESOURCES: ContainerResources = {
  requests: { cpu: 100, memory: 128 },
  limits: { cpu: 250, memory: 256 },
};

/** The dedicated cluster's own quota: its servers, routers, sidecars, a backup job, volumes. */
export function dedicatedClusterQuota(spec: DedicatedClusterSpec): QuotaSpec {
  const helper = OPERATOR_HELPER_RESOURCES;
  const helpers = spec.instances + 1; // one sidecar per server, one backup job pod
  const sum = (pick: (r: ContainerResources) => number) =>
    spec.instances * pick(spec.instanceResources) +
    spec.routers * pick(spec.routerResources) +
    helpers * pick(helper);
  return {
    requestsCpu: sum((r) => r.requests.cpu),
    requestsMemory: sum((r) => r.requests.memory),
    limitsCpu: sum((r) => r.limits.cpu),
    limitsMemory: sum((r) => r.limits.memory),
    pods: spec.instances + spec.routers + 1,
    persistentVolumeClaims: spec.instances + 1,
    loadBalancers: 0,
    // Every server's data volume, and a backup volume as large as one of them.
    requestsStorage: (spec.instances + 1) * spec.instanceStorageGi,
  };
}

/**
 * Limits of the data services derived from the tier: what RabbitMQ and object storage are
 * configured with, beyond the literal catalog values.
 */
import { BUCKET_NAMES, type BucketName, type TierDefinition } from "./catalog";
import type { EffectiveProfile } from "./profile";
import { SERVICES } from "./services";
import { gbToBytes } from "./units";

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

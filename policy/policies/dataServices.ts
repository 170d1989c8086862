/** Data services: bucket quotas, RabbitMQ limits, and protection of everything that holds data. */
import { BUCKET_NAMES, DATA_HOLDING_TYPES, gbToBytes, isCoreNamespace, type BucketName } from "../../tiers";
import { describe, tierResourcePolicy, tierStackPolicy, type ResourceView } from "../define";

const BUCKET = "minio:index/s3Bucket:S3Bucket";
const GB = 2 ** 30;

function bucketKind(view: ResourceView): BucketName | undefined {
  const name = String(view.props["bucket"] ?? view.name);
  return BUCKET_NAMES.find((b) => name.endsWith(`-${b}`));
}

export const bucketQuotaWithinTier = tierResourcePolicy({
  name: "bucket-quota-within-tier",
  description: "Each tenant bucket (products, sav, newsletters) has a quota no larger than the tier's.",
  enforcementLevel: "mandatory",
  validate: ({ profile }, view, report) => {
    if (view.type !== BUCKET) return;
    const kind = bucketKind(view);
    const tier = profile.tier;
    if (!kind) {
      report(`${describe(view)} is none of the tenant buckets (${BUCKET_NAMES.join(", ")})`);
      return;
    }
    const cap = gbToBytes(tier.objectStorage.buckets[kind].quotaGb);
    const quota = view.props["quota"];
    if (typeof quota !== "number") report(`${describe(view)} has no quota; the ${tier.displayName} tier's ${kind} bucket holds ${cap / GB} GB`);
    else if (quota > cap) report(`${describe(view)}: quota ${quota / GB} GB exceeds the ${tier.displayName} tier's ${cap / GB} GB for ${kind}`);
  },
});

export const bucketQuotaSumWithinTier = tierStackPolicy({
  name: "bucket-quota-sum-within-tier",
  description: "The tenant's bucket quotas add up to no more than the tier's object storage.",
  enforcementLevel: "mandatory",
  validate: ({ profile }, resources, report) => {
    const total = resources.filter((r) => r.type === BUCKET).reduce((sum, r) => sum + (Number(r.props["quota"]) || 0), 0);
    const cap = BUCKET_NAMES.reduce((sum, b) => sum + gbToBytes(profile.tier.objectStorage.buckets[b].quotaGb), 0);
    if (total > cap) report(`the tenant's buckets total ${total / GB} GB; the ${profile.tier.displayName} tier's object storage is ${cap / GB} GB`);
  },
});

const DURATION_KEYS = [
  ["message-ttl", "messageTtlMs"],
  ["consumer-timeout", "consumerTimeoutMs"],
] as const;

export const rabbitmqPolicyWithinTier = tierResourcePolicy({
  name: "rabbitmq-policy-within-tier",
  description: "RabbitMQ policies keep the tier's queue length, message TTL and consumer timeout, and dead-letter only where the tier does.",
  enforcementLevel: "mandatory",
  validate: ({ profile }, view, report) => {
    if (view.type !== "rabbitmq:index/policy:Policy") return;
    const m = profile.tier.messaging;
    const tier = profile.tier.displayName;
    const policy = (view.props["policy"] ?? {}) as { applyTo?: string; definition?: Record<string, string | number> };
    // Queue limits concern policies that apply to queues; an exchange policy (federation) has none.
    if (policy.applyTo === "exchanges") return;
    const definition = policy.definition ?? {};
    const value = (key: string) => (definition[key] === undefined ? undefined : Number(definition[key]));
    const maxLength = value("max-length");
    if (m.maxLength !== undefined && (maxLength === undefined || maxLength > m.maxLength)) {
      report(`${describe(view)}: max-length ${maxLength ?? "unset"} exceeds the ${tier} tier's ${m.maxLength}`);
    }
    for (const [key, field] of DURATION_KEYS) {
      const v = value(key);
      if (v !== undefined && v > m[field]) report(`${describe(view)}: ${key} ${v} ms exceeds the ${tier} tier's ${m[field]} ms`);
    }
    if (definition["dead-letter-exchange"] !== undefined && !m.deadLettering) {
      report(`${describe(view)}: dead-lettering is not part of the ${tier} tier`);
    }
  },
});

export const statefulResourcesProtected = tierResourcePolicy({
  name: "stateful-resources-protected",
  description: "Databases, buckets, vhosts, volumes, dedicated clusters and the tenant's core namespace are protected.",
  enforcementLevel: "mandatory",
  validate: (_context, view, report) => {
    const o = view.object;
    const coreNamespace = o?.kind === "Namespace" && isCoreNamespace(o.metadata?.name);
    if ((DATA_HOLDING_TYPES.has(view.type) || coreNamespace) && !view.protect) {
      report(`${describe(view)} holds data and is not protected`);
    }
  },
});

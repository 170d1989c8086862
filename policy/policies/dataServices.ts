/** Data services: bucket quotas, RabbitMQ limits, and protection of everything that holds data. */
import {
  BUCKET_NAMES,
  DATA_HOLDING_TYPES,
  isCoreNamespace,
  QUEUE_MAX_PRIORITY,
  vhostLimits,
  type BucketName,
} from "../../tiers";
import { gbToBytes } from "../../lib/units";
import { describe, tierResourcePolicy, tierStackPolicy, type ResourceView } from "../define";

const QUEUE = "rabbitmq:index/queue:Queue";
const RABBIT_POLICY = "rabbitmq:index/policy:Policy";
const VHOST = "rabbitmq:index/vHost:VHost";
const VHOST_LIMITS = "pulumi-nodejs:dynamic/collect-verything:RabbitVhostLimits";
const MYSQL_USER = "mysql:index/user:User";
const USER_LIMITS = "pulumi-nodejs:dynamic/collect-verything:MysqlUserLimits";
/** A queue a service may declare at run time: a tenant's queue policy must cover it too. */
const RUNTIME_QUEUE_PROBE = "orders.created";

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
    if (typeof quota !== "number")
      report(
        `${describe(view)} has no quota; the ${tier.displayName} tier's ${kind} bucket holds ${cap / GB} GB`,
      );
    else if (!(quota > 0))
      report(
        `${describe(view)}: quota ${quota} is no quota at all (MinIO ignores a quota of 0 or less); the ${tier.displayName} tier's ${kind} bucket holds ${cap / GB} GB`,
      );
    else if (quota > cap)
      report(
        `${describe(view)}: quota ${quota / GB} GB exceeds the ${tier.displayName} tier's ${cap / GB} GB for ${kind}`,
      );
  },
});

export const bucketQuotaSumWithinTier = tierStackPolicy({
  name: "bucket-quota-sum-within-tier",
  description: "The tenant's bucket quotas add up to no more than the tier's object storage.",
  enforcementLevel: "mandatory",
  validate: ({ profile, regions }, resources, report) => {
    const cap = BUCKET_NAMES.reduce(
      (sum, b) => sum + gbToBytes(profile.tier.objectStorage.buckets[b].quotaGb),
      0,
    );
    // Per server (a region's object storage, by its provider): each region holds the tier's whole allowance.
    const servers = new Map<string, number>();
    for (const r of resources.filter((r) => r.type === BUCKET))
      servers.set(
        r.provider?.urn ?? "",
        (servers.get(r.provider?.urn ?? "") ?? 0) + (Number(r.props["quota"]) || 0),
      );
    for (const [server, total] of servers) {
      const where = servers.size > 1 ? ` on ${server.split("::").pop()}` : "";
      if (total > cap)
        report(
          `the tenant's buckets${where} total ${total / GB} GB; the ${profile.tier.displayName} tier's object storage is ${cap / GB} GB`,
        );
    }
    // A provider is no region: more servers than regions would be the allowance again on one server.
    if (servers.size > regions.length) {
      report(
        `the tenant's buckets are on ${servers.size} object storage servers (MinIO providers); the stack's ${regions.length} region(s) have ${regions.length}, each holding the ${profile.tier.displayName} tier's object storage once`,
      );
    }
  },
});

const DURATION_KEYS = [
  ["message-ttl", "messageTtlMs"],
  ["consumer-timeout", "consumerTimeoutMs"],
] as const;

interface RabbitPolicy {
  pattern?: string;
  priority?: number;
  applyTo?: string;
  definition?: Record<string, string | number>;
}

const policyOf = (view: ResourceView): RabbitPolicy => (view.props["policy"] ?? {}) as RabbitPolicy;

/** The policy's pattern as a regular expression (RabbitMQ's PCRE and JavaScript agree on the patterns used here), or undefined. */
function patternOf(policy: RabbitPolicy): RegExp | undefined {
  try {
    return new RegExp(policy.pattern ?? "");
  } catch {
    return undefined;
  }
}

export const rabbitmqPolicyWithinTier = tierResourcePolicy({
  name: "rabbitmq-policy-within-tier",
  description:
    "Every RabbitMQ queue policy sets the tier's queue length, message TTL and consumer timeout (RabbitMQ applies only the highest-priority policy to a queue), and dead-letters only where the tier does.",
  enforcementLevel: "mandatory",
  validate: ({ profile }, view, report) => {
    if (view.type !== RABBIT_POLICY) return;
    const m = profile.tier.messaging;
    const tier = profile.tier.displayName;
    const policy = policyOf(view);
    // Queue limits concern policies that apply to queues; an exchange policy (federation) has none.
    if (policy.applyTo === "exchanges") return;
    const definition = policy.definition ?? {};
    const value = (key: string) => (definition[key] === undefined ? undefined : Number(definition[key]));
    const maxLength = value("max-length");
    if (m.maxLength !== undefined && (maxLength === undefined || maxLength > m.maxLength)) {
      report(
        `${describe(view)}: max-length ${maxLength ?? "unset"} exceeds the ${tier} tier's ${m.maxLength}`,
      );
    }
    for (const [key, field] of DURATION_KEYS) {
      const v = value(key);
      if (v === undefined || !(v <= m[field]))
        report(`${describe(view)}: ${key} ${v ?? "unset"} exceeds the ${tier} tier's ${m[field]} ms`);
    }
    if (!patternOf(policy))
      report(`${describe(view)}: pattern ${policy.pattern} is not a regular expression`);
    if (definition["dead-letter-exchange"] !== undefined && !m.deadLettering) {
      report(`${describe(view)}: dead-lettering is not part of the ${tier} tier`);
    }
  },
});

/** The highest-priority queue policy of a vhost that matches a queue name (the one RabbitMQ applies). */
function effectivePolicy(
  policies: readonly ResourceView[],
  vhost: unknown,
  queue: string,
): ResourceView | undefined {
  let best: ResourceView | undefined;
  for (const view of policies) {
    const policy = policyOf(view);
    if (view.props["vhost"] !== vhost || policy.applyTo === "exchanges" || !patternOf(policy)?.test(queue))
      continue;
    if (!best || (policy.priority ?? 0) > (policyOf(best).priority ?? 0)) best = view;
  }
  return best;
}

export const dataServiceLimitsPresent = tierStackPolicy({
  name: "data-service-limits-present",
  description:
    "Every queue of the tenant (and any queue its services declare at run time) falls under a tier queue policy; every vhost has its connection and queue limits; every database user its connection limit.",
  enforcementLevel: "mandatory",
  validate: ({ profile }, resources, report) => {
    // A multi-region tenant has a vhost of the same name on each region's server (its provider).
    const sameServer = (a: ResourceView, b: ResourceView) => a.provider?.urn === b.provider?.urn;
    const vhosts = resources.filter((r) => r.type === VHOST);
    for (const vhost of vhosts) {
      const name = vhost.props["name"];
      const policies = resources.filter((r) => r.type === RABBIT_POLICY && sameServer(r, vhost));
      const declared = resources
        .filter((q) => q.type === QUEUE && q.props["vhost"] === name && sameServer(q, vhost))
        .map((q) => String(q.props["name"]));
      for (const queue of [...declared, RUNTIME_QUEUE_PROBE]) {
        if (!effectivePolicy(policies, name, queue)) {
          report(
            `queue ${queue} in vhost ${String(name)} falls under no queue policy, so it has none of the ${profile.tier.displayName} tier's limits`,
          );
        }
      }
    }
    // The limits resource names no server (its management endpoint is a secret): the vhost it
    // depends on says which one it limits, so it must depend on exactly one.
    const vhostUrns = new Set(vhosts.map((v) => v.urn));
    const limitedVhost = new Map<ResourceView, string | undefined>();
    for (const limits of resources.filter((r) => r.type === VHOST_LIMITS)) {
      const on = (limits.dependencies ?? []).filter((urn) => vhostUrns.has(urn));
      if (on.length > 1)
        report(
          `${describe(limits)} depends on ${on.length} vhosts; it limits the one vhost its management endpoint reaches, so it depends on that one only`,
        );
      limitedVhost.set(limits, on.length === 1 ? on[0] : undefined);
    }
    for (const vhost of vhosts) {
      const name = vhost.props["name"];
      const limited = [...limitedVhost].some(
        ([limits, urn]) => urn === vhost.urn && limits.props["vhost"] === name,
      );
      const where = vhosts.length > 1 ? ` on ${vhost.provider?.name ?? "the default provider's server"}` : "";
      if (!limited)
        report(
          `vhost ${String(name)} has no connection and queue limits (a RabbitVhostLimits that depends on it)${where}`,
        );
    }
    for (const user of resources.filter((r) => r.type === MYSQL_USER)) {
      const name = user.props["user"];
      if (!resources.some((r) => r.type === USER_LIMITS && r.props["user"] === name))
        report(`database user ${String(name)} has no connection limit (MysqlUserLimits)`);
    }
  },
});

export const dataServiceLimitsWithinTier = tierResourcePolicy({
  name: "data-service-limits-within-tier",
  description:
    "Vhost connection and queue limits, database user connection limits and the message priorities services publish with stay within the tier.",
  enforcementLevel: "mandatory",
  validate: ({ profile }, view, report) => {
    const tier = profile.tier;
    const within = (what: string, value: unknown, min: number, cap: number) => {
      if (typeof value !== "number" || !(value >= min && value <= cap))
        report(
          `${describe(view)}: ${what} ${String(value)} is outside the ${tier.displayName} tier's ${min}..${cap}`,
        );
    };
    if (view.type === VHOST_LIMITS) {
      const limits = vhostLimits(profile);
      within("maxConnections", view.props["maxConnections"], 0, limits.maxConnections);
      within("maxQueues", view.props["maxQueues"], 0, limits.maxQueues);
    } else if (view.type === USER_LIMITS) {
      // MySQL reads MAX_USER_CONNECTIONS 0 as "no limit".
      within(
        "maxUserConnections",
        view.props["maxUserConnections"],
        1,
        tier.database.maxConnectionsPerService,
      );
    } else if (view.type === QUEUE) {
      const settings = (view.props["settings"] ?? {}) as {
        argumentsJson?: string;
        arguments?: Record<string, unknown>;
      };
      let args: Record<string, unknown> = settings.arguments ?? {};
      if (settings.argumentsJson !== undefined) {
        try {
          args = JSON.parse(settings.argumentsJson) as Record<string, unknown>;
        } catch {
          report(`${describe(view)}: argumentsJson is not JSON`);
        }
      }
      // The queue argument is the same on every tier (a tier change must not replace the queue);
      // the tier's own maximum is what its services publish with (RABBITMQ_MAX_PRIORITY below).
      if (args["x-max-priority"] !== undefined)
        within("x-max-priority", Number(args["x-max-priority"]), 1, QUEUE_MAX_PRIORITY);
    } else if (view.object?.kind === "ConfigMap") {
      const published = (view.object.data as Record<string, string> | undefined)?.["RABBITMQ_MAX_PRIORITY"];
      if (published !== undefined)
        within("RABBITMQ_MAX_PRIORITY", Number(published), 1, tier.messaging.maxPriority);
    }
  },
});

export const statefulResourcesProtected = tierResourcePolicy({
  name: "stateful-resources-protected",
  description:
    "Databases, buckets, vhosts, volumes, dedicated clusters and the tenant's core namespace are protected.",
  enforcementLevel: "mandatory",
  validate: (_context, view, report) => {
    const o = view.object;
    const coreNamespace = o?.kind === "Namespace" && isCoreNamespace(o.metadata?.name);
    if ((DATA_HOLDING_TYPES.has(view.type) || coreNamespace) && !view.protect) {
      report(`${describe(view)} holds data and is not protected`);
    }
  },
});

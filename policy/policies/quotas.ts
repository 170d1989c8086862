/** The tenant's quota: per namespace within the tier, summed exactly, and enough at maximum scale. */
import { formatCpu, formatMemory, isTenantNamespace, LIMIT_RANGE, parseCpu, parseMemory, parseStorage, QUOTA_FIELDS, TIER_NAMES, type QuotaSpec } from "../../tiers";
import { emptyTotals, namespaceUsage, parseQuotaHard, quotaHardOf, type ResourceTotals } from "../analysis/usage";
import { describe, objectsOf, tierResourcePolicy, tierStackPolicy } from "../define";

const asTotals = (q: QuotaSpec): ResourceTotals => ({ ...q });

export const tenantQuotaWithinTier = tierResourcePolicy({
  name: "tenant-quota-within-tier",
  description: "A tenant namespace's ResourceQuota never exceeds the tenant's tier quota, and gives other tiers' storage classes nothing.",
  enforcementLevel: "mandatory",
  validate: ({ profile }, view, report) => {
    const o = view.object;
    if (o?.kind !== "ResourceQuota" || !isTenantNamespace(o.metadata?.namespace)) return;
    const hard = quotaHardOf(o);
    const values = parseQuotaHard(hard);
    const tier = profile.tier;
    for (const { key, hardKey, show } of QUOTA_FIELDS) {
      if (!(hardKey in hard)) {
        report(`${describe(view)} sets no ${hardKey}; the ${tier.displayName} tier caps it at ${show(profile.quota[key])}`);
      } else if (values[key] > profile.quota[key]) {
        report(`${describe(view)}: ${hardKey} ${show(values[key])} exceeds the ${tier.displayName} tier's ${show(profile.quota[key])}`);
      }
    }
    for (const other of TIER_NAMES.filter((t) => t !== tier.name)) {
      const key = `tier-${other}-storage.storageclass.storage.k8s.io/requests.storage`;
      if (hard[key] === undefined || parseStorage(hard[key]) > 0) {
        report(`${describe(view)}: ${key} is ${hard[key] ?? "unset"}; a ${tier.displayName} tenant gets 0 of another tier's storage class`);
      }
    }
  },
});

interface LimitItem {
  type?: string;
  max?: Record<string, string>;
  min?: Record<string, string>;
  default?: Record<string, string>;
  defaultRequest?: Record<string, string>;
}

export const limitRangeWithinTier = tierResourcePolicy({
  name: "limit-range-within-tier",
  description: "A tenant LimitRange stays within the platform's container, pod and volume bounds and the tier's per-service ceiling.",
  enforcementLevel: "mandatory",
  validate: ({ profile }, view, report) => {
    const o = view.object;
    if (o?.kind !== "LimitRange" || !isTenantNamespace(o.metadata?.namespace)) return;
    const tier = profile.tier;
    const limits = ((o.spec ?? {}) as { limits?: LimitItem[] }).limits ?? [];
    const over = (what: string, actual: string | undefined, cap: number, parse: (q: string) => number, format: (n: number) => string) => {
      if (actual !== undefined && parse(actual) > cap) report(`${describe(view)}: ${what} ${actual} exceeds the ${tier.displayName} tier's ${format(cap)}`);
    };
    const container = limits.find((l) => l.type === "Container");
    if (!container) report(`${describe(view)} has no Container limits`);
    for (const l of limits) {
      if (l.type === "Container") {
        over("container max cpu", l.max?.cpu, LIMIT_RANGE.containerMax.cpu, parseCpu, formatCpu);
        over("container max memory", l.max?.memory, LIMIT_RANGE.containerMax.memory, parseMemory, formatMemory);
        over("container default cpu", l.default?.cpu, tier.serviceCeiling.limits.cpu, parseCpu, formatCpu);
        over("container default memory", l.default?.memory, tier.serviceCeiling.limits.memory, parseMemory, formatMemory);
        over("container default request cpu", l.defaultRequest?.cpu, tier.serviceCeiling.requests.cpu, parseCpu, formatCpu);
        over("container default request memory", l.defaultRequest?.memory, tier.serviceCeiling.requests.memory, parseMemory, formatMemory);
      } else if (l.type === "Pod") {
        over("pod max cpu", l.max?.cpu, LIMIT_RANGE.podMax.cpu, parseCpu, formatCpu);
        over("pod max memory", l.max?.memory, LIMIT_RANGE.podMax.memory, parseMemory, formatMemory);
      } else if (l.type === "PersistentVolumeClaim") {
        over("volume max", l.max?.storage, LIMIT_RANGE.pvcMax, parseStorage, (n) => `${n}Gi`);
      }
    }
  },
});

export const quotaSumEqualsTier = tierStackPolicy({
  name: "quota-sum-equals-tier",
  description: "The tenant's per-namespace quotas add up to exactly its tier's quota: three sites share one quota, they do not get three.",
  enforcementLevel: "mandatory",
  validate: ({ profile }, resources, report) => {
    const quotas = objectsOf(resources).filter((o) => o.kind === "ResourceQuota" && isTenantNamespace(o.metadata?.namespace));
    if (quotas.length === 0) return;
    const sum = emptyTotals();
    for (const q of quotas) {
      const t = parseQuotaHard(quotaHardOf(q));
      for (const { key } of QUOTA_FIELDS) sum[key] += t[key];
    }
    const expected = asTotals(profile.quota);
    for (const { key, hardKey, show } of QUOTA_FIELDS) {
      if (sum[key] !== expected[key]) {
        report(
          `the tenant's ${quotas.length} namespace quotas add up to ${hardKey} ${show(sum[key])}; the ${profile.tier.displayName} tier's total is ${show(expected[key])}`,
        );
      }
    }
  },
});

export const fitsQuotaAtMaxScale = tierStackPolicy({
  name: "fits-quota-at-max-scale",
  description: "Every tenant namespace's workloads fit its quota with every autoscaler at its maximum, and at minimum scale while one deployment rolls (surge).",
  enforcementLevel: "mandatory",
  validate: ({ profile }, resources, report) => {
    for (const ns of namespaceUsage(objectsOf(resources))) {
      if (!ns.quota || !isTenantNamespace(ns.namespace)) continue;
      for (const { key, hardKey, show } of QUOTA_FIELDS.filter((f) => ns.overQuota.includes(f.key))) {
        report(
          ns.atMaximum[key] > ns.quota[key]
            ? `namespace ${ns.namespace} needs ${hardKey} ${show(ns.atMaximum[key])} at maximum scale but its quota is ${show(ns.quota[key])} (${profile.tier.displayName})`
            : `namespace ${ns.namespace} needs ${hardKey} ${show(ns.atMinimumRolling[key])} at minimum scale with a rollout surge but its quota is ${show(ns.quota[key])} (${profile.tier.displayName})`,
        );
      }
    }
  },
});

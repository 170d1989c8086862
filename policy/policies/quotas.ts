/** The tenant's quota: per namespace within the tier, summed exactly, and enough at maximum scale. */
import { dedicatedClusterQuota, LIMIT_RANGE, QUOTA_FIELDS, TIER_NAMES, type QuotaSpec } from "../../tiers";
import { formatCpu, formatMemory, parseCpu, parseMemory, parseStorage } from "../../lib/units";
import { specOf } from "../analysis/objects";
import {
  emptyTotals,
  namespaceUsage,
  parseQuotaHard,
  quotaHardOf,
  type ResourceTotals,
} from "../analysis/usage";
import { describe, objectsOf, tierResourcePolicy, tierStackPolicy } from "../define";
import { tenantScope } from "../scope";

const asTotals = (q: QuotaSpec): ResourceTotals => ({ ...q });

export const tenantQuotaWithinTier = tierResourcePolicy({
  name: "tenant-quota-within-tier",
  description:
    "A tenant namespace's ResourceQuota never exceeds the tenant's tier quota (the dedicated database namespace's, the cluster's own), applies to every pod (no scopes), and gives other tiers' storage classes nothing.",
  enforcementLevel: "mandatory",
  validate: (context, view, report) => {
    const o = view.object;
    const scope = tenantScope(context);
    const ns = o?.metadata?.namespace ?? "";
    if (o?.kind !== "ResourceQuota" || !scope.namespaces.has(ns)) return;
    const { profile } = context;
    const tier = profile.tier;
    const dedicated = ns === scope.databaseNamespace ? tier.database.dedicatedCluster : undefined;
    const cap = dedicated ? dedicatedClusterQuota(dedicated) : profile.quota;
    const capName = dedicated ? `${tier.displayName} tier's dedicated cluster` : `${tier.displayName} tier`;
    const spec = specOf<{ scopes?: unknown[]; scopeSelector?: unknown }>(o);
    if ((spec.scopes ?? []).length > 0 || spec.scopeSelector !== undefined) {
      report(
        `${describe(view)} has scopes or a scopeSelector, so it limits only some pods; a tenant quota applies to every pod`,
      );
    }
    const hard = quotaHardOf(o);
    const values = parseQuotaHard(hard);
    for (const { key, hardKey, show } of QUOTA_FIELDS) {
      if (!(hardKey in hard)) {
        report(`${describe(view)} sets no ${hardKey}; the ${capName} caps it at ${show(cap[key])}`);
      } else if (!(values[key] <= cap[key])) {
        report(
          `${describe(view)}: ${hardKey} ${show(values[key])} exceeds the ${capName}'s ${show(cap[key])}`,
        );
      }
    }
    if (dedicated) return;
    for (const other of TIER_NAMES.filter((t) => t !== tier.name)) {
      const key = `tier-${other}-storage.storageclass.storage.k8s.io/requests.storage`;
      if (hard[key] === undefined || parseStorage(hard[key]) > 0) {
        report(
          `${describe(view)}: ${key} is ${hard[key] ?? "unset"}; a ${tier.displayName} tenant gets 0 of another tier's storage class`,
        );
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
  description:
    "A tenant LimitRange sets a max for containers, pods and volumes, within the platform's bounds and the tier's per-service ceiling.",
  enforcementLevel: "mandatory",
  validate: (context, view, report) => {
    const { profile } = context;
    const o = view.object;
    if (o?.kind !== "LimitRange" || !tenantScope(context).siteNamespaces.has(o.metadata?.namespace ?? ""))
      return;
    const tier = profile.tier;
    const limits = ((o.spec ?? {}) as { limits?: LimitItem[] }).limits ?? [];
    const over = (
      what: string,
      actual: string | undefined,
      cap: number,
      parse: (q: string) => number,
      format: (n: number) => string,
    ) => {
      if (actual !== undefined && parse(actual) > cap)
        report(`${describe(view)}: ${what} ${actual} exceeds the ${tier.displayName} tier's ${format(cap)}`);
    };
    const required = [
      ["Container", ["cpu", "memory"]],
      ["Pod", ["cpu", "memory"]],
      ["PersistentVolumeClaim", ["storage"]],
    ] as const;
    for (const [type, resources] of required) {
      const item = limits.find((l) => l.type === type);
      for (const r of resources)
        if (item?.max?.[r] === undefined)
          report(
            `${describe(view)} sets no ${type} max ${r}; without it one ${type === "PersistentVolumeClaim" ? "volume" : type.toLowerCase()} may take the whole quota`,
          );
    }
    for (const l of limits) {
      if (l.type === "Container") {
        over("container max cpu", l.max?.cpu, LIMIT_RANGE.containerMax.cpu, parseCpu, formatCpu);
        over(
          "container max memory",
          l.max?.memory,
          LIMIT_RANGE.containerMax.memory,
          parseMemory,
          formatMemory,
        );
        over("container default cpu", l.default?.cpu, tier.serviceCeiling.limits.cpu, parseCpu, formatCpu);
        over(
          "container default memory",
          l.default?.memory,
          tier.serviceCeiling.limits.memory,
          parseMemory,
          formatMemory,
        );
        over(
          "container default request cpu",
          l.defaultRequest?.cpu,
          tier.serviceCeiling.requests.cpu,
          parseCpu,
          formatCpu,
        );
        over(
          "container default request memory",
          l.defaultRequest?.memory,
          tier.serviceCeiling.requests.memory,
          parseMemory,
          formatMemory,
        );
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
  perCluster: true,
  description:
    "The tenant's per-namespace quotas add up to exactly its tier's quota: three sites share one quota, they do not get three.",
  enforcementLevel: "mandatory",
  validate: (context, resources, report) => {
    const { profile } = context;
    const sites = tenantScope(context).siteNamespaces;
    const quotas = objectsOf(resources).filter(
      (o) => o.kind === "ResourceQuota" && sites.has(o.metadata?.namespace ?? ""),
    );
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
  perCluster: true,
  description:
    "Every tenant namespace's pods, of every kind, fit its quota as admission charges them, with every autoscaler at its maximum and at minimum scale while one deployment rolls (surge); workloads nobody can count are refused.",
  enforcementLevel: "mandatory",
  validate: (context, resources, report) => {
    const { profile } = context;
    const scope = tenantScope(context);
    for (const ns of namespaceUsage(objectsOf(resources))) {
      if (!scope.namespaces.has(ns.namespace)) continue;
      for (const why of ns.uncounted) report(`namespace ${ns.namespace}: cannot count the pods of ${why}`);
      if (!ns.quota) {
        const used = QUOTA_FIELDS.filter((f) => ns.atMaximum[f.key] > 0).map((f) => f.hardKey);
        if (used.length > 0)
          report(
            `namespace ${ns.namespace} uses ${used.join(", ")} but this stack gives it no ResourceQuota`,
          );
        continue;
      }
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

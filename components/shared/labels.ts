import type { TierName } from "../../tiers";

/** Label keys every tenant resource carries; the policy pack and the seed's scripts select on them. */
export const LABEL = {
  tenant: "tenant",
  tier: "tier",
  /** "core", "site" or "retired" (a removed site's) on namespaces (seed 000: `-l tenant=<id>,type=site`). */
  namespaceType: "type",
  site: "site",
  app: "app.kubernetes.io/name",
  partOf: "app.kubernetes.io/part-of",
  managedBy: "app.kubernetes.io/managed-by",
} as const;

export const PART_OF = "collect-verything";

export interface TenantIdentity {
  readonly tenantId: string;
  readonly tier: TierName;
}

export function tenantLabels(
  identity: TenantIdentity,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    [LABEL.partOf]: PART_OF,
    [LABEL.managedBy]: "pulumi",
    [LABEL.tenant]: identity.tenantId,
    [LABEL.tier]: identity.tier,
    ...extra,
  };
}

/** Selector labels of one workload: stable across tier changes (a Deployment selector is immutable). */
export function workloadSelector(workloadName: string): Record<string, string> {
  return { [LABEL.app]: workloadName };
}

/**
 * The effective profile of one tenant: its tier's definition with the quota raised by
 * Business add-ons. Everything a tenant gets is computed from this, never from the raw tier.
 */
import { getTier, type QuotaSpec, type TierDefinition, type TierName } from "./catalog";
import { cores, gib } from "../lib/units";

/** Business add-ons. All default to 0. */
export interface AddOns {
  /** Extra guaranteed CPU cores (integer). Limits grow by the tier's limit/request ratio. Default 0. */
  readonly extraCpuCores?: number;
  /** Extra guaranteed memory in GiB (integer). Limits grow by the tier's limit/request ratio. Default 0. */
  readonly extraMemoryGi?: number;
  /** Extra persistent storage in GiB (integer). Default 0. */
  readonly extraStorageGi?: number;
}

/** Upper bounds that turn a typo into an error instead of a 10,000-core quota. */
export const ADD_ON_MAXIMUMS: Readonly<Required<AddOns>> = Object.freeze({
  extraCpuCores: 84,
  extraMemoryGi: 168,
  extraStorageGi: 1700,
});

export interface EffectiveProfile {
  readonly tier: TierDefinition;
  readonly addOns: Readonly<Required<AddOns>>;
  /** The tenant's total quota: the tier's, plus add-ons. */
  readonly quota: QuotaSpec;
}

export class ProfileError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "ProfileError";
  }
}

export function effectiveProfile(tierName: TierName, addOns: AddOns = {}): EffectiveProfile {
  return profileOf(getTier(tierName), addOns);
}

/** effectiveProfile of a tier definition (the cost model's tests price tweaked catalogs with it). */
export function profileOf(tier: TierDefinition, addOns: AddOns = {}): EffectiveProfile {
  const resolved: Required<AddOns> = {
    extraCpuCores: addOns.extraCpuCores ?? 0,
    extraMemoryGi: addOns.extraMemoryGi ?? 0,
    extraStorageGi: addOns.extraStorageGi ?? 0,
  };
  const requested = Object.entries(resolved).filter(([, v]) => v !== 0);
  if (requested.length > 0 && !tier.acceptsAddOns) {
    throw new ProfileError(
      `addOns.${requested[0]![0]}`,
      `the ${tier.displayName} tier has no add-ons (only Business does)`,
    );
  }
  for (const [key, value] of Object.entries(resolved) as [keyof AddOns, number][]) {
    const max = ADD_ON_MAXIMUMS[key];
    if (!Number.isInteger(value) || value < 0 || value > max) {
      throw new ProfileError(`addOns.${key}`, `must be an integer from 0 to ${max}, got ${value}`);
    }
  }
  const q = tier.quota;
  const cpuRatio = q.limitsCpu / q.requestsCpu;
  const memoryRatio = q.limitsMemory / q.requestsMemory;
  const quota: QuotaSpec = {
    ...q,
    requestsCpu: q.requestsCpu + cores(resolved.extraCpuCores),
    limitsCpu: q.limitsCpu + Math.round(cores(resolved.extraCpuCores) * cpuRatio),
    requestsMemory: q.requestsMemory + gib(resolved.extraMemoryGi),
    limitsMemory: q.limitsMemory + Math.round(gib(resolved.extraMemoryGi) * memoryRatio),
    requestsStorage: q.requestsStorage + resolved.extraStorageGi,
  };
  return Object.freeze({ tier, addOns: Object.freeze(resolved), quota: Object.freeze(quota) });
}

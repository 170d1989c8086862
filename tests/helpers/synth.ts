import { PROJECT } from "../../stacks/config";
import type { KubeObject } from "../../policy/analysis/objects";
import {
  getTier,
  PRIMARY_REGION,
  REGION_NAMES,
  TIER_NAMES,
  type RegionName,
  type TierName,
} from "../../tiers";
import type { SynthResult } from "../../synth/engine";
import { kubernetesObjects, kubernetesObjectsByCluster } from "../../synth/manifests";
import { shortcutConfig, synthTenant } from "../../synth/programs";
import type { StackConfig } from "../../synth/stackConfig";
import { sharedAcrossForks } from "./synthCache";

export interface TenantSynth {
  readonly result: SynthResult;
  /** Every cluster's objects. */
  readonly objects: KubeObject[];
  /** The objects per region (kubernetesObjectsByCluster). */
  readonly clusters: ReadonlyMap<string, KubeObject[]>;
}

export interface Shape {
  readonly tier: TierName;
  readonly sites: number;
  /** Home first. */
  readonly regions: readonly RegionName[];
}

/**
 * Every (tier, site count) the catalog allows in the primary region; and for the multi-region
 * tier every site count across all regions (the most a stack spans), and once across two.
 */
export const ALL_SHAPES: readonly Shape[] = [
  ...TIER_NAMES.flatMap((tier) =>
    Array.from({ length: getTier(tier).maxSites }, (_, i) => ({
      tier,
      sites: i + 1,
      regions: [PRIMARY_REGION],
    })),
  ),
  ...TIER_NAMES.filter((tier) => getTier(tier).multiRegion).flatMap((tier) => [
    ...Array.from({ length: getTier(tier).maxSites }, (_, i) => ({
      tier,
      sites: i + 1,
      regions: REGION_NAMES,
    })),
    { tier, sites: 2, regions: REGION_NAMES.slice(0, 2) },
  ]),
];

/** A shape's config overrides: its regions, when not the default. */
export const regionsOf = (shape: Shape): Record<string, unknown> =>
  shape.regions.length === 1 && shape.regions[0] === PRIMARY_REGION ? {} : { regions: shape.regions };

/** Synthesizes a shape (memoized like synthShape). */
export const synthOf = (
  shape: Shape,
  tenantId = "acme",
  overrides: Record<string, unknown> = {},
): Promise<TenantSynth> =>
  synthShape(shape.tier, shape.sites, tenantId, { ...regionsOf(shape), ...overrides });

/** Config of a tenant with the given shape, plus overrides of whole keys (values as in stack YAML). */
export function tenantConfig(
  tenantId: string,
  tier: string,
  sites: number,
  overrides: Record<string, unknown> = {},
): StackConfig {
  const base = shortcutConfig({ tenantId, tier, sites });
  const config = { ...base.config };
  for (const [key, value] of Object.entries(overrides)) {
    const qualified = `${PROJECT}:${key}`;
    if (value === undefined) delete config[qualified];
    else config[qualified] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return { config, secretKeys: [] };
}

const cache = new Map<string, Promise<TenantSynth>>();

/**
 * Synthesizes a tenant (memoized per fork, and across forks and runs through the disk:
 * tests/helpers/synthCache.ts; synth runs are sequential by construction).
 */
export function synthShape(
  tier: TierName,
  sites: number,
  tenantId = "acme",
  overrides: Record<string, unknown> = {},
): Promise<TenantSynth> {
  const key = JSON.stringify([tier, sites, tenantId, overrides]);
  let pending = cache.get(key);
  if (!pending) {
    pending = sharedAcrossForks(key, () =>
      synthTenant(tenantId, tenantConfig(tenantId, tier, sites, overrides)),
    ).then((result) => ({
      result,
      objects: kubernetesObjects(result),
      clusters: kubernetesObjectsByCluster(result),
    }));
    cache.set(key, pending);
  }
  return pending;
}

export const ofKind = (objects: readonly KubeObject[], kind: string): KubeObject[] =>
  objects.filter((o) => o.kind === kind);

import { PROJECT } from "../../stacks/config";
import type { KubeObject } from "../../policy/analysis/objects";
import { getTier, TIER_NAMES, type TierName } from "../../tiers";
import type { SynthResult } from "../../synth/engine";
import { kubernetesObjects } from "../../synth/manifests";
import { shortcutConfig, synthTenant } from "../../synth/programs";
import type { StackConfig } from "../../synth/stackConfig";

export interface TenantSynth {
  readonly result: SynthResult;
  readonly objects: KubeObject[];
}

/** Every (tier, site count) the catalog allows. */
export const ALL_SHAPES: readonly { tier: TierName; sites: number }[] = TIER_NAMES.flatMap((tier) =>
  Array.from({ length: getTier(tier).maxSites }, (_, i) => ({ tier, sites: i + 1 })),
);

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

/** Synthesizes a tenant (memoized per test file; synth runs are sequential by construction). */
export function synthShape(tier: TierName, sites: number, tenantId = "acme", overrides: Record<string, unknown> = {}): Promise<TenantSynth> {
  const key = JSON.stringify([tier, sites, tenantId, overrides]);
  let pending = cache.get(key);
  if (!pending) {
    pending = synthTenant(tenantId, tenantConfig(tenantId, tier, sites, overrides)).then((result) => ({
      result,
      objects: kubernetesObjects(result),
    }));
    cache.set(key, pending);
  }
  return pending;
}

export const ofKind = (objects: readonly KubeObject[], kind: string): KubeObject[] => objects.filter((o) => o.kind === kind);

/**
 * The multi-region subject, run in a fresh process by bench/synth.bench.ts: the largest tenant
 * synthesized in one region (the baseline) and in every region, back to back in this process
 * after a warm-up of each, then the pack over the multi-region stack. Reports the phases (ms) and
 * the multi-region stack's resources; the process's peak RSS covers the multi-region run.
 * Usage: regionsChild.ts <tier> <sites> <addOns JSON>.
 */
import { REGION_NAMES } from "../tiers";
import { checkPolicies } from "../synth/policyCheck";
import { shortcutConfig, synthTenant } from "../synth/programs";
import type { StackConfig } from "../synth/stackConfig";
import { reportChild } from "./childReport";

function configOf(tier: string, sites: number, addOns: string, regions?: readonly string[]): StackConfig {
  const { config } = shortcutConfig({ tenantId: "bench", tier, sites, ...(regions ? { regions } : {}) });
  return { config: { ...config, "tenant:addOns": addOns }, secretKeys: [] };
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await run();
  return [value, performance.now() - started];
}

async function regions(tier: string, sites: number, addOns: string) {
  const one = configOf(tier, sites, addOns);
  const all = configOf(tier, sites, addOns, REGION_NAMES);
  // Warm-up: modules and code paths of both shapes are loaded before anything is timed.
  await synthTenant("bench", one);
  await synthTenant("bench", all);
  const [single, oneMs] = await timed(() => synthTenant("bench", one));
  const [multi, allMs] = await timed(() => synthTenant("bench", all));
  const [check, packMs] = await timed(() => checkPolicies(multi, all));
  if (check.mandatory > 0)
    throw new Error(
      `the multi-region tenant fails the pack: ${check.violations.map((v) => v.message).join("; ")}`,
    );
  return {
    resources: multi.resources.length,
    phasesMs: {
      oneRegion: oneMs,
      oneRegionResources: single.resources.length,
      allRegions: allMs,
      pack: packMs,
    },
  };
}

const [tier, sites, addOns] = process.argv.slice(2);
reportChild(regions(tier!, Number(sites), addOns ?? "{}"));

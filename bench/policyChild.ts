/**
 * The policy pack's benchmark subject, run in a fresh process by bench/synth.bench.ts: synthesizes
 * the largest tenant, then runs every policy of the pack over it as the offline synth does
 * (synth/policyCheck), timing both phases in this process.
 * Usage: policyChild.ts <tier> <sites> <addOns JSON>. Prints one JSON line: {resources, maxRssMb, phasesMs}.
 */
import { shortcutConfig, synthTenant } from "../synth/programs";
import { checkPolicies } from "../synth/policyCheck";
import { reportChild } from "./childReport";

async function synthAndJudge(tier: string, sites: number, addOns: string) {
  const { config } = shortcutConfig({ tenantId: "bench", tier, sites });
  const stackConfig = { config: { ...config, "tenant:addOns": addOns }, secretKeys: [] };
  const started = performance.now();
  const result = await synthTenant("bench", stackConfig);
  const synthesized = performance.now();
  const check = await checkPolicies(result, stackConfig);
  const judged = performance.now();
  if (check.mandatory > 0)
    throw new Error(
      `the largest tenant fails the pack: ${check.violations.map((v) => v.message).join("; ")}`,
    );
  return {
    resources: result.resources.length,
    phasesMs: { synth: synthesized - started, pack: judged - synthesized },
  };
}

const [tier, sites, addOns] = process.argv.slice(2);
reportChild(synthAndJudge(tier!, Number(sites), addOns ?? "{}"));

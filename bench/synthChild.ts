/**
 * The benchmark's subject, run in a fresh process by bench/synth.bench.ts: the real tenant
 * program through the offline synth, its modules loaded the way `npm run synth` loads them.
 * Usage: synthChild.ts <tier> <sites> <addOns JSON>. Prints one JSON line: {resources, maxRssMb}.
 */
import { shortcutConfig, synthTenant } from "../synth/programs";
import { reportChild } from "./childReport";

async function synth(tier: string, sites: number, addOns: string): Promise<number> {
  const { config } = shortcutConfig({ tenantId: "bench", tier, sites });
  const result = await synthTenant("bench", { config: { ...config, "tenant:addOns": addOns }, secretKeys: [] });
  return result.resources.length;
}

const [tier, sites, addOns] = process.argv.slice(2);
reportChild(synth(tier!, Number(sites), addOns ?? "{}"));

/**
 * The benchmark's subject, run in a fresh process by bench/synth.bench.ts: the real tenant
 * program through the offline synth, its modules loaded the way `npm run synth` loads them.
 * Usage: synthChild.ts <tier> <sites> <addOns JSON> [inputs.json]. With a file name, also
 * writes every resource's recorded inputs there (for the same-inputs run).
 * Prints one JSON line: {resources, maxRssMb}.
 */
import { writeFileSync } from "node:fs";
import { shortcutConfig, synthTenant } from "../synth/programs";
import { reportChild } from "./childReport";

async function synth(
  tier: string,
  sites: number,
  addOns: string,
  inputsFile: string | undefined,
): Promise<number> {
  const { config } = shortcutConfig({ tenantId: "bench", tier, sites });
  const result = await synthTenant("bench", {
    config: { ...config, "tenant:addOns": addOns },
    secretKeys: [],
  });
  if (inputsFile) writeFileSync(inputsFile, JSON.stringify(result.resources.map((r) => r.inputs)));
  return result.resources.length;
}

const [tier, sites, addOns, inputsFile] = process.argv.slice(2);
reportChild(synth(tier!, Number(sites), addOns ?? "{}", inputsFile));

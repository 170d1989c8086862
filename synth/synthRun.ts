/**
 * The offline synth command's run (synth/cli.ts parses its command line): the tenant or platform
 * program under the mock runtime, the policy pack's verdict, and the output directory.
 */
import { resolve } from "node:path";
import { PROJECT } from "../stacks/config";
import { PRIMARY_REGION } from "../tiers";
import type { SynthOptions } from "./cli";
import { readStackFile, UsageError } from "./commandLine";
import type { SynthResult } from "./engine";
import { kubernetesObjects } from "./manifests";
import { writeSynthOutput } from "./output";
import { checkPolicies, policySection } from "./policyCheck";
import { shortcutConfig, synthConnectivity, synthPlatform, synthTenant } from "./programs";
import type { StackConfig } from "./stackConfig";
import { connectivitySummary, platformSummary, tenantSummary } from "./summary";

/** Runs the synth a valid command line asked for; returns the exit code (1 when the pack refuses). */
export async function synth(options: SynthOptions): Promise<number> {
  const started = performance.now();
  let stack: string;
  let run: Promise<{
    result: SynthResult;
    summary: string;
    config?: StackConfig;
    connectivity?: SynthResult;
  }>;
  if (options.region && !options.platform) throw new UsageError("--region goes with --platform");
  if (options.platform) {
    const region = options.region ?? PRIMARY_REGION;
    stack = `platform-${region}`;
    run = Promise.all([synthPlatform(region), synthConnectivity()]).then(([result, connectivity]) => ({
      result,
      summary: `${platformSummary(result, kubernetesObjects(result))}\n${connectivitySummary(result, connectivity, region)}`,
      connectivity,
    }));
  } else {
    let config;
    if (options.stack) {
      stack = options.stack;
      config = readStackFile(stack, PROJECT, options.configFile);
    } else if (options.tenant && options.tier) {
      if (options.configFile) throw new UsageError("--config-file goes with --stack");
      stack = options.tenant;
      config = shortcutConfig({
        tenantId: options.tenant,
        tier: options.tier,
        sites: options.sites,
        ...(options.regions ? { regions: options.regions } : {}),
      });
    } else {
      throw new UsageError(
        "give --stack <name>, or --tenant <id> --tier <tier> [--sites <n>], or --platform",
      );
    }
    const stackConfig = config;
    run = synthTenant(stack, config).then((result) => ({
      result,
      summary: tenantSummary(result, kubernetesObjects(result)),
      config: stackConfig,
    }));
  }

  const synthesized = await run;
  const { result } = synthesized;
  // The policy pack as CI runs it on this stack: its verdict ends summary.md and the exit code.
  const policy = await checkPolicies(result, synthesized.config);
  const out = resolve(options.out ?? `out/${stack}`);
  // With --platform, the connectivity stack too (judged by the pack), beside it in <out>-connectivity.
  const connectivity = synthesized.connectivity
    ? await writeConnectivity(`${out}-connectivity`, synthesized.connectivity)
    : undefined;
  const summary = `${synthesized.summary}\n${policySection(policy)}${connectivity ? `\n${connectivity.section}` : ""}`;
  const files = writeSynthOutput(out, result, summary);
  if (!options.quiet) {
    process.stdout.write(summary);
    process.stdout.write(
      `\nwrote ${files.length} files to ${out} (${result.resources.length} resources, ${Math.round(performance.now() - started)} ms)\n`,
    );
  }
  return policy.mandatory + (connectivity?.mandatory ?? 0) > 0 ? 1 : 0;
}

/** Writes the connectivity synth with its policy verdict; its verdict's section and mandatory count. */
async function writeConnectivity(
  out: string,
  result: SynthResult,
): Promise<{ section: string; mandatory: number }> {
  const policy = await checkPolicies(result, undefined);
  const section = `# Connectivity (stack \`${result.stack}\`, written to ${out})\n\n${policySection(policy)}`;
  writeSynthOutput(out, result, `${section}\n`);
  return { section, mandatory: policy.mandatory };
}

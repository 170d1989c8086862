/**
 * Offline synth command: runs the real tenant (or platform) program without the Pulumi CLI or a
 * cloud account and writes what it would create.
 *
 *   --stack dev                       reads Pulumi.dev.yaml
 *   --tenant acme --tier premium --sites 3
 *   --platform
 *   options: --out <dir> (default out/<stack>), --quiet
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { PROJECT } from "../stacks/config";
import { TenantRequestError } from "../tiers";
import { SynthFailure, type SynthResult } from "./engine";
import { kubernetesObjects } from "./manifests";
import { writeSynthOutput } from "./output";
import { shortcutConfig, synthPlatform, synthTenant } from "./programs";
import { readStackConfig, type StackConfig } from "./stackConfig";
import { platformSummary, tenantSummary } from "./summary";
import { checkPolicies, policySection } from "./policyCheck";

/** A command line that cannot be run as given. */
export class UsageError extends Error {}

/** `npm run synth` and `npm run tenant -- synth`: renders a stack offline; returns the exit code. */
export async function synthCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stack: { type: "string" },
      tenant: { type: "string" },
      tier: { type: "string" },
      sites: { type: "string", default: "1" },
      platform: { type: "boolean", default: false },
      out: { type: "string" },
      quiet: { type: "boolean", default: false },
    },
    strict: true,
  });

  const started = performance.now();
  let stack: string;
  let run: Promise<{ result: SynthResult; summary: string; config?: StackConfig }>;
  if (values.platform) {
    stack = "platform";
    run = synthPlatform().then((result) => ({ result, summary: platformSummary(result, kubernetesObjects(result)) }));
  } else {
    let config;
    if (values.stack) {
      const file = resolve(`Pulumi.${values.stack}.yaml`);
      if (!existsSync(file)) throw new UsageError(`no stack config ${file}`);
      stack = values.stack;
      config = readStackConfig(file, PROJECT);
    } else if (values.tenant && values.tier) {
      const sites = Number(values.sites);
      if (!Number.isInteger(sites)) throw new UsageError(`--sites must be an integer, got "${values.sites}"`);
      stack = values.tenant;
      config = shortcutConfig({ tenantId: values.tenant, tier: values.tier, sites });
    } else {
      throw new UsageError("give --stack <name>, or --tenant <id> --tier <tier> [--sites <n>], or --platform");
    }
    const stackConfig = config;
    run = synthTenant(stack, config).then((result) => ({ result, summary: tenantSummary(result, kubernetesObjects(result)), config: stackConfig }));
  }

  const synthesized = await run;
  const { result } = synthesized;
  // The policy pack as CI runs it on this stack: its verdict ends summary.md and the exit code.
  const policy = await checkPolicies(result, synthesized.config);
  const summary = `${synthesized.summary}\n${policySection(policy)}`;
  const out = resolve(values.out ?? `out/${stack}`);
  const files = writeSynthOutput(out, result, summary);
  if (!values.quiet) {
    process.stdout.write(summary);
    process.stdout.write(
      `\nwrote ${files.length} files to ${out} (${result.resources.length} resources, ${Math.round(performance.now() - started)} ms)\n`,
    );
  }
  return policy.mandatory > 0 ? 1 : 0;
}

/** Exit code and message of a failed synth: 2 for bad input (nothing written), 1 otherwise. */
export function synthFailure(failure: unknown): { code: number; message: string } {
  const error = failure instanceof SynthFailure ? failure.cause : failure;
  if (error instanceof TenantRequestError || error instanceof UsageError) return { code: 2, message: `synth: ${error.message}` };
  return { code: 1, message: `synth failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` };
}

/**
 * Offline synth: runs the real tenant (or platform) program without the Pulumi CLI or a cloud
 * account and writes what it would create.
 *
 *   npm run synth -- --stack dev                      # reads Pulumi.dev.yaml
 *   npm run synth -- --tenant acme --tier premium --sites 3
 *   npm run synth -- --platform
 *   options: --out <dir> (default out/<stack>), --quiet
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { PROJECT } from "../stacks/config";
import { TenantRequestError } from "../tiers";
import { SynthFailure } from "../synth/engine";
import { kubernetesObjects } from "../synth/manifests";
import { writeSynthOutput } from "../synth/output";
import { shortcutConfig, synthPlatform, synthTenant } from "../synth/programs";
import { readStackConfig } from "../synth/stackConfig";
import { platformSummary, tenantSummary } from "../synth/summary";

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
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

  let stack: string;
  let run;
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
    run = synthTenant(stack, config).then((result) => ({ result, summary: tenantSummary(result, kubernetesObjects(result)) }));
  }

  const started = performance.now();
  const { result, summary } = await run;
  const out = resolve(values.out ?? `out/${stack}`);
  const files = writeSynthOutput(out, result, summary);
  if (!values.quiet) {
    process.stdout.write(summary);
    process.stdout.write(
      `\nwrote ${files.length} files to ${out} (${result.resources.length} resources, ${Math.round(performance.now() - started)} ms)\n`,
    );
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (failure: unknown) => {
    const error = failure instanceof SynthFailure ? failure.cause : failure;
    if (error instanceof TenantRequestError || error instanceof UsageError) {
      process.stderr.write(`synth: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`synth failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

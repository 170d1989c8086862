/**
 * Prints the policy pack config of a tenant stack, from its Pulumi.<stack>.yaml:
 *   npm run --silent policy:config -- --stack dev > policy-config.json
 *   pulumi preview --policy-pack policy --policy-pack-config policy-config.json
 * Bad input (options, YAML, config) exits with 2 and a message naming it.
 */
import { packConfigFor } from "../policy/packConfig";
import { parsePolicyInputs, PROJECT } from "../stacks/config";
import { program, readStackFile, runProgram, stackName, UsageError, type Done } from "../synth/commandLine";
import { TenantRequestError } from "../tiers";

function policyConfigProgram(done: Done) {
  return program("policy-config")
    .description("Prints the policy pack config (JSON) of a tenant stack.")
    .requiredOption("--stack <name>", "read the stack's config from Pulumi.<name>.yaml", stackName)
    .option("--config-file <path>", "read the config from this file instead")
    .action((options: { stack: string; configFile?: string }) => {
      // Only what the pack needs: the preview reads the rest with the stack's secrets provider.
      const tenant = parsePolicyInputs(readStackFile(options.stack, PROJECT, options.configFile).config);
      process.stdout.write(`${JSON.stringify(packConfigFor(tenant.tier, tenant.addOns, tenant.platform.domain, tenant.tenantId), null, 2)}\n`);
      done(0);
    });
}

// Exit codes are set, not exited with, so tsx's transform cache is written: see scripts/synth.ts.
runProgram(policyConfigProgram, process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage = error instanceof UsageError || error instanceof TenantRequestError;
    process.stderr.write(`policy-config: ${usage ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);

/**
 * Prints the policy pack config of a tenant stack, from its Pulumi.<stack>.yaml:
 *   npm run --silent policy:config -- --stack dev > policy-config.json
 *   pulumi preview --policy-pack policy --policy-pack-config policy-config.json
 * or, for a stack only the backend holds (made by the Automation API), from its config there:
 *   pulumi config --stack acme --json --show-secrets > acme.json
 *   npm run --silent policy:config -- --config-json acme.json
 * Bad input (options, YAML, JSON, config) exits with 2 and a message naming it.
 */
import { readFileSync } from "node:fs";
import { Option } from "commander";
import { configValues } from "../automation/requestConfig";
import { packConfigFor } from "../policy/packConfig";
import { parsePolicyInputs, PROJECT } from "../stacks/config";
import { PLATFORM_DOMAIN } from "../stacks/platformFacts";
import { DEFAULT_PLATFORM_ORGANIZATION } from "../tiers";
import { program, readStackFile, runProgram, stackName, UsageError, type Done } from "../synth/commandLine";
import { TenantRequestError } from "../tiers";

/** The config of a `pulumi config --json` dump ("tenant:tier" -> {value, secret}). */
function configJson(file: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(`--config-json: cannot read ${file} as JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new UsageError(`--config-json: ${file} is not a \`pulumi config --json\` object`);
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (
    entries.some(
      ([, e]) => e === null || typeof e !== "object" || typeof (e as { value?: unknown }).value !== "string",
    )
  ) {
    throw new UsageError(
      `--config-json: ${file} is not a \`pulumi config --json\` object (each key {value, secret})`,
    );
  }
  return configValues(parsed as Record<string, { value: string }>);
}

function stackFile(options: { stack?: string; configFile?: string }): Record<string, string> {
  if (!options.stack) throw new UsageError("give --stack <name> or --config-json <file>");
  return readStackFile(options.stack, PROJECT, options.configFile).config;
}

function policyConfigProgram(done: Done) {
  return program("policy-config")
    .description("Prints the policy pack config (JSON) of a tenant stack.")
    .addOption(
      new Option("--stack <name>", "read the stack's config from Pulumi.<name>.yaml")
        .argParser(stackName)
        .conflicts("configJson"),
    )
    .option("--config-file <path>", "with --stack: read the config from this file instead")
    .option(
      "--config-json <file>",
      "read the config `pulumi config --json` printed (a stack only the backend holds)",
    )
    .action((options: { stack?: string; configFile?: string; configJson?: string }) => {
      // Only what the pack needs: the preview reads the rest with the stack's secrets provider.
      const tenant = parsePolicyInputs(
        options.configJson ? configJson(options.configJson) : stackFile(options),
      );
      process.stdout.write(
        `${JSON.stringify(packConfigFor({ tier: tenant.tier, addOns: tenant.addOns, platformDomain: PLATFORM_DOMAIN, tenant: tenant.tenantId, regions: tenant.regions, platformOrganization: DEFAULT_PLATFORM_ORGANIZATION }), null, 2)}\n`,
      );
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
    process.stderr.write(
      `policy-config: ${usage ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = usage ? 2 : 1;
  },
);

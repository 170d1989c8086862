/**
 * Prints the policy pack config of a tenant stack, from its Pulumi.<stack>.yaml:
 *   npm run --silent policy:config -- --stack dev > policy-config.json
 *   pulumi preview --policy-pack policy --policy-pack-config policy-config.json
 * or, for a stack only the backend holds (made by the Automation API), from its config there:
 *   pulumi config --stack acme --json --show-secrets > acme.json
 *   npm run --silent policy:config -- --config-json acme.json
 * The platform facts the pack judges against are the tenant's home region's platform stack output:
 *   pulumi stack output tenantFacts --json --stack collect-verything/platform/eu-west-3 > facts.json
 *   npm run --silent policy:config -- --stack acme --platform-facts facts.json
 * (`--offline-platform` takes the offline synth's stand-in instead; with neither, the pack refuses
 * what it needs the facts to judge.)
 * Bad input (options, YAML, JSON, config) exits with 2 and a message naming it.
 */
import { Option } from "commander";
import { configValues } from "../automation/requestConfig";
import { packConfigFor } from "../policy/packConfig";
import { edgeOfConfig, packContextOf } from "../synth/policyCheck";
import { parsePolicyInputs, PROJECT } from "../stacks/config";
import { parsePlatformFacts, PlatformContractError, type PlatformFacts } from "../stacks/platformFacts";
import { offlinePlatformFacts } from "../synth/platformStandIn";
import {
  program,
  readInputFile,
  readStackFile,
  runProgram,
  stackName,
  UsageError,
  type Done,
} from "../synth/commandLine";
import { PRIMARY_REGION, TenantRequestError, type RegionName } from "../tiers";

/** The config of a `pulumi config --json` dump ("tenant:tier" -> {value, secret}). */
function configJson(file: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readInputFile(file, "--config-json"));
  } catch (error) {
    if (error instanceof UsageError) throw error;
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

/** The home region's platform facts: from a file `pulumi stack output` wrote, or the offline stand-in. */
function factsOf(
  options: { platformFacts?: string; offlinePlatform?: boolean },
  home: RegionName,
): PlatformFacts | undefined {
  if (options.offlinePlatform) return offlinePlatformFacts(home);
  if (!options.platformFacts) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readInputFile(options.platformFacts, "--platform-facts"));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--platform-facts: cannot read ${options.platformFacts} as JSON`);
  }
  try {
    return parsePlatformFacts(value, options.platformFacts, home);
  } catch (error) {
    if (error instanceof PlatformContractError) throw new UsageError(`--platform-facts: ${error.message}`);
    throw error;
  }
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
    .addOption(
      new Option(
        "--platform-facts <file>",
        "the home region's platform facts (`pulumi stack output tenantFacts --json`)",
      ).conflicts("offlinePlatform"),
    )
    .option("--offline-platform", "the offline synth's platform facts (no platform stack)")
    .action(
      (options: {
        stack?: string;
        configFile?: string;
        configJson?: string;
        platformFacts?: string;
        offlinePlatform?: boolean;
      }) => {
        // Only what the pack needs: the preview reads the rest with the stack's secrets provider.
        const values = options.configJson ? configJson(options.configJson) : stackFile(options);
        const tenant = parsePolicyInputs(values);
        const edge = edgeOfConfig(values);
        const facts = factsOf(options, (tenant.regions[0] ?? PRIMARY_REGION) as RegionName);
        const context = packContextOf({ ...tenant, ...(edge ? { cloudflare: edge } : {}) }, facts);
        process.stdout.write(`${JSON.stringify(packConfigFor(context), null, 2)}\n`);
        done(0);
      },
    );
}

// Exit codes are set, not exited with, so output still being written ends whole: see scripts/synth.ts.
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

/**
 * Offline synth command: runs the real tenant (or platform) program without the Pulumi CLI or a
 * cloud account and writes what it would create. `--help` lists the options.
 */
import { Option, type Command } from "commander";
import {
  getTier,
  PRIMARY_REGION,
  REGION_NAMES,
  TenantRequestError,
  TIER_NAMES,
  type RegionName,
} from "../tiers";
import { integerBetween, program, runProgram, stackName, UsageError, type Done } from "./commandLine";
import { SynthFailure } from "./recorded";
import { OUTPUT_MARKER, OutputDirectoryError } from "./output";
import { PlatformContractError } from "../stacks/platformFacts";
import { UnservedApiError } from "./servedApis";
import { ClosedWorldError } from "./closedWorld";

export interface SynthOptions {
  readonly stack?: string;
  readonly configFile?: string;
  readonly tenant?: string;
  readonly tier?: string;
  readonly sites: number;
  readonly regions?: readonly string[];
  readonly platform?: true;
  readonly region?: RegionName;
  readonly out?: string;
  readonly quiet?: true;
}

const SHORTCUT = ["tenant", "tier", "sites", "regions"];
/** The most sites any tier has (the tenant rules then judge the tier's own). */
const MAX_SITES = Math.max(...TIER_NAMES.map((t) => getTier(t).maxSites));

/** `a,b,c` as a list; the tenant rules judge the names (unknown, repeated, more than the tier allows). */
const commaList = (value: string): string[] => value.split(",").map((item) => item.trim());

/** The `synth` command line; `done` receives the exit code of a run. */
export function synthProgram(done: Done): Command {
  return program("synth")
    .description(
      "Renders a tenant stack (or the platform) offline, with the real program under Pulumi's mock runtime.",
    )
    .addOption(
      new Option("--stack <name>", "read the stack's config from Pulumi.<name>.yaml")
        .argParser(stackName)
        .conflicts([...SHORTCUT, "platform"]),
    )
    .option("--config-file <path>", "with --stack: read the config from this file instead")
    .option("--tenant <id>", "a shortcut tenant with the dev defaults (needs --tier)")
    .addOption(new Option("--tier <tier>", "the shortcut tenant's tier").choices(TIER_NAMES))
    .option("--sites <n>", "the shortcut tenant's site count", integerBetween(1, MAX_SITES), 1)
    .option(
      "--regions <list>",
      `the shortcut tenant's regions, home first, comma-separated (${REGION_NAMES.join(", ")}; several only on Business; default ${PRIMARY_REGION})`,
      commaList,
    )
    .addOption(
      new Option(
        "--platform",
        "render a region's platform stack (VPC, EKS cluster, the tiers' cluster objects, backup bucket)",
      ).conflicts(SHORTCUT),
    )
    .addOption(
      new Option("--region <region>", `with --platform: the region (default ${PRIMARY_REGION})`).choices(
        REGION_NAMES,
      ),
    )
    .option(
      "--out <dir>",
      `output directory (default out/<stack>); only replaced when empty or a previous synth's output (${OUTPUT_MARKER})`,
    )
    .option("--quiet", "print nothing on success")
    .action(async (_options: unknown, command: Command) => {
      // The programs, the runtime and the pack load once the command line is valid: `--help` and
      // bad flags answer without them.
      const { synth } = await import("./synthRun");
      done(await synth(command.opts<SynthOptions>()));
    });
}

/** `npm run synth` and `npm run tenant -- synth`: renders a stack offline; returns the exit code. */
export function synthCommand(argv: readonly string[]): Promise<number> {
  return runProgram(synthProgram, argv);
}

/** The whole `npm run synth` process: runs the command line, reports a failure on stderr, returns the exit code. */
export async function synthMain(argv: readonly string[]): Promise<number> {
  try {
    return await synthCommand(argv);
  } catch (failure) {
    const { code, message } = synthFailure(failure);
    process.stderr.write(`${message}\n`);
    return code;
  }
}

/** Exit code and message of a failed synth: 2 for bad input (nothing written), 1 otherwise. */
export function synthFailure(failure: unknown): { code: number; message: string } {
  const error = failure instanceof SynthFailure ? failure.cause : failure;
  if (
    error instanceof TenantRequestError ||
    error instanceof UsageError ||
    error instanceof OutputDirectoryError
  ) {
    return { code: 2, message: `synth: ${error.message}` };
  }
  // A platform that breaks the contract, or objects its cluster would not serve: named, no trace.
  if (
    error instanceof PlatformContractError ||
    error instanceof UnservedApiError ||
    error instanceof ClosedWorldError
  )
    return { code: 1, message: `synth: ${error.message}` };
  return {
    code: 1,
    message: `synth failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  };
}

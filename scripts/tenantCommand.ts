/**
 * Operator CLI over the Automation API layer (`npm run tenant -- --help` lists every command):
 *
 *   npm run tenant -- synth --stack dev
 *   npm run tenant -- provision --request acme.json
 *   npm run tenant -- change-tier acme standard [--dry-run]
 *   npm run tenant -- deprovision acme [--retain-days 30]
 *   npm run tenant -- purge, erase acme --reference <ref> --confirm acme (scripts/lifecycleCommands.ts)
 *   npm run tenant -- fleet preview|up [--tier premium] [--concurrency 4] [--stop-on-failure]
 *   npm run tenant -- restore acme [--to 2026-11-30T14:05:09Z]
 *   npm run tenant -- sla acme --month 2026-11 [--maintenance windows.json]
 *   npm run tenant -- invoice|usage acme --month 2026-11, meter (scripts/finopsCommands.ts)
 */
import { resolve } from "node:path";
import { Argument, InvalidArgumentError, Option, type Command } from "commander";
import { summaryLine, type TenantEngine } from "../automation/engine";
import { TenantOperationError } from "../automation/errors";
import { fleetTable, runFleet } from "../automation/fleet";
import { LiveUsage } from "../automation/preflight";
import { TenantService } from "../automation/tenantService";
import { DumpBackup } from "../automation/dumpBackup";
import { backupEnvironment, openBackupStore } from "../automation/backupStore";
import {
  parseRestorePoint,
  RESTORE_DETAILS,
  restoreSummary,
  RestoreUsageError,
  runRestore,
} from "../automation/restoreCommand";
import { BACKUP_NAME } from "../automation/restoreRequest";
import { hasPulumiCli } from "../automation/pulumiCli";
import { fromStackConfig } from "../automation/requestConfig";
import { runSlaCommand, slaTable } from "../automation/slaReport";
import { parseTenantRequest, type TenantConfigInput } from "../stacks/config";
import { synthProgram } from "../synth/cli";
import { SynthFailure } from "../synth/recorded";
import { OutputDirectoryError } from "../synth/output";
import {
  integerBetween,
  program,
  readInputFile,
  runProgram,
  UsageError,
  type Done,
} from "../synth/commandLine";
import { SlaInputError, TenantRequestError, TIER_NAMES, tenantIdProblems, type TierName } from "../tiers";
import {
  erasureSetupFrom,
  objectStoreFromEnv,
  optional,
  volumeErasureFromEnv,
} from "../automation/erasure/environment";
import { addFinopsCommands, addMeteringCommands } from "./finopsCommands";
import { addLifecycleCommands } from "./lifecycleCommands";

const ENVIRONMENT = `
Environment: PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, MYSQL_HOST/PORT/USER/PASSWORD and
PROMETHEUS_URL (downgrade pre-flight), BACKUP_DIR (backups, default backups/) or BACKUP_BUCKET
(S3, BACKUP_KMS_KEY_ID), RABBITMQ_MANAGEMENT_URL/USER/PASSWORD (vhost definitions in backups and restores),
TENANT_CONFIG_TAG_KEY (key of the applied-config tag, so a repeated request is "unchanged"),
ERASURE_REPORT_DIR (erasure reports, default erasures/), ERASE_SERVERS=1 (a purge also drops the
tenant's databases, users and vhost on MYSQL_* and RABBITMQ_* directly, verifying each absent),
TENANT_OBJECT_STORE_ENDPOINT/ACCESS_KEY/SECRET_KEY (a purge erases the tenant's buckets version by version).
Exit codes: 0 done, 1 failed, 2 bad input or refused, 3 busy or locked.`;

/** The most stacks a fleet run works on at once (each a Pulumi process). */
const MAX_CONCURRENCY = 256;

/** Options every command takes (commander reads them before or after the command). */
interface GlobalOptions {
  readonly json?: true;
  readonly engine?: "local" | "offline";
  readonly stateDir: string;
}

/**
 * The engine the global options name, loaded when a command first needs it: `--help`, bad input
 * and the commands that never reach an engine load neither the Automation API nor the synth.
 */
async function engineFrom(kind: GlobalOptions["engine"], stateDir: string): Promise<TenantEngine> {
  const chosen = kind ?? (hasPulumiCli() ? "local" : "offline");
  if (chosen === "offline") {
    const { OfflineEngine } = await import("../automation/offlineEngine");
    return new OfflineEngine({ stateDir: resolve(stateDir) });
  }
  const { LocalWorkspaceEngine } = await import("../automation/localWorkspaceEngine");
  return new LocalWorkspaceEngine({
    projectDir: resolve(__dirname, ".."),
    workRoot: resolve(".pulumi-work"),
    ...(process.env.PULUMI_BACKEND_URL ? { backendUrl: process.env.PULUMI_BACKEND_URL } : {}),
    envVars: Object.fromEntries(
      Object.entries(process.env).filter(
        (e): e is [string, string] =>
          e[1] !== undefined && /^(PULUMI_|AWS_|CLOUDFLARE_|KUBECONFIG)/.test(e[0]),
      ),
    ),
  });
}

function mysqlFromEnv() {
  return {
    host: process.env.MYSQL_HOST ?? "127.0.0.1",
    port: Number(process.env.MYSQL_PORT ?? 3306),
    user: process.env.MYSQL_USER ?? "root",
    password: process.env.MYSQL_PASSWORD ?? "",
  };
}

const backupDir = (): string => backupEnvironment(process.env, "backups").store.dir;

/** A --to argument. */
function restorePointArg(value: string): Date {
  try {
    return parseRestorePoint(value);
  } catch (error) {
    if (error instanceof RestoreUsageError)
      throw new InvalidArgumentError(error.message.replace(/^--to: /, ""));
    throw error;
  }
}

/** A --backup argument: the forms a dump is named by (whose it is, the restore checks). */
function backupNameArg(value: string): string {
  if (!BACKUP_NAME.test(value))
    throw new InvalidArgumentError(
      "expected a dump's key (tenants/<tenant>/dumps/<stamp>.sql), stamp (2026-11-30T14-05-09-000Z) or time (2026-11-30T14:05:09.000Z).",
    );
  return value;
}

/** The service is built only once the command line is valid, so bad input creates no state directory. */
async function serviceFrom(options: GlobalOptions): Promise<TenantService> {
  const backups = backupEnvironment(process.env, "backups");
  return new TenantService({
    engine: await engineFrom(options.engine, options.stateDir),
    ...(process.env.PROMETHEUS_URL
      ? { usage: new LiveUsage(mysqlFromEnv(), process.env.PROMETHEUS_URL) }
      : {}),
    backup: new DumpBackup(
      mysqlFromEnv(),
      await openBackupStore(backups.store),
      backups.rabbitmq ? { rabbitmq: backups.rabbitmq } : {},
    ),
    // Without a key that outlives the process, every run would take a repeated request for a change.
    ...(process.env.TENANT_CONFIG_TAG_KEY ? { configTagKey: process.env.TENANT_CONFIG_TAG_KEY } : {}),
    // A purge erases the tenant's backups; its databases and vhost on the servers too with ERASE_SERVERS=1.
    erasure: await erasureSetupFrom({
      ...(process.env.ERASE_SERVERS === "1"
        ? { mysql: mysqlFromEnv(), ...(backups.rabbitmq ? { rabbitmq: backups.rabbitmq } : {}) }
        : {}),
      backups: backups.store,
      reportDir: process.env.ERASURE_REPORT_DIR || "erasures",
      ...optional("volumes", volumeErasureFromEnv(process.env)),
      ...optional("objectStore", objectStoreFromEnv(process.env)),
    }),
  });
}

/** A tenant id argument: ids also name the offline engine's state files, so a malformed one is a usage error. */
function tenantIdArg(value: string): string {
  const problems = tenantIdProblems(value);
  if (problems.length > 0) throw new InvalidArgumentError(`${problems.join("; ")}.`);
  return value;
}

/** Reads a request file; an unreadable file or malformed JSON is a usage error naming --request. */
function readRequest(file: string): TenantConfigInput {
  const text = readInputFile(file, "--request");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--request: ${file} is not valid JSON (${(error as Error).message})`);
  }
  return parseTenantRequest(raw);
}

/** A one-line progress bar on stderr. */
function progressBar(done: number, total: number, label: string): void {
  const width = 24;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  process.stderr.write(
    `\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} ${label}`.padEnd(70) +
      (done === total ? "\n" : ""),
  );
}

function print(options: GlobalOptions, result: unknown, human: () => string): void {
  process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${human()}\n`);
}

/** What every group of commands needs from the program. */
interface CommandContext {
  readonly done: Done;
  readonly globals: (command: Command) => GlobalOptions;
  readonly tenantArgument: () => Argument;
}

/** provision and change-tier. */
function addChangeCommands(cli: Command, { done, globals, tenantArgument }: CommandContext): void {
  cli
    .command("provision")
    .description(
      "creates or updates a tenant's stack from a request file (the stack config's shape, as JSON)",
    )
    .requiredOption("--request <file>", "the request, e.g. acme.json")
    .action(async (options: { request: string }, command: Command) => {
      const request = readRequest(options.request);
      const result = await (await serviceFrom(globals(command))).provisionTenant(request);
      print(
        globals(command),
        result,
        () => `${result.tenantId}: ${result.outcome}\n${JSON.stringify(result.outputs, null, 2)}`,
      );
      done(0);
    });

  cli
    .command("change-tier")
    .description("moves a tenant to another tier (a downgrade checks real usage first)")
    .addArgument(tenantArgument())
    .addArgument(new Argument("<tier>", "target tier").choices(TIER_NAMES))
    .option("--dry-run", "pre-flight report and plan, nothing applied")
    .action(async (tenantId: string, target: TierName, options: { dryRun?: true }, command: Command) => {
      const result = await (
        await serviceFrom(globals(command))
      ).changeTier(tenantId, target, { dryRun: options.dryRun === true });
      print(globals(command), result, () =>
        [
          `${tenantId}: ${result.from} -> ${result.to}: ${result.outcome}`,
          ...(result.preflight?.checks.map(
            (c) => `  ${c.status.padEnd(4)} ${c.name}: ${c.actual} (limit ${c.limit})`,
          ) ?? []),
          ...(result.plan ? [`  plan: ${summaryLine(result.plan.summary)}`] : []),
        ].join("\n"),
      );
      done(0);
    });
}

/** fleet preview|up. */
function addFleetCommand(cli: Command, { done, globals }: CommandContext): void {
  cli
    .command("fleet")
    .description("previews or updates every tenant stack")
    .addArgument(new Argument("<action>").choices(["preview", "up"]))
    .addOption(new Option("--tier <tier>", "only the tenants of this tier").choices(TIER_NAMES))
    .option(
      "--concurrency <n>",
      `stacks at a time (at most ${MAX_CONCURRENCY})`,
      integerBetween(1, MAX_CONCURRENCY),
      4,
    )
    .option("--stop-on-failure", "start no further stack after a failure")
    .action(
      async (
        action: "preview" | "up",
        options: { tier?: TierName; concurrency: number; stopOnFailure?: true },
        command: Command,
      ) => {
        const json = globals(command).json === true;
        const summary = await runFleet(await serviceFrom(globals(command)), {
          command: action,
          concurrency: options.concurrency,
          stopOnFailure: options.stopOnFailure === true,
          ...(options.tier ? { filter: { tier: options.tier } } : {}),
          ...(json
            ? {}
            : { onProgress: (p) => progressBar(p.done, p.total, `${p.entry.tenantId} ${p.entry.status}`) }),
        });
        print(globals(command), summary, () => fleetTable(summary));
        done(summary.counts.failed > 0 ? 1 : 0);
      },
    );
}

/** restore (automation/restoreCommand.ts). */
function addRestoreCommand(cli: Command, { done, globals, tenantArgument }: CommandContext): void {
  cli
    .command("restore")
    .description("restores the tenant's databases into fresh ones, verifies them, then swaps them in")
    .addArgument(tenantArgument())
    .option(
      "--to <timestamp>",
      "the state at the end of this second, UTC (default: the newest the backups hold)",
      restorePointArg,
    )
    .option(
      "--backup <name>",
      "this dump of the tenant (key, stamp or time) instead of the newest at or before --to",
      backupNameArg,
    )
    .option(
      "--backup-dir <dir>",
      "backup store (layout of tiers/backups.ts); default $BACKUP_DIR or backups/",
    )
    .option(
      "--binlog-server <name>",
      "the binlog archive of the tenant's MySQL server (Business); default $BINLOG_SERVER",
    )
    .addHelpText("after", RESTORE_DETAILS)
    .action(
      async (
        tenantId: string,
        options: { to?: Date; backup?: string; backupDir?: string; binlogServer?: string },
        command: Command,
      ) => {
        const tier = await (await serviceFrom(globals(command))).tierOf(tenantId);
        const binlogServer = options.binlogServer ?? process.env.BINLOG_SERVER;
        const backups = backupEnvironment(process.env, "backups");
        const result = await runRestore({
          tenantId,
          tier,
          mysql: mysqlFromEnv(),
          backupDir: options.backupDir ?? backupDir(),
          // --backup-dir is a directory: it wins over BACKUP_BUCKET.
          ...(backups.store.bucket && !options.backupDir
            ? { store: await openBackupStore(backups.store) }
            : {}),
          ...(options.to ? { to: options.to } : {}),
          ...(options.backup ? { backup: options.backup } : {}),
          ...(binlogServer ? { binlogServer } : {}),
          ...(backups.rabbitmq ? { rabbitmq: backups.rabbitmq } : {}),
        });
        print(globals(command), result, () => restoreSummary(result));
        done(0);
      },
    );
}

/** sla (docs/monitoring-sla.md). */
function addSlaCommand(cli: Command, { done, globals, tenantArgument }: CommandContext): void {
  cli
    .command("sla")
    .description(
      "a month's availability, downtime against the allowance, and the credit owed (docs/monitoring-sla.md)",
    )
    .addArgument(tenantArgument())
    .requiredOption("--month <YYYY-MM>", "a calendar month (UTC) that has ended")
    .option("--maintenance <file>", "JSON [{start, end, announcedAt}] of planned maintenance windows")
    .option("--prometheus <url>", "Prometheus (or Mimir) query URL; default $PROMETHEUS_URL")
    .action(
      async (
        tenantId: string,
        options: { month: string; maintenance?: string; prometheus?: string },
        command: Command,
      ) => {
        const { engine, stateDir } = globals(command);
        const config = fromStackConfig(await (await engineFrom(engine, stateDir)).readConfig(tenantId));
        const prometheusUrl = options.prometheus ?? process.env.PROMETHEUS_URL;
        const report = await runSlaCommand(
          tenantId,
          config,
          { ...options, ...(prometheusUrl ? { prometheusUrl } : {}) },
          (path) => readInputFile(path, "--maintenance"),
        );
        print(globals(command), report, () => slaTable(report));
        done(0);
      },
    );
}

function tenantProgram(done: Done, jsonErrors: boolean): Command {
  const cli = program("tenant")
    .description("Provisions, changes and retires tenants through the Automation API.")
    .option("--json", "machine-readable output (and errors as JSON on stderr)")
    .addOption(
      new Option(
        "--engine <kind>",
        "local (the Pulumi CLI) or offline (default: local when a pulumi CLI is on PATH)",
      ).choices(["local", "offline"]),
    )
    .option("--state-dir <dir>", "the offline engine's stacks", ".tenants")
    .addHelpText("after", ENVIRONMENT);
  // With --json, commander's usage errors are JSON on stderr too (as the other failures).
  if (jsonErrors) {
    cli.showHelpAfterError(false).configureOutput({
      outputError: (message, write) =>
        write(`${JSON.stringify({ outcome: "usage", message: message.replace(/^error: /, "").trim() })}\n`),
    });
  }
  const globals = (command: Command) => command.optsWithGlobals<GlobalOptions>();
  const tenantArgument = () => new Argument("<tenant>", "tenant id").argParser(tenantIdArg);

  cli.addCommand(synthProgram(done).copyInheritedSettings(cli));
  const context: CommandContext = { done, globals, tenantArgument };
  addChangeCommands(cli, context);
  addLifecycleCommands(cli, { ...context, service: serviceFrom });
  addFleetCommand(cli, context);
  addRestoreCommand(cli, context);
  addSlaCommand(cli, context);

  const finops = {
    done,
    tenantArgument,
    json: (command: Command) => globals(command).json === true,
    engine: (command: Command) => engineFrom(globals(command).engine, globals(command).stateDir),
  };
  addFinopsCommands(cli, finops);
  addMeteringCommands(cli, finops);
  return cli;
}

/** Exit codes: 2 bad input or refused, 3 busy or locked, 1 anything else. */
function exitCodeOf(error: unknown): number {
  if (
    error instanceof UsageError ||
    error instanceof TenantRequestError ||
    error instanceof SlaInputError ||
    error instanceof OutputDirectoryError
  )
    return 2;
  if (error instanceof TenantOperationError) return ["busy", "locked"].includes(error.outcome) ? 3 : 2;
  return 1;
}

/** The whole `npm run tenant` process: runs the command line, reports a failure on stderr, returns the exit code. */
export async function tenantMain(argv: readonly string[]): Promise<number> {
  const json = argv.includes("--json");
  try {
    return await runProgram((done) => tenantProgram(done, json), argv);
  } catch (failure) {
    const error = failure instanceof SynthFailure ? failure.cause : failure;
    const outcome =
      error instanceof TenantOperationError ? error.outcome : error instanceof UsageError ? "usage" : "error";
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(
      json
        ? `${JSON.stringify({ outcome, message, ...(error instanceof TenantOperationError ? { details: error } : {}) })}\n`
        : `tenant: ${message}\n`,
    );
    return exitCodeOf(error);
  }
}

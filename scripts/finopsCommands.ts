/**
 * The FinOps commands of `npm run tenant` (docs/finops.md):
 *
 *   npm run tenant -- invoice acme --month 2026-11 [--billing yearly] [--availability 99.9 --sla-credit-percent 10] [--json]
 *   npm run tenant -- usage acme --month 2026-11 [--json]
 *   npm run tenant -- meter [--hour 2026-11-30T23:00:00Z]   (the platform's hourly CronJob)
 *
 * The logic is in automation/invoice.ts and automation/metering.ts; this file reads the tenants'
 * applied configs and the environment, and prints.
 */
import { InvalidArgumentError, Option, type Argument, type Command } from "commander";
import type { TenantEngine } from "../automation/engine";
import { TenantNotFoundError } from "../automation/errors";
import { invoiceFor, invoiceText, parseMonth, type BillingCycle } from "../automation/invoice";
import { fromStackConfig } from "../automation/requestConfig";
import { backupEnvironment, openBackupStore } from "../automation/backupStore";
import {
  collectHour,
  ensureUsageTable,
  exportMonth,
  hourStart,
  MeteringError,
  monthRange,
  recordUsage,
  summarizeUsage,
  usageRows,
  usageText,
  type MeteredTenant,
} from "../automation/metering";
import type { TenantConfig } from "../stacks/config";
import { getTier, TenantRequestError } from "../tiers";
import { readInputFile, type Done } from "../synth/commandLine";
import { runSlaCommand, type SlaCommandOptions } from "../automation/slaReport";

export interface FinopsCommandContext {
  readonly done: Done;
  /** The tenant argument, validated as the other commands validate it. */
  readonly tenantArgument: () => Argument;
  readonly json: (command: Command) => boolean;
  /** The engine the global options name. */
  readonly engine: (command: Command) => Promise<TenantEngine>;
}

/** A --month argument. */
function monthArg(value: string): string {
  try {
    parseMonth(value);
  } catch (error) {
    if (error instanceof TenantRequestError) throw new InvalidArgumentError("expected a month as YYYY-MM.");
    throw error;
  }
  return value;
}

/** A percentage argument (0-100). */
function percentArg(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > 100)
    throw new InvalidArgumentError("expected a percentage from 0 to 100.");
  return n;
}

/** The tenant's applied config, from its stack. */
export async function appliedConfig(engine: TenantEngine, tenantId: string): Promise<TenantConfig> {
  if (!(await engine.exists(tenantId))) throw new TenantNotFoundError(tenantId);
  return fromStackConfig(await engine.readConfig(tenantId));
}

function write(json: boolean, result: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${human()}\n`);
}

export function addFinopsCommands(cli: Command, context: FinopsCommandContext): void {
  cli
    .command("invoice")
    .description("the tenant's invoice for a month from the catalog's prices (docs/finops.md)")
    .addArgument(context.tenantArgument())
    .requiredOption("--month <YYYY-MM>", "the month billed", monthArg)
    .addOption(
      new Option("--billing <cycle>", "monthly, or yearly (12 months from --month)")
        .choices(["monthly", "yearly"])
        .default("monthly"),
    )
    .option("--availability <percent>", "the month's measured availability (the SLA report's)", percentArg)
    .option("--sla-credit-percent <percent>", "the SLA credit it earns, percent of the charges", percentArg)
    .addOption(
      new Option(
        "--prometheus <url>",
        "take the SLA credit from the month's SLA report against this Prometheus (docs/monitoring-sla.md)",
      ).conflicts(["availability", "slaCreditPercent"]),
    )
    .option("--maintenance <file>", "with --prometheus: the month's announced maintenance windows (JSON)")
    .action(
      async (
        tenantId: string,
        options: {
          month: string;
          billing: BillingCycle;
          availability?: number;
          slaCreditPercent?: number;
          prometheus?: string;
          maintenance?: string;
        },
        command: Command,
      ) => {
        if ((options.availability === undefined) !== (options.slaCreditPercent === undefined))
          throw new TenantRequestError([
            {
              field: "--sla-credit-percent",
              message: "give --availability and --sla-credit-percent together",
            },
          ]);
        const config = await appliedConfig(await context.engine(command), tenantId);
        const sla = options.prometheus
          ? await slaOfReport(tenantId, config, { ...options, prometheusUrl: options.prometheus })
          : options.availability !== undefined && options.slaCreditPercent !== undefined
            ? { availabilityPercent: options.availability, creditPercent: options.slaCreditPercent }
            : undefined;
        const invoice = invoiceFor(config, {
          month: options.month,
          billing: options.billing,
          ...(sla ? { sla } : {}),
        });
        write(context.json(command), invoice, () => invoiceText(invoice));
        context.done(0);
      },
    );
}

/** The month's SLA credit as the SLA report computes it: the invoice takes it, never recomputes it. */
async function slaOfReport(
  tenantId: string,
  config: TenantConfig,
  options: SlaCommandOptions,
): Promise<{ availabilityPercent: number; creditPercent: number }> {
  const report = await runSlaCommand(tenantId, config, options, (path) =>
    readInputFile(path, "--maintenance"),
  );
  return { availabilityPercent: report.availabilityPercent, creditPercent: report.credit.creditPercent };
}

/** The metering database (MYSQL_HOST/PORT/USER/PASSWORD, METERING_DATABASE default cv_metering). */
async function meteringDatabase(): Promise<import("mysql2/promise").Connection> {
  const mysql = await import("mysql2/promise");
  const database = process.env.METERING_DATABASE || "cv_metering";
  try {
    return await mysql.createConnection({
      host: process.env.MYSQL_HOST ?? "127.0.0.1",
      port: Number(process.env.MYSQL_PORT ?? 3306),
      user: process.env.MYSQL_USER ?? "root",
      password: process.env.MYSQL_PASSWORD ?? "",
      database,
      connectTimeout: 5000,
    });
  } catch (error) {
    throw new MeteringError(`metering database ${database} is unavailable: ${(error as Error).message}`);
  }
}

/** An --hour argument: a time, whose hour is collected. */
function hourArg(value: string): Date {
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(at.getTime()))
    throw new InvalidArgumentError("expected an ISO 8601 time, e.g. 2026-11-30T23:00:00Z.");
  return hourStart(at);
}

/** Every tenant stack as the meter sees it: tier and, where the tier has a CDN, its Cloudflare zone. */
async function meteredTenants(engine: TenantEngine): Promise<MeteredTenant[]> {
  const tenants: MeteredTenant[] = [];
  for (const id of await engine.listStacks()) {
    const config = await appliedConfig(engine, id);
    tenants.push({
      tenantId: id,
      tier: config.tier,
      ...(getTier(config.tier).cdn.enabled ? { cdnZone: config.cloudflare.zoneName } : {}),
    });
  }
  return tenants;
}

export function addMeteringCommands(cli: Command, context: FinopsCommandContext): void {
  cli
    .command("usage")
    .description("the tenant's metered usage of a month, against its tier's limits (docs/finops.md)")
    .addArgument(context.tenantArgument())
    .requiredOption("--month <YYYY-MM>", "the month", monthArg)
    .action(async (tenantId: string, options: { month: string }, command: Command) => {
      monthRange(options.month);
      const db = await meteringDatabase();
      try {
        const summary = summarizeUsage(tenantId, options.month, await usageRows(db, tenantId, options.month));
        write(context.json(command), summary, () => usageText(summary));
      } finally {
        await db.end();
      }
      context.done(0);
    });

  cli
    .command("meter")
    .description("records every tenant's usage of an hour and exports its month (the hourly CronJob)")
    .option("--hour <time>", "a time in the hour to collect (default: the last complete hour)", hourArg)
    .action(async (options: { hour?: Date }, command: Command) => {
      const prometheusUrl = process.env.PROMETHEUS_URL;
      if (!prometheusUrl) throw new TenantRequestError([{ field: "PROMETHEUS_URL", message: "required" }]);
      const hour = options.hour ?? new Date(hourStart(new Date()).getTime() - 3_600_000);
      const tenants = await meteredTenants(await context.engine(command));
      const rows = await collectHour(prometheusUrl, tenants, hour);
      const store = await openBackupStore(backupEnvironment(process.env, "backups").store);
      const db = await meteringDatabase();
      const month = hour.toISOString().slice(0, 7);
      try {
        await ensureUsageTable(db);
        await recordUsage(db, rows);
        const exported: string[] = [];
        for (const t of tenants) exported.push(await exportMonth(db, store, t.tenantId, month));
        const result = { hour: hour.toISOString(), tenants: tenants.length, exported };
        write(
          context.json(command),
          result,
          () => `${result.hour}: ${rows.length} tenant(s) metered; ${exported.join(", ")}`,
        );
      } finally {
        await db.end();
      }
      context.done(0);
    });
}

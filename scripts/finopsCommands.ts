/**
 * The FinOps commands of `npm run tenant` (docs/finops.md):
 *
 *   npm run tenant -- invoice acme --month 2026-11 [--billing yearly] [--availability 99.9 --sla-credit-percent 10] [--json]
 *
 * The logic is in automation/invoice.ts; this file only reads the tenant's applied config and prints.
 */
import { InvalidArgumentError, Option, type Argument, type Command } from "commander";
import type { TenantEngine } from "../automation/engine";
import { TenantNotFoundError } from "../automation/errors";
import { invoiceFor, invoiceText, parseMonth, type BillingCycle } from "../automation/invoice";
import { fromStackConfig } from "../automation/requestConfig";
import type { TenantConfig } from "../stacks/config";
import { TenantRequestError } from "../tiers";
import type { Done } from "../synth/commandLine";

export interface FinopsCommandContext {
  readonly done: Done;
  /** The tenant argument, validated as the other commands validate it. */
  readonly tenantArgument: () => Argument;
  readonly json: (command: Command) => boolean;
  /** The engine the global options name. */
  readonly engine: (command: Command) => TenantEngine;
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
    .action(
      async (
        tenantId: string,
        options: { month: string; billing: BillingCycle; availability?: number; slaCreditPercent?: number },
        command: Command,
      ) => {
        if ((options.availability === undefined) !== (options.slaCreditPercent === undefined))
          throw new TenantRequestError([
            {
              field: "--sla-credit-percent",
              message: "give --availability and --sla-credit-percent together",
            },
          ]);
        const config = await appliedConfig(context.engine(command), tenantId);
        const invoice = invoiceFor(config, {
          month: options.month,
          billing: options.billing,
          ...(options.availability !== undefined && options.slaCreditPercent !== undefined
            ? { sla: { availabilityPercent: options.availability, creditPercent: options.slaCreditPercent } }
            : {}),
        });
        write(context.json(command), invoice, () => invoiceText(invoice));
        context.done(0);
      },
    );
}

/**
 * The lifecycle commands of `npm run tenant` (docs/tenant-lifecycle.md):
 *
 *   npm run tenant -- deprovision acme [--retain-days 30]
 *   npm run tenant -- purge                      (every tenant past its window; an erasure report each)
 *   npm run tenant -- erase acme --reference GDPR-2026-0042 --confirm acme   (inside the window)
 *
 * Reports go to $ERASURE_REPORT_DIR (default erasures/) as <tenant>-<time>.json.
 */
import { InvalidArgumentError, type Argument, type Command } from "commander";
import type { ErasureReport } from "../automation/erasure/report";
import type { PurgeResult, TenantService } from "../automation/tenantService";
import { summaryLine } from "../automation/engine";
import { integerBetween, UsageError, type Done } from "../synth/commandLine";

/** The longest retention a deprovision may ask for, as the service's API (service/http.ts). */
export const MAX_RETAIN_DAYS = 3650;

export interface LifecycleCommandContext<G> {
  readonly done: Done;
  readonly globals: (command: Command) => G & { readonly json?: true };
  readonly tenantArgument: () => Argument;
  readonly service: (globals: G) => Promise<TenantService>;
}

function print(json: boolean, result: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : `${human()}\n`);
}

/** One line per report: what was deleted, what was already absent, what is left. */
export function erasureSummary(report: ErasureReport): string {
  const count = (action: string) => report.items.filter((i) => i.action === action).length;
  const left = report.items.filter((i) => !i.verifiedAbsent);
  return [
    `${report.tenantId}: erased (${report.reason}): ${count("deleted")} deleted, ${count("absent")} already absent${
      report.complete ? ", every item verified absent" : `, ${left.length} NOT verified absent:`
    }`,
    ...left.map((i) => `  ${i.action} ${i.system} ${i.kind} ${i.name}${i.note ? ` (${i.note})` : ""}`),
  ].join("\n");
}

export function addLifecycleCommands<G>(cli: Command, context: LifecycleCommandContext<G>): void {
  const { done, globals, tenantArgument, service } = context;
  cli
    .command("deprovision")
    .description(
      "suspends the tenant (storefront offline), takes the final backup, starts the retention window",
    )
    .addArgument(tenantArgument())
    .option(
      "--retain-days <n>",
      `days the data is kept before purge (at most ${MAX_RETAIN_DAYS})`,
      integerBetween(0, MAX_RETAIN_DAYS),
      30,
    )
    .action(async (tenantId: string, options: { retainDays: number }, command: Command) => {
      const result = await (
        await service(globals(command))
      ).deprovisionTenant(tenantId, { retainDays: options.retainDays });
      print(
        globals(command).json === true,
        result,
        () =>
          `${tenantId}: suspended (${summaryLine(result.suspension.summary)}); final backup ${result.backup}; data retained until ${result.retainUntil}`,
      );
      done(0);
    });

  cli
    .command("purge")
    .description("purges and erases the tenants past their retention window (an erasure report each)")
    .action(async (_options: unknown, command: Command) => {
      const reports: ErasureReport[] = [];
      const purged = await (
        await service(globals(command))
      ).purgeExpired({ onPurged: (r: PurgeResult) => void reports.push(r.erasure) });
      print(globals(command).json === true, { purged, reports }, () =>
        purged.length ? reports.map(erasureSummary).join("\n") : "nothing past its retention window",
      );
      done(reports.every((r) => r.complete) ? 0 : 1);
    });

  cli
    .command("erase")
    .description(
      "erases a deprovisioned tenant inside its retention window (a GDPR request): --confirm repeats the tenant id",
    )
    .addArgument(tenantArgument())
    .requiredOption("--reference <ref>", "the erasure request's reference (kept in the report)", referenceArg)
    .requiredOption("--confirm <tenant>", "the tenant id again: the confirmation step")
    .action(async (tenantId: string, options: { reference: string; confirm: string }, command: Command) => {
      if (options.confirm !== tenantId)
        throw new UsageError(`--confirm ${options.confirm} does not repeat the tenant id ${tenantId}`);
      const result = await (
        await service(globals(command))
      ).purgeTenant(tenantId, { early: true, reason: `erasure request ${options.reference}` });
      print(globals(command).json === true, result, () => erasureSummary(result.erasure));
      done(result.erasure.complete ? 0 : 1);
    });
}

function referenceArg(value: string): string {
  if (!/^[A-Za-z0-9._:-]{1,100}$/.test(value))
    throw new InvalidArgumentError("expected 1-100 letters, digits, '.', '_', ':' or '-'");
  return value;
}

/**
 * Operator CLI over the Automation API layer:
 *
 *   npm run tenant -- synth --stack dev
 *   npm run tenant -- provision --request acme.json
 *   npm run tenant -- change-tier acme standard [--dry-run]
 *   npm run tenant -- deprovision acme [--retain-days 30]
 *   npm run tenant -- purge
 *   npm run tenant -- fleet preview|up [--tier premium] [--concurrency 4] [--stop-on-failure]
 *
 * Common options: --json (machine output), --engine local|offline (default: local when a
 * `pulumi` CLI is on PATH, else offline), --state-dir (offline stacks, default .tenants).
 * Environment: PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, MYSQL_HOST/PORT/USER/PASSWORD and
 * PROMETHEUS_URL (downgrade pre-flight), BACKUP_DIR (final backups, default backups/).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  fleetTable,
  LiveUsage,
  LocalWorkspaceEngine,
  runFleet,
  summaryLine,
  TenantOperationError,
  TenantService,
  type TenantEngine,
} from "../automation";
import { DumpBackup } from "../automation/dumpBackup";
import { OfflineEngine } from "../automation/offlineEngine";
import { hasPulumiCli } from "../automation/pulumiCli";
import type { TenantConfigInput } from "../stacks/config";
import { synthCommand, UsageError } from "../synth/cli";
import { isTierName, TenantRequestError, type TierName } from "../tiers";

const HELP = readFileSync(__filename, "utf8").split("*/")[0]!.replace(/^\/\*\*\n/, "").replace(/^ \* ?/gm, "");

function engineFrom(kind: string | undefined, stateDir: string): TenantEngine {
  const chosen = kind ?? (hasPulumiCli() ? "local" : "offline");
  if (chosen === "offline") return new OfflineEngine({ stateDir: resolve(stateDir) });
  if (chosen !== "local") throw new UsageError(`--engine must be local or offline, got ${chosen}`);
  return new LocalWorkspaceEngine({
    projectDir: resolve(__dirname, ".."),
    workRoot: resolve(".pulumi-work"),
    ...(process.env.PULUMI_BACKEND_URL ? { backendUrl: process.env.PULUMI_BACKEND_URL } : {}),
    envVars: Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && /^(PULUMI_|AWS_|CLOUDFLARE_|KUBECONFIG)/.test(e[0]))),
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

function tierArg(value: string | undefined): TierName {
  if (!isTierName(value)) throw new UsageError(`expected a tier (standard, premium, business), got ${value ?? "nothing"}`);
  return value;
}

/** A one-line progress bar on stderr. */
function progressBar(done: number, total: number, label: string): void {
  const width = 24;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  process.stderr.write(`\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} ${label}`.padEnd(70) + (done === total ? "\n" : ""));
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "synth") return synthCommand(rest);
  if (!command || command === "help" || command === "--help") {
    process.stdout.write(HELP);
    return command ? 0 : 2;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: "boolean", default: false },
      engine: { type: "string" },
      "state-dir": { type: "string", default: ".tenants" },
      request: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      "retain-days": { type: "string", default: "30" },
      tier: { type: "string" },
      concurrency: { type: "string", default: "4" },
      "stop-on-failure": { type: "boolean", default: false },
    },
  });
  const service = new TenantService({
    engine: engineFrom(values.engine, values["state-dir"]!),
    ...(process.env.PROMETHEUS_URL ? { usage: new LiveUsage(mysqlFromEnv(), process.env.PROMETHEUS_URL) } : {}),
    backup: new DumpBackup(mysqlFromEnv(), resolve(process.env.BACKUP_DIR ?? "backups")),
  });
  const print = (result: unknown, human: () => string) => process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : `${human()}\n`);

  switch (command) {
    case "provision": {
      if (!values.request) throw new UsageError("provision needs --request <file.json> (the stack config's shape)");
      const request = JSON.parse(readFileSync(values.request, "utf8")) as TenantConfigInput;
      const result = await service.provisionTenant(request);
      print(result, () => `${result.tenantId}: ${result.outcome}\n${JSON.stringify(result.outputs, null, 2)}`);
      return 0;
    }
    case "change-tier": {
      const [tenantId, target] = positionals;
      if (!tenantId) throw new UsageError("change-tier <tenant> <tier> [--dry-run]");
      const result = await service.changeTier(tenantId, tierArg(target), { dryRun: values["dry-run"] });
      print(result, () =>
        [
          `${tenantId}: ${result.from} -> ${result.to}: ${result.outcome}`,
          ...(result.preflight?.checks.map((c) => `  ${c.status.padEnd(4)} ${c.name}: ${c.actual} (limit ${c.limit})`) ?? []),
          ...(result.plan ? [`  plan: ${summaryLine(result.plan.summary)}`] : []),
        ].join("\n"),
      );
      return 0;
    }
    case "deprovision": {
      const [tenantId] = positionals;
      if (!tenantId) throw new UsageError("deprovision <tenant> [--retain-days N]");
      const result = await service.deprovisionTenant(tenantId, { retainDays: Number(values["retain-days"]) });
      print(result, () => `${tenantId}: final backup ${result.backup}; data retained until ${result.retainUntil}`);
      return 0;
    }
    case "purge": {
      const purged = await service.purgeExpired();
      print({ purged }, () => (purged.length ? `purged: ${purged.join(", ")}` : "nothing past its retention window"));
      return 0;
    }
    case "fleet": {
      const [action] = positionals;
      if (action !== "preview" && action !== "up") throw new UsageError("fleet preview|up [--tier T] [--concurrency N] [--stop-on-failure]");
      const summary = await runFleet(service, {
        command: action,
        concurrency: Number(values.concurrency),
        stopOnFailure: values["stop-on-failure"],
        ...(values.tier ? { filter: { tier: tierArg(values.tier) } } : {}),
        ...(values.json ? {} : { onProgress: (p) => progressBar(p.done, p.total, `${p.entry.tenantId} ${p.entry.status}`) }),
      });
      print(summary, () => fleetTable(summary));
      return summary.counts.failed > 0 ? 1 : 0;
    }
    default:
      throw new UsageError(`unknown command ${command}; run \`npm run tenant -- help\``);
  }
}

/** Exit codes: 2 bad input or refused, 3 busy or locked, 1 anything else. */
function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof TenantRequestError) return 2;
  if (error instanceof TenantOperationError) return ["busy", "locked"].includes(error.outcome) ? 3 : 2;
  return 1;
}

// Exit codes are set, not exited with, so tsx's transform cache is written: see scripts/synth.ts.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (failure: unknown) => {
    const json = process.argv.includes("--json");
    const error = failure;
    const outcome = error instanceof TenantOperationError ? error.outcome : error instanceof UsageError ? "usage" : "error";
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(json ? `${JSON.stringify({ outcome, message, ...(error instanceof TenantOperationError ? { details: error } : {}) })}\n` : `tenant: ${message}\n`);
    process.exitCode = exitCodeOf(error);
  },
);

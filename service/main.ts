/**
 * `npm run service`: the provisioning service. Embedded by default (journal under .service/,
 * in-process workers, the offline engine when no `pulumi` CLI is on PATH); over RabbitMQ and
 * MySQL when AMQP_URL and SERVICE_DATABASE are set. See service/config.ts for every variable.
 * Restores load backups through the restore library (service/restoreHandler.ts).
 * SIGTERM/SIGINT stop it gracefully.
 */
import { ConfigError, runsWorkers, serviceConfigFromEnv } from "./config";
import { startService } from "./runtime";

async function main(): Promise<void> {
  const config = serviceConfigFromEnv();
  // Only workers run restores: an API process does not load the restore library.
  const restore = runsWorkers(config)
    ? await (await import("./restoreHandler")).LibraryRestoreHandler.open(config)
    : undefined;
  const service = await startService(config, restore ? { restore } : {});
  const mode = config.broker
    ? `RabbitMQ ${config.broker.prefix} + MySQL ${config.broker.database}`
    : "embedded";
  process.stderr.write(
    `tenant service (${mode}, engine ${service.engineKind ?? "none"}, role ${config.role})${service.url ? ` listening on ${service.url}` : ""}\n`,
  );
  if (config.tokenGenerated && service.url) {
    process.stderr.write(
      `TENANT_SERVICE_TOKEN was not set; this run's token (shown once):\n  ${config.token}\n`,
    );
  }
  const shutdown = (signal: string) => {
    process.stderr.write(`${signal}: stopping (running operations get ${config.drainMs} ms)\n`);
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

// A promise nobody awaited must not take the service down with it (a lost broker or database
// connection is handled where it matters); it is logged.
process.on("unhandledRejection", (reason: unknown) => {
  process.stderr.write(`tenant service: unhandled rejection: ${String(reason)}\n`);
});

main().catch((error: unknown) => {
  process.stderr.write(`tenant service: ${error instanceof Error ? error.message : String(error)}\n`);
  // Exit now: a half-started service (a pool or a socket left open) must not stay alive doing nothing.
  process.exit(error instanceof ConfigError ? 2 : 1);
});

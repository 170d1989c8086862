/**
 * The service's settings, from the environment. Without AMQP_URL it runs embedded (journal file
 * and in-process workers); with AMQP_URL and SERVICE_DATABASE it runs over RabbitMQ and MySQL.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { backupEnvironment, type BackupStoreChoice } from "../automation/backupStore";
import type { RabbitManagement } from "../automation/rabbitDefinitions";
import { parseKey } from "./secrets";

export interface ServiceConfig {
  /** HTTP port. PORT, default 8080. */
  readonly port: number;
  /** Listen address. HOST, default 127.0.0.1 (set 0.0.0.0 in a container). */
  readonly host: string;
  /** Bearer token. TENANT_SERVICE_TOKEN; embedded mode generates one when unset (`tokenGenerated`). */
  readonly token: string;
  readonly tokenGenerated: boolean;
  /** What this process runs. SERVICE_ROLE: all (default), api, worker. */
  readonly role: "all" | "api" | "worker";
  /** TENANT_ENGINE: local (Automation API, needs `pulumi`) or offline; default local when `pulumi` is on PATH. */
  readonly engine?: "local" | "offline";
  /** Offline stacks. TENANT_STATE_DIR, default .tenants (the operator CLI's default too). */
  readonly stateDir: string;
  /**
   * SERVICE_SECRET_KEY: 32 bytes (base64 or hex) sealing stored credentials and keying the
   * applied-config tag (service/secrets.ts). Required with AMQP_URL (every process shares it);
   * embedded, `<SERVICE_DATA_DIR>/service.key` is made on first start when unset.
   */
  readonly secretKey?: Buffer;
  /** Embedded journal and offline backups. SERVICE_DATA_DIR, default .service. */
  readonly dataDir: string;
  /** Operations run at once by this process. WORKERS, default 2. */
  readonly workers: number;
  /**
   * ENGINE_PROCESSES: child processes the offline engine runs in (automation/engineProcess.ts),
   * default WORKERS; 0 runs it in this process (its synth then holds the event loop while it runs).
   */
  readonly engineProcesses: number;
  /** SERVICE_RETENTION_DAYS (default 30): ended operations and their logs are forgotten after it. */
  readonly retentionMs: number;
  /** LEASE_MS (default 30000), MAX_ATTEMPTS (5), BACKOFF_MS (1000), DRAIN_MS (30000). */
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly drainMs: number;
  /**
   * STALE_LOCK_MS (default 600000): a stack lock whose operation started this long ago is a
   * crashed run's and is cancelled. Inside the service only the holder of a tenant's claim
   * touches its stack, so this only has to outlast operators' own runs.
   */
  readonly staleLockMs: number;
  /** LIFECYCLE_TICK_MS (default 60000): how often the API runs a lifecycle round (reminders, due downgrades). */
  readonly lifecycleTickMs: number;
  /**
   * ERASE_SERVERS (default 1 with AMQP_URL, else 0): a purge also drops the tenant's databases,
   * users and vhost on MYSQL_* and RABBITMQ_* directly and verifies each absent (the stack's
   * destroy deletes them through Pulumi either way). Off in the embedded service, whose MySQL
   * default is this machine's server.
   */
  readonly eraseServers: boolean;
  readonly mysql: {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly password: string;
  };
  /**
   * Where backups are written (local engine) and restored from: BACKUP_BUCKET (S3, with
   * BACKUP_KMS_KEY_ID) when set, else BACKUP_DIR, default <SERVICE_DATA_DIR>/backups.
   */
  readonly backups: BackupStoreChoice;
  /** RABBITMQ_MANAGEMENT_URL (RABBITMQ_USER, RABBITMQ_PASSWORD): vhost definitions in backups and restores. */
  readonly rabbitmq?: RabbitManagement;
  /** BINLOG_SERVER: the binlog archive restores to a point replay (Business). */
  readonly binlogServer?: string;
  /** PROMETHEUS_URL: real usage for downgrade pre-flight checks. */
  readonly prometheusUrl?: string;
  /** Production: AMQP_URL, SERVICE_DATABASE, QUEUE_PREFIX (default tenant-service), EVENTS_EXCHANGE. */
  readonly broker?: {
    readonly url: string;
    readonly database: string;
    readonly prefix: string;
    readonly eventsExchange?: string;
  };
}

export class ConfigError extends Error {}

/** Whether a process with `config` runs workers (and so the engine): an API-only process does not. */
export function runsWorkers(config: Pick<ServiceConfig, "role" | "workers">): boolean {
  return config.role !== "api" && config.workers > 0;
}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new ConfigError(`${name} must be an integer >= ${min}, got ${raw}`);
  return value;
}

export function serviceConfigFromEnv(env: Env = process.env): ServiceConfig {
  const role = env.SERVICE_ROLE ?? "all";
  if (role !== "all" && role !== "api" && role !== "worker")
    throw new ConfigError(`SERVICE_ROLE must be all, api or worker, got ${role}`);
  const engine = env.TENANT_ENGINE;
  if (engine !== undefined && engine !== "local" && engine !== "offline")
    throw new ConfigError(`TENANT_ENGINE must be local or offline, got ${engine}`);
  const broker = env.AMQP_URL
    ? {
        url: env.AMQP_URL,
        database: env.SERVICE_DATABASE ?? "",
        prefix: env.QUEUE_PREFIX ?? "tenant-service",
        ...(env.EVENTS_EXCHANGE ? { eventsExchange: env.EVENTS_EXCHANGE } : {}),
      }
    : undefined;
  if (broker && !broker.database)
    throw new ConfigError("AMQP_URL needs SERVICE_DATABASE (the MySQL database holding the operations)");
  if (!broker && role !== "all")
    throw new ConfigError(`SERVICE_ROLE=${role} needs AMQP_URL: the embedded store is one process`);
  const given = env.TENANT_SERVICE_TOKEN;
  if (given !== undefined && given.length < 16)
    throw new ConfigError("TENANT_SERVICE_TOKEN must be at least 16 characters");
  // Closed by default: production refuses to start without a token; embedded mode makes one and prints it once.
  if (!given && broker && role !== "worker")
    throw new ConfigError("TENANT_SERVICE_TOKEN is required with AMQP_URL");
  if (broker && !env.SERVICE_SECRET_KEY)
    throw new ConfigError(
      "SERVICE_SECRET_KEY is required with AMQP_URL: every API and worker process seals and opens credentials with it (openssl rand -base64 32)",
    );
  let secretKey: Buffer | undefined;
  try {
    secretKey = env.SERVICE_SECRET_KEY ? parseKey(env.SERVICE_SECRET_KEY, "SERVICE_SECRET_KEY") : undefined;
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const dataDir = env.SERVICE_DATA_DIR ?? ".service";
  const backups = backupEnvironment(env, join(dataDir, "backups"));
  return {
    port: integer(env, "PORT", 8080, 0),
    host: env.HOST ?? "127.0.0.1",
    token: given || randomBytes(24).toString("base64url"),
    tokenGenerated: !given,
    role,
    ...(engine ? { engine } : {}),
    stateDir: env.TENANT_STATE_DIR ?? ".tenants",
    ...(secretKey ? { secretKey } : {}),
    dataDir,
    workers: integer(env, "WORKERS", 2, 0),
    engineProcesses: integer(env, "ENGINE_PROCESSES", integer(env, "WORKERS", 2, 0), 0),
    leaseMs: integer(env, "LEASE_MS", 30_000, 100),
    retentionMs: integer(env, "SERVICE_RETENTION_DAYS", 30, 0) * 86_400_000,
    maxAttempts: integer(env, "MAX_ATTEMPTS", 5, 1),
    backoffMs: integer(env, "BACKOFF_MS", 1000, 1),
    drainMs: integer(env, "DRAIN_MS", 30_000, 0),
    staleLockMs: integer(env, "STALE_LOCK_MS", 600_000, 0),
    lifecycleTickMs: integer(env, "LIFECYCLE_TICK_MS", 60_000, 100),
    eraseServers: (env.ERASE_SERVERS ?? (broker ? "1" : "0")) === "1",
    mysql: {
      host: env.MYSQL_HOST ?? "127.0.0.1",
      port: integer(env, "MYSQL_PORT", 3306, 1),
      user: env.MYSQL_USER ?? "root",
      password: env.MYSQL_PASSWORD ?? "",
    },
    backups: backups.store,
    ...(backups.rabbitmq ? { rabbitmq: backups.rabbitmq } : {}),
    ...(env.BINLOG_SERVER ? { binlogServer: env.BINLOG_SERVER } : {}),
    ...(env.PROMETHEUS_URL ? { prometheusUrl: env.PROMETHEUS_URL } : {}),
    ...(broker ? { broker } : {}),
  };
}

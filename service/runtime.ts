/**
 * Starts the provisioning service from its config: the store (journal or MySQL), the workers
 * (in process, or RabbitMQ consumers), the HTTP API, and a graceful stop that ends the HTTP
 * server first, then lets running operations finish (or releases them after DRAIN_MS).
 */
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import type { TenantEngine } from "../automation/engine";
import { TenantService } from "../automation/tenantService";
import type { ServiceConfig } from "./config";
import { EmbeddedWorkers } from "./embeddedWorkers";
import type { EventSink } from "./events";
import { engineSetup } from "./engines";
import { Executor, type RestoreHandler } from "./executor";
import { buildHttpApp, type Dispatcher, type HttpApp } from "./http";
import { createLogger, type Logger } from "./log";
import { Metrics } from "./metrics";
import { SecretBox } from "./secrets";
import type { OperationStore } from "./operations";

export interface ServiceOverrides {
  /** Wraps the configured engine (tests instrument it). */
  readonly wrapEngine?: (engine: TenantEngine) => TenantEngine;
  /** The restore library, wired by the integrator. */
  readonly restore?: RestoreHandler;
  readonly log?: Logger;
}

export interface RunningService {
  readonly app?: HttpApp;
  /** The address the API listens on. */
  readonly url?: string;
  readonly engineKind?: "local" | "offline";
  readonly store: OperationStore;
  stop(): Promise<void>;
}

/**
 * Whether the operation named in a stack's lease tag no longer runs anywhere: unknown (compacted),
 * not running, or running under a lease nobody renewed. Only the holder of a tenant's claim
 * touches its stack, so a lock such a run left is a crashed worker's.
 */
export async function runIsOver(store: OperationStore, holder: string): Promise<boolean> {
  const op = await store.get(holder);
  if (!op || op.status !== "running") return true;
  return op.leaseUntil === undefined || Date.parse(op.leaseUntil) < Date.now();
}

/** What the chosen mode started: the store, how operations reach workers, and what to stop, in order. */
interface Started {
  readonly store: OperationStore;
  readonly dispatcher: Dispatcher;
  readonly engineKind?: "local" | "offline";
  readonly stops: (() => Promise<void>)[];
}

type MakeExecutor = (
  store: OperationStore,
  events?: EventSink,
) => Promise<{ executor: Executor; kind: "local" | "offline" }>;

/** The executor factory: the configured engine (its child processes ended by `engineCloses`), the TenantService on it. */
function executorFactory(
  config: ServiceConfig,
  overrides: ServiceOverrides,
  shared: {
    readonly log: Logger;
    readonly metrics: Metrics;
    readonly secrets: SecretBox;
    readonly owner: string;
  },
  engineCloses: (() => void)[],
): MakeExecutor {
  return async (store, events) => {
    const setup = await engineSetup(config);
    if (setup.close) engineCloses.push(setup.close);
    const engine = overrides.wrapEngine ? overrides.wrapEngine(setup.engine) : setup.engine;
    const service = new TenantService({
      engine,
      backup: setup.backup,
      staleLockMs: config.staleLockMs,
      abandoned: (holder) => runIsOver(store, holder),
      // One key for every worker: a repeated request is "unchanged" whichever worker runs it.
      configTagKey: shared.secrets.appliedConfigKey,
      ...(setup.usage ? { usage: setup.usage } : {}),
    });
    const executor = new Executor({
      service,
      store,
      owner: shared.owner,
      leaseMs: config.leaseMs,
      log: shared.log,
      metrics: shared.metrics,
      secrets: shared.secrets,
      ...(overrides.restore ? { restore: overrides.restore } : {}),
      ...(events ? { events } : {}),
    });
    return { executor, kind: setup.kind };
  };
}

/** Production mode: MySQL, RabbitMQ, the sweeper when this process serves the API, consumers when it works. */
async function startBrokered(
  config: ServiceConfig,
  log: Logger,
  makeExecutor: MakeExecutor,
): Promise<Started> {
  const broker = config.broker!;
  const { MysqlStore } = await import("./mysqlStore");
  const { RabbitLink, RabbitDispatcher, RabbitEvents, RabbitWorkers } = await import("./rabbit");
  const store = await MysqlStore.open({
    ...config.mysql,
    database: broker.database,
    retentionMs: config.retentionMs,
  });
  // A start that fails after the database connected closes it, so the process can exit.
  const link = await RabbitLink.connect(
    {
      url: broker.url,
      prefix: broker.prefix,
      ...(broker.eventsExchange ? { eventsExchange: broker.eventsExchange } : {}),
    },
    log,
  ).catch(async (error: unknown) => {
    await store.close().catch(() => undefined);
    throw error;
  });
  const dispatcher = new RabbitDispatcher(link, store, log);
  const stops: (() => Promise<void>)[] = [];
  if (config.role !== "worker") {
    dispatcher.startSweeper(Math.max(1000, config.leaseMs), 2 * config.leaseMs);
    stops.push(async () => dispatcher.stop());
  }
  let engineKind: "local" | "offline" | undefined;
  if (config.role !== "api" && config.workers > 0) {
    const { executor, kind } = await makeExecutor(store, new RabbitEvents(link));
    engineKind = kind;
    const workers = new RabbitWorkers({
      link,
      store,
      executor,
      concurrency: config.workers,
      maxAttempts: config.maxAttempts,
      backoffBaseMs: config.backoffMs,
      log,
    });
    await workers.start();
    stops.push(() => workers.stop(config.drainMs));
  }
  stops.push(() => link.close());
  return { store, dispatcher, stops, ...(engineKind ? { engineKind } : {}) };
}

/** The embedded default: the journal, in-process workers woken by every submit. */
async function startEmbedded(
  config: ServiceConfig,
  log: Logger,
  makeExecutor: MakeExecutor,
): Promise<Started> {
  const { FileStore } = await import("./fileStore");
  const store = new FileStore({
    path: join(resolve(config.dataDir), "operations.jsonl"),
    retentionMs: config.retentionMs,
  });
  const { executor, kind } = await makeExecutor(store, {
    // No broker: events are structured log lines.
    publish: async (event) => log.info({ tenantEvent: event }, event.event),
  });
  const workers = new EmbeddedWorkers({
    store,
    executor,
    concurrency: Math.max(1, config.workers),
    maxAttempts: config.maxAttempts,
    backoffBaseMs: config.backoffMs,
    log,
  });
  workers.start();
  return {
    store,
    dispatcher: { dispatch: async () => workers.notify() },
    engineKind: kind,
    stops: [() => workers.stop(config.drainMs)],
  };
}

/** Bounded state: ended operations past their retention are forgotten hourly (and at every open). */
function startCompactor(store: OperationStore, log: Logger): () => Promise<void> {
  const compactor = setInterval(
    () =>
      void store.compact().catch((error: unknown) => log.warn({ err: String(error) }, "compaction failed")),
    3_600_000,
  );
  compactor.unref();
  return async () => clearInterval(compactor);
}

export async function startService(
  config: ServiceConfig,
  overrides: ServiceOverrides = {},
): Promise<RunningService> {
  const log = overrides.log ?? createLogger({ name: "tenant-service" });
  const metrics = new Metrics();
  const runsApi = config.role !== "worker";
  const secrets = config.secretKey
    ? new SecretBox(config.secretKey)
    : SecretBox.fromFile(join(resolve(config.dataDir), "service.key"));
  // Ended after the workers have drained (their running operations still call the engine).
  const engineCloses: (() => void)[] = [];
  const shared = { log, metrics, secrets, owner: `${hostname()}:${process.pid}` };
  const makeExecutor = executorFactory(config, overrides, shared, engineCloses);
  const started = config.broker
    ? await startBrokered(config, log, makeExecutor)
    : await startEmbedded(config, log, makeExecutor);
  const { store, dispatcher, stops, engineKind } = started;
  if (runsApi) stops.unshift(startCompactor(store, log));

  let app: HttpApp | undefined;
  let url: string | undefined;
  if (runsApi) {
    app = await buildHttpApp({ store, dispatcher, token: config.token, metrics, log, secrets });
    url = await app.listen({ port: config.port, host: config.host });
  }
  let stopping: Promise<void> | undefined;
  return {
    ...(app ? { app } : {}),
    ...(url ? { url } : {}),
    ...(engineKind ? { engineKind } : {}),
    store,
    stop: () =>
      (stopping ??= (async () => {
        await app?.close();
        for (const stop of stops) await stop();
        for (const close of engineCloses) close();
        await store.close();
      })()),
  };
}

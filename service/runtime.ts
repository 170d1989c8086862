/**
 * Starts the provisioning service from its config: the store (journal or MySQL), the workers
 * (in process, or RabbitMQ consumers), the HTTP API, and a graceful stop that ends the HTTP
 * server first, then lets running operations finish (or releases them after DRAIN_MS).
 */
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { runsWorkers, type ServiceConfig } from "./config";
import { EmbeddedWorkers } from "./embeddedWorkers";
import type { EventSink } from "./events";
import type { MakeExecutor, ServiceOverrides } from "./executorFactory";
import type { Dispatcher, HttpApp } from "./http";
import { LifecycleScheduler } from "./lifecycleScheduler";
import { createLogger, type Logger } from "./log";
import { Metrics } from "./metrics";
import { SecretBox } from "./secrets";
import type { OperationStore } from "./operations";

export type { ServiceOverrides } from "./executorFactory";

export interface RunningService {
  readonly app?: HttpApp;
  /** The address the API listens on. */
  readonly url?: string;
  readonly engineKind?: "local" | "offline";
  readonly store: OperationStore;
  stop(): Promise<void>;
}

/** What the store-and-workers half of a start leaves for the API half and the stop. */
interface Backend {
  readonly store: OperationStore;
  readonly dispatcher: Dispatcher;
  /** Where the API's lifecycle rounds publish (the workers publish their operations' own events). */
  readonly apiEvents: EventSink;
  readonly engineKind?: "local" | "offline";
}

interface StartContext {
  readonly config: ServiceConfig;
  readonly log: Logger;
  readonly runsApi: boolean;
  readonly runsWorkers: boolean;
  readonly makeExecutor: MakeExecutor;
  readonly stops: (() => Promise<void>)[];
}

/** Production: operations in MySQL, their ids over RabbitMQ, events on the platform exchange. */
async function startBrokerBackend(
  broker: NonNullable<ServiceConfig["broker"]>,
  context: StartContext,
): Promise<Backend> {
  const { config, log, runsApi, runsWorkers, makeExecutor, stops } = context;
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
  if (runsApi) {
    dispatcher.startSweeper(Math.max(1000, config.leaseMs), 2 * config.leaseMs);
    stops.push(async () => dispatcher.stop());
  }
  let engineKind: "local" | "offline" | undefined;
  if (runsWorkers) {
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
  return { store, dispatcher, apiEvents: new RabbitEvents(link), ...(engineKind ? { engineKind } : {}) };
}

/** Embedded: the journal, in-process workers, events as log lines. */
async function startEmbeddedBackend(context: StartContext): Promise<Backend> {
  const { config, log, makeExecutor, stops } = context;
  const { FileStore } = await import("./fileStore");
  const store = new FileStore({
    path: join(resolve(config.dataDir), "operations.jsonl"),
    retentionMs: config.retentionMs,
  });
  const apiEvents: EventSink = { publish: async (event) => log.info({ tenantEvent: event }, event.event) };
  const { executor, kind } = await makeExecutor(store, apiEvents);
  const workers = new EmbeddedWorkers({
    store,
    executor,
    concurrency: Math.max(1, config.workers),
    maxAttempts: config.maxAttempts,
    backoffBaseMs: config.backoffMs,
    log,
  });
  workers.start();
  stops.push(() => workers.stop(config.drainMs));
  return { store, dispatcher: { dispatch: async () => workers.notify() }, apiEvents, engineKind: kind };
}

/**
 * The API's periodic work: compaction (ended operations past their retention are forgotten
 * hourly, and at every open) and lifecycle rounds (reminders, suspensions, due downgrades; in
 * every API process, compare-and-set in the store). Returns the scheduler the routes use.
 */
function startApiRounds(backend: Backend, context: StartContext): LifecycleScheduler {
  const { store, dispatcher, apiEvents } = backend;
  const { log, config, stops } = context;
  const compactor = setInterval(
    () =>
      void store.compact().catch((error: unknown) => log.warn({ err: String(error) }, "compaction failed")),
    3_600_000,
  );
  compactor.unref();
  stops.unshift(async () => clearInterval(compactor));
  const lifecycle = new LifecycleScheduler({
    store,
    events: apiEvents,
    dispatch: (operation) => dispatcher.dispatch(operation),
    log,
  });
  stops.unshift(lifecycle.start(config.lifecycleTickMs));
  return lifecycle;
}

export async function startService(
  config: ServiceConfig,
  overrides: ServiceOverrides = {},
): Promise<RunningService> {
  const log = overrides.log ?? createLogger({ name: "tenant-service" });
  const metrics = new Metrics();
  const secrets = config.secretKey
    ? new SecretBox(config.secretKey)
    : SecretBox.fromFile(join(resolve(config.dataDir), "service.key"));
  // Ended after the workers have drained (their running operations still call the engine).
  const engineCloses: (() => void)[] = [];
  const owner = `${hostname()}:${process.pid}`;
  const context: StartContext = {
    config,
    log,
    runsApi: config.role !== "worker",
    runsWorkers: runsWorkers(config),
    // The engine, the Pulumi SDK and the restore library load only where workers run: an API
    // process starts without them (a third of the modules, most of the start's CPU).
    makeExecutor: async (store, events) => {
      const { executorFactory } = await import("./executorFactory");
      return executorFactory(config, overrides, { log, metrics, owner, secrets, engineCloses })(
        store,
        events,
      );
    },
    stops: [],
  };
  const backend = config.broker
    ? await startBrokerBackend(config.broker, context)
    : await startEmbeddedBackend(context);
  const { store, dispatcher, engineKind } = backend;

  let app: HttpApp | undefined;
  let url: string | undefined;
  if (context.runsApi) {
    const lifecycle = startApiRounds(backend, context);
    // Fastify and the routes load only where the API runs: a worker process, started again after
    // every fault, has no HTTP server to build (about 100 modules fewer).
    const { buildHttpApp } = await import("./http");
    app = await buildHttpApp({ store, dispatcher, token: config.token, metrics, log, secrets, lifecycle });
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
        for (const stop of context.stops) await stop();
        for (const close of engineCloses) close();
        await store.close();
      })()),
  };
}

/**
 * What a worker runs operations with: the engine, the TenantService over it, and the Executor
 * that claims operations from the store. Loaded only by processes that run workers
 * (service/runtime.ts): the TenantService, the erasure and the engine's modules (and with the
 * engine chosen, the Pulumi SDK) stay out of an API process.
 */
import { join, resolve } from "node:path";
import type { TenantEngine } from "../automation/engine";
import {
  erasureSetupFrom,
  objectStoreFromEnv,
  optional,
  volumeErasureFromEnv,
} from "../automation/erasure/environment";
import { TenantService } from "../automation/tenantService";
import type { ServiceConfig } from "./config";
import { engineSetup } from "./engines";
import type { EventSink } from "./events";
import { Executor, type RestoreHandler } from "./executor";
import type { Logger } from "./log";
import type { Metrics } from "./metrics";
import type { OperationStore } from "./operations";
import type { SecretBox } from "./secrets";

export interface ServiceOverrides {
  /** Wraps the configured engine (tests instrument it). */
  readonly wrapEngine?: (engine: TenantEngine) => TenantEngine;
  /** The restore library, wired by the integrator. */
  readonly restore?: RestoreHandler;
  readonly log?: Logger;
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

export type MakeExecutor = (
  store: OperationStore,
  events?: EventSink,
) => Promise<{ executor: Executor; kind: "local" | "offline" }>;

/** The TenantService and Executor each worker runs with (engine closes are collected for the stop). */
export function executorFactory(
  config: ServiceConfig,
  overrides: ServiceOverrides,
  shared: { log: Logger; metrics: Metrics; owner: string; secrets: SecretBox; engineCloses: (() => void)[] },
): MakeExecutor {
  const { log, metrics, owner, secrets, engineCloses } = shared;
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
      configTagKey: secrets.appliedConfigKey,
      erasure: await erasureSetupFrom({
        ...(config.eraseServers
          ? { mysql: config.mysql, ...(config.rabbitmq ? { rabbitmq: config.rabbitmq } : {}) }
          : {}),
        backups: config.backups,
        reportDir: join(resolve(config.dataDir), "erasures"),
        ...optional("volumes", volumeErasureFromEnv(process.env)),
        ...optional("objectStore", objectStoreFromEnv(process.env)),
      }),
      ...(setup.usage ? { usage: setup.usage } : {}),
    });
    const executor = new Executor({
      service,
      store,
      owner,
      leaseMs: config.leaseMs,
      log,
      metrics,
      secrets,
      ...(overrides.restore ? { restore: overrides.restore } : {}),
      ...(events ? { events } : {}),
    });
    return { executor, kind: setup.kind };
  };
}

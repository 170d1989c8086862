/**
 * The unauthenticated routes: liveness (200, saying whether it is degraded), readiness (503 when
 * degraded), Prometheus metrics and the OpenAPI document.
 */
import type { FastifyInstance } from "fastify";
import type { Dispatcher } from "../http";
import type { Metrics } from "../metrics";
import type { OperationStore } from "../operations";

/** What the health endpoints report: each dependency up or down. */
export async function dependencies(
  store: OperationStore,
  dispatcher: Dispatcher,
): Promise<Record<string, "up" | "down">> {
  const storeUp = await Promise.race([
    store.ping().then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000).unref()),
  ]);
  return { store: storeUp ? "up" : "down", ...(dispatcher.health ? dispatcher.health() : {}) };
}

export function healthRoutes(store: OperationStore, dispatcher: Dispatcher, metrics: Metrics) {
  return async (app: FastifyInstance) => {
    const health = async () => {
      const checks = await dependencies(store, dispatcher);
      const degraded = Object.values(checks).includes("down");
      return { ok: !degraded, status: degraded ? "degraded" : "ok", ...checks };
    };
    app.get("/healthz", { schema: { hide: true } }, health);
    app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
      const report = await health();
      return reply.code(report.ok ? 200 : 503).send(report);
    });
    app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
      const text = await metrics.render(store, dispatcher.queueDepth?.bind(dispatcher));
      return reply.type(metrics.contentType).send(text);
    });
  };
}

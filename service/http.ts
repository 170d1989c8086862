/**
 * The provisioning service's HTTP API (fastify), one plugin per route group: health and metrics
 * (routes/health.ts), tenants (routes/tenants.ts), operations and fleet (routes/operations.ts).
 * Every request that changes a tenant is stored as an operation before `202 Accepted` and run
 * later by a worker; the answer says where to watch it (`GET /operations/:id`). Bearer-token
 * authentication on every tenant and operation route; `Idempotency-Key` makes a retried request
 * return the first operation.
 */
import { hash, timingSafeEqual } from "node:crypto";
import swagger from "@fastify/swagger";
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type HookHandlerDoneFunction,
} from "fastify";
import { answerError, refuse } from "./httpErrors";
import type { Logger } from "./log";
import type { Metrics } from "./metrics";
import type { Operation, OperationStore } from "./operations";
import type { LifecycleScheduler } from "./lifecycleScheduler";
import { healthRoutes } from "./routes/health";
import { lifecycleRoutes } from "./routes/lifecycle";
import { operationRoutes } from "./routes/operations";
import { submitter } from "./routes/submitter";
import { tenantRoutes } from "./routes/tenants";
import type { SecretBox } from "./secrets";

export { dependencies } from "./routes/health";
export { operationView } from "./routes/submitter";
export { restoreRequestJsonSchema, tenantRequestJsonSchema } from "./routes/tenants";

/** Hands a stored operation to the workers (wakes the in-process loops, or publishes to the broker). */
export interface Dispatcher {
  dispatch(operation: Operation): Promise<void>;
  /** Operations waiting in the broker, when there is one. */
  queueDepth?(): Promise<number>;
  /** Whether the broker can take operations now, when there is one. */
  health?(): { readonly broker: "up" | "down" };
}

export interface HttpOptions {
  readonly store: OperationStore;
  readonly dispatcher: Dispatcher;
  /** The bearer token clients must send. */
  readonly token: string;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Seals a request's credentials before it is stored (service/secrets.ts). */
  readonly secrets: SecretBox;
  /** The lifecycle's requests (scheduled downgrades, grace periods, erasure); without it, those routes are absent. */
  readonly lifecycle?: LifecycleScheduler;
  /** Largest accepted body. Default 64 KiB. */
  readonly bodyLimit?: number;
  /**
   * How long a connection may send nothing (a stalled body, an idle client) before it is closed.
   * Default 10 s; a whole request must also arrive within 30 s, however slowly it trickles.
   */
  readonly stallTimeoutMs?: number;
}

/** One-shot digest: no Hash object per request (a third of the check's cost with createHash). Node 20.12+. */
const sha256 = (s: string) => hash("sha256", s, "buffer");

/** The bearer-token check: constant time, compared as digests (lengths never leak), the expected one computed once. */
function bearerAuth(expected: string) {
  const wanted = sha256(expected);
  // A callback hook, not an async one: no promise per request.
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const header = request.headers.authorization ?? "";
    const token = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
    if (token && timingSafeEqual(sha256(token), wanted)) return done();
    reply.header("www-authenticate", 'Bearer realm="tenant-service"');
    done(
      refuse(
        "unauthorized",
        "a valid bearer token is required (Authorization: Bearer <TENANT_SERVICE_TOKEN>)",
      ),
    );
  };
}

function createApp(options: HttpOptions): FastifyInstance {
  return Fastify({
    loggerInstance: options.log,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    connectionTimeout: options.stallTimeoutMs ?? 10_000,
    requestTimeout: 30_000,
    // Validate, never fix up: no defaults filled in, unknown fields refused, no type coercion.
    ajv: {
      customOptions: { removeAdditional: false, useDefaults: false, coerceTypes: false, allErrors: true },
    },
  }) as unknown as FastifyInstance;
}

export async function buildHttpApp(options: HttpOptions) {
  const { store, dispatcher, metrics } = options;
  const app = createApp(options);
  await app.register(swagger, {
    openapi: {
      info: { title: "Collect & Verything tenant provisioning service", version: "1.0.0" },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
  });
  app.setErrorHandler(answerError);
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: { outcome: "not-found", message: `no route ${request.method} ${request.url}` } }),
  );
  app.get("/openapi.json", { schema: { hide: true } }, () => app.swagger());
  await app.register(healthRoutes(store, dispatcher, metrics));
  // Everything below needs the token.
  const s = submitter(options);
  await app.register(async (api) => {
    api.addHook("onRequest", bearerAuth(options.token));
    await api.register(tenantRoutes(s, store));
    await api.register(operationRoutes(s, store));
    if (options.lifecycle) await api.register(lifecycleRoutes(store, options.lifecycle));
  });
  return app;
}
export type HttpApp = Awaited<ReturnType<typeof buildHttpApp>>;

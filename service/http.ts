/**
 * The provisioning service's HTTP API (fastify). Every request that changes a tenant is stored
 * as an operation before `202 Accepted` and run later by a worker; the answer says where to
 * watch it (`GET /operations/:id`). Bearer-token authentication on every tenant and operation
 * route; `Idempotency-Key` makes a retried request return the first operation. Request bodies
 * are checked against JSON schemas generated from the stack config's own valibot schema, then
 * by that schema itself (the tier rules), so nothing invalid is ever stored.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import swagger from "@fastify/swagger";
import { toJsonSchema } from "@valibot/to-json-schema";
import Fastify, { type FastifyError, type FastifyReply } from "fastify";
import { toStackConfig } from "../automation/requestConfig";
import { loadsBackup, parseRestoreRequest, restoreRequestSchema } from "../automation/restoreRequest";
import { tenantConfigSchema } from "../stacks/config";
import { TIER_NAMES } from "../tiers";
import { LifecycleRefusedError } from "./lifecycle";
import type { LifecycleScheduler } from "./lifecycleScheduler";
import { registerLifecycleRoutes } from "./lifecycleRoutes";
import type { Logger } from "./log";
import type { Metrics } from "./metrics";
import {
  IdempotencyConflictError,
  OPERATION_KINDS,
  redactedPayload,
  type NewOperation,
  type Operation,
  type OperationError,
  type OperationStore,
} from "./operations";
import { HTTP_STATUS, toOperationError } from "./outcomes";
import type { SecretBox } from "./secrets";
import { conflictOf, projectedState } from "./tenantState";

/** Hands a stored operation to the workers (wakes the in-process loops, or publishes to the broker). */
export interface Dispatcher {
  dispatch(operation: Operation): Promise<void>;
  /** Operations waiting in the broker, when there is one. */
  queueDepth?(): Promise<number>;
  /** Whether the broker can take operations now, when there is one. */
  health?(): { readonly broker: "up" | "down" };
}

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

/** A store error that means "unreachable right now" (the client should retry), not a bug. */
function unavailable(error: unknown): boolean {
  const e = error as { code?: unknown; fatal?: unknown; outcome?: unknown };
  return (
    e.outcome === "unavailable" ||
    e.fatal === true ||
    (typeof e.code === "string" &&
      /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|PROTOCOL_CONNECTION_LOST|ER_CON_COUNT_ERROR|ER_SERVER_SHUTDOWN|ER_CONNECTION_KILLED)$/.test(
        e.code,
      ))
  );
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
  /** The lifecycle's requests (scheduled downgrades, grace periods); without it, those routes are absent. */
  readonly lifecycle?: LifecycleScheduler;
  /** Largest accepted body. Default 64 KiB. */
  readonly bodyLimit?: number;
  /**
   * How long a connection may send nothing (a stalled body, an idle client) before it is closed.
   * Default 10 s; a whole request must also arrive within 30 s, however slowly it trickles.
   */
  readonly stallTimeoutMs?: number;
}

const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,200}$/;

const errorSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["outcome", "message"],
      properties: {
        outcome: { type: "string" },
        message: { type: "string" },
        details: { type: "object", additionalProperties: true },
      },
    },
  },
} as const;

const operationSchema = {
  type: "object",
  additionalProperties: true,
  properties: {
    id: { type: "string" },
    tenantId: { type: "string" },
    kind: { type: "string", enum: [...OPERATION_KINDS] },
    status: { type: "string", enum: ["queued", "running", "succeeded", "failed"] },
  },
} as const;

const tenantParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", maxLength: 63 } },
} as const;
const idempotencyHeader = {
  type: "object",
  properties: { "idempotency-key": { type: "string", pattern: IDEMPOTENCY_KEY.source } },
} as const;
const accepted = {
  202: { type: "object", properties: { operation: operationSchema } },
  "4xx": errorSchema,
} as const;

/** The tenant request's JSON schema, from the valibot schema the stack config is parsed with. */
export function tenantRequestJsonSchema(): Record<string, unknown> {
  // Checks valibot cannot express in JSON schema (tenant id rules, tier rules) run in the handler.
  const schema: Record<string, unknown> = { ...toJsonSchema(tenantConfigSchema, { errorMode: "ignore" }) };
  delete schema["$schema"];
  return schema;
}

/** The restore request's JSON schema, from the valibot schema the restore library parses it with. */
export function restoreRequestJsonSchema(): Record<string, unknown> {
  // Whose backup it names and whether `to` is past are checked in the handler.
  const schema: Record<string, unknown> = { ...toJsonSchema(restoreRequestSchema, { errorMode: "ignore" }) };
  delete schema["$schema"];
  return schema;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: OperationError,
  ) {
    super(body.message);
  }
}

/** The operation as clients see it: credentials in its request are never sent back. */
export function operationView(operation: Operation): Operation {
  return { ...operation, payload: redactedPayload(operation.payload) };
}

const refuse = (outcome: string, message: string, details?: Record<string, unknown>) =>
  new HttpError(HTTP_STATUS[outcome] ?? 400, { outcome, message, ...(details ? { details } : {}) });

/** An ajv error's field in the config's own notation ("sites[1].customDomains", "images.tag"). */
function validationField(
  context: string | undefined,
  instancePath: string,
  params: Record<string, unknown>,
): string {
  const named = params["additionalProperty"] ?? params["missingProperty"];
  const parts = [...instancePath.split("/").filter(Boolean), ...(typeof named === "string" ? [named] : [])];
  const path = parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
  return context && context !== "body" ? `${context}${path ? `.${path}` : ""}` : path || "(body)";
}

function sameToken(given: string, expected: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export async function buildHttpApp(options: HttpOptions) {
  const { store, dispatcher, metrics } = options;
  const app = Fastify({
    loggerInstance: options.log,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    connectionTimeout: options.stallTimeoutMs ?? 10_000,
    requestTimeout: 30_000,
    // Validate, never fix up: no defaults filled in, unknown fields refused, no type coercion.
    ajv: {
      customOptions: { removeAdditional: false, useDefaults: false, coerceTypes: false, allErrors: true },
    },
  });
  await app.register(swagger, {
    openapi: {
      info: { title: "Collect & Verything tenant provisioning service", version: "1.0.0" },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
  });

  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) return reply.code(error.status).send({ error: error.body });
    if (error instanceof LifecycleRefusedError)
      return reply
        .code(HTTP_STATUS[error.outcome] ?? 409)
        .send({ error: { outcome: error.outcome, message: error.message } });
    if (error.validation) {
      const problems = error.validation.map((v) => ({
        field: validationField(error.validationContext, v.instancePath, v.params),
        message: v.message ?? "is invalid",
      }));
      return reply.code(400).send({
        error: {
          outcome: "invalid",
          message: problems.map((p) => `${p.field}: ${p.message}`).join("; "),
          details: { problems },
        },
      });
    }
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE")
      return reply.code(413).send({ error: { outcome: "payload-too-large", message: error.message } });
    if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE")
      return reply.code(415).send({ error: { outcome: "unsupported-media-type", message: error.message } });
    if (error.statusCode && error.statusCode < 500)
      return reply.code(error.statusCode).send({ error: { outcome: "invalid", message: error.message } });
    if (unavailable(error)) {
      request.log.warn({ err: error.message }, "store unavailable");
      return reply
        .code(503)
        .header("retry-after", "5")
        .send({
          error: { outcome: "unavailable", message: "the operation store is unreachable; retry later" },
        });
    }
    request.log.error({ err: error }, "request failed");
    return reply.code(500).send({ error: { outcome: "error", message: "internal error" } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: { outcome: "not-found", message: `no route ${request.method} ${request.url}` } }),
  );

  app.get("/openapi.json", { schema: { hide: true } }, () => app.swagger());
  // Liveness: the process answers (200), saying whether it is degraded; readiness: 503 when degraded.
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
  app.get("/metrics", { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type("text/plain; version=0.0.4")
      .send(await metrics.render(store, dispatcher.queueDepth?.bind(dispatcher))),
  );

  // Everything below needs the token.
  await app.register(async (api) => {
    api.addHook("onRequest", async (request, reply: FastifyReply) => {
      const header = request.headers.authorization ?? "";
      const token = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
      if (!token || !sameToken(token, options.token)) {
        reply.header("www-authenticate", 'Bearer realm="tenant-service"');
        throw refuse(
          "unauthorized",
          "a valid bearer token is required (Authorization: Bearer <TENANT_SERVICE_TOKEN>)",
        );
      }
    });

    const submit = async (
      request: { headers: Record<string, unknown> },
      reply: FastifyReply,
      operation: Omit<NewOperation, "idempotencyKey">,
    ) => {
      const key = request.headers["idempotency-key"];
      // The scheduler's own keys (service/lifecycleScheduler.ts): a client must not take one first.
      if (typeof key === "string" && key.startsWith("lifecycle:"))
        throw refuse("invalid", "idempotency keys starting with lifecycle: are the service's own");
      let stored: { operation: Operation; created: boolean };
      try {
        const plain = { ...operation, ...(typeof key === "string" ? { idempotencyKey: key } : {}) };
        // Stored sealed: the credentials are opened only by the worker that runs the operation.
        stored = await store.submit(
          {
            ...plain,
            payload: options.secrets.seal(operation.payload),
            digest: options.secrets.digest(plain),
          },
          () => admit(operation),
        );
      } catch (error) {
        if (error instanceof IdempotencyConflictError) throw refuse(error.outcome, error.message);
        throw error;
      }
      if (stored.created) await dispatcher.dispatch(stored.operation);
      else reply.header("idempotent-replayed", "true");
      return reply
        .code(202)
        .header("location", `/operations/${stored.operation.id}`)
        .send({ operation: operationView(stored.operation) });
    };

    // A new request (not a replay) must fit the state the tenant's pending operations lead to.
    const admit = async (operation: Omit<NewOperation, "idempotencyKey">) => {
      const pending = await store.pending(operation.tenantId);
      const purge = pending.find((o) => o.kind === "purge");
      if (purge)
        throw refuse("conflict", `tenant ${operation.tenantId} is being purged (operation ${purge.id})`);
      if (operation.kind === "purge" && pending.length > 0)
        throw refuse(
          "conflict",
          `tenant ${operation.tenantId} has ${pending.length} pending operation(s): it is not purged`,
        );
      const conflict = conflictOf(projectedState(await store.tenant(operation.tenantId), pending), operation);
      if (conflict) throw refuse("conflict", `tenant ${operation.tenantId}: ${conflict}`);
    };

    const knownTenant = async (tenantId: string) => {
      const tenant = await store.tenant(tenantId);
      if (!tenant) throw refuse("not-found", `tenant ${tenantId} is unknown to this service`);
      return tenant;
    };

    api.post<{ Body: Record<string, unknown> }>(
      "/tenants",
      {
        schema: {
          summary: "Provision a tenant (or update its config)",
          headers: idempotencyHeader,
          body: tenantRequestJsonSchema(),
          response: accepted,
        },
      },
      async (request, reply) => {
        try {
          toStackConfig(request.body);
        } catch (error) {
          throw new HttpError(400, toOperationError(error));
        }
        const tenantId = request.body["tenantId"] as string;
        return submit(request, reply, { tenantId, kind: "provision", payload: request.body });
      },
    );

    api.get<{ Params: { id: string } }>(
      "/tenants/:id",
      { schema: { summary: "A tenant's tier, status, outputs and last operation", params: tenantParams } },
      async (request) => {
        const tenant = await knownTenant(request.params.id);
        const last = await store.latestOperation(tenant.tenantId);
        return {
          ...tenant,
          lastOperation: last
            ? {
                id: last.id,
                kind: last.kind,
                status: last.status,
                ...(last.error ? { error: last.error } : {}),
              }
            : null,
        };
      },
    );

    api.post<{ Params: { id: string }; Body: { tier: string } }>(
      "/tenants/:id/tier",
      {
        schema: {
          summary: "Change a tenant's tier (a refused downgrade ends with the pre-flight report)",
          params: tenantParams,
          headers: idempotencyHeader,
          body: {
            type: "object",
            required: ["tier"],
            additionalProperties: false,
            properties: { tier: { type: "string", enum: [...TIER_NAMES] } },
          },
          response: accepted,
        },
      },
      async (request, reply) => {
        const tenant = await knownTenant(request.params.id);
        return submit(request, reply, {
          tenantId: tenant.tenantId,
          kind: "change-tier",
          payload: { tier: request.body.tier },
        });
      },
    );

    api.delete<{ Params: { id: string }; Querystring: { retainDays?: number } }>(
      "/tenants/:id",
      {
        schema: {
          summary: "Deprovision a tenant: final backup, data retained for retainDays (default 30)",
          params: tenantParams,
          headers: idempotencyHeader,
          querystring: {
            type: "object",
            additionalProperties: false,
            properties: { retainDays: { type: "integer", minimum: 0, maximum: 3650 } },
          },
          response: accepted,
        },
        // A query string is text: let "30" be the integer 30 here (and only here).
        preValidation: async (request) => {
          const q = request.query as Record<string, unknown>;
          if (typeof q["retainDays"] === "string" && /^\d+$/.test(q["retainDays"]))
            q["retainDays"] = Number(q["retainDays"]);
        },
      },
      async (request, reply) => {
        const tenant = await knownTenant(request.params.id);
        return submit(request, reply, {
          tenantId: tenant.tenantId,
          kind: "deprovision",
          payload: request.query.retainDays !== undefined ? { retainDays: request.query.retainDays } : {},
        });
      },
    );

    api.post<{ Params: { id: string }; Body: Record<string, unknown> | undefined }>(
      "/tenants/:id/restore",
      {
        schema: {
          summary:
            "Restore a tenant: {} takes a deprovisioned tenant back within its retention window; {backup, to?} (or {to}) loads a backup into an active or deprovisioned tenant",
          params: tenantParams,
          headers: idempotencyHeader,
          body: restoreRequestJsonSchema(),
          response: accepted,
        },
      },
      async (request, reply) => {
        const body = request.body ?? {};
        const tenant = await knownTenant(request.params.id);
        if (loadsBackup(body)) {
          try {
            parseRestoreRequest(tenant.tenantId, body);
          } catch (error) {
            throw new HttpError(400, toOperationError(error));
          }
        }
        return submit(request, reply, { tenantId: tenant.tenantId, kind: "restore", payload: body });
      },
    );

    api.post<{ Params: { id: string } }>(
      "/tenants/:id/purge",
      {
        schema: {
          summary:
            "Destroy a deprovisioned tenant whose retention window has passed (refused for an active tenant or one with pending operations; judged again on the stack's tags when it runs)",
          params: tenantParams,
          headers: idempotencyHeader,
          response: accepted,
        },
      },
      async (request, reply) => {
        const tenant = await knownTenant(request.params.id);
        if (tenant.status === "retained" && tenant.retainUntil && Date.parse(tenant.retainUntil) > Date.now())
          throw refuse(
            "conflict",
            `tenant ${tenant.tenantId} is retained until ${tenant.retainUntil}: its data is kept until then`,
          );
        return submit(request, reply, { tenantId: tenant.tenantId, kind: "purge", payload: {} });
      },
    );

    api.post<{ Params: { command: "preview" | "up" }; Body: { tier?: string; tenants?: string[] } }>(
      "/fleet/:command",
      {
        schema: {
          summary:
            "Preview or update every active tenant (or those of a tier, or those listed): one operation per tenant, run by the workers",
          params: {
            type: "object",
            required: ["command"],
            properties: { command: { type: "string", enum: ["preview", "up"] } },
          },
          headers: idempotencyHeader,
          body: {
            type: "object",
            additionalProperties: false,
            properties: {
              tier: { type: "string", enum: [...TIER_NAMES] },
              tenants: { type: "array", items: { type: "string", maxLength: 63 }, maxItems: 10_000 },
            },
          },
        },
      },
      async (request, reply) => {
        const { tier, tenants } = request.body ?? {};
        const wanted = tenants ? new Set(tenants) : undefined;
        const chosen = (await store.listTenants()).filter(
          (t) => t.status === "active" && (!tier || t.tier === tier) && (!wanted || wanted.has(t.tenantId)),
        );
        const key = request.headers["idempotency-key"];
        const kind = request.params.command === "up" ? "update" : "preview";
        const operations = [];
        for (const t of chosen) {
          const stored = await store.submit({
            tenantId: t.tenantId,
            kind,
            payload: {},
            ...(typeof key === "string" ? { idempotencyKey: `${key}:${t.tenantId}` } : {}),
          });
          if (stored.created) await dispatcher.dispatch(stored.operation);
          operations.push({ tenantId: t.tenantId, id: stored.operation.id });
        }
        return reply.code(202).send({ fleet: { command: request.params.command, operations } });
      },
    );

    if (options.lifecycle) registerLifecycleRoutes(api, store, options.lifecycle);

    api.get<{ Params: { id: string } }>(
      "/operations/:id",
      {
        schema: {
          summary: "An operation's progress, log lines and outcome",
          params: { type: "object", required: ["id"], properties: { id: { type: "string", maxLength: 64 } } },
        },
      },
      async (request) => {
        const operation = await store.get(request.params.id);
        if (!operation) throw refuse("not-found", `no operation ${request.params.id}`);
        return { operation: operationView(operation), log: await store.logLines(operation.id) };
      },
    );
  });
  return app;
}
export type HttpApp = Awaited<ReturnType<typeof buildHttpApp>>;

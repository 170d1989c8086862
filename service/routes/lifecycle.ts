/**
 * The lifecycle's API (service/lifecycleScheduler.ts), for the billing system: schedule or
 * cancel a downgrade at the end of the billing period, open a grace period when a payment fails
 * and cancel it when the payment arrives; ask for and confirm an early (GDPR) erasure. Registered
 * inside the token-protected scope.
 */
import type { FastifyInstance } from "fastify";
import { TIER_NAMES } from "../../tiers";
import { REFERENCE_PATTERN } from "../erasureRequests";
import { LifecycleRefusedError } from "../lifecycle";
import type { LifecycleAnswer, LifecycleScheduler } from "../lifecycleScheduler";
import type { OperationStore } from "../operations";
import { tenantParams } from "./schemas";

const answerSchema = {
  200: {
    type: "object",
    additionalProperties: true,
    properties: { lifecycle: { type: "object", additionalProperties: true } },
  },
  201: {
    type: "object",
    additionalProperties: true,
    properties: { lifecycle: { type: "object", additionalProperties: true } },
  },
} as const;

function view(tenantId: string, answer: LifecycleAnswer) {
  return {
    tenantId,
    lifecycle: answer.state,
    ...(answer.operation ? { operation: { id: answer.operation.id, kind: answer.operation.kind } } : {}),
  };
}

type Known = (tenantId: string) => Promise<string>;

/** The lifecycle routes, as one plugin. */
export function lifecycleRoutes(store: OperationStore, scheduler: LifecycleScheduler) {
  return async (api: FastifyInstance) => registerLifecycleRoutes(api, store, scheduler);
}

function registerLifecycleRoutes(
  api: FastifyInstance,
  store: OperationStore,
  scheduler: LifecycleScheduler,
): void {
  const known: Known = async (tenantId) => {
    if (!(await store.tenant(tenantId)))
      throw new LifecycleRefusedError("not-found", `tenant ${tenantId} is unknown to this service`);
    return tenantId;
  };
  registerDowngradeRoutes(api, scheduler, known);
  registerGraceRoutes(api, scheduler, known);
  registerErasureRoutes(api, scheduler, known);

  api.get<{ Params: { id: string } }>(
    "/tenants/:id/lifecycle",
    { schema: { summary: "A tenant's scheduled downgrade and grace period", params: tenantParams } },
    async (request) => {
      const id = await known(request.params.id);
      const record = await store.lifecycle(id);
      return { tenantId: id, lifecycle: record?.state ?? {}, revision: record?.revision ?? 0 };
    },
  );
}

function registerDowngradeRoutes(api: FastifyInstance, scheduler: LifecycleScheduler, known: Known): void {
  api.put<{ Params: { id: string }; Body: { tier: string; at: string } }>(
    "/tenants/:id/scheduled-tier",
    {
      schema: {
        summary:
          "Schedule a downgrade for `at` (the end of the billing period; replaces an earlier one). An upgrade is asked for now: POST /tenants/:id/tier",
        params: tenantParams,
        body: {
          type: "object",
          required: ["tier", "at"],
          additionalProperties: false,
          properties: {
            tier: { type: "string", enum: [...TIER_NAMES] },
            at: { type: "string", maxLength: 40 },
          },
        },
        response: answerSchema,
      },
    },
    async (request) =>
      view(
        request.params.id,
        await scheduler.scheduleDowngrade(await known(request.params.id), request.body.tier, request.body.at),
      ),
  );

  api.delete<{ Params: { id: string } }>(
    "/tenants/:id/scheduled-tier",
    { schema: { summary: "Cancel a scheduled downgrade", params: tenantParams, response: answerSchema } },
    async (request) =>
      view(request.params.id, await scheduler.cancelDowngrade(await known(request.params.id))),
  );
}

function registerGraceRoutes(api: FastifyInstance, scheduler: LifecycleScheduler, known: Known): void {
  api.post<{ Params: { id: string }; Body: { reason?: string } | undefined }>(
    "/tenants/:id/grace",
    {
      schema: {
        summary:
          "A payment failed: open a 30-day grace period (reminders on days 7, 14, 21, 28 and 24 h before its end, then suspension). 201 when opened, 200 when one was already open",
        params: tenantParams,
        body: {
          type: "object",
          additionalProperties: false,
          properties: { reason: { type: "string", pattern: "^[a-z0-9-]{1,64}$" } },
        },
        response: answerSchema,
      },
    },
    async (request, reply) => {
      const id = await known(request.params.id);
      const answer = await scheduler.openGracePeriod(id, request.body?.reason ?? "payment-failed");
      return reply.code(answer.opened ? 201 : 200).send(view(id, answer));
    },
  );

  api.delete<{ Params: { id: string } }>(
    "/tenants/:id/grace",
    {
      schema: {
        summary:
          "The payment arrived: close the grace period, or restore the tenant it suspended (the restore operation is returned)",
        params: tenantParams,
        response: answerSchema,
      },
    },
    async (request) =>
      view(request.params.id, await scheduler.cancelGracePeriod(await known(request.params.id))),
  );
}

/**
 * An erasure before the window ends (GDPR): the request answers a one-time code (shown once);
 * the confirmation with it, within 24 h, submits the purge (docs/tenant-lifecycle.md).
 */
function registerErasureRoutes(api: FastifyInstance, scheduler: LifecycleScheduler, known: Known): void {
  api.post<{ Params: { id: string }; Body: { reference: string } }>(
    "/tenants/:id/erasure",
    {
      schema: {
        summary:
          "Ask to erase a deprovisioned tenant before its retention window ends (GDPR); answers the one-time confirmation code",
        params: tenantParams,
        body: {
          type: "object",
          required: ["reference"],
          additionalProperties: false,
          properties: { reference: { type: "string", pattern: REFERENCE_PATTERN.source } },
        },
      },
    },
    async (request, reply) => {
      const id = await known(request.params.id);
      const answer = await scheduler.requestErasure(id, request.body.reference);
      return reply.code(201).send({
        tenantId: id,
        confirmationCode: answer.code,
        expiresAt: answer.state.erasure?.expiresAt,
      });
    },
  );

  api.post<{ Params: { id: string }; Body: { code: string } }>(
    "/tenants/:id/erasure/confirm",
    {
      schema: {
        summary: "Confirm an erasure request with its code: the purge that erases the tenant is submitted",
        params: tenantParams,
        body: {
          type: "object",
          required: ["code"],
          additionalProperties: false,
          properties: { code: { type: "string", maxLength: 64 } },
        },
      },
    },
    async (request, reply) => {
      const answer = await scheduler.confirmErasure(await known(request.params.id), request.body.code);
      return reply
        .code(202)
        .header("location", `/operations/${answer.operation?.id ?? ""}`)
        .send(view(request.params.id, answer));
    },
  );
}

/**
 * The lifecycle's API (service/lifecycleScheduler.ts), for the billing system: schedule or
 * cancel a downgrade at the end of the billing period, open a grace period when a payment fails
 * and cancel it when the payment arrives. Registered inside the token-protected scope.
 */
import type { FastifyInstance } from "fastify";
import { TIER_NAMES } from "../tiers";
import { LifecycleRefusedError } from "./lifecycle";
import type { LifecycleAnswer, LifecycleScheduler } from "./lifecycleScheduler";
import type { OperationStore } from "./operations";

const tenantParams = {
  type: "object",
  required: ["id"],
  properties: { id: { type: "string", maxLength: 63 } },
} as const;

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

export function registerLifecycleRoutes(
  api: FastifyInstance,
  store: OperationStore,
  scheduler: LifecycleScheduler,
): void {
  const known = async (tenantId: string) => {
    if (!(await store.tenant(tenantId)))
      throw new LifecycleRefusedError("not-found", `tenant ${tenantId} is unknown to this service`);
    return tenantId;
  };

  api.get<{ Params: { id: string } }>(
    "/tenants/:id/lifecycle",
    { schema: { summary: "A tenant's scheduled downgrade and grace period", params: tenantParams } },
    async (request) => {
      const id = await known(request.params.id);
      const record = await store.lifecycle(id);
      return { tenantId: id, lifecycle: record?.state ?? {}, revision: record?.revision ?? 0 };
    },
  );

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

/** The operation routes: one operation's progress and log, and fleet-wide previews and updates. */
import type { FastifyInstance } from "fastify";
import { TIER_NAMES } from "../../tiers";
import { refuse } from "../httpErrors";
import type { OperationStore } from "../operations";
import { idempotencyHeader } from "./schemas";
import { operationView, type Submitter } from "./submitter";

function readOperation(api: FastifyInstance, store: OperationStore): void {
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
}

const fleetSchema = {
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
} as const;

function fleet(api: FastifyInstance, s: Submitter, store: OperationStore): void {
  api.post<{ Params: { command: "preview" | "up" }; Body: { tier?: string; tenants?: string[] } }>(
    "/fleet/:command",
    { schema: fleetSchema },
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
        if (stored.created) await s.dispatcher.dispatch(stored.operation);
        operations.push({ tenantId: t.tenantId, id: stored.operation.id });
      }
      return reply.code(202).send({ fleet: { command: request.params.command, operations } });
    },
  );
}

/** The operation and fleet routes, as one plugin. */
export function operationRoutes(s: Submitter, store: OperationStore) {
  return async (api: FastifyInstance) => {
    readOperation(api, store);
    fleet(api, s, store);
  };
}

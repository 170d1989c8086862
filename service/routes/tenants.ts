/**
 * The tenant routes: signup (or config update), read, tier change, deprovision, restore, purge.
 * Each stores an operation and answers 202 (routes/submitter.ts); a signup is checked against the
 * JSON schema generated from the stack config's valibot schema, then by that schema itself (the
 * tier rules), so nothing invalid is ever stored.
 */
import { toJsonSchema } from "@valibot/to-json-schema";
import type { FastifyInstance } from "fastify";
import { loadsBackup, parseRestoreRequest, restoreRequestSchema } from "../../automation/restoreRequest";
import { parseTenantConfig, tenantConfigSchema } from "../../stacks/config";
import { TIER_NAMES } from "../../tiers";
import { takenCustomDomain } from "../domainClaims";
import { HttpError, refuse } from "../httpErrors";
import type { Operation, OperationStore, TenantRecord } from "../operations";
import { toOperationError } from "../outcomes";
import { accepted, idempotencyHeader, tenantParams } from "./schemas";
import type { Submitter } from "./submitter";

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

/** The tier rules and every check the JSON schema cannot express; a 400 naming the field. */
function validateTenantRequest(body: Record<string, unknown>): void {
  try {
    parseTenantConfig({ ...body });
  } catch (error) {
    throw new HttpError(400, toOperationError(error));
  }
}

function signup(api: FastifyInstance, s: Submitter, store: OperationStore): void {
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
      validateTenantRequest(request.body);
      const tenantId = request.body["tenantId"] as string;
      const taken = await takenCustomDomain(store, tenantId, request.body);
      if (taken) throw refuse(taken.outcome, taken.message, taken.details);
      return s.submit(request, reply, { tenantId, kind: "provision", payload: request.body });
    },
  );
}

/**
 * The JSON of each tenant view made, by the record it was made from. Stores never change a
 * returned record or operation in place (their fields are readonly; the journal makes a new
 * object per change), so the same record with the same last operation has the same view: a
 * repeated read of the journal's state is not serialized again (its outputs, about 1 KB, were a
 * fifth of the read's CPU). A store answering new objects every time (MySQL) never hits.
 */
const views = new WeakMap<TenantRecord, { readonly last: Operation | undefined; readonly json: string }>();

function tenantView(tenant: TenantRecord, last: Operation | undefined): string {
  const made = views.get(tenant);
  if (made && made.last === last) return made.json;
  const json = JSON.stringify({
    ...tenant,
    lastOperation: last
      ? { id: last.id, kind: last.kind, status: last.status, ...(last.error ? { error: last.error } : {}) }
      : null,
  });
  views.set(tenant, { last, json });
  return json;
}

function readTenant(api: FastifyInstance, s: Submitter, store: OperationStore): void {
  api.get<{ Params: { id: string } }>(
    "/tenants/:id",
    { schema: { summary: "A tenant's tier, status, outputs and last operation", params: tenantParams } },
    async (request, reply) => {
      // Both reads at once (one round trip, not two, against a database).
      const [tenant, last] = await Promise.all([
        s.knownTenant(request.params.id),
        store.latestOperation(request.params.id),
      ]);
      return reply.type("application/json; charset=utf-8").send(tenantView(tenant, last));
    },
  );
}

function changeTier(api: FastifyInstance, s: Submitter): void {
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
      const tenant = await s.knownTenant(request.params.id);
      return s.submit(request, reply, {
        tenantId: tenant.tenantId,
        kind: "change-tier",
        payload: { tier: request.body.tier },
      });
    },
  );
}

function deprovision(api: FastifyInstance, s: Submitter): void {
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
      const tenant = await s.knownTenant(request.params.id);
      return s.submit(request, reply, {
        tenantId: tenant.tenantId,
        kind: "deprovision",
        payload: request.query.retainDays !== undefined ? { retainDays: request.query.retainDays } : {},
      });
    },
  );
}

function restore(api: FastifyInstance, s: Submitter): void {
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
      const tenant = await s.knownTenant(request.params.id);
      if (loadsBackup(body)) {
        try {
          parseRestoreRequest(tenant.tenantId, body);
        } catch (error) {
          throw new HttpError(400, toOperationError(error));
        }
      }
      return s.submit(request, reply, { tenantId: tenant.tenantId, kind: "restore", payload: body });
    },
  );
}

function purge(api: FastifyInstance, s: Submitter): void {
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
      const tenant = await s.knownTenant(request.params.id);
      if (tenant.status === "retained" && tenant.retainUntil && Date.parse(tenant.retainUntil) > Date.now())
        throw refuse(
          "conflict",
          `tenant ${tenant.tenantId} is retained until ${tenant.retainUntil}: its data is kept until then`,
        );
      return s.submit(request, reply, { tenantId: tenant.tenantId, kind: "purge", payload: {} });
    },
  );
}

/** The tenant routes, as one plugin. */
export function tenantRoutes(s: Submitter, store: OperationStore) {
  return async (api: FastifyInstance) => {
    signup(api, s, store);
    readTenant(api, s, store);
    changeTier(api, s);
    deprovision(api, s);
    restore(api, s);
    purge(api, s);
  };
}

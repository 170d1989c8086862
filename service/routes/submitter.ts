/**
 * What every route that changes a tenant shares: the request stored as an operation (credentials
 * sealed, keyed digest for idempotent replays) once it fits the state the tenant's pending
 * operations lead to, handed to the workers, answered 202 with where to watch it.
 */
import type { FastifyReply } from "fastify";
import type { Dispatcher, HttpOptions } from "../http";
import { refuse } from "../httpErrors";
import {
  IdempotencyConflictError,
  redactedPayload,
  type NewOperation,
  type Operation,
  type TenantRecord,
} from "../operations";
import { conflictOf, projectedState } from "../tenantState";

/** The operation as clients see it: credentials in its request are never sent back. */
export function operationView(operation: Operation): Operation {
  return { ...operation, payload: redactedPayload(operation.payload) };
}

export type Submission = Omit<NewOperation, "idempotencyKey" | "digest">;

export interface Submitter {
  /** Stores `operation` (or finds the one its Idempotency-Key made) and answers 202. */
  submit(
    request: { headers: Record<string, unknown> },
    reply: FastifyReply,
    operation: Submission,
  ): Promise<FastifyReply>;
  /** The tenant's record; 404 when the service does not know it. */
  knownTenant(tenantId: string): Promise<TenantRecord>;
  readonly dispatcher: Dispatcher;
}

export function submitter(options: Pick<HttpOptions, "store" | "dispatcher" | "secrets">): Submitter {
  const { store, dispatcher, secrets } = options;

  // A new request (not a replay) must fit the state the tenant's pending operations lead to. Both
  // lookups at once: in production each is a round trip to MySQL, and a signup waits for them.
  const admit = async (operation: Submission) => {
    const [pending, tenant] = await Promise.all([
      store.pending(operation.tenantId),
      store.tenant(operation.tenantId),
    ]);
    const purge = pending.find((o) => o.kind === "purge");
    if (purge)
      throw refuse("conflict", `tenant ${operation.tenantId} is being purged (operation ${purge.id})`);
    if (operation.kind === "purge" && pending.length > 0)
      throw refuse(
        "conflict",
        `tenant ${operation.tenantId} has ${pending.length} pending operation(s): it is not purged`,
      );
    const conflict = conflictOf(projectedState(tenant, pending), operation);
    if (conflict) throw refuse("conflict", `tenant ${operation.tenantId}: ${conflict}`);
  };

  const storeOperation = async (operation: Submission, key: unknown) => {
    // The scheduler's own keys (service/lifecycleScheduler.ts): a client must not take one first.
    if (typeof key === "string" && key.startsWith("lifecycle:"))
      throw refuse("invalid", "idempotency keys starting with lifecycle: are the service's own");
    const plain = { ...operation, ...(typeof key === "string" ? { idempotencyKey: key } : {}) };
    try {
      // Stored sealed: the credentials are opened only by the worker that runs the operation. The
      // digest tells a replay from a misuse of an idempotency key: without a key there is none to tell.
      return await store.submit(
        {
          ...plain,
          payload: secrets.seal(operation.payload),
          ...(typeof key === "string" ? { digest: secrets.digest(plain) } : {}),
        },
        () => admit(operation),
      );
    } catch (error) {
      if (error instanceof IdempotencyConflictError) throw refuse(error.outcome, error.message);
      throw error;
    }
  };

  return {
    dispatcher,
    async submit(request, reply, operation) {
      const stored = await storeOperation(operation, request.headers["idempotency-key"]);
      if (stored.created) await dispatcher.dispatch(stored.operation);
      else reply.header("idempotent-replayed", "true");
      return reply
        .code(202)
        .header("location", `/operations/${stored.operation.id}`)
        .send({ operation: operationView(stored.operation) });
    },
    async knownTenant(tenantId) {
      const tenant = await store.tenant(tenantId);
      if (!tenant) throw refuse("not-found", `tenant ${tenantId} is unknown to this service`);
      return tenant;
    },
  };
}

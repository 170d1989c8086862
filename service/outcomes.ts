/**
 * Failures as the API shows them, table-driven: any TenantOperationError becomes its `outcome`
 * plus its own fields (problems, report, steps...), so an outcome added to automation/errors.ts
 * reaches clients without a change here. The tables say which outcomes a worker retries and
 * which HTTP status a synchronous refusal gets.
 */
import { TenantOperationError } from "../automation/errors";
import { TenantRequestError } from "../tiers";
import type { OperationError } from "./operations";

/** Outcomes worth another attempt later: the tenant or its stack was held, or an untyped failure. */
export const RETRYABLE_OUTCOMES: ReadonlySet<string> = new Set(["busy", "locked", "error"]);

/** HTTP status of an error answered synchronously, by outcome; anything else is 500. */
export const HTTP_STATUS: Readonly<Record<string, number>> = {
  invalid: 400,
  unauthorized: 401,
  "not-found": 404,
  "idempotency-conflict": 409,
  exists: 409,
  conflict: 409,
  busy: 409,
  locked: 409,
  refused: 422,
  "would-lose-data": 422,
  "payload-too-large": 413,
  "unsupported-media-type": 415,
};

const OMIT = new Set(["message", "stack", "outcome", "name", "cause", "tenantUpdate"]);

/** The typed body of a failure. Untyped errors keep only their message. */
export function toOperationError(error: unknown): OperationError {
  if (error instanceof TenantRequestError)
    return { outcome: "invalid", message: error.message, details: { problems: error.problems } };
  if (
    error instanceof TenantOperationError ||
    (error instanceof Error && typeof (error as { outcome?: unknown }).outcome === "string")
  ) {
    const e = error as Error & { outcome: string };
    const details = Object.fromEntries(Object.entries(e).filter(([k]) => !OMIT.has(k)));
    return {
      outcome: e.outcome,
      message: e.message,
      ...(Object.keys(details).length > 0 ? { details } : {}),
    };
  }
  return { outcome: "error", message: error instanceof Error ? error.message : String(error) };
}

/**
 * Maps the Automation API's errors (and validation errors) to the typed outcomes of
 * automation/errors.ts. The Automation API's errors are told by the names their classes set
 * (ConcurrentUpdateError, StackNotFoundError, StackAlreadyExistsError), not by instanceof: a
 * worker on the offline engine never loads @pulumi/pulumi/automation (about 670 modules and
 * half a second of CPU at every start) only to compare against its classes.
 */
import { TenantRequestError } from "../tiers";
import { summarize, type ResourceStep, type StepOp } from "./engine";
import {
  InvalidRequestError,
  OperationCancelledError,
  ProtectedResourceError,
  StackLockedError,
  TenantExistsError,
  TenantNotFoundError,
  TenantOperationError,
} from "./errors";

/** The Pulumi engine's refusal of a protected resource (`pulumi preview` and `up` fail with it). */
const PROTECTED_REFUSAL = /unable to (delete|replace) resource "([^"]+)"/g;

/** The protected steps a Pulumi error names, completed from the steps the engine reported before it. */
function protectedSteps(message: string, seen: readonly ResourceStep[]): ResourceStep[] {
  const steps = new Map<string, ResourceStep>();
  for (const [, op, urn] of message.matchAll(PROTECTED_REFUSAL)) {
    if (!urn || steps.has(urn)) continue;
    const reported = seen.find((s) => s.urn === urn && s.op === op);
    // urn:pulumi:<stack>::<project>::<parent types$>type::<name>
    const parts = urn.split("::");
    steps.set(
      urn,
      reported ?? { op: op as StepOp, urn, type: parts[2]?.split("$").pop() ?? "", name: parts[3] ?? urn },
    );
  }
  return [...steps.values()];
}

/**
 * Maps Automation API and validation errors to the typed outcomes above. `seen` are the steps
 * the engine reported before failing (they tell which refused deletes would have been retained).
 */
export function mapEngineError(tenantId: string, error: unknown, seen: readonly ResourceStep[] = []): Error {
  if (error instanceof TenantOperationError) return error;
  const refused = error instanceof Error ? protectedSteps(error.message, seen) : [];
  if (refused.length > 0)
    return new ProtectedResourceError(tenantId, refused, { steps: seen, summary: summarize(seen) });
  if (error instanceof TenantRequestError) return new InvalidRequestError(tenantId, error.problems);
  if (!(error instanceof Error)) return new Error(String(error));
  switch (error.name) {
    case "StackNotFoundError":
      return new TenantNotFoundError(tenantId);
    case "StackAlreadyExistsError":
      return new TenantExistsError(tenantId);
    case "ConcurrentUpdateError":
      return new StackLockedError(tenantId, error.message.split("\n")[0] ?? "");
    case "AbortError":
      return new OperationCancelledError(tenantId);
    default:
      return error;
  }
}

/**
 * One truth per tenant: which operation a tenant in each status accepts, checked twice. On submit
 * against the status the tenant will have once its pending operations have run (so a request
 * that contradicts a queued one is refused with 409 at once), and again when the operation runs,
 * against the record as the earlier operations left it (two API processes may both have accepted
 * contradicting requests: the one stored first wins, the other fails with outcome `conflict`).
 * A deprovision queued or done wins over a later provision or tier change: those are refused
 * until the tenant is restored (docs/service.md).
 */
import { loadsBackup } from "../automation/restoreRequest";
import type { Operation, OperationKind, TenantRecord } from "./operations";

/** A tenant's status, or "none" before its first provision was accepted. */
export type TenantState = TenantRecord["status"] | "none";

type Request = Pick<Operation, "kind" | "payload">;

/** The statuses each operation may start from. */
function accepted(request: Request): readonly TenantState[] {
  switch (request.kind) {
    case "provision":
      return ["none", "provisioning", "failed", "active", "purged"];
    case "change-tier":
    case "preview":
    case "update":
      return ["active"];
    case "deprovision":
      return ["active", "failed"];
    case "restore":
      return loadsBackup(request.payload) ? ["active", "retained"] : ["retained"];
    case "purge":
      return ["retained"];
  }
}

/** The status a successful operation leaves. */
const AFTER: Readonly<Record<OperationKind, TenantState | undefined>> = {
  provision: "active",
  "change-tier": undefined,
  preview: undefined,
  update: undefined,
  deprovision: "retained",
  restore: "active",
  purge: "purged",
};

/** Why `request` cannot start from `state`, or undefined when it can. */
export function conflictOf(state: TenantState, request: Request): string | undefined {
  if (accepted(request).includes(state)) return undefined;
  const what = state === "none" ? "unknown to this service" : state;
  return `a ${request.kind} cannot run on a tenant that is ${what}${
    state === "retained" ? " (deprovisioned: restore it first)" : ""
  }`;
}

/**
 * The status `record` will have once `pending` (its unfinished operations, oldest first) have
 * run, each assumed to succeed; a pending purge makes the tenant closed to everything but a
 * new provision, and a request behind a pending purge is refused outright.
 */
export function projectedState(record: TenantRecord | undefined, pending: readonly Operation[]): TenantState {
  let state: TenantState = record?.status ?? "none";
  for (const op of pending) state = AFTER[op.kind] ?? state;
  return state;
}

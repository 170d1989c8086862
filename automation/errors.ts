/**
 * The outcomes of tenant operations that are not success, as types the signup service can
 * branch on. Engine-specific failures are mapped to these by `mapEngineError`
 * (automation/engineErrors.ts); this module does not load the Pulumi SDK, so the service's API
 * answers with these types without it.
 */
import type { Problem } from "../tiers";
import type { PreflightReport } from "./preflight";
import type { PlanResult, ResourceStep } from "./engine";

export abstract class TenantOperationError extends Error {
  /** Stable machine-readable outcome. */
  abstract readonly outcome: string;
  constructor(
    readonly tenantId: string,
    message: string,
  ) {
    super(message);
  }
}

/** Another operation on this tenant is running in this service: retry later. */
export class TenantBusyError extends TenantOperationError {
  readonly outcome = "busy";
  constructor(
    tenantId: string,
    readonly running: string,
  ) {
    super(tenantId, `tenant ${tenantId} is busy: ${running} is in progress`);
  }
}

/** The stack is locked by an update elsewhere that is not (yet) considered stale. */
export class StackLockedError extends TenantOperationError {
  readonly outcome = "locked";
  constructor(tenantId: string, detail: string) {
    super(tenantId, `tenant ${tenantId}'s stack is locked by another update: ${detail}`);
  }
}

export class TenantNotFoundError extends TenantOperationError {
  readonly outcome = "not-found";
  constructor(tenantId: string) {
    super(tenantId, `tenant ${tenantId} has no stack`);
  }
}

export class TenantExistsError extends TenantOperationError {
  readonly outcome = "exists";
  constructor(tenantId: string) {
    super(tenantId, `tenant ${tenantId} already has a stack`);
  }
}

export class InvalidRequestError extends TenantOperationError {
  readonly outcome = "invalid";
  constructor(
    tenantId: string,
    readonly problems: readonly Problem[],
  ) {
    super(
      tenantId,
      `invalid request for tenant ${tenantId}: ${problems.map((p) => `${p.field}: ${p.message}`).join("; ")}`,
    );
  }
}

/** A downgrade whose pre-flight checks found usage the target tier cannot hold. */
export class PreflightRefusedError extends TenantOperationError {
  readonly outcome = "refused";
  constructor(
    tenantId: string,
    readonly report: PreflightReport,
  ) {
    super(
      tenantId,
      `tenant ${tenantId} does not fit ${report.target}: ${report.checks
        .filter((c) => c.status === "fail")
        .map((c) => c.message)
        .join("; ")}`,
    );
  }
}

/** The preview would replace or delete a resource that holds data: nothing was applied. */
export class StatefulReplacementError extends TenantOperationError {
  readonly outcome = "would-lose-data";
  constructor(
    tenantId: string,
    readonly steps: readonly ResourceStep[],
    message = `tenant ${tenantId}: the change would ${steps.map((s) => `${s.op} ${s.type} ${s.name}`).join(", ")}; aborted`,
  ) {
    super(tenantId, message);
  }
}

/**
 * The engine refused a preview or update because it would delete or replace protected resources
 * (`steps`, deletes flagged `retained` where the resource has retainOnDelete); `plan` holds the
 * steps it planned before refusing. Nothing was applied.
 */
export class ProtectedResourceError extends StatefulReplacementError {
  constructor(
    tenantId: string,
    steps: readonly ResourceStep[],
    readonly plan: PlanResult,
  ) {
    super(
      tenantId,
      steps,
      `tenant ${tenantId}: refusing to ${steps.map((s) => `${s.op} protected ${s.type} ${s.name}`).join(", ")}`,
    );
  }
}

export class OperationCancelledError extends TenantOperationError {
  readonly outcome = "cancelled";
  constructor(tenantId: string) {
    super(tenantId, `operation on tenant ${tenantId} was cancelled`);
  }
}

/** The events the service publishes as operations end (on the platform exchange in production). */
import type { OperationError, OperationKind } from "./operations";

export type TenantEventName =
  | "tenant.provisioned"
  | "tenant.tier_changed"
  | "tenant.deprovisioned"
  | "tenant.restored"
  | "tenant.purged"
  | "tenant.failed";

export interface TenantEvent {
  readonly event: TenantEventName;
  readonly tenantId: string;
  readonly operationId: string;
  readonly at: string;
  readonly tier?: string;
  readonly error?: OperationError;
}

export interface EventSink {
  publish(event: TenantEvent): Promise<void>;
}

/** The event a successful operation of each kind publishes (a fleet preview or update, none). */
export const SUCCESS_EVENT: Readonly<Partial<Record<OperationKind, TenantEventName>>> = {
  provision: "tenant.provisioned",
  "change-tier": "tenant.tier_changed",
  deprovision: "tenant.deprovisioned",
  restore: "tenant.restored",
  purge: "tenant.purged",
};

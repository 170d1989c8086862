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

/** The lifecycle's steps (service/lifecycleScheduler.ts): each one an event, routing key = its name. */
export type LifecycleEventName =
  | "tenant.downgrade_scheduled"
  | "tenant.downgrade_cancelled"
  | "tenant.downgrade_started"
  | "tenant.downgrade_held"
  | "tenant.grace_opened"
  | "tenant.grace_reminder"
  | "tenant.grace_final_warning"
  | "tenant.grace_ended"
  | "tenant.grace_cancelled"
  | "tenant.erasure_requested"
  | "tenant.erasure_confirmed";

export interface LifecycleEvent {
  readonly event: LifecycleEventName;
  readonly tenantId: string;
  readonly at: string;
  /** The operation a step submitted (a downgrade, a suspension, a restore), when it did. */
  readonly operationId?: string;
  readonly tier?: string;
  /** A reminder's day (7, 14, 21, 28), the grace period's end, a scheduled change's time, ... */
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

export type PlatformEvent = TenantEvent | LifecycleEvent;

export interface EventSink {
  publish(event: PlatformEvent): Promise<void>;
}

/** The event a successful operation of each kind publishes (a fleet preview or update, none). */
export const SUCCESS_EVENT: Readonly<Partial<Record<OperationKind, TenantEventName>>> = {
  provision: "tenant.provisioned",
  "change-tier": "tenant.tier_changed",
  deprovision: "tenant.deprovisioned",
  restore: "tenant.restored",
  purge: "tenant.purged",
};

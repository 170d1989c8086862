/**
 * The fields of a tenant quota (QuotaSpec) as a ResourceQuota names them, with how each is
 * written, read back and shown: one table for the components that write quotas and for the
 * policies and the summary that read them.
 */
import type { QuotaSpec } from "./catalog";
import {
  formatCpu,
  formatMemory,
  formatStorage,
  parseCpu,
  parseMemory,
  parseStorage,
  showCpu,
  showMemory,
  showStorage,
} from "../lib/units";

export interface QuotaField {
  readonly key: keyof QuotaSpec;
  /** Its key in a ResourceQuota's `spec.hard`. */
  readonly hardKey: string;
  /** Our own value as a quantity (whole catalog units only). */
  readonly format: (n: number) => string;
  readonly parse: (quantity: string) => number;
  /** A value read back from an object, for messages and reports. */
  readonly show: (n: number) => string;
}

const count = { format: String, parse: Number, show: String };

export const QUOTA_FIELDS: readonly QuotaField[] = [
  { key: "requestsCpu", hardKey: "requests.cpu", format: formatCpu, parse: parseCpu, show: showCpu },
  {
    key: "requestsMemory",
    hardKey: "requests.memory",
    format: formatMemory,
    parse: parseMemory,
    show: showMemory,
  },
  { key: "limitsCpu", hardKey: "limits.cpu", format: formatCpu, parse: parseCpu, show: showCpu },
  {
    key: "limitsMemory",
    hardKey: "limits.memory",
    format: formatMemory,
    parse: parseMemory,
    show: showMemory,
  },
  { key: "pods", hardKey: "pods", ...count },
  { key: "persistentVolumeClaims", hardKey: "persistentvolumeclaims", ...count },
  {
    key: "requestsStorage",
    hardKey: "requests.storage",
    format: formatStorage,
    parse: parseStorage,
    show: showStorage,
  },
  { key: "loadBalancers", hardKey: "services.loadbalancers", ...count },
];

/**
 * Validation shared by the dynamic providers (mysqlUserLimits, rabbitVhostLimits): Pulumi
 * serializes it with them, so it depends on nothing but the Pulumi SDK.
 */
import * as pulumi from "@pulumi/pulumi";

/**
 * The failure of a limit that is not an integer from 0 to `max`, as the engine reports it (by
 * field). A value still unknown (a preview) passes: it is checked again once known.
 */
export function limitFailures(property: string, value: unknown, max: number): pulumi.dynamic.CheckFailure[] {
  if (value === pulumi.runtime.unknownValue) return [];
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= max) return [];
  return [{ property, reason: `must be an integer from 0 to ${max}, got ${String(value)}` }];
}

/**
 * Erasing mode: the operator's `tenant:erasing` flag set on the stack and one `up`, so the engine
 * records every resource with protect and retainOnDelete cleared (components/shared/
 * statefulOptions.ts); the destroy that follows then deletes everything instead of forgetting
 * what the program keeps (namespaces, buckets, a dedicated database cluster, volume claims).
 */
import { OPERATOR_KEYS, PROJECT } from "../../stacks/config";
import type { OperationOptions, StateResource, TenantEngine } from "../engine";

const ERASING: (typeof OPERATOR_KEYS)[number] = "erasing";
export const ERASING_CONFIG_KEY = `${PROJECT}:${ERASING}`;

/** A resource the program keeps (protected or retained on delete), as the state recorded it. */
export const isKept = (r: StateResource): boolean => r.protect || r.retainOnDelete;

/** Thrown when the erasing update left a resource kept: the destroy would not delete it. */
export class ErasingModeError extends Error {
  override readonly name = "ErasingModeError";
  constructor(
    readonly tenantId: string,
    readonly kept: readonly string[],
  ) {
    super(
      `tenant ${tenantId}: erasing mode left ${kept.length} resource(s) protected or retained (${kept
        .slice(0, 5)
        .join(", ")}): the destroy would keep them, so the erasure stops here`,
    );
  }
}

/**
 * Sets the flag, runs the update and checks the state: no resource protected or retained.
 * Returns what was kept before (the resources the report names one by one).
 */
export async function enterErasingMode(
  engine: TenantEngine,
  tenantId: string,
  options?: OperationOptions,
): Promise<readonly StateResource[]> {
  const keptBefore = (await engine.stateResources(tenantId)).filter(isKept);
  const config = await engine.readConfig(tenantId);
  await engine.writeConfig(tenantId, { ...config, [ERASING_CONFIG_KEY]: { value: "true", secret: false } });
  await engine.up(tenantId, options);
  const stillKept = (await engine.stateResources(tenantId)).filter(isKept).map((r) => r.urn);
  if (stillKept.length > 0) throw new ErasingModeError(tenantId, stillKept);
  return keptBefore;
}

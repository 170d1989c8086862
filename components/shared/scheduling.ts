/**
 * Where a tier's pods run: the platform gives each tier a node pool (components/platform/nodePools.ts),
 * and the dedicated tiers' pools are tainted so that only their pods, which tolerate the taint and
 * select the pool, run there.
 */
import type * as inputs from "@pulumi/kubernetes/types/input";

/** The label of a node's pool (its tier). */
export const NODE_POOL_LABEL = "collect-verything.com/node-pool";
/** The taint of dedicated pools; its value is the tier. */
export const DEDICATED_TAINT_KEY = "collect-verything.com/dedicated";
/** Tiers whose tenants run on nodes no other tier's pod may use. */
export const DEDICATED_NODE_TIERS: readonly string[] = ["business"];

/** The node selector and toleration of a tier's pods (none for a tier on shared nodes). */
export function tierScheduling(
  tier: string | undefined,
): Pick<inputs.core.v1.PodSpec, "nodeSelector" | "tolerations"> {
  if (tier === undefined || !DEDICATED_NODE_TIERS.includes(tier)) return {};
  return {
    nodeSelector: { [NODE_POOL_LABEL]: tier },
    tolerations: [{ key: DEDICATED_TAINT_KEY, operator: "Equal", value: tier, effect: "NoSchedule" }],
  };
}

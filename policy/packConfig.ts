/**
 * The `--policy-pack-config` file for one stack: every policy of the pack gets the stack's tier
 * (and Business add-ons) and its tenant. CI writes it from the stack's own config before each preview.
 */
import type { PolicyPackConfig } from "@pulumi/policy";
import type { TierName } from "../tiers";
import type { ContextConfig } from "./context";
import { TIER_POLICIES } from "./policies";

/** Every policy's config: the stack's tier and whatever else of its context is known (add-ons, domain, tenant, regions). */
export function packConfigFor(context: ContextConfig & { readonly tier: TierName }): PolicyPackConfig {
  const defined = Object.fromEntries(Object.entries(context).filter(([, value]) => value !== undefined));
  return Object.fromEntries(TIER_POLICIES.map((p) => [p.name, { ...defined }]));
}

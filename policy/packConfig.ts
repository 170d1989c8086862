/**
 * The `--policy-pack-config` file for one stack: every policy of the pack gets the stack's tier
 * (and Business add-ons) and its tenant. CI writes it from the stack's own config before each preview.
 */
import type { PolicyPackConfig } from "@pulumi/policy";
import type { AddOns, TierName } from "../tiers";
import type { ContextConfig } from "./context";
import { TIER_POLICIES } from "./policies";

export function packConfigFor(tier: TierName, addOns?: AddOns, platformDomain?: string, tenant?: string): PolicyPackConfig {
  const context: ContextConfig = { tier, ...(addOns ? { addOns } : {}), ...(platformDomain ? { platformDomain } : {}), ...(tenant ? { tenant } : {}) };
  return Object.fromEntries(TIER_POLICIES.map((p) => [p.name, { ...context }]));
}

/**
 * The `--policy-pack-config` file for one stack: every policy of the pack gets the stack's tier
 * (and Business add-ons) and its tenant. CI writes it from the stack's own config before each preview.
 */
import type { PolicyPackConfig } from "@pulumi/policy";
import type { TierName } from "../tiers";
import type { ContextConfig } from "./context";
import { TIER_POLICIES } from "./policies";
import { statefulResourcesProtected } from "./policies/dataServices";

/** Every policy's config: the stack's tier and whatever else of its context is known (add-ons, domain, tenant, regions). */
export function packConfigFor(
  context: ContextConfig & { readonly tier: TierName },
  { erasing = false }: { readonly erasing?: boolean } = {},
): PolicyPackConfig {
  const defined = Object.fromEntries(Object.entries(context).filter(([, value]) => value !== undefined));
  return Object.fromEntries(
    TIER_POLICIES.map((p) => [
      p.name,
      // The purge's erasing update lifts protection on purpose (docs/tenant-lifecycle.md): only
      // that run switches the protection policy off, every other policy still judges it.
      erasing && p.name === statefulResourcesProtected.name
        ? { ...defined, enforcementLevel: "disabled" }
        : { ...defined },
    ]),
  );
}

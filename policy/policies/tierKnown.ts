import type { StackValidationPolicy } from "@pulumi/policy";
import { CONTEXT_CONFIG_SCHEMA, stackRole } from "../context";
import { resolveContext } from "../define";

/** The one place a tenant stack without a (valid) tenant and tier is reported; every other policy needs them. */
export const tierKnown: StackValidationPolicy = {
  name: "tier-known",
  description:
    "A tenant stack names its tier (policy config `tier` or stack tag `collect-verything:tier`) and its tenant (config `tenant`, tag `collect-verything:tenant` or the stack name), and add-ons only where allowed.",
  enforcementLevel: "mandatory",
  configSchema: CONTEXT_CONFIG_SCHEMA,
  validateStack: (args, reportViolation) => {
    const urn = args.resources[0]?.urn;
    if (stackRole(urn) === "platform") return;
    const resolved = resolveContext(args, urn);
    if (!resolved.ok) reportViolation(resolved.reason);
  },
};

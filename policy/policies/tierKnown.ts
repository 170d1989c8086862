import type { StackValidationPolicy } from "@pulumi/policy";
import { CONTEXT_CONFIG_SCHEMA, resolveTierContext, type ContextConfig } from "../context";

/** The one place a stack without a (valid) tier is reported; every other policy needs it. */
export const tierKnown: StackValidationPolicy = {
  name: "tier-known",
  description: "The stack names its tier (policy config `tier` or stack tag `collect-verything:tier`), and add-ons only where allowed.",
  enforcementLevel: "mandatory",
  configSchema: CONTEXT_CONFIG_SCHEMA,
  validateStack: (args, reportViolation) => {
    const resolved = resolveTierContext(args.getConfig<ContextConfig>(), args.stackTags);
    if (!resolved.ok) reportViolation(resolved.reason);
  },
};

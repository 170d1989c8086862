/**
 * The policy pack over what the offline synth produced, with the config CI gives the pack for the
 * same stack (scripts/policy-config.ts: packConfigFor from the stack config), so a user sees
 * locally what the pull request's preview will say. The platform stack is judged as a platform
 * stack (its URNs name the platform project) and needs no config.
 */
import {
  packConfigFor,
  runPolicies,
  TIER_POLICIES,
  type ContextConfig,
  type Violation,
} from "../policy/pack";
import { parseStackConfig } from "../stacks/config";
import { PLATFORM_DOMAIN } from "../stacks/platformFacts";
import { DEFAULT_PLATFORM_ORGANIZATION } from "../tiers";
import type { LocalResource } from "../policy/localRun";
import { policyPropsOf, type RecordedResource, type SynthResult } from "./engine";
import type { StackConfig } from "./stackConfig";

export interface PolicyCheck {
  readonly violations: readonly Violation[];
  /** Mandatory violations: `pulumi preview` with the pack would fail on these. */
  readonly mandatory: number;
}

/** The config CI passes every policy for this stack (undefined for the platform stack). */
export function policyConfigOf(config: StackConfig | undefined): ContextConfig | undefined {
  if (!config) return undefined;
  const tenant = parseStackConfig(config.config);
  const perPolicy = packConfigFor({
    tier: tenant.tier,
    addOns: tenant.addOns,
    platformDomain: PLATFORM_DOMAIN,
    tenant: tenant.tenantId,
    regions: tenant.regions,
    platformOrganization: DEFAULT_PLATFORM_ORGANIZATION,
  });
  return Object.values(perPolicy)[0] as ContextConfig | undefined;
}

/** A synth's resources as the engine hands them to the pack: each with its explicit provider described. */
export function localResources(resources: readonly RecordedResource[]): LocalResource[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  return resources.map((r) => {
    const provider = r.provider === undefined ? undefined : byUrn.get(r.provider);
    return {
      type: r.type,
      name: r.name,
      urn: r.urn,
      props: policyPropsOf(r),
      protect: r.protect,
      dependencies: r.dependsOn,
      ...(provider
        ? {
            provider: { type: provider.type, name: provider.name, urn: provider.urn, props: provider.inputs },
          }
        : {}),
    };
  });
}

export async function checkPolicies(
  result: SynthResult,
  config: StackConfig | undefined,
): Promise<PolicyCheck> {
  const resources = localResources(result.resources);
  const context = policyConfigOf(config);
  const violations = await runPolicies(TIER_POLICIES, resources, context ? { config: context } : {});
  return { violations, mandatory: violations.filter((v) => v.level === "mandatory").length };
}

const escapeCell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The summary.md section: a line when the pack passes, else a table of every violation. */
export function policySection(check: PolicyCheck): string {
  const lines = ["## Policy pack", ""];
  if (check.violations.length === 0) {
    lines.push(`Passes all ${TIER_POLICIES.length} policies of the pack.`, "");
    return lines.join("\n");
  }
  lines.push(
    `${check.violations.length} violation(s), ${check.mandatory} mandatory${check.mandatory > 0 ? ": `pulumi preview` with the pack would fail" : ""}.`,
    "",
    "| level | policy | message |",
    "|---|---|---|",
    ...check.violations.map((v) => `| ${v.level} | ${v.policy} | ${escapeCell(v.message)} |`),
    "",
  );
  return lines.join("\n");
}

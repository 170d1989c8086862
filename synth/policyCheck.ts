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
import { parseStackConfig, PROJECT, type parsePolicyInputs } from "../stacks/config";
import type { TierName } from "../tiers";
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
  const perPolicy = packConfigFor(packContextOf(parseStackConfig(config.config)));
  return Object.values(perPolicy)[0] as ContextConfig | undefined;
}

/**
 * The tenant's Cloudflare zone from raw stack config values (`tenant:cloudflare`, JSON), or
 * undefined when it cannot be read: offline, a whole key stored as one secret is a placeholder.
 */
export function edgeOfConfig(all: Readonly<Record<string, string>>): PackInputs["cloudflare"] {
  let value: unknown;
  try {
    value = JSON.parse(all[`${PROJECT}:cloudflare`] ?? "");
  } catch {
    return undefined;
  }
  const c = (value ?? {}) as Record<string, unknown>;
  const id = (key: string) => typeof c[key] === "string" && /^[0-9a-f]{32}$/.test(c[key]);
  if (!id("accountId") || !id("zoneId") || !id("platformZoneId") || typeof c["zoneName"] !== "string")
    return undefined;
  return {
    accountId: c["accountId"] as string,
    zoneId: c["zoneId"] as string,
    zoneName: c["zoneName"],
    platformZoneId: c["platformZoneId"] as string,
  };
}

type PolicyInputs = ReturnType<typeof parsePolicyInputs>;
/** The fields of a tenant's (parsed) config the pack is given. */
interface PackInputs {
  readonly tier: string;
  readonly tenantId: string;
  readonly addOns?: PolicyInputs["addOns"];
  readonly regions: readonly string[];
  readonly platform: Pick<
    PolicyInputs["platform"],
    "domain" | "stackOrganization" | "endpoints" | "backups" | "prometheusUrl"
  >;
  /** Absent when it cannot be read (a whole key stored as one secret, offline): the pack then refuses the edge as unjudgeable. */
  readonly cloudflare?: { accountId: string; zoneId: string; zoneName: string; platformZoneId: string };
}

/** What the pack needs of a tenant's config: its tier and names, and the platform facts (policy/platformFacts.ts). */
export function packContextOf(tenant: PackInputs): ContextConfig & { tier: TierName } {
  const { domain, stackOrganization, endpoints, backups, prometheusUrl } = tenant.platform;
  const edge = tenant.cloudflare;
  return {
    tier: tenant.tier as TierName,
    addOns: tenant.addOns,
    platformDomain: domain,
    tenant: tenant.tenantId,
    regions: tenant.regions,
    platformOrganization: stackOrganization,
    ...(edge
      ? {
          cloudflare: {
            accountId: edge.accountId,
            zoneId: edge.zoneId,
            zoneName: edge.zoneName,
            platformZoneId: edge.platformZoneId,
          },
        }
      : {}),
    platform: { endpoints, backups, prometheusUrl },
  };
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

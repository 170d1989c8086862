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
import { PLATFORM_DOMAIN, tenantBackupFacts, type PlatformFacts } from "../stacks/platformFacts";
import { DEFAULT_PLATFORM_ORGANIZATION, PRIMARY_REGION, type RegionName, type TierName } from "../tiers";
import { offlinePlatformFacts } from "./platformStandIn";
import type { LocalResource } from "../policy/localRun";
import { policyPropsOf, type RecordedResource, type SynthResult } from "./engine";
import type { StackConfig } from "./stackConfig";

export interface PolicyCheck {
  readonly violations: readonly Violation[];
  /** Mandatory violations: `pulumi preview` with the pack would fail on these. */
  readonly mandatory: number;
}

/**
 * The config CI passes every policy for this stack (undefined for the platform stack), with the
 * platform facts of its home region as the offline platform stand-in exports them.
 */
export function policyConfigOf(config: StackConfig | undefined): ContextConfig | undefined {
  if (!config) return undefined;
  const tenant = parseStackConfig(config.config);
  const home = (tenant.regions[0] ?? PRIMARY_REGION) as RegionName;
  const perPolicy = packConfigFor(packContextOf(tenant, offlinePlatformFacts(home)));
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
  /** Absent when it cannot be read (a whole key stored as one secret, offline): the pack then refuses the edge as unjudgeable. */
  readonly cloudflare?: { accountId: string; zoneId: string; zoneName: string; platformZoneId: string };
}

/**
 * What the pack needs: the tenant's tier and names from its config, and the facts of its home
 * region's platform stack (its contract, stacks/platformFacts.ts). Without the facts, the objects
 * that need them are refused as unjudgeable (policy/platformFacts.ts).
 */
export function packContextOf(
  tenant: PackInputs,
  facts: PlatformFacts | undefined,
): ContextConfig & { tier: TierName } {
  const edge = tenant.cloudflare;
  return {
    tier: tenant.tier as TierName,
    addOns: tenant.addOns,
    platformDomain: facts?.domain ?? PLATFORM_DOMAIN,
    tenant: tenant.tenantId,
    regions: tenant.regions,
    platformOrganization: DEFAULT_PLATFORM_ORGANIZATION,
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
    ...(facts ? { platform: packPlatformOf(facts) } : {}),
  };
}

/** The platform facts in the pack config's shape (policy/context.ts PlatformConfig). */
function packPlatformOf(facts: PlatformFacts): NonNullable<ContextConfig["platform"]> {
  const { mysql, rabbitmq, objectStorage, redis } = facts.endpoints;
  return {
    endpoints: { mysql, rabbitmq, objectStorage, redis },
    backups: tenantBackupFacts(facts),
    prometheusUrl: facts.prometheusUrl,
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

/**
 * Which tenant and tier a stack is judged against. Never guessed from what the program produced:
 * 1. policy config `tier`, `addOns` and `tenant`, as CI passes it per stack with --policy-pack-config;
 * 2. otherwise the stack tags `collect-verything:tier`, `collect-verything:addOns` (JSON) and
 *    `collect-verything:tenant`;
 * 3. the tenant, lacking both, is the stack's name (a tenant stack is named after its tenant).
 * Config wins because it is pinned by whoever runs the preview; a tag can be edited by the
 * stack's owner. Namespace labels are checked against the result, never used to choose it.
 * A stack of the platform project (TierProfiles) has no tenant and no tier: see `stackRole`.
 */
import type { PolicyConfigSchema } from "@pulumi/policy";
import {
  ADD_ON_MAXIMUMS,
  DEFAULT_PLATFORM_ORGANIZATION,
  effectiveProfile,
  isRegionName,
  isTierName,
  PRIMARY_REGION,
  REGION_NAMES,
  tenantIdProblems,
  TIER_NAMES,
  type AddOns,
  type EffectiveProfile,
  type RegionName,
  type TierName,
} from "../tiers";

export const TAG_PREFIX = "collect-verything";
export const TIER_TAG = `${TAG_PREFIX}:tier`;
export const ADD_ONS_TAG = `${TAG_PREFIX}:addOns`;
export const TENANT_TAG = `${TAG_PREFIX}:tenant`;
/** The Pulumi project of the per-cluster tier objects (platform/Pulumi.yaml); every other project is a tenant's. */
export const PLATFORM_PROJECT = "platform";
export const DEFAULT_PLATFORM_DOMAIN = "shops.collect-verything.com";

export interface ContextConfig {
  readonly tier?: string;
  readonly addOns?: AddOns;
  /** The tenant id (default: stack tag collect-verything:tenant, else the stack name). */
  readonly tenant?: string;
  /** Hostnames under this domain are platform hostnames, not custom domains. */
  readonly platformDomain?: string;
  /** The regions the stack declares (its Kubernetes providers' and platform references'). Default: the primary region only. */
  readonly regions?: readonly string[];
  /** The Pulumi organization of the platform stacks the stack reads (tenant config platform.stackOrganization). */
  readonly platformOrganization?: string;
  /** The tenant's Cloudflare zone and the platform's zone and account (policy/platformFacts.ts reads them). */
  readonly cloudflare?: EdgeConfig;
  /** The platform's endpoints and backup account (policy/platformFacts.ts reads them). */
  readonly platform?: PlatformConfig;
}

export interface EdgeConfig {
  readonly accountId?: string;
  readonly zoneId?: string;
  readonly zoneName?: string;
  readonly platformZoneId?: string;
}

export interface EndpointConfig {
  readonly host?: string;
  readonly port?: number;
  readonly cidr?: string;
  readonly namespace?: string;
}

export interface PlatformConfig {
  readonly endpoints?: Readonly<Record<string, EndpointConfig>>;
  /** The platform's Prometheus, the one server a tenant's Prometheus scalers may query. */
  readonly prometheusUrl?: string;
  readonly backups?: {
    readonly bucket?: string;
    readonly region?: string;
    readonly kmsKeyArn?: string;
    readonly oidcProviderArn?: string;
    readonly oidcIssuer?: string;
    readonly namespace?: string;
  };
}

/** Config properties every tier-aware policy accepts (defaults and bounds from tiers/). */
export const CONTEXT_CONFIG_SCHEMA: PolicyConfigSchema = {
  properties: {
    tier: { type: "string", enum: [...TIER_NAMES] },
    addOns: {
      type: "object",
      properties: Object.fromEntries(
        Object.entries(ADD_ON_MAXIMUMS).map(([key, max]) => [
          key,
          { type: "integer", minimum: 0, maximum: max, default: 0 },
        ]),
      ),
      additionalProperties: false,
    },
    platformDomain: { type: "string", default: DEFAULT_PLATFORM_DOMAIN },
    tenant: { type: "string" },
    regions: {
      type: "array",
      items: { type: "string", enum: [...REGION_NAMES] },
      minItems: 1,
      uniqueItems: true,
      default: [PRIMARY_REGION],
    },
    platformOrganization: { type: "string", default: DEFAULT_PLATFORM_ORGANIZATION },
    cloudflare: { type: "object" },
    platform: { type: "object" },
  },
};

export interface TierContext {
  readonly tier: TierName;
  readonly tenant: string;
  readonly profile: EffectiveProfile;
  readonly source: "config" | "stack tag";
  readonly platformDomain: string;
  /** The declared regions, home first. */
  readonly regions: readonly RegionName[];
  /** Whose platform stacks the stack may read (`<organization>/platform/<region>`). */
  readonly platformOrganization: string;
  /** As the policy config gives them; judged through policy/platformFacts.ts only. */
  readonly cloudflare?: EdgeConfig;
  readonly platform?: PlatformConfig;
}

export type ContextResult =
  { readonly ok: true; readonly context: TierContext } | { readonly ok: false; readonly reason: string };

/** Stack and project of a resource URN ("urn:pulumi:<stack>::<project>::<type>::<name>"). */
export function stackOfUrn(urn: string): { stack: string; project: string } | undefined {
  const m = /^urn:pulumi:([^:]+)::([^:]+)::/.exec(urn);
  return m ? { stack: m[1]!, project: m[2]! } : undefined;
}

/** The connectivity project (stacks/connectivity.ts): peers the regions, judged as the platform is. */
export const CONNECTIVITY_PROJECT = "connectivity";
const PLATFORM_PROJECTS: ReadonlySet<string> = new Set([PLATFORM_PROJECT, CONNECTIVITY_PROJECT]);

export const stackRole = (urn: string | undefined): "platform" | "tenant" => {
  const project = urn !== undefined ? stackOfUrn(urn)?.project : undefined;
  return project !== undefined && PLATFORM_PROJECTS.has(project) ? "platform" : "tenant";
};

export function resolveTierContext(
  config: ContextConfig,
  stackTags: ReadonlyMap<string, string>,
  stackName?: string,
): ContextResult {
  const fromConfig = config.tier !== undefined;
  const tier = fromConfig ? config.tier : stackTags.get(TIER_TAG);
  if (tier === undefined) {
    return {
      ok: false,
      reason: `the stack's tier is unknown: set policy config "tier" or the stack tag "${TIER_TAG}"`,
    };
  }
  if (!isTierName(tier)) {
    return {
      ok: false,
      reason: `unknown tier "${tier}" from ${fromConfig ? "policy config" : `stack tag ${TIER_TAG}`}`,
    };
  }
  let addOns: AddOns = config.addOns ?? {};
  if (!fromConfig && stackTags.has(ADD_ONS_TAG)) {
    try {
      addOns = JSON.parse(stackTags.get(ADD_ONS_TAG)!) as AddOns;
    } catch {
      return { ok: false, reason: `stack tag ${ADD_ONS_TAG} is not JSON` };
    }
  }
  const tenant = config.tenant ?? stackTags.get(TENANT_TAG) ?? stackName;
  if (tenant === undefined) {
    return {
      ok: false,
      reason: `the stack's tenant is unknown: set policy config "tenant" or the stack tag "${TENANT_TAG}"`,
    };
  }
  const problems = tenantIdProblems(tenant);
  if (problems.length > 0) {
    const from =
      config.tenant !== undefined
        ? "policy config"
        : stackTags.has(TENANT_TAG)
          ? `stack tag ${TENANT_TAG}`
          : "the stack name";
    return {
      ok: false,
      reason: `tenant "${tenant}" from ${from} is not a tenant id: it ${problems.join("; ")}`,
    };
  }
  const regions = config.regions ?? [PRIMARY_REGION];
  const unknownRegion = regions.find((r) => !isRegionName(r));
  if (unknownRegion !== undefined || regions.length === 0 || new Set(regions).size < regions.length) {
    return {
      ok: false,
      reason: `policy config "regions" must list supported regions (${REGION_NAMES.join(", ")}), each once, got ${JSON.stringify(regions)}`,
    };
  }
  try {
    return {
      ok: true,
      context: {
        tier,
        tenant,
        profile: effectiveProfile(tier, addOns),
        source: fromConfig ? "config" : "stack tag",
        platformDomain: config.platformDomain ?? DEFAULT_PLATFORM_DOMAIN,
        regions: regions as RegionName[],
        platformOrganization: config.platformOrganization ?? DEFAULT_PLATFORM_ORGANIZATION,
        ...(config.cloudflare ? { cloudflare: config.cloudflare } : {}),
        ...(config.platform ? { platform: config.platform } : {}),
      },
    };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/** The repository's Pulumi programs, run offline. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import tenantProgram from "../stacks/tenant";
import { PROJECT } from "../stacks/config";
import { PLATFORM_FACTS_OUTPUT } from "../stacks/platformFacts";
import {
  DEFAULT_PLATFORM_ORGANIZATION,
  isRegionName,
  platformStackName,
  PRIMARY_REGION,
  REGION_NAMES,
  type RegionName,
} from "../tiers";
import { assertServedApis } from "./servedApis";
import {
  assertClosedWorld,
  ClosedWorldError,
  platformInventory,
  type PlatformInventory,
} from "./closedWorld";
import { synthesize, type ReferencedStack, type SynthResult } from "./engine";
import { cachedInventory, storeInventory } from "./inventoryCache";
import { offlinePlatformStack } from "./platformStandIn";
export { offlinePlatformStack } from "./platformStandIn";
import type { StackConfig } from "./stackConfig";

export const PLATFORM_PROJECT = "platform";
export const CONNECTIVITY_PROJECT = "connectivity";
const REPOSITORY = join(__dirname, "..");

/**
 * `pulumi:disable-default-providers` of a project file, as the engine reads it. Read with
 * js-yaml, the parser @pulumi/pulumi itself loads: a synth then loads no second YAML library
 * (the `yaml` package is 72 more modules to load).
 */
export function disabledDefaultProviders(projectFile: string): string[] {
  const project = load(readFileSync(projectFile, "utf8")) as { config?: Record<string, unknown> } | null;
  const entry = project?.config?.["pulumi:disable-default-providers"];
  const value =
    entry !== null && typeof entry === "object" && !Array.isArray(entry)
      ? (entry as { value?: unknown }).value
      : entry;
  return Array.isArray(value) ? value.map(String) : [];
}

/**
 * Each region's platform inventory, from its platform synth: once per process, and on disk for
 * the next process while the sources stay the same (synth/inventoryCache.ts).
 */
const inventories = new Map<string, Promise<PlatformInventory>>();
function inventoryOf(region: RegionName): Promise<PlatformInventory> {
  let inventory = inventories.get(region);
  if (!inventory) {
    const cached = cachedInventory(region);
    inventory = cached
      ? Promise.resolve(cached)
      : synthPlatform(region).then((result) => {
          const computed = platformInventory(result, region);
          storeInventory(region, computed);
          return computed;
        });
    inventories.set(region, inventory);
  }
  return inventory;
}

/**
 * A tenant stack, reading `platform` for its platform stacks (default the offline stand-in).
 * With the stand-in, every reference is checked against what each region's platform synth
 * declares (synth/closedWorld.ts); a test giving another platform gives its inventory, or
 * `false` where the closed world is not what it tests.
 */
export async function synthTenant(
  stack: string,
  { config, secretKeys }: StackConfig,
  platform: (name: string) => ReferencedStack | undefined = offlinePlatformStack,
  inventory?: ((region: string) => PlatformInventory) | false,
): Promise<SynthResult> {
  if (platform !== offlinePlatformStack && inventory === undefined)
    throw new Error("synthTenant: another platform than the stand-in needs its inventory (or false)");
  const regions = tenantRegions(config);
  const standIn =
    inventory === undefined
      ? new Map(await Promise.all(regions.map(async (r) => [r, await inventoryOf(r)] as const)))
      : undefined;
  const result = await synthesize(tenantProgram, {
    project: PROJECT,
    stack,
    config,
    secretKeys,
    stackReferences: platform,
    disabledDefaultProviders: disabledDefaultProviders(join(REPOSITORY, "Pulumi.yaml")),
  });
  // Each region's objects against the version its platform stack exports (kubernetes-<region>).
  const served = assertServedApis(result, (provider) => {
    const region = /^kubernetes-([a-z0-9-]+)$/.exec(provider)?.[1];
    const facts = region
      ? platform(platformStackName(DEFAULT_PLATFORM_ORGANIZATION, region as RegionName))?.outputs[
          PLATFORM_FACTS_OUTPUT
        ]
      : undefined;
    const version = (facts as { kubernetesVersion?: unknown } | undefined)?.kubernetesVersion;
    return typeof version === "string" ? version : undefined;
  });
  if (inventory === false) return served;
  return assertClosedWorld(served, regions[0]!, (region) => {
    const found = inventory ? inventory(region) : standIn?.get(region as RegionName);
    if (!found) throw new ClosedWorldError(`no platform inventory for region ${region}`);
    return found;
  });
}

/** The regions a tenant config names (home first), as the program reads them; the default otherwise. */
function tenantRegions(config: Readonly<Record<string, string>>): RegionName[] {
  try {
    const raw = config[`${PROJECT}:regions`];
    const regions = raw === undefined ? [PRIMARY_REGION] : (JSON.parse(raw) as unknown);
    if (Array.isArray(regions) && regions.every((r) => typeof r === "string" && isRegionName(r)))
      return regions as RegionName[];
  } catch {
    // The program refuses the config, naming the key.
  }
  return [PRIMARY_REGION];
}

/** Each region's default platform synth (once per process): what the connectivity synth reads. */
const platformResults = new Map<RegionName, Promise<SynthResult>>();
function platformResultOf(region: RegionName): Promise<SynthResult> {
  let result = platformResults.get(region);
  if (!result) {
    result = synthPlatform(region);
    platformResults.set(region, result);
  }
  return result;
}

/**
 * The connectivity stack (stacks/connectivity.ts), its platform stack references answered with
 * each region's platform synth outputs: the peerings, routes and zone associations between them.
 */
export async function synthConnectivity(stack = "mesh"): Promise<SynthResult> {
  const { default: connectivityProgram } = await import("../stacks/connectivity");
  const outputs = new Map(
    await Promise.all(
      REGION_NAMES.map(
        async (region) =>
          [
            platformStackName(DEFAULT_PLATFORM_ORGANIZATION, region),
            (await platformResultOf(region)).outputs,
          ] as const,
      ),
    ),
  );
  return synthesize(connectivityProgram, {
    project: CONNECTIVITY_PROJECT,
    stack,
    config: {},
    stackReferences: (name) => {
      const found = outputs.get(name);
      return found ? { outputs: found, secretOutputNames: ["kubeconfig"] } : undefined;
    },
    disabledDefaultProviders: disabledDefaultProviders(join(REPOSITORY, "connectivity", "Pulumi.yaml")),
  });
}

/** The platform stack of one region (default the primary region). */
export async function synthPlatform(
  region: RegionName = PRIMARY_REGION,
  stack = `platform-${region}`,
  /** More `platform:*` config (fully qualified). Default none. */
  config: Readonly<Record<string, string>> = {},
): Promise<SynthResult> {
  // Loaded on demand: tenant synths never need the platform's cluster objects.
  const { default: platformProgram } = await import("../stacks/platform");
  const result = await synthesize(platformProgram, {
    project: PLATFORM_PROJECT,
    stack,
    // A region other than the primary reads the origin-pull PKI from the primary's stack (stacks/originPull.ts).
    stackReferences: offlinePlatformStack,
    config: { [`${PLATFORM_PROJECT}:region`]: region, ...config },
    disabledDefaultProviders: disabledDefaultProviders(join(REPOSITORY, "platform", "Pulumi.yaml")),
  });
  // The cluster's objects against the version the platform runs (and exports to its tenants).
  const facts = result.outputs[PLATFORM_FACTS_OUTPUT] as { kubernetesVersion?: string } | undefined;
  return assertServedApis(result, () => facts?.kubernetesVersion);
}

export interface ShortcutOptions {
  readonly tenantId: string;
  readonly tier: string;
  readonly sites: number;
  /** Regions, home first. Default: the config's default (the primary region). */
  readonly regions?: readonly string[];
  /** Image tag. Default "synth". */
  readonly tag?: string;
}

/**
 * Admin accounts of the local development servers (docs/synth.md): the dev stack and the shortcut use
 * them; real stacks set their own with `pulumi config set --secret`.
 */
export const DEV_ADMIN_CREDENTIALS = {
  mysql: { user: "root", password: "" },
  rabbitmq: {
    user: "guest",
    password: "guest",
    managementUrl: "http://rabbitmq.rabbitmq.svc.cluster.local:15672",
  },
  objectStorage: { user: "minioadmin", password: "minioadmin", ssl: false },
} as const;

/**
 * Cloudflare ids of the development account (docs/edge.md); no API token, so the offline synth
 * needs none and a real run reads CLOUDFLARE_API_TOKEN.
 */
export const DEV_CLOUDFLARE = {
  accountId: "0123456789abcdef0123456789abcdef",
  zoneId: "1123456789abcdef0123456789abcdef",
  zoneName: "dev.edge.collect-verything.test",
  platformZoneId: "2123456789abcdef0123456789abcdef",
  originAddress: "gateway.dev.collect-verything.test",
} as const;

/** Stack config for `--tenant --tier --sites`: platform defaults, no custom domains. */
export function shortcutConfig(options: ShortcutOptions): StackConfig {
  const value = {
    tenantId: options.tenantId,
    tier: options.tier,
    sites: JSON.stringify(Array.from({ length: options.sites }, () => ({ customDomains: [] }))),
    images: JSON.stringify({
      registry: "registry.collect-verything.com/e-commerce",
      tag: options.tag ?? "synth",
    }),
    adminCredentials: JSON.stringify(DEV_ADMIN_CREDENTIALS),
    cloudflare: JSON.stringify({
      ...DEV_CLOUDFLARE,
      zoneName: `${options.tenantId}.edge.collect-verything.test`,
    }),
    ...(options.regions ? { regions: JSON.stringify(options.regions) } : {}),
  };
  return {
    config: Object.fromEntries(Object.entries(value).map(([k, v]) => [`${PROJECT}:${k}`, v])),
    secretKeys: [],
  };
}

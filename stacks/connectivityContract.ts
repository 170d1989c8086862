/**
 * What each region's platform stack exports for the connectivity stack (stacks/connectivity.ts):
 * its VPC, block, private route tables and private zone. Validated on read: a region that exports
 * none, or another region's, fails the connectivity program before it creates anything.
 */
import * as v from "valibot";
import { parseRegion, PLATFORM_REGIONS, REGION_NAMES, type RegionName } from "../tiers";

/** The platform stack's output the connectivity stack reads. */
export const CONNECTIVITY_OUTPUT = "connectivity";

export const regionConnectivitySchema = v.strictObject({
  region: v.string(),
  vpcId: v.pipe(v.string(), v.minLength(1)),
  vpcCidr: v.string(),
  privateRouteTableIds: v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1)),
  privateZoneId: v.pipe(v.string(), v.minLength(1)),
});
export type RegionConnectivity = v.InferOutput<typeof regionConnectivitySchema>;

export class ConnectivityContractError extends Error {
  override readonly name = "ConnectivityContractError";
}

/** A platform stack's `connectivity` output, checked against the region it must be (and its catalog block). */
export function parseRegionConnectivity(
  value: unknown,
  stack: string,
  region: RegionName,
): RegionConnectivity {
  const parsed = v.safeParse(regionConnectivitySchema, value);
  if (!parsed.success)
    throw new ConnectivityContractError(
      `platform stack ${stack} exports no valid ${CONNECTIVITY_OUTPUT} (${parsed.issues
        .map((i) => `${(i.path ?? []).map((p) => String(p.key)).join(".") || "(root)"}: ${i.message}`)
        .join("; ")}): apply its platform program first`,
    );
  const found = parsed.output;
  if (found.region !== region || found.vpcCidr !== PLATFORM_REGIONS[region].vpcCidr)
    throw new ConnectivityContractError(
      `platform stack ${stack} exports ${found.region} (${found.vpcCidr}), not ${region} (${PLATFORM_REGIONS[region].vpcCidr})`,
    );
  return found;
}

/** The regions to connect: `connectivity:regions`, each a supported region once, at least two; default all. */
export function connectivityRegions(raw: unknown): RegionName[] {
  if (raw === undefined) return [...REGION_NAMES];
  if (!Array.isArray(raw)) throw new Error("connectivity:regions: must be a list of regions");
  const regions = raw.map((r, i) =>
    parseRegion(typeof r === "string" ? r : undefined, `connectivity:regions[${i}]`),
  );
  if (new Set(regions).size !== regions.length)
    throw new Error("connectivity:regions: a region is listed twice");
  if (regions.length < 2) throw new Error("connectivity:regions: at least two regions to connect");
  // Catalog order: the earlier region of a pair requests, whatever order the config lists them in.
  return REGION_NAMES.filter((r) => regions.includes(r));
}

/** Every pair of regions once, the earlier (in catalog order) first. */
export function regionPairs(regions: readonly RegionName[]): [RegionName, RegionName][] {
  return regions.flatMap((a, i) => regions.slice(i + 1).map((b): [RegionName, RegionName] => [a, b]));
}

/**
 * The connectivity program (project connectivity/, one stack): peers every pair of the platform's
 * regions. It reads each region's platform stack (`<organization>/platform/<region>`, output
 * `connectivity`), so it runs after them: apply the region stacks (any order), then this one; a
 * new region is its platform stack, then `pulumi up` here. One program holds both sides of each
 * peering (requested with the earlier region's provider, accepted with the later's), so no region
 * stack depends on another and nothing needs two passes (docs/regions.md).
 */
import { Provider as AwsProvider } from "@pulumi/aws/provider";
import * as pulumi from "@pulumi/pulumi";
import { RegionPeering, type PeeringSide } from "../components/platform/regionPeering";
import { DEFAULT_PLATFORM_ORGANIZATION, platformStackName, type RegionName } from "../tiers";
import {
  CONNECTIVITY_OUTPUT,
  connectivityRegions,
  parseRegionConnectivity,
  regionPairs,
} from "./connectivityContract";

/** A region's side: its platform stack's `connectivity` output (validated) and a provider in the region. */
async function regionSide(region: RegionName): Promise<PeeringSide> {
  const stack = platformStackName(DEFAULT_PLATFORM_ORGANIZATION, region);
  const platform = new pulumi.StackReference(`platform-${region}`, { name: stack });
  const details = await platform.getOutputDetails(CONNECTIVITY_OUTPUT);
  const network = parseRegionConnectivity(details.value ?? details.secretValue, stack, region);
  const provider = new AwsProvider(`aws-${region}`, {
    region,
    defaultTags: { tags: { "collect-verything:stack": "connectivity" } },
  });
  return { ...network, region, provider };
}

export = async () => {
  const regions = connectivityRegions(new pulumi.Config().getObject<unknown>("regions"));
  const sides = new Map<RegionName, PeeringSide>();
  // Every region's output is read (and judged) before any peering is registered.
  for (const region of regions) sides.set(region, await regionSide(region));
  const peerings = regionPairs(regions).map(([a, b]) => {
    const peering = new RegionPeering(`${a}-${b}`, { requester: sides.get(a)!, accepter: sides.get(b)! });
    return [`${a}/${b}`, peering.peeringConnectionId] as const;
  });
  return { regions, peerings: Object.fromEntries(peerings) };
};

import * as ec2 from "@pulumi/aws/ec2";
import type { Provider as AwsProvider } from "@pulumi/aws/provider";
import * as route53 from "@pulumi/aws/route53";
import * as pulumi from "@pulumi/pulumi";
import type { RegionName } from "../../tiers";

/** One side of a peering: a region's network as its platform stack exports it, and a provider in that region. */
export interface PeeringSide {
  readonly region: RegionName;
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly privateRouteTableIds: readonly string[];
  /** The region's private zone of cross-region hosts (components/platform/crossRegionEndpoints.ts). */
  readonly privateZoneId: string;
  readonly provider: AwsProvider;
}

export interface RegionPeeringArgs {
  /** Requests the peering (the earlier region in the catalog). */
  readonly requester: PeeringSide;
  /** Accepts it, in its own region (same account: accepted by this stack). */
  readonly accepter: PeeringSide;
}

/**
 * Private connectivity between two regions' VPCs (docs/regions.md): a VPC peering requested in
 * one region and accepted in the other, a route to the other's block in every private route
 * table of each side, and each side's private zone associated with the other's VPC so the
 * cross-region hosts resolve there. What may cross is decided by the cross-region security
 * groups (components/platform/crossRegionEndpoints.ts), not by the routes.
 */
export class RegionPeering extends pulumi.ComponentResource {
  readonly peeringConnectionId: pulumi.Output<string>;

  constructor(name: string, args: RegionPeeringArgs, opts?: pulumi.ComponentResourceOptions) {
    const { requester, accepter } = args;
    if (requester.region === accepter.region)
      throw new Error(`${name}: a region is not peered with itself (${requester.region})`);
    super("collect-verything:platform:RegionPeering", name, {}, opts);
    const tags = { Name: `${requester.region}-${accepter.region}` };
    const request = new ec2.VpcPeeringConnection(
      `${name}-request`,
      // Across regions the request cannot accept itself: the accepter below does, in its region.
      {
        vpcId: requester.vpcId,
        peerVpcId: accepter.vpcId,
        peerRegion: accepter.region,
        autoAccept: false,
        tags,
      },
      { parent: this, provider: requester.provider },
    );
    const accept = new ec2.VpcPeeringConnectionAccepter(
      `${name}-accept`,
      { vpcPeeringConnectionId: request.id, autoAccept: true, tags },
      { parent: this, provider: accepter.provider },
    );
    routesTo(`${name}-${requester.region}`, this, requester, accepter.vpcCidr, accept);
    routesTo(`${name}-${accepter.region}`, this, accepter, requester.vpcCidr, accept);
    associate(`${name}-${requester.region}-zone`, this, requester, accepter);
    associate(`${name}-${accepter.region}-zone`, this, accepter, requester);
    this.peeringConnectionId = request.id;
    this.registerOutputs({ peeringConnectionId: this.peeringConnectionId });
  }
}

/** A route to `cidr` over the (accepted) peering in every private route table of `side`. */
function routesTo(
  prefix: string,
  parent: pulumi.Resource,
  side: PeeringSide,
  cidr: string,
  accept: ec2.VpcPeeringConnectionAccepter,
): void {
  side.privateRouteTableIds.forEach((routeTableId, i) => {
    new ec2.Route(
      `${prefix}-route-${i}`,
      { routeTableId, destinationCidrBlock: cidr, vpcPeeringConnectionId: accept.vpcPeeringConnectionId },
      { parent, provider: side.provider },
    );
  });
}

/** `zoneOwner`'s private zone, resolvable from `other`'s VPC. */
function associate(name: string, parent: pulumi.Resource, zoneOwner: PeeringSide, other: PeeringSide): void {
  new route53.ZoneAssociation(
    name,
    { zoneId: zoneOwner.privateZoneId, vpcId: other.vpcId, vpcRegion: other.region },
    { parent, provider: zoneOwner.provider },
  );
}

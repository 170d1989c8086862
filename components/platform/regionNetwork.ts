import * as ec2 from "@pulumi/aws/ec2";
import * as pulumi from "@pulumi/pulumi";

export interface RegionNetworkArgs {
  /** The VPC's block; must be a /16 (the subnets are carved from it). */
  readonly cidr: string;
  /** The availability zones: one public and one private subnet (and one NAT gateway) in each. */
  readonly zones: readonly string[];
  /** Name of the EKS cluster that will run in the VPC: its subnets are tagged for its load balancers. */
  readonly clusterName: string;
}

/** The subnets of a /16: a /20 public and a /18 private per zone (nodes and pods live in the private ones). */
export function subnetCidrs(cidr: string, zones: number): { public: string[]; private: string[] } {
  const match = /^10\.(\d{1,3})\.0\.0\/16$/.exec(cidr);
  if (!match || Number(match[1]) > 255) throw new Error(`cidr: "${cidr}" is not a 10.x.0.0/16 block`);
  if (zones < 1 || zones > 3) throw new Error(`zones: a /16 holds 1 to 3 zones' subnets, got ${zones}`);
  const prefix = `10.${match[1]}`;
  const range = Array.from({ length: zones }, (_, i) => i);
  return {
    public: range.map((i) => `${prefix}.${i * 16}.0/20`),
    private: range.map((i) => `${prefix}.${(i + 1) * 64}.0/18`),
  };
}

/**
 * One region's VPC: a public subnet per zone (internet gateway, one NAT gateway each so a zone's
 * outage does not cut the others' egress) and a private subnet per zone routed through its zone's
 * NAT gateway. The VPC's default security group is emptied: nothing may use it by accident. The
 * private route tables' routes are separate resources (ec2.Route), so the connectivity stack can
 * add the routes to the other regions beside them (an inline `routes` list would remove those).
 */
export class RegionNetwork extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];
  /** One per zone: where the routes to the other regions' VPCs go. */
  readonly privateRouteTableIds: pulumi.Output<string>[];

  constructor(name: string, args: RegionNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    const cidrs = subnetCidrs(args.cidr, args.zones.length); // before the component registers anything
    super("collect-verything:platform:RegionNetwork", name, {}, opts);
    const child = { parent: this };
    const vpc = new ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: args.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: name } },
      child,
    );
    new ec2.DefaultSecurityGroup(
      `${name}-default-sg`,
      { vpcId: vpc.id, ingress: [], egress: [], tags: { Name: `${name}-default-unused` } },
      child,
    );
    const gateway = new ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: { Name: name } }, child);
    const publicRoutes = new ec2.RouteTable(
      `${name}-public`,
      {
        vpcId: vpc.id,
        routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: gateway.id }],
        tags: { Name: `${name}-public` },
      },
      child,
    );
    const zones = args.zones.map((zone, i) => {
      const publicSubnetId = publicSubnet(name, this, {
        vpc,
        zone,
        cidr: cidrs.public[i]!,
        args,
        publicRoutes,
      });
      const nat = natGateway(name, this, zone, publicSubnetId, gateway);
      return {
        publicSubnetId,
        ...privateSubnet(name, this, { vpc, zone, cidr: cidrs.private[i]!, args, nat }),
      };
    });
    this.vpcId = vpc.id;
    this.publicSubnetIds = zones.map((z) => z.publicSubnetId);
    this.privateSubnetIds = zones.map((z) => z.subnetId);
    this.privateRouteTableIds = zones.map((z) => z.routeTableId);
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      privateRouteTableIds: this.privateRouteTableIds,
    });
  }
}

interface ZoneContext {
  readonly vpc: ec2.Vpc;
  readonly zone: string;
  readonly cidr: string;
  readonly args: RegionNetworkArgs;
}

const clusterTag = (args: RegionNetworkArgs) => ({ [`kubernetes.io/cluster/${args.clusterName}`]: "shared" });

/** A zone's public subnet (load balancers, NAT), on the public route table. */
function publicSubnet(
  name: string,
  parent: pulumi.Resource,
  { vpc, zone, cidr, args, publicRoutes }: ZoneContext & { readonly publicRoutes: ec2.RouteTable },
): pulumi.Output<string> {
  const subnet = new ec2.Subnet(
    `${name}-public-${zone}`,
    {
      vpcId: vpc.id,
      availabilityZone: zone,
      cidrBlock: cidr,
      mapPublicIpOnLaunch: false,
      tags: { Name: `${name}-public-${zone}`, "kubernetes.io/role/elb": "1", ...clusterTag(args) },
    },
    { parent },
  );
  new ec2.RouteTableAssociation(
    `${name}-public-${zone}`,
    { subnetId: subnet.id, routeTableId: publicRoutes.id },
    { parent },
  );
  return subnet.id;
}

/** A zone's NAT gateway, in its public subnet. */
function natGateway(
  name: string,
  parent: pulumi.Resource,
  zone: string,
  publicSubnetId: pulumi.Input<string>,
  gateway: ec2.InternetGateway,
): ec2.NatGateway {
  const address = new ec2.Eip(
    `${name}-nat-${zone}`,
    { domain: "vpc", tags: { Name: `${name}-nat-${zone}` } },
    { parent },
  );
  return new ec2.NatGateway(
    `${name}-nat-${zone}`,
    { subnetId: publicSubnetId, allocationId: address.id, tags: { Name: `${name}-${zone}` } },
    { parent, dependsOn: [gateway] },
  );
}

/** A zone's private subnet (nodes, pods) and its route table, whose default route is the zone's NAT gateway. */
function privateSubnet(
  name: string,
  parent: pulumi.Resource,
  { vpc, zone, cidr, args, nat }: ZoneContext & { readonly nat: ec2.NatGateway },
): { subnetId: pulumi.Output<string>; routeTableId: pulumi.Output<string> } {
  const subnet = new ec2.Subnet(
    `${name}-private-${zone}`,
    {
      vpcId: vpc.id,
      availabilityZone: zone,
      cidrBlock: cidr,
      tags: { Name: `${name}-private-${zone}`, "kubernetes.io/role/internal-elb": "1", ...clusterTag(args) },
    },
    { parent },
  );
  const routes = new ec2.RouteTable(
    `${name}-private-${zone}`,
    { vpcId: vpc.id, tags: { Name: `${name}-private-${zone}` } },
    { parent },
  );
  new ec2.Route(
    `${name}-private-${zone}-default`,
    { routeTableId: routes.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id },
    { parent },
  );
  new ec2.RouteTableAssociation(
    `${name}-private-${zone}`,
    { subnetId: subnet.id, routeTableId: routes.id },
    { parent },
  );
  return { subnetId: subnet.id, routeTableId: routes.id };
}

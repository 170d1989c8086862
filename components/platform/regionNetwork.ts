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
 * NAT gateway. The VPC's default security group is emptied: nothing may use it by accident.
 */
export class RegionNetwork extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];

  constructor(name: string, args: RegionNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    const cidrs = subnetCidrs(args.cidr, args.zones.length); // before the component registers anything
    super("collect-verything:platform:RegionNetwork", name, {}, opts);
    const child = { parent: this };
    const clusterTag = { [`kubernetes.io/cluster/${args.clusterName}`]: "shared" };

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

    this.publicSubnetIds = [];
    this.privateSubnetIds = [];
    args.zones.forEach((zone, i) => {
      const publicSubnet = new ec2.Subnet(
        `${name}-public-${zone}`,
        {
          vpcId: vpc.id,
          availabilityZone: zone,
          cidrBlock: cidrs.public[i]!,
          mapPublicIpOnLaunch: false,
          tags: { Name: `${name}-public-${zone}`, "kubernetes.io/role/elb": "1", ...clusterTag },
        },
        child,
      );
      new ec2.RouteTableAssociation(
        `${name}-public-${zone}`,
        { subnetId: publicSubnet.id, routeTableId: publicRoutes.id },
        child,
      );
      const address = new ec2.Eip(
        `${name}-nat-${zone}`,
        { domain: "vpc", tags: { Name: `${name}-nat-${zone}` } },
        child,
      );
      const nat = new ec2.NatGateway(
        `${name}-nat-${zone}`,
        { subnetId: publicSubnet.id, allocationId: address.id, tags: { Name: `${name}-${zone}` } },
        { parent: this, dependsOn: [gateway] },
      );

      const privateSubnet = new ec2.Subnet(
        `${name}-private-${zone}`,
        {
          vpcId: vpc.id,
          availabilityZone: zone,
          cidrBlock: cidrs.private[i]!,
          tags: { Name: `${name}-private-${zone}`, "kubernetes.io/role/internal-elb": "1", ...clusterTag },
        },
        child,
      );
      const privateRoutes = new ec2.RouteTable(
        `${name}-private-${zone}`,
        {
          vpcId: vpc.id,
          routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
          tags: { Name: `${name}-private-${zone}` },
        },
        child,
      );
      new ec2.RouteTableAssociation(
        `${name}-private-${zone}`,
        { subnetId: privateSubnet.id, routeTableId: privateRoutes.id },
        child,
      );
      this.publicSubnetIds.push(publicSubnet.id);
      this.privateSubnetIds.push(privateSubnet.id);
    });
    this.vpcId = vpc.id;
    this.registerOutputs({
      vpcId: this.vpcId,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
    });
  }
}

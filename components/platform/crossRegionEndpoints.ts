import * as autoscaling from "@pulumi/aws/autoscaling";
import * as ec2 from "@pulumi/aws/ec2";
import * as lb from "@pulumi/aws/lb";
import * as route53 from "@pulumi/aws/route53";
import * as vpc from "@pulumi/aws/vpc";
import * as core from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import {
  crossRegionHost,
  PLATFORM_PRIVATE_ZONE,
  PLATFORM_REGIONS,
  type CrossRegionService,
  type RegionName,
} from "../../tiers";
import { CROSS_REGION_PORTS, CROSS_REGION_SERVICES } from "./serviceLocations";

export interface CrossRegionEndpointsArgs {
  readonly region: RegionName;
  readonly vpcId: pulumi.Input<string>;
  /** Where the internal load balancer lives: the region's private subnets. */
  readonly privateSubnetIds: readonly pulumi.Input<string>[];
  /** The nodes' security group (EKS's cluster security group): opened to the load balancer only. */
  readonly nodeSecurityGroupId: pulumi.Input<string>;
  /** The Auto Scaling group whose nodes serve the NodePorts (the system pool's). */
  readonly autoscalingGroupName: pulumi.Input<string>;
}

/** The private zone a region publishes its cross-region hosts in: `<region>.platform.collect-verything.internal`. */
export const regionPrivateZone = (region: RegionName): string => `${region}.${PLATFORM_PRIVATE_ZONE}`;

/** The other regions' VPC blocks: the only sources the cross-region security group admits. */
export const peerCidrs = (region: RegionName): string[] =>
  Object.entries(PLATFORM_REGIONS)
    .filter(([name]) => name !== region)
    .map(([, r]) => r.vpcCidr);

/**
 * How the other regions reach this region's shared services (docs/regions.md): an internal
 * Network Load Balancer in the private subnets whose security group admits only the other
 * regions' VPC blocks and only the data-service ports (components/platform/serviceLocations.ts
 * CROSS_REGION_SERVICES); it forwards to fixed NodePorts of the system nodes, which admit them
 * only from the load balancer. The private hosted zone `<region>.platform.collect-verything.internal`
 * holds the cross-region hosts tenants use (tiers/regions.ts `crossRegionHost`), aliased to the
 * load balancer; the connectivity stack (stacks/connectivity.ts) associates it with the other
 * regions' VPCs and peers them.
 */
export class CrossRegionEndpoints extends pulumi.ComponentResource {
  readonly privateZoneId: pulumi.Output<string>;
  readonly loadBalancerDnsName: pulumi.Output<string>;

  constructor(name: string, args: CrossRegionEndpointsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:platform:CrossRegionEndpoints", name, {}, opts);
    const child = { parent: this };
    nodePortServices(name, child);
    const balancerSg = balancerSecurityGroup(name, args, child);
    const balancer = new lb.LoadBalancer(
      `${name}-nlb`,
      {
        loadBalancerType: "network",
        internal: true,
        subnets: [...args.privateSubnetIds],
        securityGroups: [balancerSg.id],
        enableCrossZoneLoadBalancing: true,
        tags: { Name: `${name}-${args.region}` },
      },
      child,
    );
    forwardPorts(name, args, balancer, child);
    const zone = new route53.Zone(
      `${name}-zone`,
      {
        name: regionPrivateZone(args.region),
        comment: `Cross-region hosts of ${args.region}'s shared services (resolvable from the peered VPCs)`,
        vpcs: [{ vpcId: args.vpcId, vpcRegion: args.region }],
      },
      // The other regions' VPCs are associated by the connectivity stack (route53.ZoneAssociation).
      { parent: this, ignoreChanges: ["vpcs"] },
    );
    for (const service of Object.keys(CROSS_REGION_SERVICES) as CrossRegionService[]) {
      new route53.Record(
        `${name}-${service}`,
        {
          zoneId: zone.zoneId,
          name: crossRegionHost(args.region, service),
          type: "A",
          aliases: [{ name: balancer.dnsName, zoneId: balancer.zoneId, evaluateTargetHealth: true }],
        },
        child,
      );
    }
    this.privateZoneId = zone.zoneId;
    this.loadBalancerDnsName = balancer.dnsName;
    this.registerOutputs({
      privateZoneId: this.privateZoneId,
      loadBalancerDnsName: this.loadBalancerDnsName,
    });
  }
}

/** A NodePort Service per cross-region service, on the fixed node ports the load balancer targets. */
function nodePortServices(name: string, opts: pulumi.CustomResourceOptions): void {
  for (const [service, spec] of Object.entries(CROSS_REGION_SERVICES)) {
    new core.Service(
      `${name}-${service}`,
      {
        metadata: { name: `${spec.namespace}-cross-region`, namespace: spec.namespace },
        spec: {
          type: "NodePort",
          selector: { ...spec.selector },
          ports: spec.ports.map((p) => ({ ...p, protocol: "TCP" })),
        },
      },
      opts,
    );
  }
}

/**
 * The load balancer's security group: in, each data-service port from each other region's VPC
 * block (one rule each, no range, no 0.0.0.0/0); out, each port's NodePort to the nodes only.
 */
function balancerSecurityGroup(
  name: string,
  args: CrossRegionEndpointsArgs,
  opts: pulumi.CustomResourceOptions,
): ec2.SecurityGroup {
  const group = new ec2.SecurityGroup(
    `${name}-nlb`,
    {
      vpcId: args.vpcId,
      description: `Cross-region data services of ${args.region}: the other regions' VPCs, data ports only`,
      tags: { Name: `${name}-nlb` },
    },
    opts,
  );
  for (const cidr of peerCidrs(args.region)) {
    for (const p of CROSS_REGION_PORTS) {
      new vpc.SecurityGroupIngressRule(
        `${name}-in-${p.name}-${cidr.replace(/[./]/g, "-")}`,
        { securityGroupId: group.id, ipProtocol: "tcp", fromPort: p.port, toPort: p.port, cidrIpv4: cidr },
        opts,
      );
    }
  }
  for (const p of CROSS_REGION_PORTS) {
    new vpc.SecurityGroupEgressRule(
      `${name}-out-${p.name}`,
      {
        securityGroupId: group.id,
        ipProtocol: "tcp",
        fromPort: p.nodePort,
        toPort: p.nodePort,
        referencedSecurityGroupId: args.nodeSecurityGroupId,
      },
      opts,
    );
    new vpc.SecurityGroupIngressRule(
      `${name}-nodes-${p.name}`,
      {
        securityGroupId: args.nodeSecurityGroupId,
        ipProtocol: "tcp",
        fromPort: p.nodePort,
        toPort: p.nodePort,
        referencedSecurityGroupId: group.id,
      },
      opts,
    );
  }
  return group;
}

/** Per port: a listener on the data-service port, a target group on its NodePort over the system nodes. */
function forwardPorts(
  name: string,
  args: CrossRegionEndpointsArgs,
  balancer: lb.LoadBalancer,
  opts: pulumi.CustomResourceOptions,
): void {
  for (const p of CROSS_REGION_PORTS) {
    const target = new lb.TargetGroup(
      `${name}-${p.name}`,
      {
        port: p.nodePort,
        protocol: "TCP",
        targetType: "instance",
        vpcId: args.vpcId,
        healthCheck: { protocol: "TCP", port: String(p.nodePort) },
      },
      opts,
    );
    new lb.Listener(
      `${name}-${p.name}`,
      {
        loadBalancerArn: balancer.arn,
        port: p.port,
        protocol: "TCP",
        defaultActions: [{ type: "forward", targetGroupArn: target.arn }],
      },
      opts,
    );
    new autoscaling.Attachment(
      `${name}-${p.name}`,
      { autoscalingGroupName: args.autoscalingGroupName, lbTargetGroupArn: target.arn },
      opts,
    );
  }
}

/**
 * The platform's network stays closed (issue 22, regions that reach each other): what the
 * platform and connectivity stacks open between regions is judged here, without trusting the
 * programs. A security group rule admits one TCP port from a catalog region's VPC block or from a
 * security group, never a range, all protocols or the internet; a load balancer is internal; a
 * hosted zone is private and under the platform's private zone; a route leaves for the internet
 * only through a NAT or internet gateway, and reaches a peer only on a catalog region's block.
 */
import { PLATFORM_PRIVATE_ZONE, PLATFORM_REGIONS } from "../../tiers/regions";
import { describe, tierResourcePolicy, type ResourceView } from "../define";

const REGION_BLOCKS: ReadonlySet<string> = new Set(Object.values(PLATFORM_REGIONS).map((r) => r.vpcCidr));
const ANYWHERE = new Set(["0.0.0.0/0", "::/0"]);

interface RuleProps {
  ipProtocol?: unknown;
  fromPort?: unknown;
  toPort?: unknown;
  cidrIpv4?: unknown;
  cidrIpv6?: unknown;
  prefixListId?: unknown;
  referencedSecurityGroupId?: unknown;
}

/** Why a security group rule is too wide, if it is. */
export function securityGroupRuleProblems(props: RuleProps, direction: "ingress" | "egress"): string[] {
  const problems: string[] = [];
  if (props.ipProtocol !== "tcp") problems.push(`protocol ${String(props.ipProtocol)} (only tcp is opened)`);
  if (typeof props.fromPort !== "number" || props.fromPort !== props.toPort)
    problems.push(`ports ${String(props.fromPort)}-${String(props.toPort)} (one port per rule)`);
  else if (props.fromPort < 1) problems.push(`port ${props.fromPort}`);
  const cidr = props.cidrIpv4 ?? props.cidrIpv6;
  if (typeof cidr === "string" && ANYWHERE.has(cidr)) problems.push(`${direction} from/to ${cidr}`);
  else if (typeof cidr === "string" && !REGION_BLOCKS.has(cidr))
    problems.push(`peer ${cidr} is no platform region's VPC block`);
  if (props.prefixListId !== undefined) problems.push("a prefix list cannot be judged");
  if (
    cidr === undefined &&
    props.prefixListId === undefined &&
    typeof props.referencedSecurityGroupId !== "string"
  )
    problems.push("no peer");
  return problems;
}

function judge(view: ResourceView): string[] {
  const p = view.props as Record<string, unknown>;
  switch (view.type) {
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
      return securityGroupRuleProblems(p, "ingress");
    case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
      return securityGroupRuleProblems(p, "egress");
    case "aws:ec2/securityGroup:SecurityGroup": {
      // Inline rules would escape the per-rule judgement above.
      const inline = ["ingress", "egress"].filter(
        (k) => Array.isArray(p[k]) && (p[k] as unknown[]).length > 0,
      );
      return inline.map(
        (k) =>
          `has inline ${k} rules (declare each as a SecurityGroup${k === "ingress" ? "Ingress" : "Egress"}Rule)`,
      );
    }
    case "aws:lb/loadBalancer:LoadBalancer":
      return p["internal"] === true
        ? []
        : ["is not internal (the platform's load balancers serve the peered VPCs only)"];
    case "aws:route53/zone:Zone": {
      const name = typeof p["name"] === "string" ? p["name"] : "";
      const vpcs = Array.isArray(p["vpcs"]) ? p["vpcs"] : [];
      const problems = vpcs.length === 0 ? ["is a public zone (no VPC)"] : [];
      if (!name.endsWith(`.${PLATFORM_PRIVATE_ZONE}`))
        problems.push(`${name} is not under ${PLATFORM_PRIVATE_ZONE}`);
      return problems;
    }
    case "aws:ec2/route:Route": {
      const destination = p["destinationCidrBlock"];
      if (typeof p["vpcPeeringConnectionId"] === "string")
        return typeof destination === "string" && REGION_BLOCKS.has(destination)
          ? []
          : [`sends ${String(destination)} over a peering: only a platform region's VPC block may`];
      if (
        destination === "0.0.0.0/0" &&
        (typeof p["natGatewayId"] === "string" || typeof p["gatewayId"] === "string")
      )
        return [];
      return [`routes ${String(destination)} elsewhere than a NAT gateway or a peered region`];
    }
    default:
      return [];
  }
}

export const platformNetworkClosed = tierResourcePolicy({
  name: "platform-network-closed",
  description:
    "The platform and connectivity stacks open one TCP port per security group rule, from a platform region's VPC block or a security group (never 0.0.0.0/0, a range or all protocols); load balancers are internal, hosted zones private under the platform's private zone, routes go to the internet only through a NAT or internet gateway and over a peering only to a region's block.",
  enforcementLevel: "mandatory",
  validate: () => undefined,
  validatePlatform: (view, report) => {
    for (const problem of judge(view)) report(`${describe(view)}: ${problem}`);
  },
});

/**
 * Regions that reach each other (issue 22, item 6), as synthesized: each region's platform opens
 * its shared services to the other regions' VPC blocks on the data-service ports only (one rule
 * per block and port, nothing from 0.0.0.0/0, no range), behind an internal load balancer, and
 * publishes exactly the cross-region hosts its tenants read in a private zone; the connectivity
 * stack peers every pair once (requested in one region, accepted in the other), routes each
 * pair's blocks both ways in every private route table, and associates each zone with the other
 * VPCs. Bad platform outputs and a too-wide rule are refused.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CROSS_REGION_PORTS, PLATFORM_SERVICES } from "../components/platform/serviceLocations";
import { connectivityRegions, parseRegionConnectivity, regionPairs } from "../stacks/connectivityContract";
import { PLATFORM_FACTS_OUTPUT, type PlatformFacts } from "../stacks/platformFacts";
import type { RecordedResource, SynthResult } from "../synth/engine";
import { offlinePlatformStack, synthConnectivity, synthPlatform } from "../synth/programs";
import { securityGroupRuleProblems } from "../policy/policies/platformNetwork";
import { PLATFORM_REGIONS, REGION_NAMES, type RegionName } from "../tiers";

const platforms = new Map<RegionName, SynthResult>();
let mesh: SynthResult;
beforeAll(async () => {
  for (const region of REGION_NAMES) platforms.set(region, await synthPlatform(region));
  mesh = await synthConnectivity();
}, 120_000);

const of = (result: SynthResult, type: string): RecordedResource[] =>
  result.resources.filter((r) => r.type === type);
const inputs = (r: RecordedResource) => r.inputs as Record<string, unknown>;
const providerName = (result: SynthResult, r: RecordedResource) =>
  result.resources.find((p) => p.urn === r.provider)?.name ?? r.provider;

describe.each(REGION_NAMES)("the platform of %s", (region) => {
  const others = REGION_NAMES.filter((r) => r !== region).map((r) => PLATFORM_REGIONS[r].vpcCidr);

  it("admits the other regions' VPC blocks on the data-service ports only, one port per rule", () => {
    const platform = platforms.get(region)!;
    const ingress = of(platform, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map(inputs);
    const fromCidrs = ingress.filter((r) => r["cidrIpv4"] !== undefined);
    const ports = CROSS_REGION_PORTS.map((p) => p.port).sort((a, b) => a - b);
    // The ports are the tenants' (one table): MySQL, AMQP and its management API, S3.
    expect(ports).toEqual(
      [
        PLATFORM_SERVICES.mysql.port,
        PLATFORM_SERVICES.rabbitmq.port,
        15672,
        PLATFORM_SERVICES.objectStorage.port,
      ].sort((a, b) => a - b),
    );
    expect(fromCidrs.map((r) => `${String(r["cidrIpv4"])}:${String(r["fromPort"])}`).sort()).toEqual(
      others.flatMap((c) => ports.map((p) => `${c}:${p}`)).sort(),
    );
    for (const rule of of(platform, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
      .concat(of(platform, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"))
      .map(inputs)) {
      expect(rule["ipProtocol"]).toBe("tcp");
      expect(rule["fromPort"]).toBe(rule["toPort"]);
      expect(rule["cidrIpv4"]).not.toBe("0.0.0.0/0");
      expect([rule["cidrIpv4"], rule["referencedSecurityGroupId"]].filter(Boolean)).toHaveLength(1);
    }
    // No security group carries inline rules (they would escape the rules judged above).
    for (const group of of(platform, "aws:ec2/securityGroup:SecurityGroup").map(inputs)) {
      expect(group["ingress"] ?? []).toEqual([]);
      expect(group["egress"] ?? []).toEqual([]);
    }
  });

  it("serves them from an internal load balancer, a listener per data port onto its fixed node port", () => {
    const platform = platforms.get(region)!;
    const [balancer, more] = of(platform, "aws:lb/loadBalancer:LoadBalancer").map(inputs);
    expect(more).toBeUndefined();
    expect(balancer).toMatchObject({ internal: true, loadBalancerType: "network" });
    const listeners = of(platform, "aws:lb/listener:Listener").map(inputs);
    expect(listeners.map((l) => l["port"]).sort()).toEqual(CROSS_REGION_PORTS.map((p) => p.port).sort());
    const groups = of(platform, "aws:lb/targetGroup:TargetGroup").map(inputs);
    expect(groups.map((g) => g["port"]).sort()).toEqual(CROSS_REGION_PORTS.map((p) => p.nodePort).sort());
    const services = of(platform, "kubernetes:core/v1:Service").filter((s) =>
      String((inputs(s)["metadata"] as { name: string }).name).endsWith("-cross-region"),
    );
    const nodePorts = services.flatMap((s) => (inputs(s)["spec"] as { ports: { nodePort: number }[] }).ports);
    expect(nodePorts.map((p) => p.nodePort).sort()).toEqual(CROSS_REGION_PORTS.map((p) => p.nodePort).sort());
  });

  it("publishes exactly the cross-region hosts its tenants read, in a private zone", () => {
    const platform = platforms.get(region)!;
    const exported = platform.outputs[PLATFORM_FACTS_OUTPUT] as PlatformFacts;
    const standIn = offlinePlatformStack(`collect-verything/platform/${region}`)!.outputs[
      PLATFORM_FACTS_OUTPUT
    ] as PlatformFacts;
    const names = of(platform, "aws:route53/record:Record").map((r) => inputs(r)["name"]);
    expect(names.sort()).toEqual(Object.values(exported.crossRegionHosts).sort());
    expect(names.sort()).toEqual(Object.values(standIn.crossRegionHosts).sort());
    const [zone] = of(platform, "aws:route53/zone:Zone").map(inputs);
    expect(zone).toMatchObject({ name: `${region}.platform.collect-verything.internal` });
    expect((zone!["vpcs"] as unknown[]).length).toBe(1);
    for (const name of names) expect(String(name).endsWith(`.${String(zone!["name"])}`)).toBe(true);
  });
});

describe("the connectivity stack", () => {
  it("peers every pair of regions once: requested in the earlier region, accepted in the later", () => {
    const requests = of(mesh, "aws:ec2/vpcPeeringConnection:VpcPeeringConnection");
    const accepts = of(mesh, "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter");
    expect(requests.map((r) => r.name).sort()).toEqual(
      regionPairs(REGION_NAMES)
        .map(([a, b]) => `${a}-${b}-request`)
        .sort(),
    );
    for (const [a, b] of regionPairs(REGION_NAMES)) {
      const request = requests.find((r) => r.name === `${a}-${b}-request`)!;
      expect(inputs(request)).toMatchObject({ peerRegion: b, autoAccept: false });
      expect(providerName(mesh, request)).toBe(`aws-${a}`);
      const accept = accepts.find((r) => r.name === `${a}-${b}-accept`)!;
      expect(inputs(accept)).toMatchObject({
        vpcPeeringConnectionId: `${a}-${b}-request-id`,
        autoAccept: true,
      });
      expect(providerName(mesh, accept)).toBe(`aws-${b}`);
    }
  });

  it("routes both directions: every private route table of each region reaches every other region's block", () => {
    const routes = of(mesh, "aws:ec2/route:Route");
    for (const [a, b] of regionPairs(REGION_NAMES)) {
      for (const [from, to] of [
        [a, b],
        [b, a],
      ] as const) {
        const tables = (platforms.get(from)!.outputs["connectivity"] as { privateRouteTableIds: string[] })
          .privateRouteTableIds;
        expect(tables).toHaveLength(3);
        for (const table of tables) {
          const route = routes.filter(
            (r) =>
              inputs(r)["routeTableId"] === table &&
              inputs(r)["destinationCidrBlock"] === PLATFORM_REGIONS[to].vpcCidr,
          );
          expect(route, `${from} -> ${to} in ${table}`).toHaveLength(1);
          expect(inputs(route[0]!)["vpcPeeringConnectionId"]).toBe(`${a}-${b}-request-id`);
          expect(providerName(mesh, route[0]!)).toBe(`aws-${from}`);
        }
      }
    }
    // Nothing else: no default route, no block that is not a region's.
    const blocks = new Set<string>(REGION_NAMES.map((r) => PLATFORM_REGIONS[r].vpcCidr));
    expect(routes.every((r) => blocks.has(String(inputs(r)["destinationCidrBlock"])))).toBe(true);
    expect(routes).toHaveLength(REGION_NAMES.length * (REGION_NAMES.length - 1) * 3);
  });

  it("associates each region's private zone with every other region's VPC", () => {
    const associations = of(mesh, "aws:route53/zoneAssociation:ZoneAssociation").map(inputs);
    for (const owner of REGION_NAMES) {
      const zoneId = (platforms.get(owner)!.outputs["connectivity"] as { privateZoneId: string })
        .privateZoneId;
      const vpcs = associations.filter((a) => a["zoneId"] === zoneId).map((a) => a["vpcRegion"]);
      expect(vpcs.sort()).toEqual(REGION_NAMES.filter((r) => r !== owner).sort());
    }
  });

  it("refuses a platform output that is missing, or another region's", () => {
    expect(() => parseRegionConnectivity(undefined, "o/platform/eu-west-3", "eu-west-3")).toThrow(
      /exports no valid connectivity.*apply its platform program first/,
    );
    const good = platforms.get("eu-central-1")!.outputs["connectivity"];
    expect(() => parseRegionConnectivity(good, "o/platform/eu-west-3", "eu-west-3")).toThrow(
      /exports eu-central-1 \(10\.31\.0\.0\/16\), not eu-west-3/,
    );
    expect(() => connectivityRegions(["eu-west-3"])).toThrow(/at least two/);
    expect(() => connectivityRegions(["eu-west-3", "eu-west-3"])).toThrow(/twice/);
    expect(() => connectivityRegions(["eu-west-3", "ap-south-1"])).toThrow(/connectivity:regions\[1\]/);
    expect(connectivityRegions(["us-east-1", "eu-west-3"])).toEqual(["eu-west-3", "us-east-1"]);
  });
});

describe("platform-network-closed (the pack)", () => {
  const rule = { ipProtocol: "tcp", fromPort: 3306, toPort: 3306, cidrIpv4: "10.31.0.0/16" };
  it("refuses what would open more than one port to a region's block", () => {
    expect(securityGroupRuleProblems(rule, "ingress")).toEqual([]);
    expect(securityGroupRuleProblems({ ...rule, cidrIpv4: "0.0.0.0/0" }, "ingress")).toEqual([
      "ingress from/to 0.0.0.0/0",
    ]);
    expect(securityGroupRuleProblems({ ...rule, fromPort: 0, toPort: 65535 }, "ingress")).toEqual([
      "ports 0-65535 (one port per rule)",
    ]);
    expect(securityGroupRuleProblems({ ...rule, ipProtocol: "-1" }, "ingress")).toEqual([
      "protocol -1 (only tcp is opened)",
    ]);
    expect(securityGroupRuleProblems({ ...rule, cidrIpv4: "192.168.0.0/16" }, "ingress")).toEqual([
      "peer 192.168.0.0/16 is no platform region's VPC block",
    ]);
    expect(securityGroupRuleProblems({ ...rule, cidrIpv4: undefined, cidrIpv6: "::/0" }, "ingress")).toEqual([
      "ingress from/to ::/0",
    ]);
  });
});

/**
 * The platform program on AWS, one stack per region, as synthesized: each region's VPC spans its
 * three zones, the EKS cluster and its managed nodes sit in the private subnets, the EBS CSI
 * driver gets its role through Pod Identity, and nothing is left open (public bucket, unencrypted
 * volume, security group open to the internet, plaintext kubeconfig). Every object goes through
 * the stack's own providers: the region's AWS provider and the new cluster's Kubernetes provider.
 */
import { RegisterResourceRequest } from "@pulumi/pulumi/proto/resource_pb";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EksCluster, kubeconfig } from "../components/platform/eksCluster";
import { subnetCidrs } from "../components/platform/regionNetwork";
import {
  backupBucketName,
  parseRegion,
  PLATFORM_REGIONS,
  PRIMARY_REGION,
  REGION_NAMES,
  RegionError,
  type RegionName,
} from "../tiers";
import { SECRET_PLACEHOLDER, synthesize, type RecordedResource, type SynthResult } from "../synth/engine";
import { offlinePlatformStack, PLATFORM_PROJECT, synthPlatform } from "../synth/programs";
import { DEFAULT_BACKUP_BUCKET } from "../tiers";

const REGIONS: readonly RegionName[] = ["eu-west-3", "us-east-1"];

/** Provider reference ("urn::id") of every registered resource, keyed by "type::name". */
const providerOf = new Map<string, string>();
const synths = new Map<RegionName, SynthResult>();

beforeAll(async () => {
  const setProvider = RegisterResourceRequest.prototype.setProvider;
  const spy = vi.spyOn(RegisterResourceRequest.prototype, "setProvider").mockImplementation(function (
    this: RegisterResourceRequest,
    ref: string,
  ) {
    providerOf.set(`${this.getParent()}|${this.getType()}::${this.getName()}`, ref);
    return setProvider.call(this, ref);
  });
  try {
    for (const region of REGIONS) synths.set(region, await synthPlatform(region));
  } finally {
    spy.mockRestore();
  }
});
afterAll(() => providerOf.clear());

const resourcesOf = (region: RegionName, type: string): RecordedResource[] =>
  synths.get(region)!.resources.filter((r) => r.type === type);
const inputsOf = <T>(r: RecordedResource): T => r.inputs as T;
const idOf = (r: RecordedResource): string => `${r.name}-id`;
const providerRef = (r: RecordedResource): string => providerOf.get(`${r.parent}|${r.type}::${r.name}`) ?? "";

describe.each(REGIONS)("platform stack in %s", (region) => {
  const { zones, vpcCidr } = PLATFORM_REGIONS[region];
  const subnets = () =>
    resourcesOf(region, "aws:ec2/subnet:Subnet").map((s) => ({
      id: idOf(s),
      ...inputsOf<{
        availabilityZone: string;
        cidrBlock: string;
        mapPublicIpOnLaunch?: boolean;
        tags: Record<string, string>;
      }>(s),
    }));
  const privateSubnets = () => subnets().filter((s) => s.tags["kubernetes.io/role/internal-elb"] === "1");
  const publicSubnets = () => subnets().filter((s) => s.tags["kubernetes.io/role/elb"] === "1");

  it("puts every AWS resource through the region's own provider, and no Kubernetes object through the ambient one", () => {
    const [aws] = resourcesOf(region, "pulumi:providers:aws");
    expect(aws!.inputs).toMatchObject({ region });
    const [kubernetes] = resourcesOf(region, "pulumi:providers:kubernetes");
    // Built from the new cluster's kubeconfig, kept secret.
    expect(kubernetes!.inputs["kubeconfig"]).toBe(SECRET_PLACEHOLDER);
    const custom = synths
      .get(region)!
      .resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
    const aw = custom.filter((r) => r.type.startsWith("aws:"));
    const k8s = custom.filter((r) => r.type.startsWith("kubernetes:"));
    expect(aw.length).toBeGreaterThan(30);
    expect(k8s.length).toBeGreaterThan(20);
    for (const r of aw) expect(providerRef(r), r.name).toBe(`${aws!.urn}::${aws!.name}-id`);
    for (const r of k8s) expect(providerRef(r), r.name).toBe(`${kubernetes!.urn}::${kubernetes!.name}-id`);
  });

  it("spans the region's three zones with a public and a private subnet each, private egress through its zone's NAT gateway", () => {
    const [vpc] = resourcesOf(region, "aws:ec2/vpc:Vpc");
    expect(vpc!.inputs).toMatchObject({ cidrBlock: vpcCidr });
    expect(subnets()).toHaveLength(6);
    expect(
      publicSubnets()
        .map((s) => s.availabilityZone)
        .sort(),
    ).toEqual([...zones]);
    expect(
      privateSubnets()
        .map((s) => s.availabilityZone)
        .sort(),
    ).toEqual([...zones]);
    expect(subnets().every((s) => s.mapPublicIpOnLaunch !== true)).toBe(true);
    const nats = resourcesOf(region, "aws:ec2/natGateway:NatGateway").map(
      (n) => inputsOf<{ subnetId: string }>(n).subnetId,
    );
    expect(nats.sort()).toEqual(
      publicSubnets()
        .map((s) => s.id)
        .sort(),
    );
    const tables = resourcesOf(region, "aws:ec2/routeTable:RouteTable");
    const associations = resourcesOf(region, "aws:ec2/routeTableAssociation:RouteTableAssociation").map((a) =>
      inputsOf<{ subnetId: string; routeTableId: string }>(a),
    );
    for (const subnet of privateSubnets()) {
      const table = tables.find(
        (t) => idOf(t) === associations.find((a) => a.subnetId === subnet.id)?.routeTableId,
      );
      // Its routes are separate resources (the connectivity stack adds the other regions' beside them).
      expect(inputsOf<{ routes?: unknown }>(table!).routes).toBeUndefined();
      const routes = resourcesOf(region, "aws:ec2/route:Route")
        .map((r) =>
          inputsOf<{
            routeTableId: string;
            destinationCidrBlock: string;
            natGatewayId?: string;
            gatewayId?: string;
          }>(r),
        )
        .filter((r) => r.routeTableId === idOf(table!));
      // The private subnet's default route is its own zone's NAT gateway, never the internet gateway.
      expect(routes).toEqual([
        {
          routeTableId: idOf(table!),
          destinationCidrBlock: "0.0.0.0/0",
          natGatewayId: `network-nat-${subnet.availabilityZone}-id`,
        },
      ]);
    }
  });

  it("runs the EKS cluster and its managed node group in the private subnets, with encrypted Secrets and no public endpoint", () => {
    const [cluster] = resourcesOf(region, "aws:eks/cluster:Cluster");
    const privateIds = privateSubnets()
      .map((s) => s.id)
      .sort();
    const c = inputsOf<{
      name: string;
      vpcConfig: { subnetIds: string[]; endpointPublicAccess: boolean };
      encryptionConfig: { resources: string[] };
    }>(cluster!);
    expect(c.name).toBe(`collect-verything-${region}`);
    expect([...c.vpcConfig.subnetIds].sort()).toEqual(privateIds);
    expect(c.vpcConfig.endpointPublicAccess).toBe(false);
    expect(c.encryptionConfig.resources).toEqual(["secrets"]);
    expect(cluster!.protect).toBe(true);
    const groups = resourcesOf(region, "aws:eks/nodeGroup:NodeGroup");
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) {
      const n = inputsOf<{ clusterName: string; subnetIds: string[]; scalingConfig: { minSize: number } }>(g);
      expect(n.clusterName).toBe(c.name);
      expect([...n.subnetIds].sort()).toEqual(privateIds);
      expect(n.scalingConfig.minSize).toBeGreaterThanOrEqual(zones.length);
    }
  });

  it("gives the EBS CSI driver its role through an EKS Pod Identity association (the agent installed first)", () => {
    const addons = resourcesOf(region, "aws:eks/addon:Addon");
    const agent = addons.find((a) => a.inputs["addonName"] === "eks-pod-identity-agent");
    const csi = addons.find((a) => a.inputs["addonName"] === "aws-ebs-csi-driver");
    expect(agent).toBeDefined();
    expect(csi!.dependsOn).toContain(agent!.urn);
    const [association] = inputsOf<{
      podIdentityAssociations: { roleArn: string; serviceAccount: string }[];
    }>(csi!).podIdentityAssociations;
    expect(association!.serviceAccount).toBe("ebs-csi-controller-sa");
    const role = resourcesOf(region, "aws:iam/role:Role").find((r) => r.name === "eks-ebs-csi");
    const trust = JSON.parse(role!.inputs["assumeRolePolicy"] as string) as {
      Statement: { Principal: { Service: string } }[];
    };
    expect(trust.Statement.map((s) => s.Principal.Service)).toEqual(["pods.eks.amazonaws.com"]);
    const attached = resourcesOf(region, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").find(
      (a) => a.name === "eks-ebs-csi",
    );
    expect(attached!.inputs["policyArn"]).toBe(
      "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy",
    );
  });

  it("encrypts every node volume (launch template) and every new volume of the region (EBS encryption by default)", () => {
    const templates = resourcesOf(region, "aws:ec2/launchTemplate:LaunchTemplate");
    const groups = resourcesOf(region, "aws:eks/nodeGroup:NodeGroup");
    expect(templates).toHaveLength(groups.length);
    for (const g of groups) {
      const { launchTemplate } = inputsOf<{ launchTemplate?: { id: string } }>(g);
      const template = templates.find((t) => idOf(t) === launchTemplate?.id);
      const t = inputsOf<{
        blockDeviceMappings: { ebs: { encrypted: string } }[];
        metadataOptions: { httpTokens: string };
      }>(template!);
      expect(t.blockDeviceMappings.length).toBeGreaterThan(0);
      expect(t.blockDeviceMappings.every((m) => m.ebs.encrypted === "true")).toBe(true);
      expect(t.metadataOptions.httpTokens).toBe("required");
    }
    expect(
      resourcesOf(region, "aws:ebs/encryptionByDefault:EncryptionByDefault").map((r) => r.inputs),
    ).toEqual([{ enabled: true }]);
    // The tiers' StorageClasses ask the EBS CSI driver for encrypted volumes too.
    const classes = resourcesOf(region, "kubernetes:storage.k8s.io/v1:StorageClass");
    expect(classes.length).toBe(3);
    expect(
      classes.every((s) => (s.inputs["parameters"] as Record<string, string>)["encrypted"] === "true"),
    ).toBe(true);
  });

  it("opens no security group to the internet: the default group is emptied and no rule admits 0.0.0.0/0 or ::/0", () => {
    const groups = synths
      .get(region)!
      .resources.filter((r) =>
        /^aws:ec2\/(defaultSecurityGroup|securityGroup|securityGroupRule|vpcSecurityGroupIngressRule)/.test(
          r.type,
        ),
      );
    expect(groups.map((g) => g.type)).toContain("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
    expect(openIngress(groups)).toEqual([]);
  });

  it("keeps the backup bucket private and encrypted with a rotated key, and the stack-secrets key rotated", () => {
    const [block] = resourcesOf(region, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    expect(block!.inputs).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const [bucket] = resourcesOf(region, "aws:s3/bucket:Bucket");
    expect(bucket!.inputs["bucket"]).toBe(backupBucketName(region));
    expect(block!.inputs["bucket"]).toBe(idOf(bucket!));
    const keys = resourcesOf(region, "aws:kms/key:Key");
    // The bucket's, the cluster's Secrets' and the stack secrets' keys.
    expect(keys).toHaveLength(3);
    for (const key of keys) {
      expect(key.inputs["enableKeyRotation"], key.name).toBe(true);
      expect(key.protect, key.name).toBe(true);
    }
    const [alias] = resourcesOf(region, "aws:kms/alias:Alias");
    expect(alias!.inputs).toMatchObject({ name: `alias/collect-verything-stack-secrets-${region}` });
  });

  it("outputs the region, cluster name, backup bucket and a secret kubeconfig", () => {
    const outputs = synths.get(region)!.outputs;
    expect(outputs).toMatchObject({
      region,
      clusterName: `collect-verything-${region}`,
      backupBucket: backupBucketName(region),
    });
    expect(outputs["kubeconfig"]).toBe(SECRET_PLACEHOLDER);
  });

  it("publishes where other regions reach it, exactly as the tenants' offline stand-in of this stack says", () => {
    const outputs = synths.get(region)!.outputs;
    const standIn = offlinePlatformStack(`collect-verything/platform/${region}`)!;
    expect(standIn.secretOutputNames).toEqual(["kubeconfig", "originPullClient"]);
    const published = Object.fromEntries(
      // The budgets' topic ARN is unknown offline (tests/budget.test.ts checks the stand-in's); the
      // secrets are redacted in a synth's outputs (tests/originLockdown.test.ts checks the client's).
      Object.entries(standIn.outputs).filter(
        ([key]) => !standIn.secretOutputNames.includes(key) && key !== "budgetAlertsTopicArn",
      ),
    );
    expect(outputs).toMatchObject(published);
    expect(outputs["originPullClient"]).toBe(SECRET_PLACEHOLDER);
    expect(outputs["crossRegionHosts"]).toEqual({
      mysql: `mysql.${region}.platform.collect-verything.internal`,
      rabbitmq: `rabbitmq.${region}.platform.collect-verything.internal`,
      objectStorage: `minio.${region}.platform.collect-verything.internal`,
    });
  });
});

/** Ingress of the given security groups/rules that admits the whole internet. */
function openIngress(resources: readonly RecordedResource[]): string[] {
  const open = (cidrs: unknown) =>
    Array.isArray(cidrs) && cidrs.some((c) => c === "0.0.0.0/0" || c === "::/0");
  return resources.flatMap((r) => {
    const ingress =
      (r.inputs["ingress"] as { cidrBlocks?: string[]; ipv6CidrBlocks?: string[] }[] | undefined) ?? [];
    const rule =
      r.type.endsWith("SecurityGroupRule") && r.inputs["type"] === "ingress"
        ? [r.inputs as { cidrBlocks?: string[]; ipv6CidrBlocks?: string[] }]
        : [];
    const vpcRule = r.type.endsWith("VpcSecurityGroupIngressRule")
      ? [{ cidrBlocks: [r.inputs["cidrIpv4"]], ipv6CidrBlocks: [r.inputs["cidrIpv6"]] }]
      : [];
    return [...ingress, ...rule, ...vpcRule]
      .filter((i) => open(i.cidrBlocks) || open(i.ipv6CidrBlocks))
      .map(() => r.name);
  });
}

describe("the open-ingress check itself", () => {
  it("names a group or rule that admits the internet", () => {
    const base = {
      urn: "",
      custom: true,
      parent: "",
      protect: false,
      retainOnDelete: false,
      ignoreChanges: [],
      dependsOn: [],
    };
    expect(
      openIngress([
        {
          ...base,
          type: "aws:ec2/securityGroup:SecurityGroup",
          name: "web",
          inputs: { ingress: [{ fromPort: 443, cidrBlocks: ["0.0.0.0/0"] }] },
        },
        {
          ...base,
          type: "aws:ec2/securityGroupRule:SecurityGroupRule",
          name: "ssh",
          inputs: { type: "ingress", ipv6CidrBlocks: ["::/0"] },
        },
        {
          ...base,
          type: "aws:ec2/vpcSecurityGroupIngressRule:VpcSecurityGroupIngressRule",
          name: "all",
          inputs: { cidrIpv4: "0.0.0.0/0" },
        },
        {
          ...base,
          type: "aws:ec2/securityGroupRule:SecurityGroupRule",
          name: "egress",
          inputs: { type: "egress", cidrBlocks: ["0.0.0.0/0"] },
        },
        {
          ...base,
          type: "aws:ec2/securityGroup:SecurityGroup",
          name: "vpc-only",
          inputs: { ingress: [{ cidrBlocks: ["10.30.0.0/16"] }] },
        },
      ]),
    ).toEqual(["web", "ssh", "all"]);
  });
});

describe("platform regions", () => {
  it("gives each supported region three distinct zones of its own and a VPC block that overlaps no other region's", () => {
    for (const region of REGION_NAMES) {
      const { zones } = PLATFORM_REGIONS[region];
      expect(new Set(zones).size).toBe(3);
      expect(zones.every((z) => z.startsWith(region))).toBe(true);
    }
    expect(new Set(REGION_NAMES.map((r) => PLATFORM_REGIONS[r].vpcCidr)).size).toBe(REGION_NAMES.length);
  });

  it("keeps the tenants' default bucket in the primary region and a bucket per other region", () => {
    expect(backupBucketName(PRIMARY_REGION)).toBe(DEFAULT_BACKUP_BUCKET);
    expect(new Set(REGION_NAMES.map(backupBucketName)).size).toBe(REGION_NAMES.length);
  });

  it("refuses an unsupported or missing region, naming the field", async () => {
    expect(() => parseRegion("eu-west-9", "platform:region")).toThrow(
      new RegionError(
        'platform:region: "eu-west-9" is not a supported region (eu-west-3, eu-central-1, us-east-1)',
      ),
    );
    expect(() => parseRegion(undefined, "platform:region")).toThrow(/platform:region: required/);
    const { default: program } = await import("../stacks/platform");
    // Before any resource is registered.
    await expect(
      synthesize(program, {
        project: PLATFORM_PROJECT,
        stack: "bad",
        config: { "platform:region": "mars-1" },
      }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(/platform:region: "mars-1" is not a supported region/),
      registered: [expect.objectContaining({ type: "pulumi:pulumi:Stack" })],
    });
  });

  it("carves non-overlapping subnets from the region's /16 and refuses another block", () => {
    expect(subnetCidrs("10.30.0.0/16", 3)).toEqual({
      public: ["10.30.0.0/20", "10.30.16.0/20", "10.30.32.0/20"],
      private: ["10.30.64.0/18", "10.30.128.0/18", "10.30.192.0/18"],
    });
    expect(() => subnetCidrs("10.30.0.0/8", 3)).toThrow(/cidr: "10.30.0.0\/8" is not a 10.x.0.0\/16 block/);
    expect(() => subnetCidrs("10.30.0.0/16", 4)).toThrow(/zones: a \/16 holds 1 to 3/);
  });
});

describe("EKS cluster arguments", () => {
  const args = { clusterName: "c", region: "eu-west-3", subnetIds: ["a", "b", "c"] };
  it("refuses an API endpoint open to the internet, a one-zone cluster and an impossible node group", () => {
    expect(() => new EksCluster("x", { ...args, publicAccessCidrs: ["0.0.0.0/0"] })).toThrow(
      /publicAccessCidrs: "0.0.0.0\/0" opens the API server to the internet/,
    );
    expect(() => new EksCluster("x", { ...args, subnetIds: ["a"] })).toThrow(
      /subnetIds: EKS needs subnets in at least 2 zones, got 1/,
    );
    expect(
      () =>
        new EksCluster("x", {
          ...args,
          nodeGroups: [{ name: "g", instanceTypes: ["m6i.large"], minSize: 3, desiredSize: 2, maxSize: 6 }],
        }),
    ).toThrow(/nodeGroups.g: needs 1 <= minSize <= desiredSize <= maxSize, got 3\/2\/6/);
  });

  it("writes a kubeconfig that authenticates with aws eks get-token in the cluster's region (no credential in it)", () => {
    const config = JSON.parse(kubeconfig("c1", "https://api.example", "Q0E=", "us-east-1")) as {
      clusters: { cluster: { server: string } }[];
      users: { user: { exec: { command: string; args: string[] } } }[];
    };
    expect(config.clusters[0]!.cluster.server).toBe("https://api.example");
    expect(config.users[0]!.user).toEqual({
      exec: expect.objectContaining({
        command: "aws",
        args: ["eks", "get-token", "--cluster-name", "c1", "--region", "us-east-1"],
      }),
    });
  });
});

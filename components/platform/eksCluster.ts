import * as ec2 from "@pulumi/aws/ec2";
import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import * as pulumi from "@pulumi/pulumi";
import { serviceTrustPolicy } from "../shared/serviceAccountTrust";
import { DEFAULT_KUBERNETES_VERSION } from "./apiVersions";
import { statefulOptions } from "../shared/statefulOptions";

export interface NodeGroupSpec {
  /** Node group name (unique in the cluster). */
  readonly name: string;
  /** Instance types, in order of preference. */
  readonly instanceTypes: readonly string[];
  readonly minSize: number;
  readonly desiredSize: number;
  readonly maxSize: number;
  /** Root volume size in GiB. Default 50. */
  readonly diskSizeGiB?: number;
  /** Kubernetes labels of the group's nodes. Default none. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Taints of the group's nodes (only pods tolerating them run there). Default none. */
  readonly taints?: readonly {
    readonly key: string;
    readonly value: string;
    readonly effect: "NO_SCHEDULE";
  }[];
}

export interface EksClusterArgs {
  /** Cluster name (unique in the account and region). */
  readonly clusterName: string;
  /** The cluster's region (the kubeconfig's `aws eks get-token --region`); resources take it from their provider. */
  readonly region: string;
  /** Kubernetes version. Default DEFAULT_KUBERNETES_VERSION (in EKS standard support; components/platform/apiVersions.ts). */
  readonly version?: string;
  /** Private subnets: the control plane's network interfaces and every node live in them. */
  readonly subnetIds: readonly pulumi.Input<string>[];
  /**
   * CIDRs allowed to reach the API server's public endpoint. Default none: the endpoint is private
   * (reachable from the VPC only). 0.0.0.0/0 is refused.
   */
  readonly publicAccessCidrs?: readonly string[];
  /** Managed node groups. Default one group "general" of m6i.xlarge, 3 to 6 nodes (one per zone at least). */
  readonly nodeGroups?: readonly NodeGroupSpec[];
}

export const DEFAULT_NODE_GROUPS: readonly NodeGroupSpec[] = [
  { name: "general", instanceTypes: ["m6i.xlarge"], minSize: 3, desiredSize: 3, maxSize: 6 },
];
export const EBS_CSI_SERVICE_ACCOUNT = { namespace: "kube-system", name: "ebs-csi-controller-sa" } as const;
const DEFAULT_DISK_GIB = 50;

const managedPolicy = (name: string): string => `arn:aws:iam::aws:policy/${name}`;

function checkArgs(args: EksClusterArgs): void {
  if (args.subnetIds.length < 2)
    throw new Error(`subnetIds: EKS needs subnets in at least 2 zones, got ${args.subnetIds.length}`);
  for (const cidr of args.publicAccessCidrs ?? []) {
    if (cidr.endsWith("/0"))
      throw new Error(
        `publicAccessCidrs: "${cidr}" opens the API server to the internet; list the operators' networks`,
      );
  }
  for (const group of args.nodeGroups ?? []) {
    if (!(group.minSize <= group.desiredSize && group.desiredSize <= group.maxSize && group.minSize >= 1)) {
      throw new Error(
        `nodeGroups.${group.name}: needs 1 <= minSize <= desiredSize <= maxSize, got ${group.minSize}/${group.desiredSize}/${group.maxSize}`,
      );
    }
    if (group.instanceTypes.length === 0)
      throw new Error(`nodeGroups.${group.name}.instanceTypes: at least one`);
  }
}

/** A kubeconfig for the cluster that authenticates with `aws eks get-token` (no long-lived credential in it). */
export function kubeconfig(clusterName: string, endpoint: string, caData: string, region: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: clusterName, cluster: { server: endpoint, "certificate-authority-data": caData } }],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
    "current-context": clusterName,
    users: [
      {
        name: clusterName,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "aws",
            args: ["eks", "get-token", "--cluster-name", clusterName, "--region", region],
            interactiveMode: "Never",
          },
        },
      },
    ],
  });
}

/**
 * An EKS cluster with managed node groups in private subnets: Secrets envelope-encrypted with a
 * key of its own (rotated), API access by access entries, control-plane logs on; nodes with an encrypted gp3
 * root volume and IMDSv2 only (hop limit 1: pods cannot borrow the node's role); the EKS Pod
 * Identity agent and the EBS CSI driver, whose role is granted to its controller by a Pod
 * Identity association; and the cluster's IAM OIDC provider, the identity the tenants' backup
 * roles trust (IRSA). The cluster is protected.
 */
export class EksCluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  /** The cluster's OIDC issuer without its scheme (as IRSA trust conditions name it). */
  readonly oidcIssuer: pulumi.Output<string>;
  /** The IAM OIDC provider of the issuer: the identity IRSA roles (the backup runners') trust. */
  readonly oidcProviderArn: pulumi.Output<string>;
  readonly ebsCsiRoleArn: pulumi.Output<string>;
  /** The cluster security group EKS gives the control plane and the managed nodes. */
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  /** Each node group's Auto Scaling group, by the group's name. */
  readonly autoscalingGroups: Readonly<Record<string, pulumi.Output<string>>>;

  constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    checkArgs(args); // before the component registers anything
    super("collect-verything:platform:EksCluster", name, {}, opts);
    const child = { parent: this };
    const publicCidrs = args.publicAccessCidrs ?? [];

    const clusterRole = new iam.Role(
      `${name}-cluster`,
      { assumeRolePolicy: serviceTrustPolicy("eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"]) },
      child,
    );
    const clusterPolicy = new iam.RolePolicyAttachment(
      `${name}-cluster`,
      { role: clusterRole.name, policyArn: managedPolicy("AmazonEKSClusterPolicy") },
      child,
    );
    const secretsKey = new kms.Key(
      `${name}-secrets`,
      {
        description: `Encrypts the Kubernetes Secrets of ${args.clusterName}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
      },
      { parent: this, ...statefulOptions("protected") },
    );
    const cluster = new eks.Cluster(
      `${name}-cluster`,
      {
        name: args.clusterName,
        version: args.version ?? DEFAULT_KUBERNETES_VERSION,
        roleArn: clusterRole.arn,
        vpcConfig: {
          subnetIds: [...args.subnetIds],
          endpointPrivateAccess: true,
          endpointPublicAccess: publicCidrs.length > 0,
          ...(publicCidrs.length > 0 ? { publicAccessCidrs: [...publicCidrs] } : {}),
        },
        accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
        encryptionConfig: { provider: { keyArn: secretsKey.arn }, resources: ["secrets"] },
        enabledClusterLogTypes: ["api", "audit", "authenticator"],
        deletionProtection: true,
      },
      { parent: this, dependsOn: [clusterPolicy], ...statefulOptions("protected") },
    );

    const { nodeRole, nodePolicies } = nodeRoleOf(name, this);
    const groups = managedNodeGroups(name, args, cluster.name, nodeRole.arn, {
      parent: this,
      dependsOn: nodePolicies,
    });
    this.autoscalingGroups = groups;

    const ebsCsiRoleArn = ebsCsiDriver(name, cluster.name, this);

    this.clusterName = cluster.name;
    const oidc = clusterOidcProvider(name, cluster, args.clusterName, this);
    this.oidcIssuer = oidc.issuer;
    this.oidcProviderArn = oidc.providerArn;
    this.kubeconfig = pulumi.secret(
      pulumi
        .all([cluster.name, cluster.endpoint, cluster.certificateAuthority])
        .apply(([clusterName, endpoint, ca]) =>
          kubeconfig(clusterName, endpoint, ca?.data ?? "", args.region),
        ),
    );
    this.ebsCsiRoleArn = ebsCsiRoleArn;
    this.clusterSecurityGroupId = cluster.vpcConfig.apply((c) => {
      if (!c.clusterSecurityGroupId)
        throw new Error(`cluster ${args.clusterName} has no cluster security group`);
      return c.clusterSecurityGroupId;
    });
    this.registerOutputs({
      clusterName: this.clusterName,
      oidcIssuer: this.oidcIssuer,
      oidcProviderArn: this.oidcProviderArn,
      ebsCsiRoleArn: this.ebsCsiRoleArn,
    });
  }
}

/** One managed node group per spec on its own launch template; each group's Auto Scaling group name. */
function managedNodeGroups(
  name: string,
  args: EksClusterArgs,
  clusterName: pulumi.Input<string>,
  nodeRoleArn: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): Record<string, pulumi.Output<string>> {
  const names: Record<string, pulumi.Output<string>> = {};
  for (const group of args.nodeGroups ?? DEFAULT_NODE_GROUPS) {
    const template = new ec2.LaunchTemplate(
      `${name}-${group.name}`,
      {
        description: `Nodes of ${args.clusterName}/${group.name}: encrypted root volume, IMDSv2 only`,
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: {
              volumeSize: group.diskSizeGiB ?? DEFAULT_DISK_GIB,
              volumeType: "gp3",
              encrypted: "true",
              deleteOnTermination: "true",
            },
          },
        ],
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        updateDefaultVersion: true,
      },
      { parent: opts.parent },
    );
    const nodeGroup = new eks.NodeGroup(
      `${name}-${group.name}`,
      {
        clusterName,
        nodeGroupName: group.name,
        nodeRoleArn,
        subnetIds: [...args.subnetIds],
        instanceTypes: [...group.instanceTypes],
        scalingConfig: { minSize: group.minSize, desiredSize: group.desiredSize, maxSize: group.maxSize },
        updateConfig: { maxUnavailable: 1 },
        launchTemplate: { id: template.id, version: pulumi.interpolate`${template.latestVersion}` },
        ...(group.labels ? { labels: { ...group.labels } } : {}),
        ...(group.taints ? { taints: group.taints.map((t) => ({ ...t })) } : {}),
      },
      // The cluster autoscaler moves the desired size; Pulumi keeps min and max.
      { ...opts, ignoreChanges: ["scalingConfig.desiredSize"] },
    );
    // Managed node groups have one Auto Scaling group each.
    names[group.name] = nodeGroup.resources.apply((r) => {
      const asg = r?.[0]?.autoscalingGroups?.[0]?.name;
      if (!asg) throw new Error(`node group ${group.name} has no Auto Scaling group`);
      return asg;
    });
  }

  return names;
}

/** The managed nodes' role with the policies EKS nodes need (kubelet, VPC CNI, image pulls). */
function nodeRoleOf(name: string, parent: pulumi.Resource) {
  const nodeRole = new iam.Role(
    `${name}-node`,
    { assumeRolePolicy: serviceTrustPolicy("ec2.amazonaws.com") },
    { parent },
  );
  const nodePolicies = [
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
  ].map(
    (policy) =>
      new iam.RolePolicyAttachment(
        `${name}-node-${policy}`,
        { role: nodeRole.name, policyArn: managedPolicy(policy) },
        { parent },
      ),
  );
  return { nodeRole, nodePolicies };
}

/** The Pod Identity agent and the EBS CSI driver, its role granted through a Pod Identity association; the role's ARN. */
function ebsCsiDriver(
  name: string,
  clusterName: pulumi.Input<string>,
  parent: pulumi.Resource,
): pulumi.Output<string> {
  const podIdentity = new eks.Addon(
    `${name}-pod-identity`,
    { clusterName, addonName: "eks-pod-identity-agent" },
    { parent },
  );
  const ebsCsiRole = new iam.Role(
    `${name}-ebs-csi`,
    { assumeRolePolicy: serviceTrustPolicy("pods.eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"]) },
    { parent },
  );
  const ebsCsiPolicy = new iam.RolePolicyAttachment(
    `${name}-ebs-csi`,
    { role: ebsCsiRole.name, policyArn: managedPolicy("service-role/AmazonEBSCSIDriverPolicy") },
    { parent },
  );
  new eks.Addon(
    `${name}-ebs-csi`,
    {
      clusterName,
      addonName: "aws-ebs-csi-driver",
      podIdentityAssociations: [{ roleArn: ebsCsiRole.arn, serviceAccount: EBS_CSI_SERVICE_ACCOUNT.name }],
      resolveConflictsOnUpdate: "OVERWRITE",
    },
    { parent, dependsOn: [podIdentity, ebsCsiPolicy] },
  );
  return ebsCsiRole.arn;
}

/** The cluster's IAM OIDC provider (IRSA): the issuer without its scheme and the provider's ARN. */
function clusterOidcProvider(
  name: string,
  cluster: eks.Cluster,
  clusterName: string,
  parent: pulumi.Resource,
) {
  const issuerUrl = cluster.identities.apply((ids) => {
    const issuer = ids?.[0]?.oidcs?.[0]?.issuer;
    if (!issuer) throw new Error(`cluster ${clusterName} has no OIDC issuer`);
    return issuer;
  });
  const provider = new iam.OpenIdConnectProvider(
    `${name}-oidc`,
    { url: issuerUrl, clientIdLists: ["sts.amazonaws.com"] },
    { parent },
  );
  return { issuer: issuerUrl.apply((url) => url.replace(/^https:\/\//, "")), providerArn: provider.arn };
}

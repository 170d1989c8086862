import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";
import { TIER_NAMES } from "../../tiers";
import { DEDICATED_NODE_TIERS, DEDICATED_TAINT_KEY, NODE_POOL_LABEL } from "../shared/scheduling";
import { CHARTS, pinnedRelease } from "./charts";
import type { NodeGroupSpec } from "./eksCluster";
import { serviceTrustPolicy } from "../shared/serviceAccountTrust";

/**
 * The cluster's node pools: "system" for the platform's shared services, and one per tier,
 * labelled with it; a dedicated tier's pool is tainted (components/shared/scheduling.ts).
 * Minimum one node per zone where a pool must always serve; the autoscaler moves within bounds.
 */
/** The pool of the platform's shared services (and the nodes behind the cross-region load balancer). */
export const SYSTEM_NODE_POOL = "system";

export function tierNodeGroups(): NodeGroupSpec[] {
  return [
    {
      name: SYSTEM_NODE_POOL,
      instanceTypes: ["m6i.xlarge"],
      minSize: 3,
      desiredSize: 3,
      maxSize: 6,
      labels: { [NODE_POOL_LABEL]: SYSTEM_NODE_POOL },
    },
    ...TIER_NAMES.map((tier): NodeGroupSpec => {
      const dedicated = DEDICATED_NODE_TIERS.includes(tier);
      return {
        name: `tier-${tier}`,
        instanceTypes: dedicated ? ["m6i.2xlarge"] : ["m6i.xlarge"],
        minSize: 3,
        desiredSize: 3,
        maxSize: dedicated ? 30 : 20,
        labels: { [NODE_POOL_LABEL]: tier },
        ...(dedicated
          ? { taints: [{ key: DEDICATED_TAINT_KEY, value: tier, effect: "NO_SCHEDULE" as const }] }
          : {}),
      };
    }),
  ];
}

export const AUTOSCALER_SERVICE_ACCOUNT = { namespace: "kube-system", name: "cluster-autoscaler" } as const;

export interface NodeAutoscalingArgs {
  readonly clusterName: pulumi.Input<string>;
  readonly region: string;
}

/**
 * The cluster autoscaler: resizes the managed node groups (their auto-scaling groups, found by
 * the tags EKS puts on them), with its own role granted through EKS Pod Identity, scaling only
 * this cluster's groups.
 */
export class NodeAutoscaling extends pulumi.ComponentResource {
  constructor(name: string, args: NodeAutoscalingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:platform:NodeAutoscaling", name, {}, opts);
    const role = new iam.Role(
      `${name}-role`,
      {
        assumeRolePolicy: serviceTrustPolicy("pods.eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"]),
      },
      { parent: this },
    );
    new iam.RolePolicy(
      `${name}-policy`,
      {
        role: role.name,
        policy: pulumi
          .output(args.clusterName)
          .apply((cluster) => JSON.stringify(autoscalerPolicyDocument(cluster))),
      },
      { parent: this },
    );
    new eks.PodIdentityAssociation(
      `${name}-identity`,
      {
        clusterName: args.clusterName,
        namespace: AUTOSCALER_SERVICE_ACCOUNT.namespace,
        serviceAccount: AUTOSCALER_SERVICE_ACCOUNT.name,
        roleArn: role.arn,
      },
      { parent: this },
    );
    pinnedRelease(
      "cluster-autoscaler",
      "clusterAutoscaler",
      AUTOSCALER_SERVICE_ACCOUNT.namespace,
      {
        cloudProvider: "aws",
        awsRegion: args.region,
        autoDiscovery: { clusterName: args.clusterName },
        image: { tag: CHARTS.clusterAutoscaler.appVersion },
        rbac: { serviceAccount: { create: true, name: AUTOSCALER_SERVICE_ACCOUNT.name } },
        extraArgs: { "balance-similar-node-groups": true, "skip-nodes-with-local-storage": false },
        nodeSelector: { [NODE_POOL_LABEL]: "system" },
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

/**
 * The autoscaler role's policy: describe anything it needs to pick a group, but scale and
 * terminate only in the groups tagged as this cluster's.
 */
export function autoscalerPolicyDocument(cluster: string): iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: [
          "autoscaling:DescribeAutoScalingGroups",
          "autoscaling:DescribeAutoScalingInstances",
          "autoscaling:DescribeLaunchConfigurations",
          "autoscaling:DescribeScalingActivities",
          "autoscaling:DescribeTags",
          "ec2:DescribeImages",
          "ec2:DescribeInstanceTypes",
          "ec2:DescribeLaunchTemplateVersions",
          "ec2:GetInstanceTypesFromInstanceRequirements",
          "eks:DescribeNodegroup",
        ],
        Resource: ["*"],
      },
      {
        Effect: "Allow",
        Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
        Resource: ["*"],
        Condition: {
          StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${cluster}`]: "owned" },
        },
      },
    ],
  };
}

import type { PolicyDocument } from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";

/**
 * The trust policy of a role that one Kubernetes service account assumes through the cluster's
 * IAM OIDC provider (IRSA): that provider, that namespace and account, nothing else. The tenants'
 * backup roles, the binlog archiver and the usage meter all use it; the pack judges it exactly.
 */
export function serviceAccountTrustPolicy(args: {
  readonly oidcProviderArn: pulumi.Input<string>;
  /** The issuer without its `https://` scheme, as IRSA conditions name it. */
  readonly oidcIssuer: pulumi.Input<string>;
  readonly namespace: string;
  readonly serviceAccount: string;
}): pulumi.Output<string> {
  return pulumi.all([args.oidcProviderArn, args.oidcIssuer]).apply(([providerArn, issuer]) => {
    const document: PolicyDocument = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Federated: providerArn },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              [`${issuer}:sub`]: `system:serviceaccount:${args.namespace}:${args.serviceAccount}`,
            },
          },
        },
      ],
    };
    return JSON.stringify(document);
  });
}

/**
 * The trust policy of a role an AWS service assumes (EKS for the control plane, EC2 for the
 * nodes, EKS Pod Identity for add-ons and the autoscaler): that service principal only.
 */
export function serviceTrustPolicy(service: string, actions: readonly string[] = ["sts:AssumeRole"]): string {
  const document: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: [...actions] }],
  };
  return JSON.stringify(document);
}

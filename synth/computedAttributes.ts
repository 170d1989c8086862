/**
 * Attributes a provider computes when it creates a resource (AWS's ARNs and the cluster's OIDC
 * issuer, the TLS provider's keys and certificates), as the offline engine answers them:
 * deterministic functions of the resource's name and region, in an account that stands for "the
 * account the platform runs in". A real run reads the real values
 * from the platform stack; offline, the platform synth exports these and the tenant synth's
 * platform stand-in (synth/platformStandIn.ts) computes the same ones with the same functions.
 */
import { createHash } from "node:crypto";

/** AWS's documented example account id: only ever in offline answers, never in a default. */
export const OFFLINE_ACCOUNT_ID = "111122223333";

/** The id the engine stand-in gives a custom resource (components have none). */
export const mockId = (name: string): string => `${name}-id`;

/** A KMS key's ARN (a key ARN, not an alias: IAM grants key use on key ARNs). */
export const offlineKmsKeyArn = (region: string, resourceName: string): string =>
  `arn:aws:kms:${region}:${OFFLINE_ACCOUNT_ID}:key/${mockId(resourceName)}`;

/** An EKS cluster's OIDC issuer URL: `https://oidc.eks.<region>.amazonaws.com/id/<32 hex>`. */
export const offlineOidcIssuerUrl = (region: string, clusterName: string): string =>
  `https://oidc.eks.${region}.amazonaws.com/id/${createHash("sha256").update(clusterName).digest("hex").slice(0, 32).toUpperCase()}`;

/** The IAM OIDC provider of an issuer URL. */
export const offlineOidcProviderArn = (issuerUrl: string): string =>
  `arn:aws:iam::${OFFLINE_ACCOUNT_ID}:oidc-provider/${issuerUrl.replace(/^https:\/\//, "")}`;

/** An SNS topic's ARN (its given name, else the resource's id). */
export const offlineTopicArn = (region: string, topicName: string): string =>
  `arn:aws:sns:${region}:${OFFLINE_ACCOUNT_ID}:${topicName}`;

/** An IAM role's ARN (its given name, else the resource's id). */
export const offlineRoleArn = (roleName: string): string =>
  `arn:aws:iam::${OFFLINE_ACCOUNT_ID}:role/${roleName}`;

type Attributes = (name: string, inputs: Record<string, unknown>, region: string) => Record<string, unknown>;

/** AWS's, by type token. */
const AWS_COMPUTED: Readonly<Record<string, Attributes>> = {
  "aws:kms/key:Key": (name, _inputs, region) => ({
    arn: offlineKmsKeyArn(region, name),
    keyId: mockId(name),
  }),
  "aws:eks/cluster:Cluster": (name, inputs, region) => {
    const clusterName = typeof inputs["name"] === "string" ? inputs["name"] : name;
    return {
      endpoint: `https://${createHash("sha256").update(clusterName).digest("hex").slice(0, 32).toUpperCase()}.gr7.${region}.eks.amazonaws.com`,
      certificateAuthority: { data: "offline-certificate-authority" },
      identities: [{ oidcs: [{ issuer: offlineOidcIssuerUrl(region, clusterName) }] }],
      vpcConfig: { ...(inputs["vpcConfig"] as object), clusterSecurityGroupId: `sg-${mockId(name)}` },
    };
  },
  // A managed node group's Auto Scaling group (EKS names it eks-<group>-<uuid>).
  "aws:eks/nodeGroup:NodeGroup": (name, inputs) => ({
    resources: [
      { autoscalingGroups: [{ name: `eks-${String(inputs["nodeGroupName"] ?? name)}-${mockId(name)}` }] },
    ],
  }),
  // A load balancer's DNS name and its region's canonical hosted zone (aliases point at both).
  "aws:lb/loadBalancer:LoadBalancer": (name, _inputs, region) => ({
    arn: `arn:aws:elasticloadbalancing:${region}:${OFFLINE_ACCOUNT_ID}:loadbalancer/net/${mockId(name)}`,
    dnsName: `${mockId(name)}.elb.${region}.amazonaws.com`,
    zoneId: `Z-OFFLINE-NLB-${region}`,
  }),
  "aws:lb/targetGroup:TargetGroup": (name, _inputs, region) => ({
    arn: `arn:aws:elasticloadbalancing:${region}:${OFFLINE_ACCOUNT_ID}:targetgroup/${mockId(name)}`,
  }),
  "aws:route53/zone:Zone": (name, _inputs, region) => ({ zoneId: `Z-${region}-${mockId(name)}` }),
  "aws:iam/role:Role": (name, inputs) => ({
    arn: offlineRoleArn(typeof inputs["name"] === "string" ? inputs["name"] : mockId(name)),
  }),
  "aws:sns/topic:Topic": (name, inputs, region) => ({
    arn: offlineTopicArn(region, typeof inputs["name"] === "string" ? inputs["name"] : mockId(name)),
  }),
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (_name, inputs) =>
    typeof inputs["url"] === "string" ? { arn: offlineOidcProviderArn(inputs["url"]) } : {},
};

/** A PEM block standing for a key or certificate the provider would generate (offline: not a usable one). */
export const offlinePem = (label: string, resourceName: string): string =>
  `-----BEGIN ${label}-----\n${Buffer.from(`offline ${resourceName}`).toString("base64")}\n-----END ${label}-----\n`;

/** What the TLS provider generates (the origin-pull PKI, components/platform/originPullPki.ts). */
const TLS_COMPUTED: Readonly<Record<string, Attributes>> = {
  "tls:index/privateKey:PrivateKey": (name) => ({
    privateKeyPem: offlinePem("PRIVATE KEY", name),
    publicKeyPem: offlinePem("PUBLIC KEY", name),
  }),
  "tls:index/selfSignedCert:SelfSignedCert": (name) => ({ certPem: offlinePem("CERTIFICATE", name) }),
  "tls:index/certRequest:CertRequest": (name) => ({
    certRequestPem: offlinePem("CERTIFICATE REQUEST", name),
  }),
  "tls:index/locallySignedCert:LocallySignedCert": (name) => ({ certPem: offlinePem("CERTIFICATE", name) }),
};

/** By type token: what the engine adds to a registered resource's inputs as its outputs. */
export const COMPUTED_ATTRIBUTES: Readonly<Record<string, Attributes>> = { ...AWS_COMPUTED, ...TLS_COMPUTED };

/**
 * The platform program, one stack per AWS region (config `platform:region`): the region's VPC and
 * EKS cluster, then on that cluster the per-tier objects (TierProfile for every tier), the
 * backup runners, the metrics retention per tier (the platform Prometheus and Mimir's tier
 * overrides), and the region's backup bucket. Run once per region, before its tenants; tenant
 * stacks reference these by name. Every resource goes through this stack's own providers (the
 * region's AWS provider, a Kubernetes provider built from the new cluster's kubeconfig), never
 * the ambient ones. The routes, peerings and DNS associations between the regions are the
 * connectivity stack's (stacks/connectivity.ts), which reads every region's `connectivity` output.
 */
import { Provider as AwsProvider } from "@pulumi/aws/provider";
import * as ebs from "@pulumi/aws/ebs";
import * as kms from "@pulumi/aws/kms";
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import * as pulumi from "@pulumi/pulumi";
import { BackupBucket } from "../components/platform/backupBucket";
import { BlackboxExporter } from "../components/platform/blackboxExporter";
import { CrossRegionEndpoints } from "../components/platform/crossRegionEndpoints";
import { CostAllocation } from "../components/platform/costAllocation";
import { EksCluster } from "../components/platform/eksCluster";
import { MetricsRetention } from "../components/platform/metricsRetention";
import { RegionNetwork } from "../components/platform/regionNetwork";
import { TierProfile } from "../components/platform/tierProfile";
import { UsageMeter } from "../components/platform/usageMeter";
import {
  BACKUP_NAMESPACE,
  backupBucketName,
  PRIMARY_REGION,
  crossRegionHosts,
  parseRegion,
  PLATFORM_REGIONS,
  regionGatewayHostname,
  type RegionName,
  TIER_NAMES,
} from "../tiers";
import { NodeAutoscaling, SYSTEM_NODE_POOL, tierNodeGroups } from "../components/platform/nodePools";
import { CONNECTIVITY_OUTPUT } from "./connectivityContract";
import { SharedServices } from "../components/platform/sharedServices";
import { type PlatformConfig } from "./config";
import { loadPlatformConfig } from "./runningConfig";
import type { OriginPull } from "../components/platform/originPullPki";
import { regionOriginPull } from "./originPull";
import {
  ORIGIN_PULL_CA_OUTPUT,
  ORIGIN_PULL_CLIENT_OUTPUT,
  platformFacts,
  PLATFORM_FACTS_OUTPUT,
} from "./platformFacts";
import { statefulOptions } from "../components/shared/statefulOptions";

export = async () => {
  // Both validated before any resource.
  const region = parseRegion(new pulumi.Config().get("region"), "platform:region");
  const config = loadPlatformConfig();
  const aws = new AwsProvider(`aws-${region}`, {
    region,
    defaultTags: { tags: { "collect-verything:stack": "platform", "collect-verything:region": region } },
  });
  const secretsAlias = regionKeys(region, aws);
  const { network, cluster, kubernetes } = regionCluster(region, config, aws);
  const originPull = regionOriginPull(region);
  const { profiles, backups } = clusterServices(region, config, { aws, kubernetes, cluster }, originPull);
  const crossRegion = new CrossRegionEndpoints(
    "cross-region",
    {
      region,
      vpcId: network.vpcId,
      privateSubnetIds: network.privateSubnetIds,
      nodeSecurityGroupId: cluster.clusterSecurityGroupId,
      autoscalingGroupName: cluster.autoscalingGroups[SYSTEM_NODE_POOL]!,
    },
    { providers: [aws, kubernetes] },
  );
  // Cost-allocation tags (account-wide: the primary region's stack) and the tenant budgets' topic.
  const costs = new CostAllocation(
    "cost-allocation",
    { activateTags: region === PRIMARY_REGION },
    { providers: [aws] },
  );
  return {
    region,
    budgetAlertsTopicArn: costs.budgetAlertsTopicArn,
    vpcId: network.vpcId,
    clusterName: cluster.clusterName,
    kubeconfig: cluster.kubeconfig,
    oidcIssuer: cluster.oidcIssuer,
    ebsCsiRoleArn: cluster.ebsCsiRoleArn,
    stackSecretsKeyAlias: secretsAlias.name,
    storageClasses: pulumi.all(profiles.map((p) => p.storageClassName)),
    volumeAttributesClasses: pulumi.all(profiles.map((p) => p.volumeAttributesClassName)),
    priorityClasses: pulumi.all(profiles.map((p) => p.priorityClassName)),
    // Where the other regions reach this one (tiers/regions.ts): its gateway for the tenants'
    // Cloudflare pools, its shared services for cross-region database access, federation and replication.
    gatewayHostname: regionGatewayHostname(region),
    crossRegionHosts: crossRegionHosts(region),
    // What the connectivity stack peers, routes and associates (stacks/connectivity.ts).
    [CONNECTIVITY_OUTPUT]: {
      region,
      vpcId: network.vpcId,
      vpcCidr: PLATFORM_REGIONS[region].vpcCidr,
      privateRouteTableIds: pulumi.all(network.privateRouteTableIds),
      privateZoneId: crossRegion.privateZoneId,
    },
    backupBucket: backups.bucketName,
    backupKmsKeyArn: backups.kmsKeyArn,
    // The origin-pull CA every gateway trusts, and the client certificate every tenant zone uploads
    // (a secret: it holds the key); the other regions read both from the primary's (stacks/originPull.ts).
    [ORIGIN_PULL_CA_OUTPUT]: originPull.caCertificate,
    [ORIGIN_PULL_CLIENT_OUTPUT]: originPull.client,
    // Every fact a tenant stack uses, read through its StackReference (stacks/platformFacts.ts).
    [PLATFORM_FACTS_OUTPUT]: platformFacts(
      region,
      {
        bucket: backups.bucketName,
        kmsKeyArn: backups.kmsKeyArn,
        oidcProviderArn: cluster.oidcProviderArn,
        oidcIssuer: cluster.oidcIssuer,
      },
      {
        monitoringNamespace: config.metrics.monitoringNamespace,
        kubernetesVersion: config.kubernetesVersion,
      },
    ),
  };
};

/** EBS encryption by default in the region and the key of the stacks' secrets; returns the key's alias. */
function regionKeys(region: RegionName, aws: AwsProvider): kms.Alias {
  const inAws = { provider: aws };
  // New volumes of the account in this region are encrypted whatever creates them.
  new ebs.EncryptionByDefault("ebs-encryption-by-default", { enabled: true }, inAws);
  // The key of the stacks' secrets (`pulumi stack init --secrets-provider awskms://alias/...`).
  const secretsKey = new kms.Key(
    "stack-secrets",
    { description: `Pulumi stack secrets (${region})`, enableKeyRotation: true, deletionWindowInDays: 30 },
    { ...inAws, ...statefulOptions("protected") },
  );
  return new kms.Alias(
    "stack-secrets",
    { name: `alias/collect-verything-stack-secrets-${region}`, targetKeyId: secretsKey.keyId },
    inAws,
  );
}

/** The region's VPC, its EKS cluster and a Kubernetes provider from the new cluster's kubeconfig. */
function regionCluster(region: RegionName, { kubernetesVersion }: PlatformConfig, aws: AwsProvider) {
  const { zones, vpcCidr } = PLATFORM_REGIONS[region];
  const clusterName = `collect-verything-${region}`;
  const network = new RegionNetwork("network", { cidr: vpcCidr, zones, clusterName }, { providers: [aws] });
  const cluster = new EksCluster(
    "eks",
    {
      clusterName,
      region,
      subnetIds: network.privateSubnetIds,
      version: kubernetesVersion,
      nodeGroups: tierNodeGroups(),
    },
    { providers: [aws] },
  );
  const kubernetes = new KubernetesProvider(`eks-${region}`, {
    kubeconfig: cluster.kubeconfig,
    enableServerSideApply: true,
  });
  return { network, cluster, kubernetes };
}

interface RegionProviders {
  readonly aws: AwsProvider;
  readonly kubernetes: KubernetesProvider;
  readonly cluster: EksCluster;
}

/**
 * On the cluster: the tiers' objects, the backup runners and bucket, the shared services and node
 * autoscaling, the metrics retention per tier, the prober and the usage meter.
 */
function clusterServices(
  region: RegionName,
  { binlogArchive, metrics }: PlatformConfig,
  { aws, kubernetes, cluster }: RegionProviders,
  originPull: OriginPull,
) {
  const profiles = TIER_NAMES.map(
    (tier) => new TierProfile(`tier-${tier}`, { tier }, { providers: [kubernetes] }),
  );
  // The tenants' backups, off the cluster (the tenants' default platform.backups names).
  const backups = new BackupBucket(
    "tenant-backups",
    {
      bucket: backupBucketName(region),
      namespace: BACKUP_NAMESPACE,
      image: "registry.collect-verything.com/platform/backup-tools:1.0.0",
      mysqlSecret: "mysql-backup-account",
      rabbitmqSecret: "rabbitmq-backup-account",
      binlogArchive: {
        ...binlogArchive,
        oidcProviderArn: cluster.oidcProviderArn,
        oidcIssuer: cluster.oidcIssuer,
      },
    },
    { providers: [aws, kubernetes] },
  );
  // The services tenants use, and node autoscaling over the tiers' pools.
  new SharedServices(
    "shared-services",
    {
      monitoringNamespace: metrics.monitoringNamespace,
      storageClassName: profiles[profiles.length - 1]!.storageClassName,
      originPullCaCertificate: originPull.caCertificate,
    },
    { providers: [kubernetes] },
  );
  new NodeAutoscaling(
    "node-autoscaling",
    { clusterName: cluster.clusterName, region },
    { providers: [aws, kubernetes] },
  );
  // Metrics kept per tier: the platform Prometheus's local window, then Mimir per tier.
  new MetricsRetention("metrics-retention", { region, ...metrics }, { providers: [kubernetes] });
  // The prober of the tenants' outside-in Probes (their availability SLI's stand-in).
  new BlackboxExporter(
    "blackbox-exporter",
    { namespace: metrics.monitoringNamespace },
    { providers: [kubernetes] },
  );
  usageMeter(region, { binlogArchive, metrics }, { aws, kubernetes, cluster }, backups);
  return { profiles, backups };
}

/** The hourly usage meter (docs/finops.md): Prometheus into the metering database, exports to the bucket. */
function usageMeter(
  region: RegionName,
  { binlogArchive, metrics }: Pick<PlatformConfig, "binlogArchive" | "metrics">,
  { aws, kubernetes, cluster }: RegionProviders,
  backups: BackupBucket,
): void {
  new UsageMeter(
    "usage-meter",
    {
      namespace: "usage-metering",
      image: "registry.collect-verything.com/platform/tenant-tools:1.0.0",
      prometheus: {
        url: `http://prometheus-operated.${metrics.monitoringNamespace}.svc:9090`,
        namespace: metrics.monitoringNamespace,
      },
      mysql: binlogArchive.mysql,
      secret: "usage-meter-account",
      bucket: backupBucketName(region),
      kmsKeyArn: backups.kmsKeyArn,
      oidcProviderArn: cluster.oidcProviderArn,
      oidcIssuer: cluster.oidcIssuer,
    },
    { providers: [aws, kubernetes] },
  );
}

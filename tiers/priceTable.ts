/**
 * Public list prices the cost model (costModel.ts) prices a tenant with: AWS on-demand and
 * Cloudflare self-serve plans, in USD, per region where AWS prices differ. Pure data with its
 * date and sources; nothing here is a tier number (those live in catalog.ts).
 *
 * These are list prices (no Savings Plan, Reserved Instance, Spot, enterprise discount, tax or
 * free tier), Linux, as published on the pages in `sources` and recorded on `asOf`. They were not
 * re-read from this machine (no access to the pricing pages): re-check them before relying on a
 * figure, and update `asOf` with them.
 */
import type { RegionName } from "./regions";

export interface NodePrice {
  /** The platform's node type (components/platform/eksCluster.ts DEFAULT_NODE_GROUPS; a test keeps them equal). */
  readonly instanceType: string;
  readonly vcpu: number;
  readonly memoryGi: number;
  /** Pods the VPC CNI admits on one node (ENIs x (IPs per ENI - 1) + 2): the kubelet memory reservation grows with it. */
  readonly maxPods: number;
  /** On-demand, Linux, USD per hour. */
  readonly usdPerHour: number;
}

export interface RegionPrices {
  readonly node: NodePrice;
  /** EBS gp3: storage per GB-month, provisioned IOPS above 3000 per IOPS-month, throughput above 125 MiB/s per MiB/s-month. */
  readonly gp3: { readonly gbMonth: number; readonly iopsMonth: number; readonly mibpsMonth: number };
  /** S3 Standard, first 50 TB, per GB-month. */
  readonly s3StandardGbMonth: number;
  /** NAT gateway: per hour, and per GB processed. */
  readonly natGateway: { readonly usdPerHour: number; readonly usdPerGb: number };
  /** Data transfer out to the internet, first 10 TB/month, per GB. */
  readonly internetEgressGb: number;
  /** Data transfer to another AWS region, per GB. */
  readonly interRegionGb: number;
  /** EKS control plane, standard support, per cluster-hour. */
  readonly eksClusterHour: number;
}

export interface CloudflarePrices {
  /** Plans billed monthly (annual billing is cheaper: Pro 20, Business 200). */
  readonly proMonthly: number;
  readonly businessMonthly: number;
  /** Load Balancing: the base subscription includes two origins; each origin beyond costs extra. */
  readonly loadBalancingMonthly: number;
  readonly loadBalancingOriginsIncluded: number;
  readonly loadBalancingExtraOriginMonthly: number;
  /** Argo Smart Routing: monthly fee plus per GB of traffic it routes. */
  readonly argoMonthly: number;
  readonly argoPerGb: number;
  /** Cloudflare for SaaS: custom hostnames included per zone, and the price of each beyond. */
  readonly customHostnamesIncluded: number;
  readonly customHostnameMonthly: number;
}

export interface PriceTable {
  /** The day the prices below were read from `sources` (ISO date). */
  readonly asOf: string;
  readonly currency: "USD";
  /** USD per EUR the EUR figures are converted at, and where that rate comes from. */
  readonly usdPerEur: number;
  readonly exchangeRateSource: string;
  /** Hours in a billing month as AWS counts them (8760 / 12). */
  readonly hoursPerMonth: number;
  readonly regions: Readonly<Record<RegionName, RegionPrices>>;
  readonly cloudflare: CloudflarePrices;
  readonly sources: readonly string[];
}

const M6I_XLARGE = { instanceType: "m6i.xlarge", vcpu: 4, memoryGi: 16, maxPods: 58 } as const;

export const PRICE_TABLE: PriceTable = Object.freeze({
  asOf: "2025-06-01",
  currency: "USD",
  usdPerEur: 1.0824,
  exchangeRateSource: "ECB euro foreign exchange reference rate, USD, 2024 annual average",
  hoursPerMonth: 730,
  regions: {
    "eu-west-3": {
      node: { ...M6I_XLARGE, usdPerHour: 0.224 },
      gp3: { gbMonth: 0.0928, iopsMonth: 0.0058, mibpsMonth: 0.0464 },
      s3StandardGbMonth: 0.024,
      natGateway: { usdPerHour: 0.048, usdPerGb: 0.048 },
      internetEgressGb: 0.09,
      interRegionGb: 0.02,
      eksClusterHour: 0.1,
    },
    "eu-central-1": {
      node: { ...M6I_XLARGE, usdPerHour: 0.23 },
      gp3: { gbMonth: 0.0952, iopsMonth: 0.006, mibpsMonth: 0.048 },
      s3StandardGbMonth: 0.0245,
      natGateway: { usdPerHour: 0.052, usdPerGb: 0.052 },
      internetEgressGb: 0.09,
      interRegionGb: 0.02,
      eksClusterHour: 0.1,
    },
    "us-east-1": {
      node: { ...M6I_XLARGE, usdPerHour: 0.192 },
      gp3: { gbMonth: 0.08, iopsMonth: 0.005, mibpsMonth: 0.04 },
      s3StandardGbMonth: 0.023,
      natGateway: { usdPerHour: 0.045, usdPerGb: 0.045 },
      internetEgressGb: 0.09,
      interRegionGb: 0.02,
      eksClusterHour: 0.1,
    },
  },
  cloudflare: {
    proMonthly: 25,
    businessMonthly: 250,
    loadBalancingMonthly: 5,
    loadBalancingOriginsIncluded: 2,
    loadBalancingExtraOriginMonthly: 5,
    argoMonthly: 5,
    argoPerGb: 0.1,
    customHostnamesIncluded: 100,
    customHostnameMonthly: 0.1,
  },
  sources: [
    "https://aws.amazon.com/ec2/pricing/on-demand/ (m6i.xlarge, Linux, per region)",
    "https://aws.amazon.com/ebs/pricing/ (gp3 storage, IOPS above 3000, throughput above 125 MiB/s)",
    "https://aws.amazon.com/s3/pricing/ (S3 Standard, first 50 TB/month)",
    "https://aws.amazon.com/vpc/pricing/ (NAT gateway hour and GB processed)",
    "https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer (internet egress first 10 TB, inter-region)",
    "https://aws.amazon.com/eks/pricing/ (cluster hour, standard support)",
    "https://www.cloudflare.com/plans/ (Pro, Business billed monthly)",
    "https://www.cloudflare.com/application-services/products/load-balancing/ (Load Balancing)",
    "https://www.cloudflare.com/application-services/products/argo-smart-routing/ (Argo)",
    "https://developers.cloudflare.com/cloudflare-for-platforms/cloudflare-for-saas/plans/ (custom hostnames)",
    "https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/ (EUR/USD)",
  ],
});

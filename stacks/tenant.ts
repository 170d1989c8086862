/**
 * The tenant program: one stack per tenant (stack name = tenant id). `pulumi up`, the CI
 * preview, the Automation API and the offline synth all run this same function.
 *
 * Every resource goes through a provider this program declares (Pulumi.yaml disables the default
 * providers): a Kubernetes provider per region, built from that region's platform stack
 * (`<organization>/platform/<region>`, output `kubeconfig`), the tenant's AWS provider (its
 * backup role) and its Cloudflare provider.
 */
import { Provider as AwsProvider } from "@pulumi/aws/provider";
import * as cloudflare from "../components/edge/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { TenantStack } from "../components/tenant/tenantStack";
import { formatCpu, formatMemory, formatStorage } from "../lib/units";
import { loadTenantConfig, REQUEST_OUTPUT } from "./config";
import { tenantBudget } from "./finops";
import { regionPlatform } from "./regionProviders";

export = async () => {
  const { request, args: config } = loadTenantConfig();
  const stack = pulumi.getStack();
  if (stack !== config.tenantId) {
    pulumi.log.warn(
      `stack "${stack}" provisions tenant "${config.tenantId}"; the convention is stack name = tenant id`,
    );
  }
  const { apiToken, ...zone } = config.cloudflare;
  const { stackOrganization, ...platform } = config.platform;
  // Without a token in the config, the provider reads CLOUDFLARE_API_TOKEN from its environment.
  const edgeProvider = new cloudflare.Provider(
    "cloudflare",
    apiToken ? { apiToken: pulumi.secret(apiToken) } : {},
  );
  // The tenant's AWS resources (its backup role) are tagged for cost attribution.
  const awsProvider = new AwsProvider("aws", {
    region: platform.backups.region,
    defaultTags: {
      tags: { "collect-verything:tenant": config.tenantId, "collect-verything:tier": config.tier },
    },
  });
  const platforms = config.regions.map((name) => regionPlatform(stackOrganization, name));
  const regions = config.regions.map((name, i) => ({ name, kubernetes: platforms[i]!.kubernetes }));
  const tenant = new TenantStack(
    config.tenantId,
    { ...config, regions, platform, cloudflare: zone },
    { providers: [edgeProvider, awsProvider] },
  );
  // Its budget at the modelled AWS cost, on its cost-allocation tag (docs/finops.md).
  tenantBudget(config, tenant, awsProvider, platforms[0]!.reference);
  const q = tenant.profile.quota;
  return {
    tenantId: config.tenantId,
    tier: config.tier,
    regions: tenant.regions,
    addOns: tenant.profile.addOns,
    namespaces: tenant.namespaces,
    retiredNamespaces: tenant.retiredNamespaces,
    hostnames: tenant.hostnames,
    databases: tenant.databases,
    vhost: tenant.vhost,
    buckets: tenant.buckets,
    // Per region: every region holds the tier's whole quota (TenantStack).
    quota: {
      requestsCpu: formatCpu(q.requestsCpu),
      requestsMemory: formatMemory(q.requestsMemory),
      limitsCpu: formatCpu(q.limitsCpu),
      limitsMemory: formatMemory(q.limitsMemory),
      pods: q.pods,
      requestsStorage: formatStorage(q.requestsStorage),
    },
    monthlyPriceEur: tenant.monthlyPriceEur,
    // The backend's copy of the config (the Automation API recovers a lost Pulumi.<stack>.yaml from it).
    [REQUEST_OUTPUT]: pulumi.secret(request),
    customDomainRecords: tenant.customDomainRecords,
  };
};

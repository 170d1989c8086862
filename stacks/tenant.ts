/**
 * The tenant program: one stack per tenant (stack name = tenant id). `pulumi up`, the CI
 * preview, the Automation API and the offline synth all run this same function.
 *
 * Every resource goes through a provider this program declares (Pulumi.yaml disables the default
 * providers): a Kubernetes provider per region, built from that region's platform stack
 * (`<organization>/platform/<region>`, output `kubeconfig`), the tenant's AWS provider (its
 * backup role) and its Cloudflare provider. Every platform fact (domain, namespaces, Gateway,
 * endpoints, backup bucket, key and identity) comes from the same stacks (stacks/platformFacts.ts).
 */
import { Provider as AwsProvider } from "@pulumi/aws/provider";
import * as cloudflare from "../components/edge/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { TenantStack } from "../components/tenant/tenantStack";
import { formatCpu, formatMemory, formatStorage } from "../lib/units";
import { REQUEST_OUTPUT } from "./config";
import { loadTenantConfig } from "./runningConfig";
import { DEFAULT_PLATFORM_ORGANIZATION } from "../tiers";
import { tenantBudget } from "./finops";
import { assertRegionsAgree, tenantPlatformArgs } from "./platformFacts";
import { regionPlatform } from "./regionProviders";

export = async () => {
  const { request, args: config, operator } = loadTenantConfig();
  const stack = pulumi.getStack();
  if (stack !== config.tenantId) {
    pulumi.log.warn(
      `stack "${stack}" provisions tenant "${config.tenantId}"; the convention is stack name = tenant id`,
    );
  }
  const { apiToken, ...zone } = config.cloudflare;
  // The platform stacks first: nothing of the tenant is registered before their facts are read.
  const regions = await Promise.all(
    config.regions.map((name) => regionPlatform(DEFAULT_PLATFORM_ORGANIZATION, name)),
  );
  assertRegionsAgree(regions.map((r) => r.facts));
  const facts = regions[0]!.facts;
  // Without a token in the config, the provider reads CLOUDFLARE_API_TOKEN from its environment.
  const edgeProvider = new cloudflare.Provider(
    "cloudflare",
    apiToken ? { apiToken: pulumi.secret(apiToken) } : {},
  );
  // The tenant's AWS resources (its backup role) are tagged for cost attribution.
  const awsProvider = new AwsProvider("aws", {
    region: facts.backups.region,
    defaultTags: {
      tags: { "collect-verything:tenant": config.tenantId, "collect-verything:tier": config.tier },
    },
  });
  const tenant = new TenantStack(
    config.tenantId,
    {
      ...config,
      regions: regions.map(({ name, kubernetes }) => ({ name, kubernetes })),
      platform: tenantPlatformArgs(facts),
      routing:
        config.routing.mode === "gateway-api"
          ? { mode: "gateway-api", gateway: facts.gateway }
          : config.routing,
      dataServices: { ...config.dataServices, mysqlReadReplicaHost: facts.endpoints.mysqlRead.host },
      cloudflare: zone,
      originPullClient: regions[0]!.originPullClient,
      erasing: operator.erasing,
    },
    { providers: [edgeProvider, awsProvider] },
  );
  // Its budget at the modelled AWS cost, on its cost-allocation tag (docs/finops.md).
  tenantBudget(config, tenant, awsProvider, regions[0]!.reference);
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

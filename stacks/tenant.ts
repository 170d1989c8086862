/**
 * The tenant program: one stack per tenant (stack name = tenant id). `pulumi up`, the CI
 * preview, the Automation API and the offline synth all run this same function.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { TenantStack } from "../components/tenantStack";
import { formatCpu, formatMemory, formatStorage } from "../tiers";
import { loadTenantConfig, REQUEST_OUTPUT } from "./config";

export = async () => {
  const { request, args: config } = loadTenantConfig();
  const stack = pulumi.getStack();
  if (stack !== config.tenantId) {
    pulumi.log.warn(`stack "${stack}" provisions tenant "${config.tenantId}"; the convention is stack name = tenant id`);
  }
  const { apiToken, ...zone } = config.cloudflare;
  // Without a token in the config, the provider reads CLOUDFLARE_API_TOKEN from its environment.
  const edgeProvider = new cloudflare.Provider("cloudflare", apiToken ? { apiToken: pulumi.secret(apiToken) } : {});
  const tenant = new TenantStack(config.tenantId, { ...config, cloudflare: zone }, { providers: { cloudflare: edgeProvider } });
  const q = tenant.profile.quota;
  return {
    tenantId: config.tenantId,
    tier: config.tier,
    addOns: tenant.profile.addOns,
    namespaces: tenant.namespaces,
    retiredNamespaces: tenant.retiredNamespaces,
    hostnames: tenant.hostnames,
    databases: tenant.databases,
    vhost: tenant.vhost,
    buckets: tenant.buckets,
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

/**
 * The platform stacks as a tenant synth sees them: `<organization>/platform/<region>` for every
 * supported region, with the outputs stacks/platform.ts exports. The facts are built by the
 * platform's own function (stacks/platformFacts.ts) with what the offline engine computes for the
 * platform's AWS resources (synth/computedAttributes.ts), so they equal the platform synth's
 * export (tests/platformContract.test.ts). The kubeconfig, a secret, is a stand-in: nothing is
 * contacted offline.
 */
import {
  ORIGIN_PULL_CA_OUTPUT,
  ORIGIN_PULL_CLIENT_OUTPUT,
  platformFacts,
  PLATFORM_FACTS_OUTPUT,
} from "../stacks/platformFacts";
import {
  backupBucketName,
  crossRegionHosts,
  isRegionName,
  regionGatewayHostname,
  type RegionName,
} from "../tiers";
import {
  offlineKmsKeyArn,
  offlineOidcIssuerUrl,
  offlineOidcProviderArn,
  offlinePem,
  offlineTopicArn,
} from "./computedAttributes";
import type { ReferencedStack } from "./engine";

/** Names stacks/platform.ts gives the resources whose computed attributes are facts. */
const clusterName = (region: RegionName): string => `collect-verything-${region}`;
const BACKUP_KEY_RESOURCE = "tenant-backups-key";

/** The facts the platform synth of `region` exports. */
export function offlinePlatformFacts(region: RegionName) {
  const issuerUrl = offlineOidcIssuerUrl(region, clusterName(region));
  return platformFacts(region, {
    bucket: backupBucketName(region),
    kmsKeyArn: offlineKmsKeyArn(region, BACKUP_KEY_RESOURCE),
    oidcProviderArn: offlineOidcProviderArn(issuerUrl),
    oidcIssuer: issuerUrl.replace(/^https:\/\//, ""),
  });
}

/** The origin-pull client certificate the offline platform synth exports (the same functions). */
export const OFFLINE_ORIGIN_PULL_CLIENT = {
  certificate: offlinePem("CERTIFICATE", "origin-pull-client"),
  privateKey: offlinePem("PRIVATE KEY", "origin-pull-client"),
};

/** A platform stack's outputs as a tenant reads them, or undefined when the name is not one. */
export function offlinePlatformStack(name: string): ReferencedStack | undefined {
  const match = /^[^/]+\/platform\/([a-z0-9-]+)$/.exec(name);
  const region = match?.[1];
  if (region === undefined || !isRegionName(region)) return undefined;
  return {
    outputs: {
      region,
      clusterName: clusterName(region),
      kubeconfig: `offline kubeconfig of ${name}`,
      gatewayHostname: regionGatewayHostname(region),
      crossRegionHosts: crossRegionHosts(region),
      [PLATFORM_FACTS_OUTPUT]: offlinePlatformFacts(region),
      // The origin-pull PKI the primary region's platform makes (components/platform/originPullPki.ts).
      [ORIGIN_PULL_CA_OUTPUT]: offlinePem("CERTIFICATE", "origin-pull-ca"),
      [ORIGIN_PULL_CLIENT_OUTPUT]: OFFLINE_ORIGIN_PULL_CLIENT,
      // Outside the contract: the tenant budgets' topic (components/platform/costAllocation.ts).
      budgetAlertsTopicArn: offlineTopicArn(region, "cv-tenant-budget-alerts"),
    },
    secretOutputNames: ["kubeconfig", ORIGIN_PULL_CLIENT_OUTPUT],
  };
}

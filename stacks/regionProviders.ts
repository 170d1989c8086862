/**
 * The tenant program's link to the platform: a region's cluster is reached only through the
 * kubeconfig that region's platform stack exports, never through an ambient kubeconfig, and
 * every fact about the region's platform (stacks/platformFacts.ts) is read from the same stack.
 */
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import * as pulumi from "@pulumi/pulumi";
import type { OriginPullClient } from "../components/shared/contracts";
import { platformStackName, type RegionName } from "../tiers";
import {
  ORIGIN_PULL_CLIENT_OUTPUT,
  parseOriginPullClient,
  parsePlatformFacts,
  PLATFORM_FACTS_OUTPUT,
  type PlatformFacts,
} from "./platformFacts";

export interface RegionPlatform {
  readonly name: RegionName;
  /** The region's cluster, from the kubeconfig its platform stack exports (a secret). */
  readonly kubernetes: KubernetesProvider;
  /** What the region's platform provides, validated. */
  readonly facts: PlatformFacts;
  /** The edge's origin-pull client certificate and key the tenant's zone uploads (secret values). */
  readonly originPullClient: pulumi.Output<OriginPullClient>;
  /** The platform stack itself, for the outputs outside the contract (the budget alerts' topic). */
  readonly reference: pulumi.StackReference;
}

/** A region's platform stack: its cluster's Kubernetes provider and its facts. */
export async function regionPlatform(organization: string, region: RegionName): Promise<RegionPlatform> {
  const stack = platformStackName(organization, region);
  const platform = new pulumi.StackReference(`platform-${region}`, { name: stack });
  const kubeconfig = platform.requireOutput("kubeconfig").apply((value) => {
    if (typeof value !== "string" || value === "")
      throw new Error(`platform stack ${stack} exports no kubeconfig`);
    return value;
  });
  const kubernetes = new KubernetesProvider(`kubernetes-${region}`, {
    kubeconfig: pulumi.secret(kubeconfig),
  });
  // Read before any tenant resource: the tenant's names, routes and policies are built from them.
  const details = await platform.getOutputDetails(PLATFORM_FACTS_OUTPUT);
  const originPullClient = pulumi.secret(
    platform.requireOutput(ORIGIN_PULL_CLIENT_OUTPUT).apply((value) => parseOriginPullClient(value, stack)),
  );
  return {
    name: region,
    reference: platform,
    kubernetes,
    originPullClient,
    facts: parsePlatformFacts(details.value ?? details.secretValue, stack, region),
  };
}

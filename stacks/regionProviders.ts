/**
 * The tenant program's link to the platform: a region's cluster is reached only through the
 * kubeconfig that region's platform stack exports, never through an ambient kubeconfig.
 */
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import * as pulumi from "@pulumi/pulumi";
import { platformStackName, type RegionName } from "../tiers";

/** The Kubernetes provider of a region's cluster, from the kubeconfig its platform stack exports (a secret). */
export function regionKubernetesProvider(organization: string, region: RegionName): KubernetesProvider {
  return regionPlatform(organization, region).kubernetes;
}

/** A region's platform stack (one reference, read for the kubeconfig and other outputs) and its cluster's provider. */
export function regionPlatform(
  organization: string,
  region: RegionName,
): { reference: pulumi.StackReference; kubernetes: KubernetesProvider } {
  const platform = new pulumi.StackReference(`platform-${region}`, {
    name: platformStackName(organization, region),
  });
  const kubeconfig = platform.requireOutput("kubeconfig").apply((value) => {
    if (typeof value !== "string" || value === "")
      throw new Error(`platform stack ${platformStackName(organization, region)} exports no kubeconfig`);
    return value;
  });
  const kubernetes = new KubernetesProvider(`kubernetes-${region}`, {
    kubeconfig: pulumi.secret(kubeconfig),
  });
  return { reference: platform, kubernetes };
}

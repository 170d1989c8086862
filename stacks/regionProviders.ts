/**
 * The tenant program's link to the platform: a region's cluster is reached only through the
 * kubeconfig that region's platform stack exports, never through an ambient kubeconfig.
 */
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import * as pulumi from "@pulumi/pulumi";
import { platformStackName, type RegionName } from "../tiers";

/** The Kubernetes provider of a region's cluster, from the kubeconfig its platform stack exports (a secret). */
export function regionKubernetesProvider(organization: string, region: RegionName): KubernetesProvider {
  const platform = new pulumi.StackReference(`platform-${region}`, {
    name: platformStackName(organization, region),
  });
  const kubeconfig = platform.requireOutput("kubeconfig").apply((value) => {
    if (typeof value !== "string" || value === "")
      throw new Error(`platform stack ${platformStackName(organization, region)} exports no kubeconfig`);
    return value;
  });
  return new KubernetesProvider(`kubernetes-${region}`, { kubeconfig: pulumi.secret(kubeconfig) });
}

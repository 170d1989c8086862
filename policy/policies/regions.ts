/**
 * Regions: a tenant stack reaches a cluster only through the Kubernetes provider of a region it
 * declares (`kubernetes-<region>`, built from that region's platform stack), never through a
 * default provider (the ambient kubeconfig); it reads no stack but its regions' platform stacks;
 * and it spans several regions only on a tier that sells multi-region.
 */
import { describe, tierResourcePolicy, tierStackPolicy, type ResourceView } from "../define";
import type { TierContext } from "../context";

const KUBERNETES_PROVIDER = "pulumi:providers:kubernetes";
const STACK_REFERENCE = "pulumi:pulumi:StackReference";

/** The region a Kubernetes provider's name declares (`kubernetes-<region>`), if it is one of the stack's. */
function declaredRegion(context: TierContext, providerName: string): string | undefined {
  const region = /^kubernetes-(.+)$/.exec(providerName)?.[1];
  return region !== undefined && (context.regions as readonly string[]).includes(region) ? region : undefined;
}

const declared = (context: TierContext) => context.regions.map((r) => `kubernetes-${r}`).join(", ");

export const kubernetesThroughRegionalProvider = tierResourcePolicy({
  name: "kubernetes-through-regional-provider",
  description:
    "Every Kubernetes object of a tenant stack goes through the explicit provider of one of its declared regions (kubernetes-<region>); none through a default provider (the ambient kubeconfig) or an undeclared cluster.",
  enforcementLevel: "mandatory",
  validate: (context, view, report) => {
    if (view.type === KUBERNETES_PROVIDER) {
      if (!declaredRegion(context, view.name)) report(`Kubernetes provider ${view.name} is not one of the stack's regions (${declared(context)})`);
      return;
    }
    if (!view.type.startsWith("kubernetes:")) return;
    const provider = view.provider;
    if (!provider) {
      report(`${describe(view)} goes through the default Kubernetes provider (whatever cluster the ambient kubeconfig names); it must name its region's provider (${declared(context)})`);
    } else if (provider.type !== KUBERNETES_PROVIDER || !declaredRegion(context, provider.name)) {
      report(`${describe(view)} goes through ${provider.name}, which is not one of the stack's regional providers (${declared(context)})`);
    }
  },
});

/** `<organization>/platform/<region>`: the region, when the name is a platform stack's. */
const platformStackRegion = (name: unknown): string | undefined => (typeof name === "string" ? /^[^/]+\/platform\/([^/]+)$/.exec(name)?.[1] : undefined);

export const stackReferencesPlatformOnly = tierResourcePolicy({
  name: "stack-references-platform-only",
  description:
    "A tenant stack reads only its declared regions' platform stacks (<organization>/platform/<region>): another stack's outputs may hold another tenant's credentials.",
  enforcementLevel: "mandatory",
  validate: (context, view: ResourceView, report) => {
    if (view.type !== STACK_REFERENCE) return;
    const name = view.props["name"];
    const region = platformStackRegion(name);
    if (region === undefined || !(context.regions as readonly string[]).includes(region)) {
      report(`${describe(view)} reads stack ${JSON.stringify(name)}; a tenant stack reads only its regions' platform stacks (<organization>/platform/${context.regions.join("|")})`);
    }
  },
});

export const multiRegionBusinessOnly = tierStackPolicy({
  name: "multi-region-business-only",
  description: "More than one region (declared, or Kubernetes clusters reached) in a tenant stack only on tiers with multi-region.",
  enforcementLevel: "mandatory",
  validate: ({ profile, regions }, resources, report) => {
    if (profile.tier.multiRegion) return;
    const providers = resources.filter((r) => r.type === KUBERNETES_PROVIDER);
    if (providers.length > 1 || regions.length > 1) {
      report(`the stack deploys to ${Math.max(providers.length, regions.length)} regions (${regions.join(", ")}); multi-region is not part of the ${profile.tier.displayName} tier`);
    }
  },
});

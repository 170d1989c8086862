/**
 * Regions: a tenant stack reaches a cluster only through the Kubernetes provider of a region it
 * declares (`kubernetes-<region>`, built from that region's platform stack), never through a
 * default provider (the ambient kubeconfig); it reads no stack but its regions' platform stacks;
 * and it spans several regions only on a tier that sells multi-region.
 */
import { UnknownValueError } from "@pulumi/policy";
import {
  describe,
  tierResourcePolicy,
  tierStackPolicy,
  type ProviderView,
  type ResourceView,
} from "../define";
import { stackOfUrn, type TierContext } from "../context";

const KUBERNETES_PROVIDER = "pulumi:providers:kubernetes";
const STACK_REFERENCE = "pulumi:pulumi:StackReference";

/** The region a Kubernetes provider's name declares (`kubernetes-<region>`), if it is one of the stack's. */
function declaredRegion(context: TierContext, providerName: string): string | undefined {
  const region = /^kubernetes-(.+)$/.exec(providerName)?.[1];
  return region !== undefined && (context.regions as readonly string[]).includes(region) ? region : undefined;
}

const declared = (context: TierContext) => context.regions.map((r) => `kubernetes-${r}`).join(", ");

/**
 * Whether a Kubernetes provider names its cluster: without a kubeconfig it reads the ambient one
 * (KUBECONFIG, ~/.kube/config), which is what disabling the default provider meant to rule out.
 * A value not known yet at preview is computed, so it is there.
 */
function hasKubeconfig(props: Readonly<Record<string, unknown>>): boolean {
  try {
    const kubeconfig = props["kubeconfig"];
    return typeof kubeconfig === "string" && kubeconfig !== "";
  } catch (error) {
    if (error instanceof UnknownValueError) return true;
    throw error;
  }
}

/** Why an object's explicit provider is not one of the stack's regional providers, if it is not. */
function providerProblem(
  context: TierContext,
  view: ResourceView,
  provider: ProviderView,
): string | undefined {
  const own = stackOfUrn(view.urn);
  const of = stackOfUrn(provider.urn);
  if (of && own && (of.stack !== own.stack || of.project !== own.project))
    return `${provider.name} of stack ${of.stack} (project ${of.project}), not one of this stack's providers`;
  if (provider.type !== KUBERNETES_PROVIDER || !declaredRegion(context, provider.name))
    return `${provider.name}, which is not one of the stack's regional providers (${declared(context)})`;
  if (!hasKubeconfig(provider.props))
    return `${provider.name}, which has no kubeconfig (it would read the ambient one)`;
  return undefined;
}

export const kubernetesThroughRegionalProvider = tierResourcePolicy({
  name: "kubernetes-through-regional-provider",
  description:
    "Every Kubernetes object of a tenant stack goes through the explicit provider of one of its declared regions (kubernetes-<region>, this stack's, with a kubeconfig); none through a default provider (the ambient kubeconfig) or an undeclared cluster.",
  enforcementLevel: "mandatory",
  validate: (context, view, report) => {
    if (view.type === KUBERNETES_PROVIDER) {
      if (!declaredRegion(context, view.name))
        report(`Kubernetes provider ${view.name} is not one of the stack's regions (${declared(context)})`);
      else if (!hasKubeconfig(view.props))
        report(
          `Kubernetes provider ${view.name} has no kubeconfig, so it would act on the ambient cluster; build it from its region's platform stack`,
        );
      return;
    }
    if (!view.type.startsWith("kubernetes:")) return;
    const provider = view.provider;
    if (!provider) {
      report(
        `${describe(view)} goes through the default Kubernetes provider (whatever cluster the ambient kubeconfig names); it must name its region's provider (${declared(context)})`,
      );
    } else {
      const problem = providerProblem(context, view, provider);
      if (problem) report(`${describe(view)} goes through ${problem}`);
    }
  },
});

/** `<organization>/platform/<region>`: the organization and region, when the name is a platform stack's. */
function platformStackOf(name: unknown): { organization: string; region: string } | undefined {
  const m = typeof name === "string" ? /^([^/]+)\/platform\/([^/]+)$/.exec(name) : null;
  return m ? { organization: m[1]!, region: m[2]! } : undefined;
}

export const stackReferencesPlatformOnly = tierResourcePolicy({
  name: "stack-references-platform-only",
  description:
    "A tenant stack reads only its declared regions' platform stacks (<platformOrganization>/platform/<region>): another stack's outputs may hold another tenant's credentials, another organization's platform another platform's clusters.",
  enforcementLevel: "mandatory",
  validate: (context, view: ResourceView, report) => {
    if (view.type !== STACK_REFERENCE) return;
    const name = view.props["name"];
    const platform = platformStackOf(name);
    if (
      platform?.organization !== context.platformOrganization ||
      !(context.regions as readonly string[]).includes(platform.region)
    ) {
      report(
        `${describe(view)} reads stack ${JSON.stringify(name)}; a tenant stack reads only its regions' platform stacks (${context.platformOrganization}/platform/${context.regions.join("|")})`,
      );
    }
  },
});

export const multiRegionBusinessOnly = tierStackPolicy({
  name: "multi-region-business-only",
  description:
    "More than one region (declared, or Kubernetes clusters reached) in a tenant stack only on tiers with multi-region; one Kubernetes provider per region, built from that region's platform stack (another would be a cluster judged as the region's).",
  enforcementLevel: "mandatory",
  validate: (context, resources, report) => {
    const { profile, regions } = context;
    const providers = resources.filter((r) => r.type === KUBERNETES_PROVIDER);
    // A provider's kubeconfig comes from its region's platform stack, so its cluster is that
    // region's: one built otherwise could be another region's cluster (its quota twice) or any.
    const references = new Map(
      resources.filter((r) => r.type === STACK_REFERENCE).map((r) => [r.urn, r.props["name"]]),
    );
    for (const p of providers) {
      const region = declaredRegion(context, p.name);
      const platform =
        region === undefined ? undefined : `${context.platformOrganization}/platform/${region}`;
      if (platform !== undefined && !(p.dependencies ?? []).some((urn) => references.get(urn) === platform)) {
        report(
          `the stack's Kubernetes provider ${p.name} is not built from its region's platform stack (it reads no StackReference named ${platform})`,
        );
      }
    }
    const counts = new Map<string, number>();
    for (const p of providers) counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
    for (const [name, count] of counts) {
      if (count > 1)
        report(
          `the stack declares ${count} Kubernetes providers named ${name}; a stack reaches each of its regions' clusters through one`,
        );
    }
    if (profile.tier.multiRegion) return;
    if (providers.length > 1 || regions.length > 1) {
      report(
        `the stack deploys to ${Math.max(providers.length, regions.length)} regions (${regions.join(", ")}); multi-region is not part of the ${profile.tier.displayName} tier`,
      );
    }
  },
});

/**
 * The synth's check that every object a stack creates is served by its cluster's Kubernetes
 * version (components/platform/apiVersions.ts): the platform's objects by the version it runs,
 * a tenant's objects in each region by the version that region's platform stack exports.
 */
import { apiKindOf, chartReleaseProblems, unservedProblem } from "../components/platform/apiVersions";
import type { SynthResult } from "./engine";

export class UnservedApiError extends Error {
  override readonly name = "UnservedApiError";
}

/**
 * Every object's problem, as "<type> <name>: <why>". `versionOf` answers the version of the
 * cluster behind a Kubernetes provider (by the provider resource's name, `kubernetes-<region>`
 * in a tenant stack); undefined: the provider is no known cluster's, which is a problem too.
 */
export function servedApiProblems(
  result: SynthResult,
  versionOf: (providerName: string) => string | undefined,
): string[] {
  const names = new Map(result.resources.map((r) => [r.urn, r.name]));
  // Asked once per provider, not once per object (a tenant's answer reads its platform stack).
  const versions = new Map<string, string | undefined>();
  const versionOfProvider = (provider: string): string | undefined => {
    if (!versions.has(provider)) versions.set(provider, versionOf(provider));
    return versions.get(provider);
  };
  return result.resources.flatMap((r) => {
    const release = r.type === "kubernetes:helm.sh/v3:Release";
    const apiKind = r.custom && !release ? apiKindOf(r.type) : undefined;
    if (apiKind === undefined && !release) return [];
    const provider = r.provider === undefined ? "(default provider)" : (names.get(r.provider) ?? r.provider);
    const version = versionOfProvider(provider);
    if (release && version !== undefined)
      return chartReleaseProblems(r.inputs["chart"], r.inputs["version"], version).map(
        (problem) => `${r.type} ${r.name}: ${problem}`,
      );
    const problem =
      version === undefined
        ? `its cluster (provider ${provider}) exports no Kubernetes version`
        : unservedProblem(apiKind!, version);
    return problem ? [`${r.type} ${r.name}: ${problem}`] : [];
  });
}

/** Throws UnservedApiError listing every object its cluster would not serve. */
export function assertServedApis(
  result: SynthResult,
  versionOf: (providerName: string) => string | undefined,
): SynthResult {
  const problems = servedApiProblems(result, versionOf);
  if (problems.length > 0)
    throw new UnservedApiError(
      `objects the cluster does not serve:\n  - ${[...new Set(problems)].join("\n  - ")}`,
    );
  return result;
}

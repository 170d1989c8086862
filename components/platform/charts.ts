/**
 * The Helm charts the platform installs, each pinned to a chart version and the application
 * version it ships (docs/platform-contract.md says how to upgrade them). One table, so a bump is
 * one reviewed line and the synth lists every release with its versions.
 */
import { Release } from "@pulumi/kubernetes/helm/v3";
import type * as pulumi from "@pulumi/pulumi";
import { CHARTS, type ChartName } from "../../tiers/chartPins";

export { CHARTS, type ChartName, type PinnedChart } from "../../tiers/chartPins";

/**
 * A Helm v3 Release of a pinned chart in `namespace` (created by the caller, so the pack and the
 * closed-world check see it). Atomic: a failed upgrade rolls back rather than half-applying.
 */
export function pinnedRelease(
  name: string,
  chart: ChartName,
  namespace: pulumi.Input<string>,
  values: Record<string, unknown>,
  opts: pulumi.CustomResourceOptions,
): Release {
  const pin = CHARTS[chart];
  const oci = pin.repo.startsWith("oci://");
  return new Release(
    name,
    {
      name,
      chart: oci ? `${pin.repo}/${pin.chart}` : pin.chart,
      version: pin.version,
      ...(oci ? {} : { repositoryOpts: { repo: pin.repo } }),
      namespace,
      values,
      atomic: true,
      cleanupOnFail: true,
    },
    opts,
  );
}

/** Storage: the tenant's tier class only, volumes big enough for its IOPS, classes matching the catalog. */
import {
  getTier,
  isTierName,
  minimumVolumeForIops,
  storageClassName,
  volumeAttributesClassName,
} from "../../tiers";
import { parseStorage } from "../../lib/units";
import { specOf, type ClaimSpec } from "../analysis/objects";
import { ephemeralClaims, podSpecOf } from "../analysis/pods";
import { describe, tierResourcePolicy, type ResourceView } from "../define";

const EBS_CSI = "ebs.csi.aws.com";

/** Every volume claim an object makes, with where: a PVC, StatefulSet templates, generic ephemeral volumes, a dedicated cluster's data volumes. */
function claimsOf(view: ResourceView): [string, ClaimSpec][] {
  const o = view.object;
  if (!o) return [];
  const where = describe(view);
  if (o.kind === "PersistentVolumeClaim") return [[where, specOf<ClaimSpec>(o)]];
  const claims: [string, ClaimSpec][] = [];
  const spec = specOf<{
    volumeClaimTemplates?: { metadata?: { name?: string }; spec?: ClaimSpec }[];
    datadirVolumeClaimTemplate?: ClaimSpec;
  }>(o);
  if (o.kind === "StatefulSet")
    for (const t of spec.volumeClaimTemplates ?? [])
      claims.push([`${where} volume claim template ${t.metadata?.name}`, t.spec ?? {}]);
  if (o.kind === "InnoDBCluster" && spec.datadirVolumeClaimTemplate)
    claims.push([`${where} data volume template`, spec.datadirVolumeClaimTemplate]);
  const pod = podSpecOf(o);
  if (pod) for (const claim of ephemeralClaims(pod)) claims.push([`${where} ephemeral volume`, claim]);
  return claims;
}

export const storageClassOfTier = tierResourcePolicy({
  name: "storage-class-of-tier",
  description:
    "Every tenant volume (claims, StatefulSet claim templates, generic ephemeral volumes, dedicated cluster volumes) uses its tier's StorageClass and VolumeAttributesClass, never another tier's (or the default).",
  enforcementLevel: "mandatory",
  validate: ({ tier, profile }, view, report) => {
    const name = profile.tier.displayName;
    for (const [where, spec] of claimsOf(view)) {
      if (spec.storageClassName !== storageClassName(tier)) {
        report(
          `${where}: storage class ${spec.storageClassName ?? "(cluster default)"} is not the ${name} tier's ${storageClassName(tier)}`,
        );
      }
      if (
        spec.volumeAttributesClassName !== undefined &&
        spec.volumeAttributesClassName !== volumeAttributesClassName(tier)
      ) {
        report(
          `${where}: volume attributes class ${spec.volumeAttributesClassName} is not the ${name} tier's ${volumeAttributesClassName(tier)}`,
        );
      }
    }
  },
});

export const volumeSizeForTierIops = tierResourcePolicy({
  name: "volume-size-for-tier-iops",
  description: "gp3 allows 500 IOPS per GiB: a tenant volume is large enough to get its tier's IOPS.",
  enforcementLevel: "mandatory",
  validate: ({ profile }, view, report) => {
    const minimum = minimumVolumeForIops(profile.tier.storageClass.iops);
    for (const [where, spec] of claimsOf(view)) {
      const requested = spec.resources?.requests?.storage;
      if (requested === undefined || parseStorage(requested) < minimum) {
        report(
          `${where}: ${requested ?? "no size"} cannot reach the ${profile.tier.displayName} tier's ${profile.tier.storageClass.iops} IOPS; at least ${minimum}Gi`,
        );
      }
    }
  },
});

/** Cluster objects of the platform program: judged against the tier named in their name. */
export const tierStorageClassParameters = tierResourcePolicy({
  name: "tier-storage-class-parameters",
  description:
    "tier-<tier>-storage and tier-<tier>-iops use the EBS CSI driver with exactly the tier's gp3 IOPS and throughput, encrypted.",
  enforcementLevel: "mandatory",
  validate: (_context, view, report) => tierClassProblems(view, report),
  validatePlatform: (view, report) => tierClassProblems(view, report),
});

function tierClassProblems(view: ResourceView, report: (message: string) => void): void {
  const o = view.object;
  if (o?.kind !== "StorageClass" && o?.kind !== "VolumeAttributesClass") return;
  const match = /^tier-([a-z]+)-(storage|iops)$/.exec(o.metadata?.name ?? "");
  if (!match) return;
  if (!isTierName(match[1])) {
    report(`${describe(view)} names an unknown tier "${match[1]}"`);
    return;
  }
  const tier = getTier(match[1]);
  const props = view.props as {
    provisioner?: string;
    driverName?: string;
    parameters?: Record<string, string>;
  };
  const driver = o.kind === "StorageClass" ? props.provisioner : props.driverName;
  if (driver !== EBS_CSI) report(`${describe(view)}: driver ${driver} is not ${EBS_CSI}`);
  const p = props.parameters ?? {};
  const expected: Record<string, string> = {
    type: "gp3",
    iops: String(tier.storageClass.iops),
    throughput: String(tier.storageClass.throughputMiBps),
    ...(o.kind === "StorageClass" ? { encrypted: "true" } : {}),
  };
  for (const [key, value] of Object.entries(expected)) {
    if (p[key] !== value)
      report(`${describe(view)}: ${key} is ${p[key] ?? "unset"}; the ${tier.displayName} tier's is ${value}`);
  }
}

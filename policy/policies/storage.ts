/** Storage: the tenant's tier class only, volumes big enough for its IOPS, classes matching the catalog. */
import { getTier, isTierName, minimumVolumeForIops, parseStorage, storageClassName, volumeAttributesClassName } from "../../tiers";
import { describe, tierResourcePolicy } from "../define";

const EBS_CSI = "ebs.csi.aws.com";

interface ClaimSpec {
  storageClassName?: string;
  volumeAttributesClassName?: string;
  resources?: { requests?: { storage?: string } };
}

export const storageClassOfTier = tierResourcePolicy({
  name: "storage-class-of-tier",
  description: "A tenant volume uses its tier's StorageClass and VolumeAttributesClass, never another tier's (or the default).",
  enforcementLevel: "mandatory",
  validate: ({ tier, profile }, view, report) => {
    const o = view.object;
    if (o?.kind !== "PersistentVolumeClaim") return;
    const spec = (o.spec ?? {}) as ClaimSpec;
    const name = profile.tier.displayName;
    if (spec.storageClassName !== storageClassName(tier)) {
      report(`${describe(view)}: storage class ${spec.storageClassName ?? "(cluster default)"} is not the ${name} tier's ${storageClassName(tier)}`);
    }
    if (spec.volumeAttributesClassName !== undefined && spec.volumeAttributesClassName !== volumeAttributesClassName(tier)) {
      report(`${describe(view)}: volume attributes class ${spec.volumeAttributesClassName} is not the ${name} tier's ${volumeAttributesClassName(tier)}`);
    }
  },
});

export const volumeSizeForTierIops = tierResourcePolicy({
  name: "volume-size-for-tier-iops",
  description: "gp3 allows 500 IOPS per GiB: a tenant volume is large enough to get its tier's IOPS.",
  enforcementLevel: "mandatory",
  validate: ({ profile }, view, report) => {
    const o = view.object;
    if (o?.kind !== "PersistentVolumeClaim") return;
    const requested = ((o.spec ?? {}) as ClaimSpec).resources?.requests?.storage;
    const minimum = minimumVolumeForIops(profile.tier.storageClass.iops);
    if (requested === undefined || parseStorage(requested) < minimum) {
      report(
        `${describe(view)}: ${requested ?? "no size"} cannot reach the ${profile.tier.displayName} tier's ${profile.tier.storageClass.iops} IOPS; at least ${minimum}Gi`,
      );
    }
  },
});

/** Cluster objects of the platform program: judged against the tier named in their name. */
export const tierStorageClassParameters = tierResourcePolicy({
  name: "tier-storage-class-parameters",
  description: "tier-<tier>-storage and tier-<tier>-iops use the EBS CSI driver with exactly the tier's gp3 IOPS and throughput, encrypted.",
  enforcementLevel: "mandatory",
  validate: (_context, view, report) => {
    const o = view.object;
    if (o?.kind !== "StorageClass" && o?.kind !== "VolumeAttributesClass") return;
    const match = /^tier-([a-z]+)-(storage|iops)$/.exec(o.metadata?.name ?? "");
    if (!match) return;
    if (!isTierName(match[1])) {
      report(`${describe(view)} names an unknown tier "${match[1]}"`);
      return;
    }
    const tier = getTier(match[1]);
    const props = view.props as { provisioner?: string; driverName?: string; parameters?: Record<string, string> };
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
      if (p[key] !== value) report(`${describe(view)}: ${key} is ${p[key] ?? "unset"}; the ${tier.displayName} tier's is ${value}`);
    }
  },
});

/**
 * The platform program: the per-tier objects of one cluster (TierProfile for every tier).
 * Run once per cluster, before its tenants; tenant stacks reference these by name.
 */
import * as pulumi from "@pulumi/pulumi";
import { TierProfile } from "../components/tierProfile";
import { TIER_NAMES } from "../tiers";

export = async () => {
  const profiles = TIER_NAMES.map((tier) => new TierProfile(`tier-${tier}`, { tier }));
  return {
    storageClasses: pulumi.all(profiles.map((p) => p.storageClassName)),
    volumeAttributesClasses: pulumi.all(profiles.map((p) => p.volumeAttributesClassName)),
    priorityClasses: pulumi.all(profiles.map((p) => p.priorityClassName)),
  };
};

/**
 * Cross-region replication of a tenant's buckets (tiers whose catalog says
 * `objectStorage.crossRegionReplication`): the rules a region's replication Job keeps on each of
 * its buckets, one per other region, and the size of that Job's pod. Pure: the component, its
 * tests and the sizing's jobs headroom share these.
 */
import type { ContainerResources, TierDefinition } from "./catalog";

export const replicatesAcrossRegions = (tier: TierDefinition): boolean =>
  tier.objectStorage.crossRegionReplication;

/**
 * What a rule replicates (mc's `--replicate`): delete markers, versioned deletes, objects that
 * existed before the rule, and metadata changes made on a replica (active-active: every region
 * writes, so a change made anywhere reaches everywhere).
 */
export const REPLICATE_OPTIONS = ["delete-marker", "delete", "existing-objects", "metadata-sync"] as const;

/** Prefix of the rule ids the Job owns; rules with other ids (added by hand) are left alone. */
export const REPLICATION_RULE_PREFIX = "cv-to-";

export const replicationRuleId = (targetRegion: string): string =>
  `${REPLICATION_RULE_PREFIX}${targetRegion}`;

/**
 * A rule's priority, unique per bucket in MinIO. Derived from the target region alone (FNV-1a),
 * never from its position in the list: adding or removing a region must not shift the priority
 * of the rules that stay, since MinIO refuses an update that takes another rule's priority.
 */
export function replicationRulePriority(targetRegion: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(targetRegion, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return 1 + (hash % 1_000_000);
}

/**
 * The replication Job's pod: `mc` sends a handful of small API calls per rule, so the platform's
 * smallest container (LIMIT_RANGE.containerMin) with a little room to burst.
 */
export const REPLICATION_JOB_RESOURCES: ContainerResources = {
  requests: { cpu: 50, memory: 64 },
  limits: { cpu: 100, memory: 128 },
};

/**
 * Pods the core namespace keeps free for the tier's own Jobs, by size: one replication Job pod
 * where the tier replicates (it runs once per change of regions, one pod at a time).
 */
export function coreJobsHeadroom(tier: TierDefinition): readonly ContainerResources[] {
  return replicatesAcrossRegions(tier) ? [REPLICATION_JOB_RESOURCES] : [];
}

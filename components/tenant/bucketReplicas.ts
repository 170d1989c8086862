import { coreNamespace, crossRegionHost, PLATFORM_REGIONS } from "../../tiers";
import { BucketReplication } from "../data/bucketReplication";
import type { TenantObjectStorage } from "../data/tenantObjectStorage";
import type { RegionSite, TenantBuild } from "./tenantRegions";

/**
 * Where the tier replicates buckets (Business): in each region a Job keeps every bucket
 * replicated to the same bucket in each other region (none with one region, so rules to a
 * region the tenant left are removed).
 */
export function replicateBuckets(
  build: TenantBuild,
  regions: readonly RegionSite[],
  storages: readonly TenantObjectStorage[],
): void {
  const tier = build.profile.tier;
  if (!tier.objectStorage.crossRegionReplication) return;
  const { host, port } = build.args.platform.endpoints.objectStorage;
  const site = (region: RegionSite, storage: TenantObjectStorage) => {
    if (!storage.replication)
      throw new Error(
        `the ${tier.displayName} tier replicates buckets but ${region.name}'s object storage has no replicator`,
      );
    return { region: region.name, secure: region.admin.objectStorage.ssl, credentials: storage.replication };
  };
  regions.forEach((region, i) => {
    const storage = storages[i]!;
    new BucketReplication(
      `${region.prefix}-bucket-replication`,
      {
        identity: build.identity,
        tier,
        namespace: coreNamespace(build.args.tenantId),
        buckets: Object.values(storage.buckets),
        // The Job runs in the source region: its own object storage is the in-cluster one.
        source: { ...site(region, storage), endpoint: `${host}:${port}` },
        targets: regions
          .map((other, j) => ({ other, storage: storages[j]! }))
          .filter(({ other }) => other.name !== region.name)
          .map(({ other, storage: theirs }) => ({
            ...site(other, theirs),
            endpoint: `${crossRegionHost(other.name, "objectStorage")}:${port}`,
            cidr: PLATFORM_REGIONS[other.name].vpcCidr,
          })),
      },
      { parent: build.parent, providers: [region.kubernetes], dependsOn: [region.guardrails, ...storages] },
    );
  });
}

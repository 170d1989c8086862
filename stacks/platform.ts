/**
 * The platform program: the per-tier objects of one cluster (TierProfile for every tier).
 * Run once per cluster, before its tenants; tenant stacks reference these by name.
 */
import * as pulumi from "@pulumi/pulumi";
import { BackupBucket } from "../components/backupBucket";
import { TierProfile } from "../components/tierProfile";
import { BACKUP_NAMESPACE, DEFAULT_BACKUP_BUCKET, TIER_NAMES } from "../tiers";
import { loadPlatformConfig } from "./config";

export = async () => {
  const { binlogArchive } = loadPlatformConfig(); // validated before any resource
  const profiles = TIER_NAMES.map((tier) => new TierProfile(`tier-${tier}`, { tier }));
  // The tenants' backups, off the cluster (the tenants' default platform.backups names).
  const backups = new BackupBucket("tenant-backups", {
    bucket: DEFAULT_BACKUP_BUCKET,
    namespace: BACKUP_NAMESPACE,
    image: "registry.collect-verything.com/platform/backup-tools:1.0.0",
    mysqlSecret: "mysql-backup-account",
    rabbitmqSecret: "rabbitmq-backup-account",
    binlogArchive,
  });
  return {
    storageClasses: pulumi.all(profiles.map((p) => p.storageClassName)),
    volumeAttributesClasses: pulumi.all(profiles.map((p) => p.volumeAttributesClassName)),
    priorityClasses: pulumi.all(profiles.map((p) => p.priorityClassName)),
    backupBucket: backups.bucketName,
    backupKmsKeyArn: backups.kmsKeyArn,
  };
};

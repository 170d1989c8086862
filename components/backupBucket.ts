import * as kms from "@pulumi/aws/kms";
import * as s3 from "@pulumi/aws/s3";
import * as core from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { BACKUP_JOB_RESOURCES, backupRetentionDays, BINLOG_PREFIX, BINLOG_RETENTION_DAYS, formatCpu, formatMemory, RETENTION_TAG, TIER_NAMES } from "../tiers";

export interface BackupBucketArgs {
  /** Bucket name (the tenants' `platform.backups.bucket`). */
  readonly bucket: string;
  /** Namespace the tenants' backup jobs run in. */
  readonly namespace: string;
  /** Backup job pods that may run at once across all tenants (the namespace's quota). Default 20. */
  readonly concurrentJobs?: number;
}

export interface LifecycleRule {
  readonly id: string;
  readonly status: "Enabled";
  readonly filter: { readonly tag?: { readonly key: string; readonly value: string }; readonly prefix?: string };
  readonly expiration: { readonly days: number };
  readonly noncurrentVersionExpiration: { readonly noncurrentDays: number };
  readonly abortIncompleteMultipartUpload: { readonly daysAfterInitiation: number };
}

/**
 * Retention by rule, derived from the tiers: each tier's backups (tagged by the jobs with the tier)
 * expire after its retention, binary logs after the longest point-in-time window. A tier change
 * does not retag old backups: they keep the retention they were taken under.
 */
export function backupLifecycleRules(): LifecycleRule[] {
  const common = { status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: 1 }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } } as const;
  return [
    ...TIER_NAMES.map((tier) => ({ id: `${tier}-backups`, filter: { tag: { key: RETENTION_TAG, value: tier } }, expiration: { days: backupRetentionDays(tier) }, ...common })),
    { id: "binlogs", filter: { prefix: BINLOG_PREFIX }, expiration: { days: BINLOG_RETENTION_DAYS }, ...common },
  ];
}

/**
 * The platform's backup bucket, off the cluster: encrypted with its own KMS key (rotated), no public
 * access, versioned (an overwritten or deleted backup survives a day), retention by lifecycle rules;
 * and the namespace the tenants' backup jobs run in, with a quota of its own. Protected.
 */
export class BackupBucket extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly kmsKeyArn: pulumi.Output<string>;

  constructor(name: string, args: BackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:platform:BackupBucket", name, {}, opts);
    const key = new kms.Key(`${name}-key`, { description: `Encrypts ${args.bucket}`, enableKeyRotation: true, deletionWindowInDays: 30 }, { parent: this, protect: true });
    const bucket = new s3.Bucket(`${name}-bucket`, { bucket: args.bucket, forceDestroy: false }, { parent: this, protect: true, retainOnDelete: true });
    const inBucket = { parent: this, dependsOn: [bucket] };
    new s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      inBucket,
    );
    new s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true }] },
      inBucket,
    );
    const versioning = new s3.BucketVersioning(`${name}-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, inBucket);
    new s3.BucketLifecycleConfiguration(`${name}-lifecycle`, { bucket: bucket.id, rules: backupLifecycleRules() }, { parent: this, dependsOn: [versioning] });

    const labels = { "app.kubernetes.io/part-of": "collect-verything", "app.kubernetes.io/managed-by": "pulumi" };
    const namespace = new core.Namespace(
      `${name}-namespace`,
      {
        metadata: {
          name: args.namespace,
          labels: { ...labels, "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted" },
        },
      },
      { parent: this },
    );
    const jobs = args.concurrentJobs ?? 20;
    const each = BACKUP_JOB_RESOURCES;
    new core.ResourceQuota(
      `${name}-quota`,
      {
        metadata: { name: "backup-jobs", namespace: args.namespace, labels },
        spec: {
          hard: {
            pods: String(jobs),
            "requests.cpu": formatCpu(jobs * each.requests.cpu),
            "requests.memory": formatMemory(jobs * each.requests.memory),
            "limits.cpu": formatCpu(jobs * each.limits.cpu),
            "limits.memory": formatMemory(jobs * each.limits.memory),
          },
        },
      },
      { parent: this, dependsOn: [namespace] },
    );
    this.bucketName = bucket.bucket;
    this.kmsKeyArn = key.arn;
    this.registerOutputs({ bucketName: this.bucketName, kmsKeyArn: this.kmsKeyArn });
  }
}

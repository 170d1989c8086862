import { Role } from "@pulumi/aws/iam/role";
import { RolePolicy } from "@pulumi/aws/iam/rolePolicy";
import type { PolicyDocument } from "@pulumi/aws/iam";
import * as core from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { serviceAccountTrustPolicy } from "../shared/serviceAccountTrust";
import {
  databaseName,
  DATABASE_SERVICES,
  definitionsPrefix,
  dumpPrefix,
  rabbitVhost,
  tenantBackupPrefix,
  type TierDefinition,
} from "../../tiers";
import { tenantLabels, type TenantIdentity } from "../shared/labels";

/** The platform's backup side, shared by every tenant (platform program and its config). */
export interface BackupPlatformArgs {
  /** The platform's backup bucket (S3, SSE-KMS, lifecycle rules by RETENTION_TAG) and its region. */
  readonly bucket: string;
  readonly region: string;
  /** KMS key the bucket encrypts with. */
  readonly kmsKeyArn: string;
  /** IAM OIDC provider of the cluster (IRSA) and its issuer host/path, for the tenant's role. */
  readonly oidcProviderArn: string;
  readonly oidcIssuer: string;
  /** Platform namespace the backup runners run in (its own quota; see docs/backups.md). */
  readonly namespace: string;
}

export interface TenantBackupsArgs {
  readonly identity: TenantIdentity;
  readonly tier: TierDefinition;
  /** The MySQL server holding the tenant's databases (shared, or the dedicated cluster's router). */
  readonly mysql: { readonly host: pulumi.Input<string>; readonly port: number };
  /** RabbitMQ management API. */
  readonly rabbitmqManagementUrl: string;
  readonly platform: BackupPlatformArgs;
  /** The tenant's core namespace, where the backup plan lives. */
  readonly namespace: string;
}

/** Label on the tenant's backup plan; its value is the tier, whose platform runner takes the plan. */
export const BACKUP_PLAN_LABEL = "collect-verything.com/backup-plan";
export const BACKUP_PLAN_CONFIGMAP = "tenant-backup-plan";
/** The platform runner's ServiceAccount (in the backup namespace), the only identity the tenant role trusts. */
export const BACKUP_RUNNER = "backup-runner";

/**
 * The tenant's scheduled backups, declared: a backup plan (ConfigMap in its core namespace: what to
 * dump, from where, into which prefix, with which role) and a per-tenant IAM role that can reach only
 * its prefix of the platform's backup bucket. The platform's runner for the tenant's tier
 * (components/platform/backupBucket.ts, at the tier's frequency) reads the plans, assumes each tenant's role
 * and dumps its 11 databases and its vhost's definitions. The jobs run in the platform's backup
 * namespace, not the tenant's: Standard's 15 pods are exactly its 15 service pods, so a backup pod
 * could not fit its quota, and the jobs use the platform's backup accounts. Point-in-time recovery
 * (Business) adds the server's binlog position to each dump; the binary logs themselves are
 * server-wide and archived by the platform (automation/binlogArchive.ts).
 */
export class TenantBackups extends pulumi.ComponentResource {
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: TenantBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:tenant:TenantBackups", name, {}, opts);
    const { identity, tier, platform } = args;
    const tenantId = identity.tenantId;
    const prefix = tenantBackupPrefix(tenantId);

    const role = new Role(
      `${name}-role`,
      {
        name: `cv-backup-${tenantId}`,
        description: `Backups of tenant ${tenantId}: its prefix of ${platform.bucket} only`,
        assumeRolePolicy: serviceAccountTrustPolicy({
          oidcProviderArn: platform.oidcProviderArn,
          oidcIssuer: platform.oidcIssuer,
          namespace: platform.namespace,
          serviceAccount: BACKUP_RUNNER,
        }),
        tags: { tenant: tenantId, tier: identity.tier },
      },
      { parent: this },
    );
    new RolePolicy(
      `${name}-policy`,
      { role: role.id, policy: JSON.stringify(backupPolicyDocument(platform, tenantId)) },
      { parent: this },
    );

    new core.ConfigMap(
      `${name}-plan`,
      {
        metadata: {
          name: BACKUP_PLAN_CONFIGMAP,
          namespace: args.namespace,
          labels: tenantLabels(identity, { [BACKUP_PLAN_LABEL]: identity.tier }),
        },
        data: {
          TENANT: tenantId,
          ROLE_ARN: role.arn,
          DUMP_PREFIX: dumpPrefix(tenantId),
          DEFINITIONS_PREFIX: definitionsPrefix(tenantId),
          DATABASES: DATABASE_SERVICES.map((s) => databaseName(tenantId, s.name)).join(" "),
          MYSQL_HOST: args.mysql.host,
          MYSQL_PORT: String(args.mysql.port),
          // The binlog coordinates of the snapshot, where a point-in-time restore starts.
          DUMP_OPTIONS: tier.backups.pointInTimeRecovery ? "--master-data=2" : "",
          DEFINITIONS_URL: `${args.rabbitmqManagementUrl}/api/definitions/${encodeURIComponent(rabbitVhost(tenantId))}`,
        },
      },
      { parent: this },
    );

    this.roleArn = role.arn;
    this.registerOutputs({ roleArn: this.roleArn, prefix });
  }
}

/** The tenant role's policy: read and write its own prefix, list only that prefix, use the bucket's key. */
export function backupPolicyDocument(
  platform: Pick<BackupPlatformArgs, "bucket" | "kmsKeyArn">,
  tenantId: string,
): PolicyDocument {
  const prefix = tenantBackupPrefix(tenantId);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:PutObjectTagging", "s3:GetObject"],
        Resource: [`arn:aws:s3:::${platform.bucket}/${prefix}*`],
      },
      {
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: [`arn:aws:s3:::${platform.bucket}`],
        Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } },
      },
      { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: [platform.kmsKeyArn] },
    ],
  };
}

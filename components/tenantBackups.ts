import * as aws from "@pulumi/aws/iam";
import * as batch from "@pulumi/kubernetes/batch/v1";
import * as core from "@pulumi/kubernetes/core/v1";
import type * as inputs from "@pulumi/kubernetes/types/input";
import * as pulumi from "@pulumi/pulumi";
import {
  BACKUP_JOB_RESOURCES,
  databaseName,
  DATABASE_SERVICES,
  definitionsPrefix,
  dumpPrefix,
  rabbitVhost,
  RETENTION_TAG,
  tenantBackupPrefix,
  type TierDefinition,
} from "../tiers";
import { tenantLabels, type TenantIdentity } from "./labels";
import { CONTAINER_SECURITY_CONTEXT, containerResources, POD_SECURITY_CONTEXT } from "./microservice";

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
  /** Platform namespace the backup jobs run in (its own quota; see README "Backups and restore"). */
  readonly namespace: string;
  /** Image with the MySQL client tools, curl and the AWS CLI. */
  readonly image: string;
  /** Secrets in `namespace` with the platform's backup accounts: MYSQL_USER/MYSQL_PWD, RABBITMQ_USER/RABBITMQ_PASSWORD. */
  readonly mysqlSecret: string;
  readonly rabbitmqSecret: string;
}

export interface TenantBackupsArgs {
  readonly identity: TenantIdentity;
  readonly tier: TierDefinition;
  /** The MySQL server holding the tenant's databases (shared, or the dedicated cluster's router). */
  readonly mysql: { readonly host: pulumi.Input<string>; readonly port: number };
  /** RabbitMQ management API. */
  readonly rabbitmqManagementUrl: string;
  readonly platform: BackupPlatformArgs;
}

/** `aws s3api put-object` of a file into the tenant's prefix, encrypted, tagged for the tier's lifecycle rule. */
function upload(platform: BackupPlatformArgs, tier: string, key: string): string {
  return [
    "aws s3api put-object",
    `--bucket ${platform.bucket}`,
    `--key "${key}"`,
    '--body "$FILE"',
    "--server-side-encryption aws:kms",
    `--ssekms-key-id ${platform.kmsKeyArn}`,
    `--tagging "${RETENTION_TAG}=${tier}"`,
  ].join(" ");
}

/** The stamp the restore library parses (tiers/backups.ts backupStamp), from the shell. */
const STAMP = 'STAMP="$(date -u +%Y-%m-%dT%H-%M-%S-000Z)"';

/**
 * The tenant's scheduled backups: a logical dump of its 11 databases and an export of its vhost's
 * definitions at the tier's frequency, into its own prefix of the platform's backup bucket, written
 * with a per-tenant IAM role (IRSA) that can reach only that prefix. The jobs run in the platform's
 * backup namespace: Standard's 15 pods are exactly its 15 service pods, so a backup pod cannot fit
 * the tenant's quota, and the jobs use the platform's backup accounts, not the tenant's.
 * Point-in-time recovery (Business) adds the server's binlog position to each dump; the binary logs
 * themselves are server-wide and archived by the platform (automation/binlogArchive.ts).
 */
export class TenantBackups extends pulumi.ComponentResource {
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: TenantBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:tenant:TenantBackups", name, {}, opts);
    const { identity, tier, platform } = args;
    const tenantId = identity.tenantId;
    const labels = tenantLabels(identity);
    const serviceAccount = `backup-${tenantId}`;
    const prefix = tenantBackupPrefix(tenantId);

    const role = new aws.Role(
      `${name}-role`,
      {
        name: `cv-backup-${tenantId}`,
        description: `Backups of tenant ${tenantId}: its prefix of ${platform.bucket} only`,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Federated: platform.oidcProviderArn },
              Action: "sts:AssumeRoleWithWebIdentity",
              Condition: { StringEquals: { [`${platform.oidcIssuer}:sub`]: `system:serviceaccount:${platform.namespace}:${serviceAccount}` } },
            },
          ],
        }),
        tags: { tenant: tenantId, tier: identity.tier },
      },
      { parent: this },
    );
    new aws.RolePolicy(`${name}-policy`, { role: role.id, policy: JSON.stringify(backupPolicyDocument(platform, tenantId)) }, { parent: this });

    const account = new core.ServiceAccount(
      `${name}-service-account`,
      {
        metadata: { name: serviceAccount, namespace: platform.namespace, labels, annotations: { "eks.amazonaws.com/role-arn": role.arn } },
        automountServiceAccountToken: false,
      },
      { parent: this },
    );

    const pitr = tier.backups.pointInTimeRecovery;
    const databases = DATABASE_SERVICES.map((s) => databaseName(tenantId, s.name));
    const dump = [
      "set -eu",
      STAMP,
      'FILE="/work/dump.sql"',
      [
        'mysqldump -h "$MYSQL_HOST" -P "$MYSQL_PORT" -u "$MYSQL_USER"',
        "--single-transaction --routines --triggers",
        ...(pitr ? ["--master-data=2"] : []),
        `--databases ${databases.join(" ")}`,
        '> "$FILE"',
      ].join(" "),
      upload(platform, identity.tier, `${dumpPrefix(tenantId)}$STAMP.sql`),
    ].join("\n");
    const vhost = encodeURIComponent(rabbitVhost(tenantId));
    const definitions = [
      "set -eu",
      STAMP,
      'FILE="/work/definitions.json"',
      `curl -fsS -u "$RABBITMQ_USER:$RABBITMQ_PASSWORD" -o "$FILE" "${args.rabbitmqManagementUrl}/api/definitions/${vhost}"`,
      upload(platform, identity.tier, `${definitionsPrefix(tenantId)}$STAMP.json`),
    ].join("\n");

    const job = (suffix: string, script: string, env: inputs.core.v1.EnvVar[], secret: string) =>
      new batch.CronJob(
        `${name}-${suffix}`,
        {
          metadata: { name: `${tenantId}-${suffix}`, namespace: platform.namespace, labels },
          spec: {
            schedule: tier.backups.dumpSchedule,
            timeZone: "Etc/UTC",
            concurrencyPolicy: "Forbid",
            successfulJobsHistoryLimit: 1,
            failedJobsHistoryLimit: 3,
            jobTemplate: {
              spec: {
                backoffLimit: 2,
                activeDeadlineSeconds: 3600,
                template: {
                  metadata: { labels },
                  spec: {
                    serviceAccountName: serviceAccount,
                    automountServiceAccountToken: true, // the IRSA web-identity token
                    restartPolicy: "Never",
                    securityContext: POD_SECURITY_CONTEXT,
                    containers: [
                      {
                        name: suffix,
                        image: platform.image,
                        command: ["/bin/sh", "-c", script],
                        env: [...env, { name: "AWS_REGION", value: platform.region }],
                        envFrom: [{ secretRef: { name: secret } }],
                        resources: containerResources(BACKUP_JOB_RESOURCES),
                        securityContext: CONTAINER_SECURITY_CONTEXT,
                        volumeMounts: [{ name: "work", mountPath: "/work" }],
                      },
                    ],
                    volumes: [{ name: "work", emptyDir: { sizeLimit: "20Gi" } }],
                  },
                },
              },
            },
          },
        },
        { parent: this, dependsOn: [account] },
      );
    job(
      "database-dump",
      dump,
      [
        { name: "MYSQL_HOST", value: args.mysql.host },
        { name: "MYSQL_PORT", value: String(args.mysql.port) },
      ],
      platform.mysqlSecret,
    );
    job("rabbitmq-definitions", definitions, [], platform.rabbitmqSecret);

    this.roleArn = role.arn;
    this.registerOutputs({ roleArn: this.roleArn, prefix });
  }
}

/** The tenant role's policy: read and write its own prefix, list only that prefix, use the bucket's key. */
export function backupPolicyDocument(platform: Pick<BackupPlatformArgs, "bucket" | "kmsKeyArn">, tenantId: string): object {
  const prefix = tenantBackupPrefix(tenantId);
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:PutObject", "s3:PutObjectTagging", "s3:GetObject"], Resource: [`arn:aws:s3:::${platform.bucket}/${prefix}*`] },
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [`arn:aws:s3:::${platform.bucket}`], Condition: { StringLike: { "s3:prefix": [`${prefix}*`] } } },
      { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: [platform.kmsKeyArn] },
    ],
  };
}

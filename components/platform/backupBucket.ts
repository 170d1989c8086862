import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import * as s3 from "@pulumi/aws/s3";
import * as batch from "@pulumi/kubernetes/batch/v1";
import * as core from "@pulumi/kubernetes/core/v1";
import * as networking from "@pulumi/kubernetes/networking/v1";
import * as rbac from "@pulumi/kubernetes/rbac/v1";
import * as pulumi from "@pulumi/pulumi";
import { serviceAccountTrustPolicy } from "../shared/serviceAccountTrust";
import {
  BACKUP_JOB_RESOURCES,
  backupRetentionDays,
  BINLOG_ARCHIVE_SCHEDULE,
  BINLOG_PREFIX,
  BINLOG_RETENTION_DAYS,
  binlogMarkerKey,
  binlogPrefix,
  DATABASE_NAMESPACE_PREFIX,
  dedicatedBinlogServer,
  getTier,
  retentionTag,
  retentionTagging,
  sharedBinlogServerProblem,
  TIER_NAMES,
  TenantRequestError,
  type TierName,
} from "../../tiers";
import { jobNamespace } from "./platformNamespace";
import { dedicatedClusterHost, ROUTER_PORT } from "../data/dedicatedMysqlCluster";
import { LABEL } from "../shared/labels";
import { CONTAINER_SECURITY_CONTEXT, containerResources, POD_SECURITY_CONTEXT } from "../tenant/microservice";
import { BACKUP_PLAN_LABEL, BACKUP_RUNNER } from "../operations/tenantBackups";
import { statefulOptions } from "../shared/statefulOptions";

export interface BackupBucketArgs {
  /** Bucket name (the tenants' `platform.backups.bucket`). */
  readonly bucket: string;
  /** Namespace the backup runners run in (the tenants' `platform.backups.namespace`). */
  readonly namespace: string;
  /** Image with the MySQL client tools, kubectl, jq, curl and the AWS CLI. */
  readonly image: string;
  /** Secrets in `namespace` with the platform's backup accounts: MYSQL_USER/MYSQL_PWD and RABBITMQ_USER/RABBITMQ_PASSWORD. */
  readonly mysqlSecret: string;
  readonly rabbitmqSecret: string;
  /** The shared MySQL server whose binary logs the archiver ships every minute (BINLOG_ARCHIVE_SCHEDULE). */
  readonly binlogArchive: BinlogArchiveArgs;
}

export interface BinlogArchiveArgs {
  /** The shared server's archive name: its logs go to `binlogs/<server>/` (sharedBinlogServerProblem). */
  readonly server: string;
  /** Its endpoint; `namespace` or `cidr` is where the archiver's egress may go. */
  readonly mysql: { readonly host: string; readonly port: number } & (
    { readonly namespace: string } | { readonly cidr: string }
  );
  /** IAM OIDC provider of the cluster (IRSA) and its issuer host/path, for the archiver's role. */
  readonly oidcProviderArn: pulumi.Input<string>;
  readonly oidcIssuer: pulumi.Input<string>;
}

/** The archiver's ServiceAccount, the only identity its IAM role trusts. */
export const BINLOG_ARCHIVER = "binlog-archiver";

export interface LifecycleRule {
  readonly id: string;
  readonly status: "Enabled";
  readonly filter: {
    readonly tag?: { readonly key: string; readonly value: string };
    readonly prefix?: string;
  };
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
  const common = {
    status: "Enabled",
    noncurrentVersionExpiration: { noncurrentDays: 1 },
    abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
  } as const;
  return [
    ...TIER_NAMES.map((tier) => ({
      id: `${tier}-backups`,
      filter: { tag: retentionTag(tier) },
      expiration: { days: backupRetentionDays(tier) },
      ...common,
    })),
    {
      id: "binlogs",
      filter: { prefix: BINLOG_PREFIX },
      expiration: { days: BINLOG_RETENTION_DAYS },
      ...common,
    },
  ];
}

/**
 * The runner of one tier: for each tenant plan labelled with the tier, assume that tenant's role
 * (web identity of the runner's ServiceAccount: each upload can reach only that tenant's prefix),
 * dump its databases and export its vhost's definitions into its prefix, encrypted, tagged with the
 * tier's retention. One tenant's failure does not stop the others; the job fails if any failed.
 */
export function runnerScript(tier: TierName, bucket: string): string {
  const put = (key: string) =>
    `aws s3api put-object --bucket ${bucket} --key "${key}" --body "$FILE" --server-side-encryption aws:kms --ssekms-key-id "$KMS_KEY_ARN" --tagging "${retentionTagging(tier)}" >/dev/null`;
  return [
    "set -u",
    // The pod's scratch volume (WORK_DIR elsewhere, e.g. a test's directory).
    'cd "${WORK_DIR:-/work}"',
    "failed=0",
    // No pipe: sh has no pipefail, and a failed listing must not pass for "no plans".
    `kubectl get configmaps --all-namespaces -l ${BACKUP_PLAN_LABEL}=${tier} -o json > plans.json || { echo "listing the backup plans failed" >&2; exit 1; }`,
    "jq -c '.items[].data' plans.json > plans",
    "while read -r plan; do",
    '  v() { printf "%s" "$plan" | jq -r ".$1"; }',
    "  (",
    "    set -e",
    '    creds="$(aws sts assume-role-with-web-identity --role-arn "$(v ROLE_ARN)" --role-session-name "backup-$(v TENANT)" --web-identity-token "$(cat "$AWS_WEB_IDENTITY_TOKEN_FILE")" --query Credentials --output json)"',
    '    export AWS_ACCESS_KEY_ID="$(printf "%s" "$creds" | jq -r .AccessKeyId)" AWS_SECRET_ACCESS_KEY="$(printf "%s" "$creds" | jq -r .SecretAccessKey)" AWS_SESSION_TOKEN="$(printf "%s" "$creds" | jq -r .SessionToken)"',
    '    STAMP="$(date -u +%Y-%m-%dT%H-%M-%S-000Z)"',
    "    FILE=dump.sql",
    '    mysqldump -h "$(v MYSQL_HOST)" -P "$(v MYSQL_PORT)" -u "$MYSQL_USER" --single-transaction --routines --triggers $(v DUMP_OPTIONS) --databases $(v DATABASES) > "$FILE"',
    `    ${put("$(v DUMP_PREFIX)$STAMP.sql")}`,
    "    FILE=definitions.json",
    '    curl -fsS -u "$RABBITMQ_USER:$RABBITMQ_PASSWORD" -o "$FILE" "$(v DEFINITIONS_URL)"',
    `    ${put("$(v DEFINITIONS_PREFIX)$STAMP.json")}`,
    // Not `( ... ) || ...`: on the left of `||` the subshell's `set -e` is ignored and a failed step passes.
    "  )",
    '  [ $? -eq 0 ] || { echo "backup of $(v TENANT) failed" >&2; failed=1; }',
    "  rm -f dump.sql definitions.json",
    "done < plans",
    'exit "$failed"',
  ].join("\n");
}

/**
 * The binlog archiver (automation/binlogArchive.ts's algorithm, in the runners' shell): for the
 * shared server, then each dedicated cluster (every namespace labelled as a tenant's database, its
 * archive name and router host derived from the namespace name, never from data a tenant writes),
 * ship the closed logs not yet archived and the active one, then the marker with the time the run
 * started: every event committed before it is in the bucket. One server's failure does not stop
 * the others; the job fails if any failed.
 */
export function binlogArchiveScript(
  bucket: string,
  shared: Pick<BinlogArchiveArgs, "server" | "mysql">,
): string {
  const put = (key: string, body: string) =>
    `aws s3api put-object --bucket ${bucket} --key "${key}" --body "${body}" --server-side-encryption aws:kms --ssekms-key-id "$KMS_KEY_ARN" >/dev/null`;
  const prefix = binlogPrefix("$server");
  return [
    "set -u",
    // The pod's scratch volume (WORK_DIR elsewhere, e.g. a test's directory).
    'cd "${WORK_DIR:-/work}"',
    "failed=0",
    "archive() {",
    '  server="$1" host="$2" port="$3"',
    "  (",
    "    set -e",
    "    date -u +%Y-%m-%dT%H:%M:%SZ > started",
    // No pipes: sh has no pipefail, and a failed listing must not pass for an empty one.
    '    mysql -h "$host" -P "$port" -u "$MYSQL_USER" -N -B -e "SHOW BINARY LOGS" > logs',
    `    aws s3api list-objects-v2 --bucket ${bucket} --prefix "${prefix}" --query "Contents[].[Key,Size]" --output json > archived.json`,
    `    jq -r '.[]? | "\\(.[0]) \\(.[1])"' archived.json > archived`,
    '    active="$(tail -n 1 logs | cut -f1)"',
    // A closed log is shipped unless the archive holds it whole: one shipped while active grew before it closed.
    "    while read -r log size _; do",
    `      if [ "$log" != "$active" ] && grep -qxF "${prefix}$log $size" archived; then continue; fi`,
    '      mysqlbinlog --read-from-remote-server -h "$host" -P "$port" -u "$MYSQL_USER" --raw --result-file=./ "$log"',
    `      ${put(`${prefix}$log`, "$log")}`,
    '      rm -f "$log"',
    "    done < logs",
    `    ${put(binlogMarkerKey("$server"), "started")}`,
    "  )",
    '  [ $? -eq 0 ] || { echo "binlog archive of $server failed" >&2; failed=1; }',
    "}",
    `archive "${shared.server}" "${shared.mysql.host}" "${shared.mysql.port}"`,
    `kubectl get namespaces -l ${LABEL.namespaceType}=database -o json > namespaces.json || { echo "listing the dedicated clusters failed" >&2; failed=1; echo "{}" > namespaces.json; }`,
    `jq -r '.items[]?.metadata.name | select(startswith("${DATABASE_NAMESPACE_PREFIX}"))' namespaces.json > dedicated`,
    "while read -r ns; do",
    `  archive "${dedicatedBinlogServer(`\${ns#${DATABASE_NAMESPACE_PREFIX}}`)}" "${dedicatedClusterHost("$ns")}" ${ROUTER_PORT} < /dev/null`,
    "done < dedicated",
    'exit "$failed"',
  ].join("\n");
}

/** The archiver role's policy: write and list `binlogs/` only (no tenant prefix), use the bucket's key. */
export function binlogArchivePolicyDocument(bucket: string, kmsKeyArn: string): iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:PutObject"], Resource: [`arn:aws:s3:::${bucket}/${BINLOG_PREFIX}*`] },
      {
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: [`arn:aws:s3:::${bucket}`],
        Condition: { StringLike: { "s3:prefix": [`${BINLOG_PREFIX}*`] } },
      },
      { Effect: "Allow", Action: ["kms:GenerateDataKey"], Resource: [kmsKeyArn] },
    ],
  };
}

/** Labels of everything in the runners' namespace. */
const RUNNER_LABELS: Record<string, string> = {
  "app.kubernetes.io/part-of": "collect-verything",
  "app.kubernetes.io/managed-by": "pulumi",
};

/**
 * The platform's backup bucket, off the cluster: encrypted with its own KMS key (rotated), no public
 * access, versioned (an overwritten or deleted backup survives a day), retention by lifecycle rules;
 * and the namespace of the backup runners (one CronJob per tier at its frequency), with a quota of
 * its own. Bucket and key are protected.
 */
export class BackupBucket extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly kmsKeyArn: pulumi.Output<string>;

  constructor(name: string, args: BackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    const serverProblem = sharedBinlogServerProblem(args.binlogArchive.server);
    if (serverProblem)
      throw new TenantRequestError([{ field: "binlogArchive.server", message: serverProblem }]);
    super("collect-verything:platform:BackupBucket", name, {}, opts);
    const { key, bucket } = this.encryptedBucket(name, args);
    const namespace = this.runnerNamespace(name, args);
    this.tierRunners(name, args, key.arn, namespace);
    this.binlogArchiver(name, args, key.arn, namespace);
    this.bucketName = bucket.bucket;
    this.kmsKeyArn = key.arn;
    this.registerOutputs({ bucketName: this.bucketName, kmsKeyArn: this.kmsKeyArn });
  }

  /** The bucket and its key (both protected), public access blocked, versioned, retention by lifecycle rules. */
  private encryptedBucket(name: string, args: BackupBucketArgs): { key: kms.Key; bucket: s3.Bucket } {
    const key = new kms.Key(
      `${name}-key`,
      { description: `Encrypts ${args.bucket}`, enableKeyRotation: true, deletionWindowInDays: 30 },
      { parent: this, ...statefulOptions("protected") },
    );
    const bucket = new s3.Bucket(
      `${name}-bucket`,
      { bucket: args.bucket, forceDestroy: false },
      { parent: this, ...statefulOptions("retained") },
    );
    const inBucket = { parent: this, dependsOn: [bucket] };
    new s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      inBucket,
    );
    new s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucket.id,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn },
            bucketKeyEnabled: true,
          },
        ],
      },
      inBucket,
    );
    const versioning = new s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      inBucket,
    );
    new s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      { bucket: bucket.id, rules: backupLifecycleRules() },
      { parent: this, dependsOn: [versioning] },
    );

    return { key, bucket };
  }

  /** The runners' namespace (restricted pod security) and its quota: every job at once, one of each. */
  private runnerNamespace(name: string, args: BackupBucketArgs): core.Namespace {
    // One runner per tier and the binlog archiver, never two of one at once (concurrencyPolicy Forbid).
    const quota = { name: "backup-jobs", pods: TIER_NAMES.length + 1, each: BACKUP_JOB_RESOURCES };
    return jobNamespace(name, { namespace: args.namespace, labels: RUNNER_LABELS, quota }, this);
  }

  /** The runner identity, its read access to the tenants' backup plans, and one CronJob per tier. */
  private tierRunners(
    name: string,
    args: BackupBucketArgs,
    kmsKeyArn: pulumi.Output<string>,
    namespace: core.Namespace,
  ): void {
    const labels = RUNNER_LABELS;
    const inNamespace = { parent: this, dependsOn: [namespace] };
    const account = new core.ServiceAccount(
      `${name}-runner`,
      { metadata: { name: BACKUP_RUNNER, namespace: args.namespace, labels } },
      inNamespace,
    );
    // Reads the tenants' backup plans (ConfigMaps hold no secrets: the policy pack refuses them).
    const reader = new rbac.ClusterRole(
      `${name}-plan-reader`,
      {
        metadata: { name: "tenant-backup-plan-reader", labels },
        rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["list"] }],
      },
      { parent: this },
    );
    new rbac.ClusterRoleBinding(
      `${name}-plan-reader`,
      {
        metadata: { name: "tenant-backup-plan-reader", labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: reader.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: BACKUP_RUNNER, namespace: args.namespace }],
      },
      { parent: this },
    );
    for (const tier of TIER_NAMES) this.tierRunner(name, tier, args, kmsKeyArn, [namespace, account]);
  }

  /** One tier's runner: at the tier's dump schedule, never two at once. */
  private tierRunner(
    name: string,
    tier: TierName,
    args: BackupBucketArgs,
    kmsKeyArn: pulumi.Output<string>,
    dependsOn: pulumi.Resource[],
  ): void {
    const labels = RUNNER_LABELS;
    new batch.CronJob(
      `${name}-${tier}`,
      {
        metadata: { name: `backup-${tier}`, namespace: args.namespace, labels },
        spec: {
          schedule: getTier(tier).backups.dumpSchedule,
          timeZone: "Etc/UTC",
          concurrencyPolicy: "Forbid",
          successfulJobsHistoryLimit: 1,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            spec: {
              backoffLimit: 1,
              activeDeadlineSeconds: 3 * 3600,
              template: {
                metadata: { labels },
                spec: {
                  serviceAccountName: BACKUP_RUNNER,
                  restartPolicy: "Never",
                  securityContext: POD_SECURITY_CONTEXT,
                  containers: [
                    {
                      name: "backup",
                      image: args.image,
                      command: ["/bin/sh", "-c", runnerScript(tier, args.bucket)],
                      env: [{ name: "KMS_KEY_ARN", value: kmsKeyArn }],
                      envFrom: [
                        { secretRef: { name: args.mysqlSecret } },
                        { secretRef: { name: args.rabbitmqSecret } },
                      ],
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
      { parent: this, dependsOn },
    );
  }

  /**
   * The binlog archiver: every minute, one pod at most (Forbid), with its own IAM role (IRSA,
   * `binlogs/` only), the platform's MySQL backup account, read access to the namespace list (to
   * find the dedicated clusters), and egress only to DNS, the MySQL servers and HTTPS (S3, STS and
   * the Kubernetes API).
   */
  private binlogArchiver(
    name: string,
    args: BackupBucketArgs,
    kmsKeyArn: pulumi.Output<string>,
    namespace: core.Namespace,
  ): void {
    const account = this.binlogArchiverIdentity(name, args, kmsKeyArn, namespace);
    this.binlogArchiverEgress(name, args, namespace);
    this.binlogArchiveJob(name, args, kmsKeyArn, [namespace, account]);
  }

  /** The archiver's IAM role (IRSA, `binlogs/` only), its ServiceAccount, and read access to the namespace list. */
  private binlogArchiverIdentity(
    name: string,
    args: BackupBucketArgs,
    kmsKeyArn: pulumi.Output<string>,
    namespace: core.Namespace,
  ): core.ServiceAccount {
    const archive = args.binlogArchive;
    const labels = RUNNER_LABELS;
    const role = new iam.Role(
      `${name}-binlog-archiver`,
      {
        name: "cv-binlog-archiver",
        description: `Ships MySQL binary logs to ${args.bucket}/${BINLOG_PREFIX} only`,
        assumeRolePolicy: serviceAccountTrustPolicy({
          oidcProviderArn: archive.oidcProviderArn,
          oidcIssuer: archive.oidcIssuer,
          namespace: args.namespace,
          serviceAccount: BINLOG_ARCHIVER,
        }),
      },
      { parent: this },
    );
    new iam.RolePolicy(
      `${name}-binlog-archiver`,
      {
        role: role.id,
        policy: kmsKeyArn.apply((arn) => JSON.stringify(binlogArchivePolicyDocument(args.bucket, arn))),
      },
      { parent: this },
    );
    const account = new core.ServiceAccount(
      `${name}-binlog-archiver`,
      {
        metadata: {
          name: BINLOG_ARCHIVER,
          namespace: args.namespace,
          labels,
          annotations: { "eks.amazonaws.com/role-arn": role.arn },
        },
      },
      { parent: this, dependsOn: [namespace] },
    );
    const reader = new rbac.ClusterRole(
      `${name}-binlog-source-reader`,
      {
        metadata: { name: "binlog-source-reader", labels },
        rules: [{ apiGroups: [""], resources: ["namespaces"], verbs: ["list"] }],
      },
      { parent: this },
    );
    new rbac.ClusterRoleBinding(
      `${name}-binlog-source-reader`,
      {
        metadata: { name: "binlog-source-reader", labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: reader.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: BINLOG_ARCHIVER, namespace: args.namespace }],
      },
      { parent: this },
    );
    return account;
  }

  /** The archiver's egress: DNS, the MySQL servers (shared and dedicated) and HTTPS (S3, STS, the Kubernetes API). */
  private binlogArchiverEgress(name: string, args: BackupBucketArgs, namespace: core.Namespace): void {
    const archive = args.binlogArchive;
    const labels = RUNNER_LABELS;
    const mysqlPeer =
      "namespace" in archive.mysql
        ? { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": archive.mysql.namespace } } }
        : { ipBlock: { cidr: archive.mysql.cidr } };
    new networking.NetworkPolicy(
      `${name}-binlog-archiver`,
      {
        metadata: { name: BINLOG_ARCHIVER, namespace: args.namespace, labels },
        spec: {
          podSelector: { matchLabels: { "app.kubernetes.io/name": BINLOG_ARCHIVER } },
          policyTypes: ["Ingress", "Egress"],
          egress: [
            {
              to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }],
              ports: [
                { protocol: "UDP", port: 53 },
                { protocol: "TCP", port: 53 },
              ],
            },
            { to: [mysqlPeer], ports: [{ protocol: "TCP", port: archive.mysql.port }] },
            {
              to: [{ namespaceSelector: { matchLabels: { [LABEL.namespaceType]: "database" } } }],
              ports: [{ protocol: "TCP", port: ROUTER_PORT }],
            },
            {
              ports: [
                { protocol: "TCP", port: 443 },
                { protocol: "TCP", port: 6443 },
              ],
            },
          ],
        },
      },
      { parent: this, dependsOn: [namespace] },
    );
  }

  /** The archive CronJob: every minute, one pod at most, with the platform's MySQL backup account. */
  private binlogArchiveJob(
    name: string,
    args: BackupBucketArgs,
    kmsKeyArn: pulumi.Output<string>,
    dependsOn: pulumi.Resource[],
  ): void {
    const labels = RUNNER_LABELS;
    const podLabels = { ...labels, "app.kubernetes.io/name": BINLOG_ARCHIVER };
    const secretEnv = (envName: string, key: string) => ({
      name: envName,
      valueFrom: { secretKeyRef: { name: args.mysqlSecret, key } },
    });
    new batch.CronJob(
      `${name}-binlog-archive`,
      {
        metadata: { name: "binlog-archive", namespace: args.namespace, labels },
        spec: {
          schedule: BINLOG_ARCHIVE_SCHEDULE,
          timeZone: "Etc/UTC",
          concurrencyPolicy: "Forbid",
          // A missed minute is caught up by the next run (it ships every log not yet archived).
          startingDeadlineSeconds: 50,
          successfulJobsHistoryLimit: 1,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            spec: {
              backoffLimit: 0,
              activeDeadlineSeconds: 3600,
              template: {
                metadata: { labels: podLabels },
                spec: {
                  serviceAccountName: BINLOG_ARCHIVER,
                  restartPolicy: "Never",
                  securityContext: POD_SECURITY_CONTEXT,
                  containers: [
                    {
                      name: "archive",
                      image: args.image,
                      command: ["/bin/sh", "-c", binlogArchiveScript(args.bucket, args.binlogArchive)],
                      env: [
                        { name: "KMS_KEY_ARN", value: kmsKeyArn },
                        secretEnv("MYSQL_USER", "MYSQL_USER"),
                        secretEnv("MYSQL_PWD", "MYSQL_PWD"),
                      ],
                      resources: containerResources(BACKUP_JOB_RESOURCES),
                      securityContext: CONTAINER_SECURITY_CONTEXT,
                      volumeMounts: [{ name: "work", mountPath: "/work" }],
                    },
                  ],
                  // A binary log is at most max_binlog_size (1 GiB by default); one is on disk at a time.
                  volumes: [{ name: "work", emptyDir: { sizeLimit: "4Gi" } }],
                },
              },
            },
          },
        },
      },
      { parent: this, dependsOn },
    );
  }
}

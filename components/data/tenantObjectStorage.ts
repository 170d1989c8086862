import * as core from "@pulumi/kubernetes/core/v1";
import { IamPolicy } from "@pulumi/minio/iamPolicy";
import { IamUser } from "@pulumi/minio/iamUser";
import { IamUserPolicyAttachment } from "@pulumi/minio/iamUserPolicyAttachment";
import { IlmPolicy } from "@pulumi/minio/ilmPolicy";
import { S3Bucket } from "@pulumi/minio/s3bucket";
import { S3BucketVersioning } from "@pulumi/minio/s3bucketVersioning";
import { Provider as MinioProvider } from "@pulumi/minio/provider";
import type { PolicyDocument } from "@pulumi/aws/iam";
import * as pulumi from "@pulumi/pulumi";
import { RandomPassword } from "@pulumi/random/randomPassword";
import {
  BUCKET_NAMES,
  bucketName,
  objectStorageReplicator,
  objectStorageUser,
  replicatesAcrossRegions,
  uploadRules,
  type BucketName,
  type EffectiveProfile,
} from "../../tiers";
import { OBJECT_STORAGE_SECRET, UPLOAD_RULES_CONFIGMAP } from "../shared/contracts";
import { tenantLabels, type TenantIdentity } from "../shared/labels";
import { statefulOptions } from "../shared/statefulOptions";

export interface ObjectStorageServer {
  /** host:port of the S3 API. */
  readonly endpoint: string;
  readonly ssl: boolean;
  /** Admin account the provider uses; the password is made secret here. */
  readonly admin: { readonly user: string; readonly password: pulumi.Input<string> };
}

export interface TenantObjectStorageArgs {
  readonly identity: TenantIdentity;
  readonly profile: EffectiveProfile;
  /** Namespace of the services, where the credentials Secret and upload rules go. */
  readonly namespace: string;
  readonly server: ObjectStorageServer;
  /** Resources that must exist before the Secret and ConfigMap (the namespace). Default none. */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * MinIO reads AWS's policy language; documents are typed as AWS's (`aws.iam.PolicyDocument`) and
 * serialized for MinIO, whose provider takes a string.
 */
const minioPolicy = (document: PolicyDocument): string => JSON.stringify(document);

/** The IAM policy of a tenant: its own buckets and their objects, nothing else. */
export function bucketPolicyDocument(buckets: readonly string[]): string {
  return minioPolicy({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["s3:ListBucket", "s3:GetBucketLocation"],
        Resource: buckets.map((b) => `arn:aws:s3:::${b}`),
      },
      {
        Effect: "Allow",
        Action: [
          "s3:GetObject",
          "s3:PutObject",
          "s3:DeleteObject",
          "s3:AbortMultipartUpload",
          "s3:ListMultipartUploadParts",
        ],
        Resource: buckets.map((b) => `arn:aws:s3:::${b}/*`),
      },
    ],
  });
}

const bucketArns = (buckets: readonly string[]): string[] => buckets.map((b) => `arn:aws:s3:::${b}`);
const objectArns = (buckets: readonly string[]): string[] => buckets.map((b) => `arn:aws:s3:::${b}/*`);

/** MinIO's bucket-target admin actions: `mc replicate add/update/rm` registers the remote bucket with them. */
export const BUCKET_TARGET_ACTIONS = ["admin:SetBucketTarget", "admin:GetBucketTarget"] as const;
/** Bucket-level actions: configuring the rules (source) and the checks a source makes on its target. */
export const REPLICATION_BUCKET_ACTIONS = [
  "s3:GetReplicationConfiguration",
  "s3:PutReplicationConfiguration",
  "s3:GetBucketVersioning",
  "s3:GetBucketLocation",
  "s3:GetBucketObjectLockConfiguration",
  "s3:GetEncryptionConfiguration",
  "s3:ListBucket",
  "s3:ListBucketMultipartUploads",
] as const;
/** Object-level actions a source server uses on its target to write, delete and tag replicas. */
export const REPLICATION_OBJECT_ACTIONS = [
  "s3:ReplicateObject",
  "s3:ReplicateDelete",
  "s3:ReplicateTags",
  "s3:GetObject",
  "s3:GetObjectVersion",
  "s3:GetObjectVersionTagging",
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:AbortMultipartUpload",
] as const;

/**
 * The replicator's policy (MinIO's ReplicationAdminPolicy and ReplicationRemoteUserPolicy, cut to
 * the tenant's buckets; the batch-job and object-lock retention actions are left out: the buckets
 * have no object lock and no batch job runs). One user holds both sides because in active-active
 * every region is a source and a target. MinIO refuses admin and s3 actions in one statement.
 *
 * The admin statement names the tenant's buckets, but open-source MinIO checks
 * admin:SetBucketTarget and admin:GetBucketTarget without a bucket and ignores Resource on admin
 * statements (see docs/data-services.md, "Object storage across regions"): these two actions reach every bucket's
 * targets on that server. That is why they live on this user, whose credentials only the
 * replication Job and the other regions' MinIO servers hold, never on the services' user.
 */
export function replicationPolicyDocument(buckets: readonly string[]): string {
  return minioPolicy({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "BucketTargets",
        Effect: "Allow",
        Action: [...BUCKET_TARGET_ACTIONS],
        Resource: bucketArns(buckets),
      },
      {
        Sid: "ReplicationRules",
        Effect: "Allow",
        Action: [...REPLICATION_BUCKET_ACTIONS],
        Resource: bucketArns(buckets),
      },
      {
        Sid: "Replicas",
        Effect: "Allow",
        Action: [...REPLICATION_OBJECT_ACTIONS],
        Resource: objectArns(buckets),
      },
    ],
  });
}

/** A MinIO account as Pulumi secrets. */
export interface ObjectStorageCredentials {
  readonly accessKey: pulumi.Output<string>;
  readonly secretKey: pulumi.Output<string>;
}

/**
 * The tenant's three buckets with the tier's quotas (protected, retained), versioning and a
 * lifecycle for non-current versions where the tier has them, one IAM user whose policy reaches
 * only these buckets, its credentials Secret, and the per-bucket upload rules (maximum object
 * size, allowed types, presigned expiry) the services enforce, since MinIO cannot. Where the tier
 * replicates across regions, a second user, the replicator, whose credentials feed the
 * BucketReplication Jobs (components/data/bucketReplication.ts) and nothing else.
 */
export class TenantObjectStorage extends pulumi.ComponentResource {
  readonly buckets: Readonly<Record<BucketName, string>>;
  /** The replicator's credentials on this server (secrets), where the tier replicates across regions. */
  readonly replication?: ObjectStorageCredentials;

  constructor(name: string, args: TenantObjectStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:tenant:TenantObjectStorage", name, {}, opts);
    const { identity, profile, server } = args;
    const rules = uploadRules(profile.tier);
    const provider = new MinioProvider(
      `${name}-minio`,
      {
        minioServer: server.endpoint,
        minioSsl: server.ssl,
        minioUser: server.admin.user,
        minioPassword: pulumi.secret(server.admin.password),
      },
      { parent: this },
    );
    const inMinio: InMinio = { parent: this, provider };
    const names = Object.fromEntries(
      BUCKET_NAMES.map((b) => [b, bucketName(identity.tenantId, b)]),
    ) as Record<BucketName, string>;
    for (const b of BUCKET_NAMES)
      tenantBucket(`${name}-${b}`, names[b], rules[b].quotaBytes, profile, inMinio);

    const accessKey = objectStorageUser(identity.tenantId);
    const services = minioAccount(
      { key: `${name}-secret-key`, user: `${name}-user`, policy: `${name}-policy` },
      {
        name: accessKey,
        policyName: `${accessKey}-buckets`,
        policy: bucketPolicyDocument(Object.values(names)),
      },
      inMinio,
    );
    this.serviceConfiguration(name, args, names, { accessKey, secretKey: services.secretKey });

    if (replicatesAcrossRegions(profile.tier)) {
      const replicator = objectStorageReplicator(identity.tenantId);
      const account = minioAccount(
        {
          key: `${name}-replicator-secret-key`,
          user: `${name}-replicator`,
          policy: `${name}-replicator-policy`,
        },
        { name: replicator, policyName: replicator, policy: replicationPolicyDocument(Object.values(names)) },
        inMinio,
      );
      this.replication = {
        accessKey: pulumi.secret(account.user.name),
        secretKey: pulumi.secret(account.secretKey),
      };
    }

    this.buckets = names;
    this.registerOutputs({
      buckets: this.buckets,
      ...(this.replication ? { replication: this.replication } : {}),
    });
  }

  /** What the services read: the credentials Secret (endpoint, keys, bucket names) and the upload rules. */
  private serviceConfiguration(
    name: string,
    args: TenantObjectStorageArgs,
    names: Readonly<Record<BucketName, string>>,
    credentials: { readonly accessKey: string; readonly secretKey: pulumi.Input<string> },
  ): void {
    const labels = tenantLabels(args.identity);
    const { server } = args;
    const rules = uploadRules(args.profile.tier);
    const inNamespace = { parent: this, dependsOn: args.dependsOn ?? [] };
    new core.Secret(
      `${name}-credentials`,
      {
        metadata: { name: OBJECT_STORAGE_SECRET, namespace: args.namespace, labels },
        type: "Opaque",
        stringData: {
          AWS_ENDPOINT: `${server.ssl ? "https" : "http"}://${server.endpoint}`,
          AWS_USE_PATH_STYLE_ENDPOINT: "true",
          AWS_ACCESS_KEY_ID: credentials.accessKey,
          AWS_SECRET_ACCESS_KEY: credentials.secretKey,
          AWS_BUCKET_PRODUCTS: names.products,
          AWS_BUCKET_SAV: names.sav,
          AWS_BUCKET_NEWSLETTERS: names.newsletters,
        },
      },
      inNamespace,
    );
    new core.ConfigMap(
      `${name}-upload-rules`,
      {
        metadata: { name: UPLOAD_RULES_CONFIGMAP, namespace: args.namespace, labels },
        data: Object.fromEntries(
          BUCKET_NAMES.map((b) => [
            `UPLOAD_RULES_${b.toUpperCase()}`,
            JSON.stringify({ bucket: names[b], ...rules[b] }),
          ]),
        ),
      },
      inNamespace,
    );
  }
}

interface InMinio {
  readonly parent: pulumi.Resource;
  readonly provider: MinioProvider;
}

/**
 * One bucket with its tier quota (protected and retained: it holds the tenant's files), and where
 * the tier has them, versioning and the expiry of non-current versions.
 */
function tenantBucket(
  resourceName: string,
  bucketName: string,
  quotaBytes: number,
  profile: EffectiveProfile,
  inMinio: InMinio,
): void {
  const storage = profile.tier.objectStorage;
  const bucket = new S3Bucket(
    resourceName,
    { bucket: bucketName, acl: "private", quota: quotaBytes, forceDestroy: false },
    { ...inMinio, ...statefulOptions("retained") },
  );
  if (!storage.versioning) return;
  const versioning = new S3BucketVersioning(
    `${resourceName}-versioning`,
    { bucket: bucket.bucket, versioningConfiguration: { status: "Enabled" } },
    inMinio,
  );
  if (storage.noncurrentVersionDays === undefined) return;
  new IlmPolicy(
    `${resourceName}-lifecycle`,
    {
      bucket: bucket.bucket,
      rules: [
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          noncurrentVersionExpirationDays: storage.noncurrentVersionDays,
        },
      ],
    },
    { ...inMinio, dependsOn: [versioning] },
  );
}

/** A MinIO user with a generated secret key and one policy attached: the policy is all it can do. */
function minioAccount(
  resourceNames: { readonly key: string; readonly user: string; readonly policy: string },
  account: { readonly name: string; readonly policyName: string; readonly policy: string },
  inMinio: InMinio,
): { readonly user: IamUser; readonly secretKey: pulumi.Output<string> } {
  const secretKey = new RandomPassword(
    resourceNames.key,
    { length: 40, special: false },
    { parent: inMinio.parent },
  ).result;
  const user = new IamUser(
    resourceNames.user,
    { name: account.name, secret: secretKey, forceDestroy: false },
    inMinio,
  );
  const policy = new IamPolicy(
    resourceNames.policy,
    { name: account.policyName, policy: account.policy },
    inMinio,
  );
  new IamUserPolicyAttachment(
    `${resourceNames.policy}-attachment`,
    { userName: user.name, policyName: policy.name },
    inMinio,
  );
  return { user, secretKey };
}

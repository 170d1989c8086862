/**
 * The erasers the environment names, for the operator CLI and the service alike: the tenants'
 * MySQL server (MYSQL_*, the server restores load into), the RabbitMQ management API
 * (RABBITMQ_MANAGEMENT_URL), the backup store (BACKUP_BUCKET, else BACKUP_DIR), and with
 * ERASE_VOLUMES=1 the released PersistentVolumes and their EBS volumes, and with
 * TENANT_OBJECT_STORE_ENDPOINT the tenant's own buckets (every object version and delete marker,
 * then the bucket), which the erasing destroy deletes too but does not verify object by object
 * (docs/tenant-lifecycle.md).
 */
import { readFileSync } from "node:fs";
import mysql from "mysql2/promise";
import type { BackupStoreChoice } from "../backupStore";
import type { RabbitManagement } from "../rabbitDefinitions";
import { DirectoryPrefixEraser } from "./directoryEraser";
import {
  credentialsFromKubeconfig,
  inClusterCredentials,
  kubernetesApi,
  type KubernetesCredentials,
} from "./kubernetesApi";
import { KubernetesVolumeEraser } from "./kubernetesVolumeEraser";
import { MysqlEraser } from "./mysqlEraser";
import type { ErasureSetup } from "./purge";
import { RabbitEraser } from "./rabbitEraser";
import type { Eraser } from "./report";
import { tenantBackupPrefixes, tenantBuckets } from "./targets";

export interface ErasureEnvironment {
  /** The tenants' MySQL server and an admin account; none: databases are left to the stack's destroy. */
  readonly mysql?: {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly password: string;
  };
  readonly rabbitmq?: RabbitManagement;
  readonly backups: BackupStoreChoice;
  readonly reportDir: string;
  /** The released volumes a `Retain` storage class keeps; none: not erased (the report says nothing of them). */
  readonly volumes?: VolumeErasure;
  /** The tenants' object store (MinIO) and an admin account; none: the buckets are left to the stack's destroy. */
  readonly objectStore?: ObjectStoreAccess;
}

/** An S3-compatible store and an account that may delete every tenant's buckets. */
export interface ObjectStoreAccess {
  /** Its S3 endpoint, e.g. `https://minio.minio.svc:9000`. */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/**
 * TENANT_OBJECT_STORE_ENDPOINT, with TENANT_OBJECT_STORE_ACCESS_KEY and _SECRET_KEY (the MinIO
 * admin account the tenant stacks' provider uses); an endpoint without both keys is refused.
 */
export function objectStoreFromEnv(env: NodeJS.ProcessEnv = process.env): ObjectStoreAccess | undefined {
  const endpoint = env["TENANT_OBJECT_STORE_ENDPOINT"];
  if (!endpoint) return undefined;
  const accessKeyId = env["TENANT_OBJECT_STORE_ACCESS_KEY"];
  const secretAccessKey = env["TENANT_OBJECT_STORE_SECRET_KEY"];
  if (!accessKeyId || !secretAccessKey)
    throw new Error(
      "TENANT_OBJECT_STORE_ENDPOINT needs TENANT_OBJECT_STORE_ACCESS_KEY and TENANT_OBJECT_STORE_SECRET_KEY",
    );
  if (!/^https?:\/\/[^/\s]+$/.test(endpoint))
    throw new Error(`TENANT_OBJECT_STORE_ENDPOINT must be http(s)://host[:port], not ${endpoint}`);
  return { endpoint, accessKeyId, secretAccessKey };
}

/** The tenant's own buckets, erased version by version on its object store. */
async function tenantBucketEraser(store: ObjectStoreAccess | undefined): Promise<Eraser[]> {
  if (!store) return [];
  const [{ S3Client }, { ObjectStoreEraser }] = await Promise.all([
    import("@aws-sdk/client-s3"),
    import("./objectStoreEraser"),
  ]);
  const client = new S3Client({
    endpoint: store.endpoint,
    // MinIO: path-style addressing; the region is a formality it ignores.
    forcePathStyle: true,
    region: "us-east-1",
    credentials: { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey },
  });
  return [new ObjectStoreEraser({ client, where: store.endpoint, targets: tenantBuckets })];
}

/** Where the tenant's released volumes are erased: the cluster's API, and EC2 for their disks. */
export interface VolumeErasure {
  readonly kubernetes: KubernetesCredentials;
  /** The EBS volumes' region; none: the disks are not erased. */
  readonly ebsRegion?: string;
}

/**
 * ERASE_VOLUMES=1: the cluster from KUBECONFIG (a file; its current context) or, without it, the
 * pod's service account; EBS in EBS_REGION, else AWS_REGION (credentials from the SDK's chain).
 */
export function volumeErasureFromEnv(env: NodeJS.ProcessEnv = process.env): VolumeErasure | undefined {
  if (env["ERASE_VOLUMES"] !== "1") return undefined;
  const kubeconfig = env["KUBECONFIG"];
  const kubernetes = kubeconfig
    ? credentialsFromKubeconfig(readFileSync(kubeconfig, "utf8"))
    : inClusterCredentials(env);
  const ebsRegion = env["EBS_REGION"] || env["AWS_REGION"];
  return { kubernetes, ...(ebsRegion ? { ebsRegion } : {}) };
}

/** The volume erasers: Kubernetes PersistentVolumes first, then the EBS volumes under them. */
async function volumeErasers(volumes: VolumeErasure | undefined): Promise<Eraser[]> {
  if (!volumes) return [];
  const erasers: Eraser[] = [new KubernetesVolumeEraser({ api: kubernetesApi(volumes.kubernetes) })];
  if (volumes.ebsRegion) {
    const { EC2Client } = await import("@aws-sdk/client-ec2");
    const { EbsVolumeEraser } = await import("./ebsVolumeEraser");
    erasers.push(
      new EbsVolumeEraser({
        client: new EC2Client({ region: volumes.ebsRegion }),
        where: `ec2:${volumes.ebsRegion}`,
      }),
    );
  }
  return erasers;
}

export async function erasureSetupFrom(env: ErasureEnvironment): Promise<ErasureSetup> {
  const erasers: Eraser[] = [];
  const server = env.mysql;
  if (server)
    erasers.push(
      new MysqlEraser({
        connect: () => mysql.createConnection(server),
        where: `${server.host}:${server.port}`,
      }),
    );
  if (env.rabbitmq) erasers.push(new RabbitEraser(env.rabbitmq));
  erasers.push(...(await volumeErasers(env.volumes)), ...(await tenantBucketEraser(env.objectStore)));
  let backups: (tenantId: string) => Eraser;
  const bucket = env.backups.bucket;
  if (bucket) {
    const [{ S3Client }, { ObjectStoreEraser }] = await Promise.all([
      import("@aws-sdk/client-s3"),
      import("./objectStoreEraser"),
    ]);
    const eraser = new ObjectStoreEraser({
      client: new S3Client({}),
      where: `s3://${bucket}`,
      targets: (tenantId) => tenantBackupPrefixes(tenantId, bucket),
    });
    backups = () => eraser;
  } else {
    const eraser = new DirectoryPrefixEraser(env.backups.dir);
    backups = () => eraser;
  }
  return { erasers: (tenantId) => [...erasers, backups(tenantId)], reportDir: env.reportDir };
}

/** `{ [key]: value }` when the value is set (exactOptionalPropertyTypes: never an explicit undefined). */
export const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };

import { createHash } from "node:crypto";
import * as batch from "@pulumi/kubernetes/batch/v1";
import * as core from "@pulumi/kubernetes/core/v1";
import * as networking from "@pulumi/kubernetes/networking/v1";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  priorityClassName,
  REPLICATE_OPTIONS,
  replicatesAcrossRegions,
  REPLICATION_JOB_RESOURCES,
  REPLICATION_RULE_PREFIX,
  replicationRuleId,
  replicationRulePriority,
  type TierDefinition,
} from "../../tiers";
import { tenantLabels, workloadSelector, type TenantIdentity } from "../shared/labels";
import { containerResources, CONTAINER_SECURITY_CONTEXT, POD_SECURITY_CONTEXT } from "../tenant/microservice";

/**
 * The MinIO client image, pinned (the last mc release, 2025-08-13). Override it per stack with
 * `image` (a mirror, or a newer release); it needs a POSIX shell, which minio/mc's ubi-micro base has.
 */
export const DEFAULT_MC_IMAGE = "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z";

/** mc's config directory, on the pod's scratch volume (the root filesystem is read-only). */
const MC_CONFIG_DIR = "/tmp/.mc";

/** Names of the objects in the tenant's core namespace. */
export const BUCKET_REPLICATION = "bucket-replication";
/** Annotation on the Job: the hash of what it applies; a different set of targets is a new Job. */
export const REPLICATION_TARGETS_ANNOTATION = "collect-verything.com/replication-targets";

export interface ReplicationCredentials {
  readonly accessKey: pulumi.Input<string>;
  readonly secretKey: pulumi.Input<string>;
}

/** One region's MinIO, as the replication Job reaches it. */
export interface ReplicationSource {
  readonly region: string;
  /** host:port of the region's S3 API. */
  readonly endpoint: string;
  /** TLS to the endpoint. Default true. */
  readonly secure?: boolean;
  /** The tenant's replicator on that server (TenantObjectStorage.replication). */
  readonly credentials: ReplicationCredentials;
}

export interface ReplicationTarget extends ReplicationSource {
  /** The region's VPC CIDR, where its MinIO answers: the Job's only cross-region egress (with the endpoint's port). */
  readonly cidr: string;
}

export interface BucketReplicationArgs {
  readonly identity: TenantIdentity;
  readonly tier: TierDefinition;
  /** The tenant's core namespace in the source region. */
  readonly namespace: string;
  /** The tenant's buckets (TenantObjectStorage.buckets): the same names in every region. */
  readonly buckets: readonly string[];
  /** This region: the Job configures its buckets' rules. */
  readonly source: ReplicationSource;
  /**
   * Every other region of the tenant. None is allowed: the Job then removes the rules it made
   * (a tenant back to one region stops replicating to the regions it left).
   */
  readonly targets: readonly ReplicationTarget[];
  /** Default DEFAULT_MC_IMAGE. */
  readonly image?: string;
  /**
   * A ConfigMap in `namespace` holding the CA that signed the MinIO servers' certificates, when it
   * is not a public one: mc trusts the PEM files of its config's certs/CAs directory. Default none.
   */
  readonly caBundle?: { readonly configMap: string; readonly key: string };
}

const REGION = /^[a-z][a-z0-9-]*[a-z0-9]$/;
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** mc alias of a region (MC_HOST_<alias>): mc takes [A-Za-z0-9_-], and a shell keeps only [A-Za-z0-9_] names. */
export const sourceAlias = "from";
export const targetAlias = (region: string): string => `to_${region.replace(/-/g, "_")}`;
export const hostVariable = (alias: string): string => `MC_HOST_${alias}`;

function portOf(endpoint: string, what: string): number {
  const m = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(endpoint);
  const port = m ? Number(m[2]) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new Error(`${what}: endpoint ${endpoint} must be host:port`);
  return port;
}

function cidrProblem(cidr: string): string | undefined {
  const m = IPV4_CIDR.exec(cidr);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) return "is not an IPv4 CIDR";
  // A region's VPC, never the whole internet: the pack refuses 0.0.0.0/0 anyway, a /8 or wider is a typo.
  if (Number(m[5]) < 8) return "is wider than a /8; give the region's VPC CIDR";
  return undefined;
}

/** Why these arguments cannot make a replication Job (empty when they can). */
export function bucketReplicationProblems(
  args: Pick<BucketReplicationArgs, "tier" | "buckets" | "source" | "targets" | "caBundle">,
): string[] {
  const problems: string[] = [];
  if (args.caBundle && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(args.caBundle.configMap))
    problems.push(`caBundle.configMap ${args.caBundle.configMap} is not a ConfigMap name`);
  if (!replicatesAcrossRegions(args.tier))
    problems.push(`${args.tier.displayName} does not replicate buckets across regions`);
  if (args.buckets.length === 0) problems.push("no bucket to replicate");
  const regions = [args.source, ...args.targets].map((t) => t.region);
  for (const r of regions)
    if (!REGION.test(r))
      problems.push(`region ${r} is not a region name (lowercase letters, digits and '-')`);
  const seen = new Set<string>();
  for (const r of regions) {
    if (seen.has(r))
      problems.push(
        r === args.source.region ? `region ${r} would replicate to itself` : `region ${r} is a target twice`,
      );
    seen.add(r);
  }
  for (const t of args.targets) {
    const problem = cidrProblem(t.cidr);
    if (problem) problems.push(`region ${t.region}: cidr ${t.cidr} ${problem}`);
  }
  for (const e of [args.source, ...args.targets]) {
    try {
      portOf(e.endpoint, `region ${e.region}`);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  const priorities = new Map<number, string>();
  for (const t of args.targets) {
    const p = replicationRulePriority(t.region);
    const other = priorities.get(p);
    if (other) problems.push(`regions ${other} and ${t.region} hash to the same rule priority ${p}`);
    priorities.set(p, t.region);
  }
  return problems;
}

const shellWord = (word: string): string => {
  // Every word the script interpolates is a bucket, an alias, a rule id or an option list: no quoting needed, and none allowed.
  if (!/^[A-Za-z0-9_.,:/-]+$/.test(word))
    throw new Error(`refusing to put ${JSON.stringify(word)} in the replication script`);
  return word;
};

/**
 * The Job's script: for each bucket, drop the Job's own rules (ids `cv-to-*`) to regions no
 * longer targeted, then for each target update its rule if the bucket has it (new credentials,
 * endpoint, options, priority) or add it. Rerunning it changes nothing; no rule is ever doubled
 * (mc also refuses a second rule with the same id). Credentials come only from MC_HOST_* in the
 * environment; the script has none. POSIX sh and mc only (the image has no grep or sed).
 */
export function replicationScript(buckets: readonly string[], targetRegions: readonly string[]): string {
  const options = shellWord(REPLICATE_OPTIONS.join(","));
  const wanted = targetRegions.map((r) => shellWord(replicationRuleId(r))).join(" ");
  const lines = [
    "set -eu",
    `for bucket in ${buckets.map(shellWord).join(" ")}; do`,
    `  rules=$(mc replicate export "${sourceAlias}/$bucket")`,
    `  printf '%s\\n' "$rules" | while IFS= read -r line; do`,
    `    case "$line" in`,
    `      *'"ID": "${REPLICATION_RULE_PREFIX}'*)`,
    `        id=\${line#*'"ID": "'}; id=\${id%%'"'*}`,
    `        case " ${wanted} " in *" $id "*) ;; *) mc replicate rm --id "$id" "${sourceAlias}/$bucket" ;; esac ;;`,
    "    esac",
    "  done",
    ...targetRegions.flatMap((region) => {
      const id = shellWord(replicationRuleId(region));
      const common = `"${sourceAlias}/$bucket" --id ${id} --remote-bucket "${shellWord(targetAlias(region))}/$bucket" --replicate ${options} --priority ${replicationRulePriority(region)}`;
      return [
        `  case "$rules" in`,
        `    *'"ID": "${id}"'*) mc replicate update ${common} ;;`,
        `    *) mc replicate add ${common} ;;`,
        "  esac",
      ];
    }),
    "done",
  ];
  return `${lines.join("\n")}\n`;
}

/** Deterministic hash of what the Job applies (never of credentials): its name changes with the set of targets. */
export function replicationSpecHash(
  args: Pick<BucketReplicationArgs, "buckets" | "source" | "targets" | "image">,
): string {
  const endpoint = (e: ReplicationSource) => ({
    region: e.region,
    endpoint: e.endpoint,
    secure: e.secure ?? true,
  });
  const spec = {
    source: endpoint(args.source),
    targets: [...args.targets]
      .sort((a, b) => a.region.localeCompare(b.region))
      .map((t) => ({ ...endpoint(t), cidr: t.cidr })),
    buckets: [...args.buckets].sort(),
    options: REPLICATE_OPTIONS,
    image: args.image ?? DEFAULT_MC_IMAGE,
  };
  return createHash("sha256").update(JSON.stringify(spec)).digest("hex").slice(0, 10);
}

/** An MC_HOST_ value: the endpoint with its credentials, percent-encoded (mc reads them with Go's url.User, which decodes). */
export function mcHostUrl(endpoint: string, secure: boolean, accessKey: string, secretKey: string): string {
  return `${secure ? "https" : "http"}://${encodeURIComponent(accessKey)}:${encodeURIComponent(secretKey)}@${endpoint}`;
}

const hostUrl = (e: ReplicationSource): pulumi.Output<string> =>
  pulumi.secret(
    pulumi
      .all([e.credentials.accessKey, e.credentials.secretKey])
      .apply(([a, s]) => mcHostUrl(e.endpoint, e.secure ?? true, a, s)),
  );

/**
 * Active-active replication of a tenant's buckets from one region to each of its other regions,
 * for the Business tier's "replicated across regions" (docs/product.md): @pulumi/minio has no
 * replication resource, so a Job in the tenant's core namespace runs `mc replicate add/update`
 * once per (bucket, other region). Each region has its own (every region replicates to every
 * other). The credentials reach it only through a Secret (env valueFrom), the Job is renamed
 * when the targets change (so it runs again), it may reach only the other regions' MinIO
 * (NetworkPolicy, beside the namespace's DNS and in-region allows), and its pod is counted in
 * the core namespace's quota (tiers/sizing.ts keeps headroom for it).
 */
export class BucketReplication extends pulumi.ComponentResource {
  readonly jobName: string;

  constructor(name: string, args: BucketReplicationArgs, opts?: pulumi.ComponentResourceOptions) {
    // Refused before anything is registered.
    const problems = bucketReplicationProblems(args);
    if (problems.length > 0)
      throw new Error(`bucket replication of tenant ${args.identity.tenantId}: ${problems.join("; ")}`);
    super("collect-verything:tenant:BucketReplication", name, {}, opts);

    const targets = [...args.targets].sort((a, b) => a.region.localeCompare(b.region));
    const hash = replicationSpecHash(args);
    const selector = workloadSelector(BUCKET_REPLICATION);
    const labels = tenantLabels(args.identity, selector);
    const hosts: [string, ReplicationSource][] = [
      [sourceAlias, args.source],
      ...targets.map((t): [string, ReplicationSource] => [targetAlias(t.region), t]),
    ];
    const secret = new core.Secret(
      `${name}-credentials`,
      {
        metadata: { name: BUCKET_REPLICATION, namespace: args.namespace, labels },
        type: "Opaque",
        stringData: Object.fromEntries(hosts.map(([alias, e]) => [hostVariable(alias), hostUrl(e)])),
      },
      { parent: this },
    );
    new networking.NetworkPolicy(
      `${name}-egress`,
      {
        metadata: { name: BUCKET_REPLICATION, namespace: args.namespace, labels },
        spec: {
          podSelector: { matchLabels: selector },
          policyTypes: ["Egress"],
          egress: targets.map((t) => ({
            to: [{ ipBlock: { cidr: t.cidr } }],
            ports: [{ protocol: "TCP", port: portOf(t.endpoint, t.region) }],
          })),
        },
      },
      { parent: this },
    );

    this.jobName = `${BUCKET_REPLICATION}-${hash}`;
    new batch.Job(
      `${name}-job`,
      {
        metadata: {
          name: this.jobName,
          namespace: args.namespace,
          labels,
          annotations: {
            [REPLICATION_TARGETS_ANNOTATION]: `${hash} ${args.source.region}->${targets.map((t) => t.region).join(",")}`,
          },
        },
        spec: {
          // One pod at a time, a few retries: a remote region may be briefly unreachable.
          parallelism: 1,
          completions: 1,
          backoffLimit: 4,
          activeDeadlineSeconds: 900,
          template: { metadata: { labels }, spec: replicationPodSpec(args, targets, hosts) },
        },
      },
      { parent: this, dependsOn: [secret] },
    );
    this.registerOutputs({ jobName: this.jobName });
  }
}

/**
 * The Job's pod: `mc` with the replication script, every endpoint's credentials from the Secret
 * (MC_HOST_<alias>), a writable /tmp for its config (the root filesystem is read-only) and the
 * CA bundle of the remote servers when given.
 */
function replicationPodSpec(
  args: BucketReplicationArgs,
  targets: readonly ReplicationTarget[],
  hosts: readonly [string, ReplicationSource][],
): k8s.types.input.core.v1.PodSpec {
  const script = replicationScript(
    [...args.buckets].sort(),
    targets.map((t) => t.region),
  );
  return {
    restartPolicy: "Never",
    automountServiceAccountToken: false,
    priorityClassName: priorityClassName(args.identity.tier),
    securityContext: POD_SECURITY_CONTEXT,
    containers: [
      {
        name: "mc",
        image: args.image ?? DEFAULT_MC_IMAGE,
        command: ["/bin/sh", "-c", script],
        env: [
          // mc writes its config under HOME; the root filesystem is read-only.
          { name: "HOME", value: "/tmp" },
          { name: "MC_CONFIG_DIR", value: MC_CONFIG_DIR },
          ...hosts.map(([alias]) => ({
            name: hostVariable(alias),
            valueFrom: { secretKeyRef: { name: BUCKET_REPLICATION, key: hostVariable(alias) } },
          })),
        ],
        resources: containerResources(REPLICATION_JOB_RESOURCES),
        securityContext: CONTAINER_SECURITY_CONTEXT,
        volumeMounts: [
          { name: "tmp", mountPath: "/tmp" },
          ...(args.caBundle ? [{ name: "ca", mountPath: `${MC_CONFIG_DIR}/certs/CAs`, readOnly: true }] : []),
        ],
      },
    ],
    volumes: [
      { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
      ...(args.caBundle
        ? [
            {
              name: "ca",
              configMap: {
                name: args.caBundle.configMap,
                items: [{ key: args.caBundle.key, path: "ca.crt" }],
              },
            },
          ]
        : []),
    ],
  };
}

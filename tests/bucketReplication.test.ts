/**
 * Cross-region replication of a Business tenant's buckets (docs/product.md tier table: "versioned, replicated
 * across regions"): the replicator user and its policy, the Job that keeps one rule per (bucket,
 * other region) with mc, its Secret, egress and pod, and its room in the core namespace's quota.
 * The Job's script runs here against a fake `mc` that keeps rules the way MinIO does.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, describe, expect, it } from "vitest";
import {
  BucketReplication,
  bucketReplicationProblems,
  DEFAULT_MC_IMAGE,
  mcHostUrl,
  replicationScript,
  replicationSpecHash,
  type BucketReplicationArgs,
  type ReplicationTarget,
} from "../components/data/bucketReplication";
import {
  BUCKET_TARGET_ACTIONS,
  REPLICATION_BUCKET_ACTIONS,
  REPLICATION_OBJECT_ACTIONS,
  TenantObjectStorage,
} from "../components/data/tenantObjectStorage";
import type { Container, KubeObject, PodSpec } from "../policy/analysis/objects";
import { namespaceUsage } from "../policy/analysis/usage";
import { TIER_POLICIES } from "../policy/policies";
import { dataServicesOfTenant } from "../policy/policies/boundary";
import { synthesize, type RecordedResource, type SynthResult } from "../synth/engine";
import { kubernetesObjects } from "../synth/manifests";
import {
  BUCKET_NAMES,
  bucketName,
  coreNamespace,
  effectiveProfile,
  getTier,
  peakUsage,
  planTenant,
  PRIMARY_REGION,
  REGION_NAMES,
  REPLICATION_JOB_RESOURCES,
  TIER_NAMES,
  type TierName,
} from "../tiers";
import { formatCpu, formatMemory, parseCpu, parseMemory } from "../lib/units";
import { mandatory, runPack, violationsOf } from "./helpers/policy";
import { localResources } from "../synth/policyCheck";
import { ofKind, synthShape } from "./helpers/synth";

const identity = { tenantId: "acme", tier: "business" as const };
const buckets = BUCKET_NAMES.map((b) => bucketName("acme", b));
const SOURCE_SECRET = "sourceSecretKey0123456789abcdefghijklmnop";
const REMOTE_SECRETS = {
  "eu-central-1": "remoteSecretFrankfurt0123456789abcdefghij",
  "us-east-1": "remoteSecretVirginia0123456789abcdefghijk",
};

const target = (region: keyof typeof REMOTE_SECRETS, cidr: string): ReplicationTarget => ({
  region,
  endpoint: `minio.${region}.example.internal:9000`,
  cidr,
  credentials: {
    accessKey: pulumi.secret("replicator-acme"),
    secretKey: pulumi.secret(REMOTE_SECRETS[region]),
  },
});
const TARGETS = [target("us-east-1", "10.2.0.0/16"), target("eu-central-1", "10.1.0.0/16")];
const args = (targets: readonly ReplicationTarget[] = TARGETS): BucketReplicationArgs => ({
  identity,
  tier: getTier("business"),
  namespace: coreNamespace("acme"),
  buckets,
  source: {
    region: "eu-west-3",
    endpoint: "minio.object-storage.svc:9000",
    secure: false,
    credentials: { accessKey: pulumi.secret("replicator-acme"), secretKey: pulumi.secret(SOURCE_SECRET) },
  },
  targets,
});

const synthReplication = (a: BucketReplicationArgs = args()): Promise<SynthResult> =>
  synthesize(
    async () => {
      new BucketReplication("acme-replication", a);
    },
    { project: "tenant", stack: "acme", config: {} },
  );

const synthStorage = (tier: TierName): Promise<SynthResult> =>
  synthesize(
    async () => {
      new TenantObjectStorage("acme-storage", {
        identity: { tenantId: "acme", tier },
        profile: effectiveProfile(tier),
        namespace: coreNamespace("acme"),
        server: {
          endpoint: "minio.object-storage.svc:9000",
          ssl: false,
          admin: { user: "admin", password: "admin-password" },
        },
      });
    },
    { project: "tenant", stack: "acme", config: {} },
  );

const jobOf = (objects: readonly KubeObject[]) => {
  const [job] = ofKind(objects, "Job");
  return job as KubeObject & { spec: { template: { spec: PodSpec } } };
};
const containerOf = (objects: readonly KubeObject[]): Container =>
  jobOf(objects).spec.template.spec.containers![0]!;

/** A fake `mc` keeping each bucket's rule ids in a file, refusing what MinIO refuses, logging every call. */
function fakeMc(dir: string): void {
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(
    join(bin, "mc"),
    `#!/bin/sh
set -eu
echo "$*" >> "${dir}/calls"
verb=$2; shift 2
target=""; id=""
while [ $# -gt 0 ]; do
  case "$1" in
    --id) id=$2; shift 2 ;;
    --remote-bucket|--replicate|--priority) [ "$1" = --remote-bucket ] && remote=$2; shift 2 ;;
    *) target=$1; shift ;;
  esac
done
case "$target" in from/*) ;; *) echo "unknown alias in $target" >&2; exit 1 ;; esac
env | grep -q '^MC_HOST_from=' || { echo "no MC_HOST_from" >&2; exit 1; }
state="${dir}/rules-$(echo "$target" | tr / _)"
touch "$state"
case "$verb" in
  export) printf '{\\n "Rules": [\\n'; while read -r r; do printf '  {\\n   "ID": "%s",\\n   "Status": "Enabled"\\n  },\\n' "$r"; done < "$state"; printf ' ]\\n}\\n' ;;
  add) if grep -qx "$id" "$state"; then echo "a rule exists with this ID" >&2; exit 1; fi
       alias=\${remote%%/*}; env | grep -q "^MC_HOST_$alias=" || { echo "no MC_HOST_$alias" >&2; exit 1; }
       echo "$id" >> "$state" ;;
  update) grep -qx "$id" "$state" || { echo "no rule $id" >&2; exit 1; } ;;
  rm) grep -vx "$id" "$state" > "$state.new" || true; mv "$state.new" "$state" ;;
  *) echo "unexpected $verb" >&2; exit 1 ;;
esac
`,
  );
  chmodSync(join(bin, "mc"), 0o755);
}

describe("bucket replication across regions", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  const run = (dir: string, script: string, targets: readonly string[]) => {
    const env: Record<string, string> = {
      PATH: `${join(dir, "bin")}:${process.env.PATH}`,
      MC_HOST_from: "http://k:s@source:9000",
    };
    for (const r of targets) env[`MC_HOST_to_${r.replace(/-/g, "_")}`] = `https://k:s@${r}:9000`;
    const result = spawnSync("/bin/sh", ["-c", script], { env, encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const calls = readFileSync(join(dir, "calls"), "utf8").trim().split("\n");
    writeFileSync(join(dir, "calls"), "");
    return calls.filter((c) => !c.startsWith("replicate export"));
  };
  const rulesOf = (dir: string, bucket: string) =>
    readFileSync(join(dir, `rules-from_${bucket}`), "utf8")
      .trim()
      .split("\n")
      .filter(Boolean)
      .sort();

  it("adds one rule per (bucket, other region), never to its own region; a rerun updates them and adds none", () => {
    const dir = mkdtempSync(join(tmpdir(), "replication-"));
    dirs.push(dir);
    fakeMc(dir);
    const script = replicationScript(buckets, ["eu-central-1", "us-east-1"]);
    const first = run(dir, script, ["eu-central-1", "us-east-1"]);
    expect(first).toHaveLength(6);
    for (const b of buckets) {
      for (const r of ["eu-central-1", "us-east-1"]) {
        expect(
          first.filter((c) =>
            c.startsWith(
              `replicate add from/${b} --id cv-to-${r} --remote-bucket to_${r.replace(/-/g, "_")}/${b} `,
            ),
          ),
        ).toHaveLength(1);
      }
      expect(rulesOf(dir, b)).toEqual(["cv-to-eu-central-1", "cv-to-us-east-1"]);
    }
    expect(first.join("\n")).not.toContain("eu-west-3");
    for (const c of first)
      expect(c).toMatch(/--replicate delete-marker,delete,existing-objects,metadata-sync --priority \d+$/);

    const second = run(dir, script, ["eu-central-1", "us-east-1"]);
    expect(second).toHaveLength(6);
    expect(second.every((c) => c.startsWith("replicate update "))).toBe(true);
    for (const b of buckets) expect(rulesOf(dir, b)).toEqual(["cv-to-eu-central-1", "cv-to-us-east-1"]);
  });

  it("drops its own rules to regions no longer replicated to (all of them when none is left), keeps rules it does not own", () => {
    const dir = mkdtempSync(join(tmpdir(), "replication-"));
    dirs.push(dir);
    fakeMc(dir);
    for (const b of buckets)
      writeFileSync(join(dir, `rules-from_${b}`), "cv-to-eu-central-1\ncv-to-us-east-1\nhand-made\n");
    const calls = run(dir, replicationScript(buckets, ["eu-central-1"]), ["eu-central-1"]);
    for (const b of buckets) {
      expect(calls).toContain(`replicate rm --id cv-to-us-east-1 from/${b}`);
      expect(rulesOf(dir, b)).toEqual(["cv-to-eu-central-1", "hand-made"]);
    }
    expect(calls.filter((c) => c.startsWith("replicate add"))).toEqual([]);
    // Back to one region: no target, every rule the Job made goes, the hand-made one stays.
    const alone = run(dir, replicationScript(buckets, []), []);
    expect(alone.sort()).toEqual(buckets.map((b) => `replicate rm --id cv-to-eu-central-1 from/${b}`).sort());
    for (const b of buckets) expect(rulesOf(dir, b)).toEqual(["hand-made"]);
  });

  it("refuses a region replicating to itself, a target twice, a tier that does not replicate, an open CIDR, an endpoint without a port", () => {
    const a = args();
    expect(bucketReplicationProblems(a)).toEqual([]);
    const self = { ...TARGETS[0]!, region: "eu-west-3" };
    expect(bucketReplicationProblems({ ...a, targets: [...TARGETS, self] })).toContain(
      "region eu-west-3 would replicate to itself",
    );
    expect(bucketReplicationProblems({ ...a, targets: [...TARGETS, TARGETS[0]!] })).toContain(
      "region us-east-1 is a target twice",
    );
    expect(bucketReplicationProblems({ ...a, tier: getTier("premium") })).toContain(
      "Premium does not replicate buckets across regions",
    );
    expect(bucketReplicationProblems({ ...a, targets: [{ ...TARGETS[0]!, cidr: "0.0.0.0/0" }] })[0]).toMatch(
      /0\.0\.0\.0\/0 is wider than a \/8/,
    );
    expect(
      bucketReplicationProblems({ ...a, targets: [{ ...TARGETS[0]!, endpoint: "minio.example" }] })[0],
    ).toMatch(/must be host:port/);
    expect(() => new BucketReplication("x", { ...a, targets: [...TARGETS, self] })).toThrow(
      /would replicate to itself/,
    );
  });

  it("takes credentials only from its Secret: no secret value, and no secret at all, in the Job", async () => {
    const result = await synthReplication();
    const objects = kubernetesObjects(result);
    const job = JSON.stringify(jobOf(objects));
    for (const secret of [SOURCE_SECRET, ...Object.values(REMOTE_SECRETS)])
      expect(JSON.stringify(result)).not.toContain(secret);
    expect(job).not.toContain("[secret]");
    const [secret] = ofKind(objects, "Secret") as (KubeObject & { stringData: Record<string, string> })[];
    expect(secret!.metadata).toMatchObject({
      name: "bucket-replication",
      namespace: "e-commerce-tenant-acme",
      labels: { tenant: "acme", tier: "business" },
    });
    expect(secret!.stringData).toEqual({
      MC_HOST_from: "[secret]",
      MC_HOST_to_eu_central_1: "[secret]",
      MC_HOST_to_us_east_1: "[secret]",
    });
    const env = containerOf(objects).env ?? [];
    const hosts = env.filter((e) => e.name.startsWith("MC_HOST_"));
    expect(hosts.map((e) => e.name).sort()).toEqual(Object.keys(secret!.stringData).sort());
    for (const e of hosts)
      expect(e).toEqual({
        name: e.name,
        valueFrom: { secretKeyRef: { name: "bucket-replication", key: e.name } },
      });
    expect(env.filter((e) => !e.name.startsWith("MC_HOST_")).map((e) => e.name)).toEqual([
      "HOME",
      "MC_CONFIG_DIR",
    ]);
  });

  it("writes the MC_HOST_ URLs mc decodes: scheme from `secure` (TLS by default), credentials percent-encoded", async () => {
    const url = new URL(
      mcHostUrl("minio.eu-central-1.example.internal:9000", true, "replicator-acme", "a/b+c@d:e"),
    );
    expect(url.protocol).toBe("https:");
    expect(url.host).toBe("minio.eu-central-1.example.internal:9000");
    expect([decodeURIComponent(url.username), decodeURIComponent(url.password)]).toEqual([
      "replicator-acme",
      "a/b+c@d:e",
    ]);
    expect(mcHostUrl("minio.object-storage.svc:9000", false, "k", "s")).toBe(
      "http://k:s@minio.object-storage.svc:9000",
    );
    // Unset `secure` means TLS: the Secret's targets are https.
    expect(TARGETS.every((t) => t.secure === undefined)).toBe(true);
  });

  it("runs a Pod Security restricted pod, sized within the core namespace's limit range", async () => {
    const objects = kubernetesObjects(await synthReplication());
    const pod = jobOf(objects).spec.template.spec;
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect((pod as PodSpec & { automountServiceAccountToken?: boolean }).automountServiceAccountToken).toBe(
      false,
    );
    expect(pod.priorityClassName).toBe("tier-business");
    const c = containerOf(objects);
    expect(c.image).toBe(DEFAULT_MC_IMAGE);
    expect(DEFAULT_MC_IMAGE).toMatch(/:RELEASE\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$/);
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(c.resources).toEqual({
      requests: {
        cpu: formatCpu(REPLICATION_JOB_RESOURCES.requests.cpu),
        memory: formatMemory(REPLICATION_JOB_RESOURCES.requests.memory),
      },
      limits: {
        cpu: formatCpu(REPLICATION_JOB_RESOURCES.limits.cpu),
        memory: formatMemory(REPLICATION_JOB_RESOURCES.limits.memory),
      },
    });
    const profile = effectiveProfile("business");
    for (let sites = 1; sites <= profile.tier.maxSites; sites++) {
      const lr = planTenant(profile, sites).namespaces[0]!.limitRange;
      expect(parseCpu(c.resources!.requests!.cpu!)).toBeGreaterThanOrEqual(lr.containerMin.cpu);
      expect(parseMemory(c.resources!.requests!.memory!)).toBeGreaterThanOrEqual(lr.containerMin.memory);
      expect(parseCpu(c.resources!.limits!.cpu!)).toBeLessThanOrEqual(lr.containerMax.cpu);
      expect(parseMemory(c.resources!.limits!.memory!)).toBeLessThanOrEqual(lr.containerMax.memory);
    }
  });

  it("mounts a private CA where mc looks for one, read-only, only when given", async () => {
    const objects = kubernetesObjects(
      await synthReplication({ ...args(), caBundle: { configMap: "platform-ca", key: "ca.pem" } }),
    );
    const pod = jobOf(objects).spec.template.spec as PodSpec & {
      volumes: { name: string; configMap?: unknown }[];
    };
    expect(pod.volumes.find((v) => v.name === "ca")).toEqual({
      name: "ca",
      configMap: { name: "platform-ca", items: [{ key: "ca.pem", path: "ca.crt" }] },
    });
    expect((containerOf(objects) as Container & { volumeMounts?: unknown[] }).volumeMounts).toContainEqual({
      name: "ca",
      mountPath: "/tmp/.mc/certs/CAs",
      readOnly: true,
    });
    expect(containerOf(objects).env).toContainEqual({ name: "MC_CONFIG_DIR", value: "/tmp/.mc" });
    const plain = jobOf(kubernetesObjects(await synthReplication())).spec.template.spec as PodSpec & {
      volumes: { name: string }[];
    };
    expect(plain.volumes.map((v) => v.name)).toEqual(["tmp"]);
  });

  it("may reach only the other regions' MinIO (their VPC CIDR and port), beside the namespace's own allows", async () => {
    const objects = kubernetesObjects(await synthReplication());
    const [policy] = ofKind(objects, "NetworkPolicy");
    expect(policy!.spec).toEqual({
      podSelector: { matchLabels: { "app.kubernetes.io/name": "bucket-replication" } },
      policyTypes: ["Egress"],
      egress: [
        { to: [{ ipBlock: { cidr: "10.1.0.0/16" } }], ports: [{ protocol: "TCP", port: 9000 }] },
        { to: [{ ipBlock: { cidr: "10.2.0.0/16" } }], ports: [{ protocol: "TCP", port: 9000 }] },
      ],
    });
    expect(
      (jobOf(objects).spec.template as { metadata?: { labels?: Record<string, string> } }).metadata?.labels?.[
        "app.kubernetes.io/name"
      ],
    ).toBe("bucket-replication");
  });

  it("names the Job from the targets alone: deterministic, order-free, new when a region is added, not when credentials rotate", async () => {
    const a = args();
    const name = jobOf(kubernetesObjects(await synthReplication(a))).metadata!.name!;
    expect(name).toMatch(/^bucket-replication-[0-9a-f]{10}$/);
    expect(
      jobOf(kubernetesObjects(await synthReplication(args([...TARGETS].reverse())))).metadata!.name,
    ).toBe(name);
    expect(replicationSpecHash(args([TARGETS[0]!]))).not.toBe(replicationSpecHash(a));
    const rotated = args(
      TARGETS.map((t) => ({ ...t, credentials: { accessKey: "replicator-acme", secretKey: "rotated" } })),
    );
    expect(replicationSpecHash(rotated)).toBe(replicationSpecHash(a));
    const job = jobOf(kubernetesObjects(await synthReplication(a)));
    expect(job.metadata!.annotations!["collect-verything.com/replication-targets"]).toBe(
      `${name.replace("bucket-replication-", "")} eu-west-3->eu-central-1,us-east-1`,
    );
  });

  it("fits the core namespace's quota with the tenant at maximum scale, for every site count (the pack's own count)", async () => {
    const replication = kubernetesObjects(await synthReplication());
    for (const sites of [1, getTier("business").maxSites]) {
      const { objects } = await synthShape("business", sites);
      const core = namespaceUsage([...objects, ...replication]).find(
        (n) => n.namespace === coreNamespace("acme"),
      )!;
      expect(core.atMaximum.pods).toBe(
        namespaceUsage(objects).find((n) => n.namespace === coreNamespace("acme"))!.atMaximum.pods + 1,
      );
      expect(core.overQuota, `${sites} sites`).toEqual([]);
    }
    // The sizing's stricter rule: every pod the pod quota admits at once (maximum scale, every
    // rollout surging) fits on CPU and memory, and so does the Job beside them.
    const profile = effectiveProfile("business");
    for (let sites = 1; sites <= profile.tier.maxSites; sites++) {
      const core = planTenant(profile, sites).namespaces[0]!;
      expect(core.jobs).toEqual([REPLICATION_JOB_RESOURCES]);
      const peak = peakUsage(core.workloads);
      const room = {
        pods: core.quota.pods - peak.pods,
        requestsCpu: core.quota.requestsCpu - peak.requestsCpu,
        requestsMemory: core.quota.requestsMemory - peak.requestsMemory,
        limitsCpu: core.quota.limitsCpu - peak.limitsCpu,
        limitsMemory: core.quota.limitsMemory - peak.limitsMemory,
      };
      const job = REPLICATION_JOB_RESOURCES;
      expect(room.pods, `${sites} sites`).toBeGreaterThanOrEqual(1);
      expect(
        [room.requestsCpu, room.requestsMemory, room.limitsCpu, room.limitsMemory].map(
          (r, i) => r >= [job.requests.cpu, job.requests.memory, job.limits.cpu, job.limits.memory][i]!,
        ),
        `${sites} sites`,
      ).toEqual([true, true, true, true]);
    }
    expect(planTenant(effectiveProfile("premium"), 3).namespaces[0]!.jobs).toEqual([]);
  });

  it("is part of every synthesized Business tenant, one Job per region, and the pack passes it", async () => {
    for (const regions of [[PRIMARY_REGION], REGION_NAMES]) {
      for (const sites of [1, getTier("business").maxSites]) {
        const { result } = await synthShape("business", sites, "acme", regions.length > 1 ? { regions } : {});
        expect(
          result.resources.filter(
            (r) =>
              r.type === "kubernetes:batch/v1:Job" &&
              String((r.inputs["metadata"] as { name: string }).name).startsWith("bucket-replication-"),
          ),
        ).toHaveLength(regions.length);
        expect(
          mandatory(
            await runPack(TIER_POLICIES, localResources(result.resources), { tier: "business", regions }),
          ),
        ).toEqual([]);
      }
    }
  });
});

describe("the replicator's MinIO policy", () => {
  const policies = (result: SynthResult): RecordedResource[] =>
    result.resources.filter((r) => r.type === "minio:index/iamPolicy:IamPolicy");
  const statements = (r: RecordedResource) =>
    (JSON.parse(r.inputs["policy"] as string) as { Statement: { Action: string[]; Resource: string[] }[] })
      .Statement;
  const REPLICATION_ACTIONS = [
    ...BUCKET_TARGET_ACTIONS,
    ...REPLICATION_BUCKET_ACTIONS,
    ...REPLICATION_OBJECT_ACTIONS,
  ].filter((a) => /Replicat|admin:/.test(a));

  it.each(TIER_NAMES)("%s: the services' policy has no replication or admin action", async (tier) => {
    const result = await synthStorage(tier);
    const services = policies(result).find((p) => p.inputs["name"] === "tenant-acme-buckets")!;
    const actions = statements(services).flatMap((s) => s.Action);
    for (const a of REPLICATION_ACTIONS) expect(actions).not.toContain(a);
    expect(actions.filter((a) => a.startsWith("admin:"))).toEqual([]);
    const users = result.resources
      .filter((r) => r.type === "minio:index/iamUser:IamUser")
      .map((r) => r.inputs["name"]);
    expect(users).toEqual(
      getTier(tier).objectStorage.crossRegionReplication
        ? ["tenant-acme", "replicator-acme"]
        : ["tenant-acme"],
    );
    expect(policies(result)).toHaveLength(getTier(tier).objectStorage.crossRegionReplication ? 2 : 1);
  });

  it("business: exactly MinIO's replication actions, on the tenant's three buckets only, credentials as secret outputs", async () => {
    const result = await synthStorage("business");
    const replicator = policies(result).find((p) => p.inputs["name"] === "replicator-acme")!;
    const st = statements(replicator);
    expect(st.map((s) => [...s.Action].sort())).toEqual([
      [...BUCKET_TARGET_ACTIONS].sort(),
      [...REPLICATION_BUCKET_ACTIONS].sort(),
      [...REPLICATION_OBJECT_ACTIONS].sort(),
    ]);
    // MinIO refuses admin and s3 actions in one statement.
    for (const s of st) expect(new Set(s.Action.map((a) => a.split(":")[0])).size).toBe(1);
    expect(st.flatMap((s) => s.Action)).toEqual(
      expect.arrayContaining([
        "s3:ReplicateObject",
        "s3:ReplicateDelete",
        "s3:ReplicateTags",
        "s3:PutReplicationConfiguration",
        "admin:SetBucketTarget",
      ]),
    );
    const arns = st.flatMap((s) => s.Resource);
    expect(new Set(arns)).toEqual(
      new Set([...buckets.map((b) => `arn:aws:s3:::${b}`), ...buckets.map((b) => `arn:aws:s3:::${b}/*`)]),
    );
    const attachment = result.resources.find(
      (r) =>
        r.type === "minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment" &&
        r.inputs["userName"] === "replicator-acme",
    );
    expect(attachment?.inputs["policyName"]).toBe("replicator-acme");
    const user = result.resources.find(
      (r) => r.type === "minio:index/iamUser:IamUser" && r.inputs["name"] === "replicator-acme",
    )!;
    expect(user.inputs["secret"]).toBe("[secret]");
  });

  it("the pack refuses admin actions outside the replicator's policy, and any admin action beyond the bucket-target pair", async () => {
    const policy = (name: string, actions: string[]) => ({
      type: "minio:index/iamPolicy:IamPolicy",
      name,
      props: {
        name,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: actions, Resource: [`arn:aws:s3:::${buckets[0]}`] }],
        }),
      },
    });
    expect(
      await violationsOf(
        dataServicesOfTenant,
        policy("replicator-acme", ["admin:SetBucketTarget", "admin:GetBucketTarget"]),
        { tier: "business" },
      ),
    ).toEqual([]);
    expect(
      (
        await violationsOf(dataServicesOfTenant, policy("tenant-acme-buckets", ["admin:SetBucketTarget"]), {
          tier: "business",
        })
      )[0],
    ).toMatch(/only the replicator's policy \(replicator-acme\)/);
    expect(
      (
        await violationsOf(dataServicesOfTenant, policy("replicator-acme", ["admin:ServerUpdate"]), {
          tier: "business",
        })
      )[0],
    ).toMatch(/needs only admin:SetBucketTarget and admin:GetBucketTarget/);
    expect(
      await violationsOf(dataServicesOfTenant, policy("replicator-acme", ["s3:ReplicateObject"]), {
        tier: "premium",
      }),
    ).toEqual([expect.stringMatching(/policy replicator-acme is not tenant acme's/)]);
    const user = { type: "minio:index/iamUser:IamUser", name: "u", props: { name: "replicator-acme" } };
    expect(await violationsOf(dataServicesOfTenant, user, { tier: "business" })).toEqual([]);
    expect(await violationsOf(dataServicesOfTenant, user, { tier: "standard" })).toEqual([
      expect.stringMatching(/user replicator-acme is not tenant acme's/),
    ]);
    expect(
      await violationsOf(
        dataServicesOfTenant,
        { ...user, props: { name: "replicator-other" } },
        { tier: "business" },
      ),
    ).toEqual([expect.stringMatching(/is not tenant acme's/)]);
  });
});

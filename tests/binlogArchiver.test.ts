/**
 * The binlog archiver (Business continuous backups): as synthesized by the platform program (its
 * schedule, one pod at a time, the server it ships, its identity reaching only `binlogs/`, its
 * share of the backup namespace's quota, secrets by reference, its egress), the dedicated
 * cluster's side (the archiver may reach the router), bad config refused before any resource,
 * and its script run for real against the MariaDB with binary logging, with the AWS and
 * Kubernetes CLIs replaced by a directory-backed bucket and a fixed namespace list.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { withConnection } from "../automation/mysqlTools";
import { binlogArchivePolicyDocument, binlogArchiveScript } from "../components/platform/backupBucket";
import type { KubeObject } from "../policy/analysis/objects";
import { podCost, podSpecOf } from "../policy/analysis/pods";
import platformProgram from "../stacks/platform";
import { synthesize, SynthFailure, type SynthResult } from "../synth/engine";
import { kubernetesObjects } from "../synth/manifests";
import { PLATFORM_PROJECT } from "../synth/programs";
import { ORIGIN_PULL } from "../tiers";
import { parseCpu, parseMemory } from "../lib/units";
import { binlogServerAvailable, MYSQL_BINLOG } from "./helpers/servers";
import { ofKind, synthShape } from "./helpers/synth";

const synthWith = (binlogArchive?: unknown): Promise<SynthResult> =>
  synthesize(platformProgram, {
    project: PLATFORM_PROJECT,
    stack: "binlog",
    config: {
      "platform:region": "eu-west-3",
      ...(binlogArchive === undefined ? {} : { "platform:binlogArchive": JSON.stringify(binlogArchive) }),
    },
  });

interface Container {
  name: string;
  command: string[];
  env?: { name: string; value?: unknown; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: unknown[];
}
interface CronJobView {
  metadata: { name: string; namespace: string };
  spec: {
    schedule: string;
    concurrencyPolicy: string;
    jobTemplate: {
      spec: {
        parallelism?: number;
        template: {
          metadata: { labels: Record<string, string> };
          spec: { serviceAccountName: string; containers: Container[] };
        };
      };
    };
  };
}

const archiverOf = (objects: KubeObject[]): CronJobView => {
  const jobs = (ofKind(objects, "CronJob") as unknown as CronJobView[]).filter(
    (j) => j.metadata.name === "binlog-archive",
  );
  expect(jobs).toHaveLength(1);
  return jobs[0]!;
};
const scriptOf = (job: CronJobView): string =>
  job.spec.jobTemplate.spec.template.spec.containers[0]!.command[2]!;

describe("binlog archiver (platform program)", () => {
  it("ships the shared server's binlogs to binlogs/<server>/ every minute, one run at a time, as its own account", async () => {
    const objects = kubernetesObjects(await synthWith());
    const job = archiverOf(objects);
    expect(job.metadata.namespace).toBe("tenant-backups");
    expect(job.spec.schedule).toBe("* * * * *");
    expect(job.spec.concurrencyPolicy).toBe("Forbid");
    expect(job.spec.jobTemplate.spec.template.spec.serviceAccountName).toBe("binlog-archiver");
    const script = scriptOf(job);
    expect(script).toContain('archive "shared" "mysql.mysql.svc.cluster.local" "3306"');
    expect(script).toContain('--bucket cv-tenant-backups --prefix "binlogs/$server/"');
    expect(script).toContain('--key "binlogs/$server/ARCHIVED_AT"');
    expect(script).not.toContain("tenants/");
  });

  it("takes the server's name and endpoint from the platform config", async () => {
    const objects = kubernetesObjects(
      await synthWith({
        server: "shared-eu-west-3",
        mysql: { cidr: "10.20.0.0/24", host: "10.20.0.5", port: 3307 },
      }),
    );
    expect(scriptOf(archiverOf(objects))).toContain('archive "shared-eu-west-3" "10.20.0.5" "3307"');
    const [policy] = ofKind(objects, "NetworkPolicy").filter((p) => p.metadata!.name === "binlog-archiver");
    expect(JSON.stringify(policy)).toContain(
      '{"to":[{"ipBlock":{"cidr":"10.20.0.0/24"}}],"ports":[{"protocol":"TCP","port":3307}]}',
    );
  });

  it("fits the backup namespace's quota with every CronJob's pod running at once, the tier runners' shares unchanged", async () => {
    const objects = kubernetesObjects(await synthWith());
    const [quota] = ofKind(objects, "ResourceQuota").filter(
      (q) => q.metadata!.namespace === "tenant-backups",
    );
    const hard = (quota as unknown as { spec: { hard: Record<string, string> } }).spec.hard;
    const jobs = (ofKind(objects, "CronJob") as unknown as CronJobView[]).filter(
      (j) => j.metadata.namespace === "tenant-backups",
    );
    expect(jobs.map((j) => j.metadata.name).sort()).toEqual([
      "backup-business",
      "backup-premium",
      "backup-standard",
      "binlog-archive",
    ]);
    // Forbid: at most one Job per CronJob, of `parallelism` pods (default 1).
    const pods = jobs.map((j) => {
      expect(j.spec.concurrencyPolicy).toBe("Forbid");
      return {
        n: j.spec.jobTemplate.spec.parallelism ?? 1,
        cost: podCost(podSpecOf(j as unknown as KubeObject)!),
      };
    });
    const total = (field: "requestsCpu" | "requestsMemory" | "limitsCpu" | "limitsMemory") =>
      pods.reduce((sum, p) => sum + p.n * p.cost[field], 0);
    expect(pods.reduce((sum, p) => sum + p.n, 0)).toBeLessThanOrEqual(Number(hard.pods));
    expect(total("requestsCpu")).toBeLessThanOrEqual(parseCpu(hard["requests.cpu"]!));
    expect(total("requestsMemory")).toBeLessThanOrEqual(parseMemory(hard["requests.memory"]!));
    expect(total("limitsCpu")).toBeLessThanOrEqual(parseCpu(hard["limits.cpu"]!));
    expect(total("limitsMemory")).toBeLessThanOrEqual(parseMemory(hard["limits.memory"]!));
    // Each runner keeps 50m/64Mi, limits 400m/256Mi (docs/backups.md).
    for (const p of pods)
      expect(p.cost).toMatchObject({
        requestsCpu: 50,
        requestsMemory: 64,
        limitsCpu: 400,
        limitsMemory: 256,
      });
  });

  it("reads the MySQL backup account only by secretKeyRef; no secret value in the spec", async () => {
    const objects = kubernetesObjects(await synthWith());
    const container = archiverOf(objects).spec.jobTemplate.spec.template.spec.containers[0]!;
    expect(container.envFrom).toBeUndefined();
    const env = container.env ?? [];
    expect(env.filter((e) => e.valueFrom).map((e) => [e.name, e.valueFrom!.secretKeyRef])).toEqual([
      ["MYSQL_USER", { name: "mysql-backup-account", key: "MYSQL_USER" }],
      ["MYSQL_PWD", { name: "mysql-backup-account", key: "MYSQL_PWD" }],
    ]);
    expect(env.filter((e) => !e.valueFrom).map((e) => e.name)).toEqual(["KMS_KEY_ARN"]); // not a secret: the bucket key's ARN
    // The platform's only Secret is the origin-pull CA's certificate (components/platform/originPullPki.ts).
    expect(ofKind(objects, "Secret").map((o) => o.metadata?.name)).toEqual([ORIGIN_PULL.caSecret]);
  });

  it("its IAM role is assumable only by its ServiceAccount and reaches binlogs/ only, never a tenant's prefix", async () => {
    const result = await synthWith();
    const role = result.resources.find(
      (r) => r.type === "aws:iam/role:Role" && r.inputs.name === "cv-binlog-archiver",
    )!;
    // The cluster's own issuer (the platform's OIDC provider), as the tenants' backup roles trust it.
    const { oidcIssuer } = (result.outputs["tenantFacts"] as { backups: { oidcIssuer: string } }).backups;
    expect(oidcIssuer).toMatch(/^oidc\.eks\.eu-west-3\.amazonaws\.com\/id\/[0-9A-F]{32}$/);
    expect(JSON.parse(role.inputs.assumeRolePolicy as string).Statement[0].Condition.StringEquals).toEqual({
      [`${oidcIssuer}:sub`]: "system:serviceaccount:tenant-backups:binlog-archiver",
    });
    // Its one policy (the usage meter's role has its own: tests/usageMeter.test.ts).
    const parent = (name: string) => result.resources.filter((r) => r.urn.includes(`::${name}`));
    expect(
      result.resources.filter(
        (r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.includes("binlog-archiver"),
      ),
    ).toHaveLength(1);
    expect(parent("usage-meter-role").filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy")).toHaveLength(
      1,
    );
    // The archiver's one policy (the cluster autoscaler has its own, components/platform/nodePools.ts).
    expect(
      result.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.includes("binlog")),
    ).toHaveLength(1);
    // The synthesized policy waits for the key's ARN (unknown offline): its document, with a stand-in key.
    const statements = (
      binlogArchivePolicyDocument("cv-tenant-backups", "arn:aws:kms:k") as {
        Statement: { Action: string[]; Resource: string[]; Condition?: unknown }[];
      }
    ).Statement;
    expect(statements.flatMap((s) => s.Resource).filter((r) => r.startsWith("arn:aws:s3"))).toEqual([
      "arn:aws:s3:::cv-tenant-backups/binlogs/*",
      "arn:aws:s3:::cv-tenant-backups",
    ]);
    expect(statements.find((s) => s.Action.includes("s3:ListBucket"))!.Condition).toEqual({
      StringLike: { "s3:prefix": ["binlogs/*"] },
    });
    expect(statements.flatMap((s) => s.Action)).not.toContain("s3:DeleteObject");
    // The ServiceAccount's role-arn annotation is the role's ARN (unknown offline): it waits for the role.
    const account = result.resources.find(
      (r) =>
        r.type === "kubernetes:core/v1:ServiceAccount" &&
        JSON.stringify(r.inputs).includes('"name":"binlog-archiver"'),
    )!;
    expect(account.dependsOn).toContain(role.urn);
  });

  it("its egress reaches DNS, the shared server, the dedicated clusters' routers and HTTPS, and nothing else", async () => {
    const objects = kubernetesObjects(await synthWith());
    const [policy] = ofKind(objects, "NetworkPolicy").filter((p) => p.metadata!.name === "binlog-archiver");
    const spec = (
      policy as unknown as {
        spec: {
          podSelector: { matchLabels: Record<string, string> };
          policyTypes: string[];
          egress: unknown[];
        };
      }
    ).spec;
    expect(spec.podSelector.matchLabels).toEqual({ "app.kubernetes.io/name": "binlog-archiver" });
    expect(archiverOf(objects).spec.jobTemplate.spec.template.metadata.labels).toMatchObject(
      spec.podSelector.matchLabels,
    );
    expect(spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(spec.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
      {
        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "mysql" } } }],
        ports: [{ protocol: "TCP", port: 3306 }],
      },
      {
        to: [{ namespaceSelector: { matchLabels: { type: "database" } } }],
        ports: [{ protocol: "TCP", port: 6446 }],
      },
      {
        ports: [
          { protocol: "TCP", port: 443 },
          { protocol: "TCP", port: 6443 },
        ],
      },
    ]);
  });

  it.each([
    ["Shared_EU", "must be a lowercase DNS label"],
    ["shared/../tenants/acme", "must be a lowercase DNS label"],
    ["", "must be a lowercase DNS label"],
    ["dedicated-acme", 'must not start with "dedicated-"'],
  ])("refuses the shared server name %j before any resource, naming the field", async (server, message) => {
    const failure = await synthWith({ server }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(SynthFailure);
    expect((failure as SynthFailure).message).toContain(`binlogArchive.server: ${message}`);
    expect((failure as SynthFailure).registered.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
  });

  it("refuses an unknown key of binlogArchive, naming it", async () => {
    await expect(synthWith({ server: "shared", bucket: "other" })).rejects.toThrow(
      /binlogArchive\.bucket: unknown config key "bucket"/,
    );
  });
});

describe("binlog archiver (Business dedicated cluster)", () => {
  it("the dedicated cluster's namespace is one the archiver lists, and admits the backup namespace on the router port only", async () => {
    const { objects } = await synthShape("business", 1, "acme", {
      dataServices: { dedicatedMysqlCluster: true, federationUpstreams: [] },
    });
    const [ns] = ofKind(objects, "Namespace").filter((n) => n.metadata!.name === "e-commerce-db-acme");
    expect(ns!.metadata!.labels).toMatchObject({ type: "database", tenant: "acme" });
    const [policy] = ofKind(objects, "NetworkPolicy").filter(
      (p) => p.metadata!.namespace === "e-commerce-db-acme" && p.metadata!.name === "allow-platform-backups",
    );
    expect((policy as unknown as { spec: unknown }).spec).toEqual({
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "tenant-backups" } } }],
          ports: [{ protocol: "TCP", port: 6446 }],
        },
      ],
    });
    // No archiver pod in the dedicated namespace: its quota holds the cluster's pods only.
    expect(ofKind(objects, "CronJob")).toEqual([]);
  });

  it("a tenant on the shared server gets no such rule (no dedicated namespace)", async () => {
    const { objects } = await synthShape("business", 1);
    expect(
      ofKind(objects, "NetworkPolicy").filter((p) => p.metadata!.name === "allow-platform-backups"),
    ).toEqual([]);
  });
});

/**
 * The archiver's script against a real server: `aws` is a directory-backed bucket recording each
 * call, `kubectl` prints a fixed namespace list. mysql and mysqlbinlog are the real clients.
 */
describe("binlog archiver script (real MariaDB with binary logging)", () => {
  const dir = mkdtempSync(join(tmpdir(), `binlog-archiver-${process.pid}-`));
  const bin = join(dir, "bin");
  const bucket = join(dir, "bucket");
  const work = join(dir, "work");
  const calls = join(dir, "aws-calls");
  const namespaces = join(dir, "namespaces.json");
  let up = false;

  beforeAll(async () => {
    up = await binlogServerAvailable();
    mkdirSync(bin);
    mkdirSync(bucket);
    mkdirSync(work);
    writeFileSync(
      join(bin, "aws"),
      [
        "#!/bin/sh",
        `echo "$*" >> "${calls}"`,
        'op="$2"; shift 2',
        'while [ $# -gt 0 ]; do case "$1" in --prefix) prefix="$2";; --key) key="$2";; --body) body="$2";; esac; shift; done',
        `if [ "$op" = list-objects-v2 ]; then`,
        `  found="$(cd "${bucket}" && find . -type f -path "./$prefix*" -printf '%P\\t%s\\n' | jq -R 'split("\\t") | [.[0], (.[1] | tonumber)]' | jq -s -c .)"`,
        '  if [ "$found" = "[]" ]; then echo null; else echo "$found"; fi',
        `elif [ "$op" = put-object ]; then mkdir -p "$(dirname "${bucket}/$key")" && cp "$body" "${bucket}/$key"`,
        "else exit 2; fi",
      ].join("\n"),
    );
    writeFileSync(join(bin, "kubectl"), `#!/bin/sh\ncat "${namespaces}"\n`);
    chmodSync(join(bin, "aws"), 0o755);
    chmodSync(join(bin, "kubectl"), 0o755);
  });
  beforeEach((context) => {
    if (!up) context.skip();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const script = binlogArchiveScript("cv-tenant-backups", {
    server: "shared",
    mysql: { namespace: "mysql", host: MYSQL_BINLOG.host, port: MYSQL_BINLOG.port },
  });
  const run = (listed: string[]) => {
    writeFileSync(namespaces, JSON.stringify({ items: listed.map((name) => ({ metadata: { name } })) }));
    rmSync(calls, { force: true });
    const result = spawnSync("/bin/sh", ["-c", script], {
      encoding: "utf8",
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        WORK_DIR: work,
        MYSQL_USER: MYSQL_BINLOG.user,
        MYSQL_PWD: MYSQL_BINLOG.password,
        KMS_KEY_ARN: "arn:aws:kms:eu-west-3:1:key/k",
      },
    });
    return {
      ...result,
      puts: readFileSync(calls, "utf8")
        .split("\n")
        .filter((l) => l.startsWith("s3api put-object")),
    };
  };
  const binaryLogs = () =>
    withConnection(MYSQL_BINLOG, async (db) =>
      ((await db.query("SHOW BINARY LOGS"))[0] as { Log_name: string; File_size: number }[]).map((r) => ({
        name: r.Log_name,
        size: Number(r.File_size),
      })),
    );

  it("ships every log and the marker, encrypted; a dedicated cluster's failure fails the job without stopping the shared archive", async () => {
    const before = await binaryLogs();
    const startedAt = Math.floor(Date.now() / 1000) * 1000;
    const first = run(["e-commerce-db-acme", "e-commerce-tenant-evil"]);
    expect(first.status).toBe(1);
    expect(first.stderr).toContain("binlog archive of dedicated-acme failed");
    expect(first.stderr).toContain("tenant-mysql.e-commerce-db-acme.svc.cluster.local");
    expect(first.stderr).not.toContain("evil"); // not a database namespace: never contacted
    for (const log of before) expect(existsSync(join(bucket, "binlogs/shared", log.name))).toBe(true);
    // Closed logs (before the run) are shipped whole.
    for (const log of before.slice(0, -1))
      expect(statSync(join(bucket, "binlogs/shared", log.name)).size).toBe(log.size);
    const marker = new Date(readFileSync(join(bucket, "binlogs/shared/ARCHIVED_AT"), "utf8").trim());
    expect(marker.getTime()).toBeGreaterThanOrEqual(startedAt);
    expect(first.puts.length).toBeGreaterThan(0);
    for (const put of first.puts)
      expect(put).toMatch(
        /--bucket cv-tenant-backups --key "?binlogs\/shared\/.* --server-side-encryption aws:kms --ssekms-key-id arn:aws:kms:eu-west-3:1:key\/k$/,
      );
    expect(existsSync(join(bucket, "binlogs/dedicated-acme/ARCHIVED_AT"))).toBe(false); // no marker for a failed server
  });

  it("a second run ships only the active log (and closed ones not yet archived) and the marker", async () => {
    const second = run([]);
    expect(second.stderr).toBe("");
    expect(second.status).toBe(0);
    const logs = await binaryLogs();
    const shipped = second.puts.map((p) => /--key (\S+)/.exec(p)![1]!.replace("binlogs/shared/", ""));
    expect(shipped.at(-1)).toBe("ARCHIVED_AT");
    // Logs closed before the first run are never shipped again; a log rotated since may be.
    const closedEarlier = logs.slice(0, -2).map((l) => l.name);
    expect(shipped.filter((f) => closedEarlier.includes(f))).toEqual([]);
    expect(shipped).toContain(logs.at(-1)!.name);
  });
});

/**
 * Backups as synthesized, per tier (literals of the tier table, docs/product.md): each tenant's backup plan and role,
 * the platform's runner per tier at the tier's frequency, the binlog position recorded only where
 * point-in-time recovery is sold, uploads encrypted with the tier's retention tag, lifecycle rules
 * per tier, a role that reaches only the tenant's prefix; the backup layout the restore reads.
 */
import { offlinePlatformFacts } from "../synth/platformStandIn";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runnerScript } from "../components/platform/backupBucket";
import { backupPolicyDocument } from "../components/operations/tenantBackups";
import {
  backupRetentionDays,
  backupStamp,
  BINLOG_RETENTION_DAYS,
  dumpKey,
  parseBackupStamp,
  type TierName,
} from "../tiers";
import { kubernetesObjects } from "../synth/manifests";
import { synthPlatform } from "../synth/programs";
import { ofKind, synthShape } from "./helpers/synth";

const platform = async () => {
  const result = await synthPlatform();
  return { result, objects: kubernetesObjects(result) };
};

const CONTRACT: Record<TierName, { schedule: string; retentionDays: number; pitr: boolean }> = {
  standard: { schedule: "30 2 * * *", retentionDays: 7, pitr: false }, // daily
  premium: { schedule: "15 * * * *", retentionDays: 30, pitr: false }, // hourly, 30 days
  business: { schedule: "0 3 * * *", retentionDays: 31, pitr: true }, // continuous: daily base + binlogs, 30-day PITR
};

interface CronJobView {
  metadata: { name: string; namespace: string };
  spec: {
    schedule: string;
    concurrencyPolicy: string;
    jobTemplate: {
      spec: { template: { spec: { serviceAccountName: string; containers: { command: string[] }[] } } };
    };
  };
}

describe("tenant backups", () => {
  it.each(Object.entries(CONTRACT) as [TierName, (typeof CONTRACT)[TierName]][])(
    "%s: a backup plan in the tenant's namespace for its tier's runner, and a role only the runner assumes",
    async (tier, c) => {
      const { objects, result } = await synthShape(tier, 1);
      expect(ofKind(objects, "CronJob")).toEqual([]); // no backup pod in the tenant's quota
      const [plan] = ofKind(objects, "ConfigMap").filter((m) => m.metadata!.name === "tenant-backup-plan");
      expect(plan!.metadata).toMatchObject({
        namespace: "e-commerce-tenant-acme",
        labels: { tenant: "acme", tier, "collect-verything.com/backup-plan": tier },
      });
      const data = (plan as unknown as { data: Record<string, string> }).data;
      expect(data).toMatchObject({
        TENANT: "acme",
        DUMP_PREFIX: "tenants/acme/dumps/",
        DEFINITIONS_PREFIX: "tenants/acme/rabbitmq/",
        DUMP_OPTIONS: c.pitr ? "--master-data=2" : "",
      });
      expect(data.DATABASES).toMatch(/^acme_auth acme_products acme_baskets acme_orders /);
      expect(data.DEFINITIONS_URL).toMatch(/\/api\/definitions\/e-commerce-tenant-acme$/);
      expect(backupRetentionDays(tier)).toBe(c.retentionDays);
      const role = result.resources.find((r) => r.type === "aws:iam/role:Role")!;
      expect(JSON.parse(role.inputs.assumeRolePolicy as string).Statement[0].Condition.StringEquals).toEqual({
        // The platform's own cluster issuer (its facts), not a placeholder.
        [`${offlinePlatformFacts("eu-west-3").backups.oidcIssuer}:sub`]:
          "system:serviceaccount:tenant-backups:backup-runner",
      });
    },
  );

  it("the platform runs one backup runner per tier at the tier's frequency, uploading encrypted and tagged with the tier's retention", async () => {
    const { objects, result } = await platform();
    // The binlog archiver (tests/binlogArchiver.test.ts) is the namespace's other CronJob.
    const jobs = (ofKind(objects, "CronJob") as unknown as CronJobView[]).filter((j) =>
      j.metadata.name.startsWith("backup-"),
    );
    expect(Object.fromEntries(jobs.map((j) => [j.metadata.name, j.spec.schedule]))).toEqual(
      Object.fromEntries(
        (Object.keys(CONTRACT) as TierName[]).map((t) => [`backup-${t}`, CONTRACT[t].schedule]),
      ),
    );
    for (const job of jobs) {
      const tier = job.metadata.name.replace("backup-", "");
      expect(job.spec.concurrencyPolicy).toBe("Forbid");
      const pod = job.spec.jobTemplate.spec.template.spec;
      expect(pod.serviceAccountName).toBe("backup-runner");
      const script = pod.containers[0]!.command[2]!;
      expect(script).toContain(`-l collect-verything.com/backup-plan=${tier} `);
      expect(script).toContain("assume-role-with-web-identity");
      expect(script.match(/--server-side-encryption aws:kms/g)).toHaveLength(2);
      expect(script.match(new RegExp(`--tagging "retention-tier=${tier}"`, "g"))).toHaveLength(2);
    }
    const lifecycle = result.resources.find(
      (r) => r.type === "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    )!;
    const rules = lifecycle.inputs.rules as { id: string; expiration: { days: number } }[];
    expect(Object.fromEntries(rules.map((r) => [r.id, r.expiration.days]))).toEqual({
      "standard-backups": 7,
      "premium-backups": 30,
      "business-backups": 31,
      binlogs: 30,
    });
    const encryption = result.resources.find(
      (r) =>
        r.type === "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    )!;
    expect(JSON.stringify(encryption.inputs)).toContain('"sseAlgorithm":"aws:kms"');
  });

  it("binary logs are kept for the longest point-in-time window (Business, 30 days)", () => {
    expect(BINLOG_RETENTION_DAYS).toBe(30);
  });

  it("the tenant's role reaches only its own prefix (not a tenant whose id extends it, not the binlogs)", () => {
    const doc = JSON.stringify(backupPolicyDocument({ bucket: "b", kmsKeyArn: "arn:aws:kms:k" }, "acme"));
    expect(doc).toContain('"arn:aws:s3:::b/tenants/acme/*"');
    expect(doc).toContain('"s3:prefix":["tenants/acme/*"]');
    expect(doc).not.toMatch(/tenants\/acme\*|tenants\/\*|binlogs|"arn:aws:s3:::b\/\*"/);
  });

  it("the dump key's stamp (the jobs' `date -u +%Y-%m-%dT%H-%M-%S-000Z`) parses back to its time", () => {
    const at = new Date("2026-11-30T14:05:09.000Z");
    expect(backupStamp(at)).toBe("2026-11-30T14-05-09-000Z");
    expect(dumpKey("acme", at)).toBe("tenants/acme/dumps/2026-11-30T14-05-09-000Z.sql");
    expect(parseBackupStamp(dumpKey("acme", at))).toEqual(at);
    expect(parseBackupStamp("tenants/acme/dumps/latest.sql")).toBeUndefined();
  });

  it("a tier runner reports a tenant whose dump failed and uploads nothing of it, while the other tenants are backed up", () => {
    const dir = mkdtempSync(join(tmpdir(), `backup-runner-${process.pid}-`));
    try {
      const tool = (name: string, body: string) => {
        writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
        chmodSync(join(dir, name), 0o755);
      };
      const plan = (tenant: string) => ({
        data: {
          TENANT: tenant,
          ROLE_ARN: `arn:aws:iam::1:role/cv-backup-${tenant}`,
          DUMP_PREFIX: `tenants/${tenant}/dumps/`,
          DEFINITIONS_PREFIX: `tenants/${tenant}/rabbitmq/`,
          DATABASES: `${tenant}_auth`,
          MYSQL_HOST: "mysql",
          MYSQL_PORT: "3306",
          DUMP_OPTIONS: "",
          DEFINITIONS_URL: `http://rabbitmq/api/definitions/${tenant}`,
        },
      });
      writeFileSync(join(dir, "plans-source.json"), JSON.stringify({ items: [plan("acme"), plan("beta")] }));
      tool("kubectl", `cat "${dir}/plans-source.json"`);
      tool(
        "aws",
        `echo "$*" >> "${dir}/aws-calls"\n[ "$1" = sts ] && echo '{"AccessKeyId":"a","SecretAccessKey":"s","SessionToken":"t"}'\nexit 0`,
      );
      // The server refuses acme's dump midway (after part of the file is written).
      tool("mysqldump", 'echo "-- partial"\ncase "$*" in *acme_*) exit 2;; esac');
      tool("curl", 'while [ $# -gt 0 ]; do [ "$1" = -o ] && echo "{}" > "$2"; shift; done');
      writeFileSync(join(dir, "token"), "jwt");
      const result = spawnSync("/bin/sh", ["-c", runnerScript("business", "cv-tenant-backups")], {
        encoding: "utf8",
        env: {
          ...process.env,
          PATH: `${dir}:${process.env.PATH}`,
          WORK_DIR: dir,
          AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, "token"),
          MYSQL_USER: "backup",
          RABBITMQ_USER: "u",
          RABBITMQ_PASSWORD: "p",
          KMS_KEY_ARN: "arn:aws:kms:k",
        },
      });
      expect(result.stderr).toContain("backup of acme failed");
      expect(result.stderr).not.toContain("backup of beta failed");
      expect(result.status).toBe(1);
      const keys = readFileSync(join(dir, "aws-calls"), "utf8")
        .split("\n")
        .flatMap((l) => /put-object .*--key (\S+)/.exec(l)?.[1] ?? []);
      expect(keys.map((k) => k.replace(/\d{4}-.*Z/, "<stamp>"))).toEqual([
        "tenants/beta/dumps/<stamp>.sql",
        "tenants/beta/rabbitmq/<stamp>.json",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

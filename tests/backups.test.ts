/**
 * Backups as synthesized, per tier (SPEC section 4 literals): the dump and vhost-definition jobs at
 * the tier's frequency, the binlog position recorded only where point-in-time recovery is sold,
 * every object written encrypted into the tenant's own prefix with the tier's retention tag, by a
 * role that can reach only that prefix; retention per tier; the backup layout the restore reads.
 */
import { describe, expect, it } from "vitest";
import { backupPolicyDocument } from "../components/tenantBackups";
import { backupRetentionDays, backupStamp, BINLOG_RETENTION_DAYS, dumpKey, parseBackupStamp, type TierName } from "../tiers";
import { ofKind, synthShape } from "./helpers/synth";

const CONTRACT: Record<TierName, { schedule: string; retentionDays: number; pitr: boolean }> = {
  standard: { schedule: "30 2 * * *", retentionDays: 7, pitr: false }, // daily
  premium: { schedule: "15 * * * *", retentionDays: 30, pitr: false }, // hourly, 30 days
  business: { schedule: "0 3 * * *", retentionDays: 31, pitr: true }, // continuous: daily base + binlogs, 30-day PITR
};

interface CronJobView {
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: { schedule: string; concurrencyPolicy: string; jobTemplate: { spec: { template: { spec: { serviceAccountName: string; containers: { command: string[]; resources: object }[] } } } } };
}

describe("tenant backups", () => {
  it.each(Object.entries(CONTRACT) as [TierName, (typeof CONTRACT)[TierName]][])("%s: jobs at the tier's frequency into the tenant's prefix, encrypted and tagged for its retention", async (tier, c) => {
    const { objects, result } = await synthShape(tier, 1);
    const jobs = ofKind(objects, "CronJob") as unknown as CronJobView[];
    expect(jobs.map((j) => j.metadata.name).sort()).toEqual(["acme-database-dump", "acme-rabbitmq-definitions"]);
    for (const job of jobs) {
      expect(job.metadata.namespace).toBe("tenant-backups");
      expect(job.metadata.labels).toMatchObject({ tenant: "acme", tier });
      expect(job.spec.schedule).toBe(c.schedule);
      expect(job.spec.concurrencyPolicy).toBe("Forbid");
      const pod = job.spec.jobTemplate.spec.template.spec;
      expect(pod.serviceAccountName).toBe("backup-acme");
      const script = pod.containers[0]!.command[2]!;
      expect(script).toContain("--server-side-encryption aws:kms");
      expect(script).toContain(`--tagging "retention-tier=${tier}"`);
      expect(script).toMatch(/--key "tenants\/acme\/(dumps|rabbitmq)\/\$STAMP\.(sql|json)"/);
    }
    const dump = jobs.find((j) => j.metadata.name === "acme-database-dump")!.spec.jobTemplate.spec.template.spec.containers[0]!.command[2]!;
    expect(dump.includes("--master-data=2")).toBe(c.pitr);
    expect(dump).toContain("--databases acme_auth acme_products acme_baskets acme_orders");
    expect(backupRetentionDays(tier)).toBe(c.retentionDays);
    const role = result.resources.find((r) => r.type === "aws:iam/role:Role")!;
    expect(JSON.parse(role.inputs.assumeRolePolicy as string).Statement[0].Condition.StringEquals).toEqual({
      "oidc.eks.eu-west-3.amazonaws.com/id/CLUSTER:sub": "system:serviceaccount:tenant-backups:backup-acme",
    });
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
});

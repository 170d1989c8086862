/**
 * The platform's hourly usage meter (components/platform/usageMeter.ts) in the platform synth:
 * a CronJob running the tenant CLI's `meter` command at a fixed minute past every hour, one pod
 * at a time, restricted, with a role that writes the backup bucket's `usage/` prefix only.
 */
import { describe, expect, it } from "vitest";
import {
  UsageMeter,
  usageMeterPolicyDocument,
  USAGE_METER_SCHEDULE,
} from "../components/platform/usageMeter";
import { kubernetesObjects } from "../synth/manifests";
import { synthPlatform } from "../synth/programs";
import { backupBucketName, REGION_NAMES, TenantRequestError } from "../tiers";

interface CronJobView {
  metadata: { name: string; namespace: string };
  spec: {
    schedule: string;
    timeZone: string;
    concurrencyPolicy: string;
    jobTemplate: {
      spec: {
        template: {
          spec: {
            serviceAccountName: string;
            securityContext: { runAsNonRoot: boolean };
            containers: {
              command: string[];
              env: { name: string; value?: string }[];
              envFrom: { secretRef: { name: string } }[];
              securityContext: { readOnlyRootFilesystem: boolean };
              workingDir: string;
            }[];
          };
        };
      };
    };
  };
}

describe("usage meter (platform)", () => {
  it.each(REGION_NAMES)(
    "runs `tenant meter` hourly in %s, writing the region's backup bucket",
    async (region) => {
      const result = await synthPlatform(region);
      const objects = kubernetesObjects(result);
      const jobs = objects.filter((o) => o.kind === "CronJob" && o.metadata?.name === "usage-meter");
      expect(jobs).toHaveLength(1);
      const job = jobs[0] as unknown as CronJobView;
      expect(job.metadata.namespace).toBe("usage-metering");
      expect(job.spec).toMatchObject({
        schedule: USAGE_METER_SCHEDULE,
        timeZone: "Etc/UTC",
        concurrencyPolicy: "Forbid",
      });
      expect(USAGE_METER_SCHEDULE).toMatch(/^\d+ \* \* \* \*$/);
      const pod = job.spec.jobTemplate.spec.template.spec;
      const container = pod.containers[0]!;
      expect(container.command.slice(1, 3)).toEqual(["/app/scripts/tenant.ts", "meter"]);
      expect(Object.fromEntries(container.env.map((e) => [e.name, e.value]))).toMatchObject({
        PROMETHEUS_URL: "http://prometheus-operated.monitoring.svc:9090",
        BACKUP_BUCKET: backupBucketName(region),
      });
      expect(container.envFrom).toEqual([{ secretRef: { name: "usage-meter-account" } }]);
      expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      const quota = objects.find(
        (o) => o.kind === "ResourceQuota" && o.metadata?.namespace === "usage-metering",
      );
      expect((quota?.spec as { hard: Record<string, string> }).hard["pods"]).toBe("1");
      const policy = objects.find(
        (o) => o.kind === "NetworkPolicy" && o.metadata?.namespace === "usage-metering",
      );
      expect((policy?.spec as { policyTypes: string[] }).policyTypes).toEqual(["Ingress", "Egress"]);
      const role = result.resources.find(
        (r) => r.type === "aws:iam/role:Role" && r.inputs["name"] === "cv-usage-meter",
      );
      // Only the meter's ServiceAccount may assume it (the issuer is the cluster's, from the platform config).
      const condition = JSON.parse(role!.inputs["assumeRolePolicy"] as string).Statement[0].Condition
        .StringEquals;
      expect(Object.values(condition)).toEqual(["system:serviceaccount:usage-metering:usage-meter"]);
      expect(Object.keys(condition)[0]).toMatch(/^oidc\.eks\..+:sub$/);
    },
  );

  it("lets the meter write the bucket's usage/ prefix with its key, nothing else", () => {
    expect(usageMeterPolicyDocument("cv-tenant-backups", "arn:aws:kms:eu-west-3:1:key/k")).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["s3:PutObject"], Resource: ["arn:aws:s3:::cv-tenant-backups/usage/*"] },
        { Effect: "Allow", Action: ["kms:GenerateDataKey"], Resource: ["arn:aws:kms:eu-west-3:1:key/k"] },
      ],
    });
  });

  it("refuses a Prometheus URL that is not http(s) before registering anything", () => {
    expect(
      () =>
        new UsageMeter("m", {
          namespace: "usage-metering",
          image: "i",
          prometheus: { url: "file:///etc/passwd", namespace: "monitoring" },
          mysql: { port: 3306, cidr: "10.0.0.0/8" },
          secret: "s",
          bucket: "b",
          kmsKeyArn: "k",
          oidcProviderArn: "arn",
          oidcIssuer: "issuer",
        }),
    ).toThrow(TenantRequestError);
  });
});

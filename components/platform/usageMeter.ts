import * as iam from "@pulumi/aws/iam";
import * as batch from "@pulumi/kubernetes/batch/v1";
import * as core from "@pulumi/kubernetes/core/v1";
import * as networking from "@pulumi/kubernetes/networking/v1";
import type * as inputs from "@pulumi/kubernetes/types/input";
import * as pulumi from "@pulumi/pulumi";
import { serviceAccountTrustPolicy } from "../shared/serviceAccountTrust";
import { TenantRequestError, USAGE_PREFIX } from "../../tiers";
import { jobNamespace } from "./platformNamespace";
import { CONTAINER_SECURITY_CONTEXT, containerResources, POD_SECURITY_CONTEXT } from "../tenant/microservice";

/** Past the hour: the previous hour is over and its last scrapes are in. */
export const USAGE_METER_SCHEDULE = "7 * * * *";
export const USAGE_METER = "usage-meter";
/** One meter pod: Node with the tenant CLI, reading every tenant's config through the Pulumi backend. */
export const USAGE_METER_RESOURCES = {
  requests: { cpu: 100, memory: 256 },
  limits: { cpu: 500, memory: 768 },
} as const;

export interface UsageMeterArgs {
  /** The meter's own namespace. */
  readonly namespace: string;
  /** Image with this repository, its node_modules and the Pulumi CLI at /app (the provisioning service's). */
  readonly image: string;
  /** The platform Prometheus (http(s)) and its namespace (the meter's egress). */
  readonly prometheus: { readonly url: string; readonly namespace: string };
  /** The metering database's server: where the meter's egress may go. */
  readonly mysql: { readonly port: number } & ({ readonly namespace: string } | { readonly cidr: string });
  /**
   * Secret in `namespace` with MYSQL_HOST/PORT/USER/PASSWORD (the metering database's account),
   * PULUMI_BACKEND_URL and PULUMI_CONFIG_PASSPHRASE (read access to the tenant stacks' configs).
   */
  readonly secret: string;
  /** The region's backup bucket and its key: exports go to its `usage/` prefix. */
  readonly bucket: string;
  readonly kmsKeyArn: pulumi.Input<string>;
  /** IRSA: the cluster's OIDC provider ARN and issuer (host/path). */
  readonly oidcProviderArn: pulumi.Input<string>;
  readonly oidcIssuer: pulumi.Input<string>;
}

/** The meter role's policy: write `usage/` of the backup bucket only, with the bucket's key. */
export function usageMeterPolicyDocument(bucket: string, kmsKeyArn: string): iam.PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:PutObject"], Resource: [`arn:aws:s3:::${bucket}/${USAGE_PREFIX}*`] },
      { Effect: "Allow", Action: ["kms:GenerateDataKey"], Resource: [kmsKeyArn] },
    ],
  };
}

/**
 * The hourly usage meter (automation/metering.ts through `npm run tenant -- meter`): a CronJob in
 * its own namespace (restricted, a one-pod quota, egress to DNS, Prometheus, MySQL and HTTPS only),
 * with an IAM role (IRSA) that may write the backup bucket's `usage/` prefix and nothing else.
 */
export class UsageMeter extends pulumi.ComponentResource {
  constructor(name: string, args: UsageMeterArgs, opts?: pulumi.ComponentResourceOptions) {
    const url = /^https?:\/\//.test(args.prometheus.url) ? undefined : "must be an http(s) URL";
    if (url) throw new TenantRequestError([{ field: "prometheus.url", message: url }]);
    super("collect-verything:platform:UsageMeter", name, {}, opts);
    const labels = {
      "app.kubernetes.io/part-of": "collect-verything",
      "app.kubernetes.io/managed-by": "pulumi",
      "app.kubernetes.io/name": USAGE_METER,
    };
    const quota = { name: USAGE_METER, pods: 1, each: USAGE_METER_RESOURCES };
    const namespace = jobNamespace(name, { namespace: args.namespace, labels, quota }, this);
    const account = this.identity(name, args, labels, namespace);
    this.egress(name, args, labels, namespace);
    new batch.CronJob(
      `${name}-cronjob`,
      {
        metadata: { name: USAGE_METER, namespace: args.namespace, labels },
        spec: {
          schedule: USAGE_METER_SCHEDULE,
          timeZone: "Etc/UTC",
          concurrencyPolicy: "Forbid",
          // A missed hour is collected again by hand (`meter --hour`): a late run would meter the wrong hour.
          startingDeadlineSeconds: 1800,
          successfulJobsHistoryLimit: 1,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            spec: { backoffLimit: 2, activeDeadlineSeconds: 1800, template: this.pod(args, labels) },
          },
        },
      },
      { parent: this, dependsOn: [namespace, account] },
    );
    this.registerOutputs({});
  }

  private pod(args: UsageMeterArgs, labels: Record<string, string>): inputs.core.v1.PodTemplateSpec {
    return {
      metadata: { labels },
      spec: {
        serviceAccountName: USAGE_METER,
        restartPolicy: "Never",
        securityContext: POD_SECURITY_CONTEXT,
        containers: [
          {
            name: "meter",
            image: args.image,
            // The CLI writes its Pulumi work directory under the working directory: the scratch volume.
            workingDir: "/work",
            command: [
              "/app/node_modules/.bin/tsx",
              "/app/scripts/tenant.ts",
              "meter",
              "--engine",
              "local",
              "--json",
            ],
            env: [
              { name: "HOME", value: "/work" },
              { name: "PROMETHEUS_URL", value: args.prometheus.url },
              { name: "BACKUP_BUCKET", value: args.bucket },
              { name: "BACKUP_KMS_KEY_ID", value: args.kmsKeyArn },
            ],
            envFrom: [{ secretRef: { name: args.secret } }],
            resources: containerResources(USAGE_METER_RESOURCES),
            securityContext: CONTAINER_SECURITY_CONTEXT,
            volumeMounts: [
              { name: "work", mountPath: "/work" },
              { name: "tmp", mountPath: "/tmp" },
            ],
          },
        ],
        volumes: [
          { name: "work", emptyDir: { sizeLimit: "1Gi" } },
          { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
        ],
      },
    };
  }

  /** The meter's ServiceAccount and IAM role (IRSA): the bucket's `usage/` prefix only. */
  private identity(
    name: string,
    args: UsageMeterArgs,
    labels: Record<string, string>,
    namespace: core.Namespace,
  ): core.ServiceAccount {
    const role = new iam.Role(
      `${name}-role`,
      {
        name: "cv-usage-meter",
        description: `Writes usage exports to ${args.bucket}/${USAGE_PREFIX} only`,
        assumeRolePolicy: serviceAccountTrustPolicy({
          oidcProviderArn: args.oidcProviderArn,
          oidcIssuer: args.oidcIssuer,
          namespace: args.namespace,
          serviceAccount: USAGE_METER,
        }),
      },
      { parent: this },
    );
    new iam.RolePolicy(
      `${name}-role`,
      {
        role: role.id,
        policy: pulumi
          .output(args.kmsKeyArn)
          .apply((arn) => JSON.stringify(usageMeterPolicyDocument(args.bucket, arn))),
      },
      { parent: this },
    );
    return new core.ServiceAccount(
      `${name}-account`,
      {
        metadata: {
          name: USAGE_METER,
          namespace: args.namespace,
          labels,
          annotations: { "eks.amazonaws.com/role-arn": role.arn },
        },
      },
      { parent: this, dependsOn: [namespace] },
    );
  }

  /** Egress: DNS, the platform Prometheus, the metering database, HTTPS (S3, STS, the Pulumi backend). */
  private egress(
    name: string,
    args: UsageMeterArgs,
    labels: Record<string, string>,
    namespace: core.Namespace,
  ): void {
    const port = Number(
      new URL(args.prometheus.url).port || (args.prometheus.url.startsWith("https") ? 443 : 80),
    );
    const nsPeer = (ns: string) => ({
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
    });
    const mysqlPeer =
      "namespace" in args.mysql ? nsPeer(args.mysql.namespace) : { ipBlock: { cidr: args.mysql.cidr } };
    new networking.NetworkPolicy(
      `${name}-egress`,
      {
        metadata: { name: USAGE_METER, namespace: args.namespace, labels },
        spec: {
          podSelector: {},
          policyTypes: ["Ingress", "Egress"],
          egress: [
            {
              to: [nsPeer("kube-system")],
              ports: [
                { protocol: "UDP", port: 53 },
                { protocol: "TCP", port: 53 },
              ],
            },
            { to: [nsPeer(args.prometheus.namespace)], ports: [{ protocol: "TCP", port }] },
            { to: [mysqlPeer], ports: [{ protocol: "TCP", port: args.mysql.port }] },
            { ports: [{ protocol: "TCP", port: 443 }] },
          ],
        },
      },
      { parent: this, dependsOn: [namespace] },
    );
  }
}

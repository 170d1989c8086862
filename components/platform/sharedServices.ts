import * as pulumi from "@pulumi/pulumi";
import { Alerting } from "./alerting";
import { EnvoyGateway } from "./envoyGateway";
import { Keda } from "./keda";
import { ObjectStorage } from "./objectStorage";
import { SharedMysql } from "./sharedMysql";
import { SharedRabbitmq } from "./sharedRabbitmq";
import { SharedRedis } from "./sharedRedis";

/**
 * Secrets the operators put in place before the first `pulumi up` (credentials and the origin
 * certificate never live in the stack's config; docs/platform-contract.md).
 */
export const OPERATOR_SECRETS = {
  gatewayCertificate: "platform-gateway-origin-tls",
  mysqlRoot: "mysql-root",
  minioRoot: "minio-root",
  minioTls: "minio-tls",
} as const;

export interface SharedServicesArgs {
  /** The monitoring namespace (where the platform Prometheus runs). */
  readonly monitoringNamespace: string;
  /** StorageClass of the data services' volumes. */
  readonly storageClassName: pulumi.Input<string>;
  /** The origin-pull CA's certificate the platform Gateway validates the edge's client certificate against. */
  readonly originPullCaCertificate: pulumi.Input<string>;
}

/**
 * Every service the tenants' stacks point at (stacks/platformFacts.ts), installed at the locations
 * of components/platform/serviceLocations.ts: Envoy Gateway and the platform Gateway, KEDA, the
 * Prometheus operator and Alertmanager, the shared MySQL, RabbitMQ, MinIO and Redis.
 */
export class SharedServices extends pulumi.ComponentResource {
  constructor(name: string, args: SharedServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:platform:SharedServices", name, {}, opts);
    const child = { parent: this };
    const redis = new SharedRedis("shared-redis", child);
    new EnvoyGateway(
      "envoy-gateway",
      {
        certificateSecret: OPERATOR_SECRETS.gatewayCertificate,
        originPullCaCertificate: args.originPullCaCertificate,
      },
      { parent: this, dependsOn: [redis] },
    );
    new Keda("keda", child);
    new Alerting("alerting", { namespace: args.monitoringNamespace }, child);
    new SharedMysql(
      "shared-mysql",
      { rootSecret: OPERATOR_SECRETS.mysqlRoot, storageClassName: args.storageClassName },
      child,
    );
    new SharedRabbitmq("shared-rabbitmq", { storageClassName: args.storageClassName }, child);
    new ObjectStorage(
      "object-storage",
      {
        rootSecret: OPERATOR_SECRETS.minioRoot,
        tlsSecret: OPERATOR_SECRETS.minioTls,
        storageClassName: args.storageClassName,
      },
      child,
    );
    this.registerOutputs({});
  }
}

import * as core from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { getTier, TIER_NAMES } from "../../tiers";
import { customResource } from "../shared/crds";
import { pinnedRelease } from "./charts";
import { platformNamespace } from "./platformNamespace";
import { PLATFORM_SERVICES } from "./serviceLocations";
import { statefulOptions } from "../shared/statefulOptions";

export const MYSQL_OPERATOR_NAMESPACE = "mysql-operator";
/** The InnoDB cluster's name: the operator names its routers' Service after it. */
export const SHARED_CLUSTER = "mysql";
/** MySQL Router's read-only classic port (its read-write one is 6446). */
export const ROUTER_READ_ONLY_PORT = 6447;

/**
 * Instances of the shared InnoDB cluster: a primary and the most read replicas a tier has, at
 * least 3 (group replication keeps quorum through one loss).
 */
export const sharedInstances = (): number =>
  Math.max(3, 1 + Math.max(...TIER_NAMES.map((t) => getTier(t).database.readReplicas)));

export interface SharedMysqlArgs {
  /** Secret (in the mysql namespace) with rootUser, rootHost, rootPassword, as the operator reads it. */
  readonly rootSecret: string;
  /** StorageClass of the instances' volumes. */
  readonly storageClassName: pulumi.Input<string>;
}

/**
 * The MySQL Operator (also what a Business tenant's dedicated cluster needs) and the shared InnoDB
 * cluster "mysql": its routers' Service is the read-write endpoint tenants get; a second Service,
 * mysql-read, on the same port 3306, goes to the routers' read-only port (Premium's reporting user).
 */
export class SharedMysql extends pulumi.ComponentResource {
  constructor(name: string, args: SharedMysqlArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:platform:SharedMysql", name, {}, opts);
    const { mysql, mysqlRead } = PLATFORM_SERVICES;
    const operatorNs = platformNamespace(MYSQL_OPERATOR_NAMESPACE, { parent: this });
    const operator = pinnedRelease(
      "mysql-operator",
      "mysqlOperator",
      MYSQL_OPERATOR_NAMESPACE,
      {},
      {
        parent: this,
        dependsOn: [operatorNs],
      },
    );
    const namespace = platformNamespace(mysql.namespace, { parent: this });
    customResource(
      `${name}-cluster`,
      {
        apiVersion: "mysql.oracle.com/v2",
        kind: "InnoDBCluster",
        metadata: { name: SHARED_CLUSTER, namespace: mysql.namespace },
        spec: {
          secretName: args.rootSecret,
          tlsUseSelfSigned: true,
          instances: sharedInstances(),
          router: { instances: 2 },
          datadirVolumeClaimTemplate: {
            storageClassName: args.storageClassName,
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: "200Gi" } },
          },
        },
      },
      { parent: this, dependsOn: [operator, namespace], ...statefulOptions("protected") },
    );
    new core.Service(
      `${name}-read`,
      {
        metadata: { name: mysqlRead.host.split(".")[0]!, namespace: mysql.namespace },
        spec: {
          selector: { "mysql.oracle.com/cluster": SHARED_CLUSTER, component: "mysqlrouter" },
          ports: [{ name: "mysql-ro", port: mysqlRead.port, targetPort: ROUTER_READ_ONLY_PORT }],
        },
      },
      { parent: this, dependsOn: [namespace] },
    );
    this.registerOutputs({});
  }
}

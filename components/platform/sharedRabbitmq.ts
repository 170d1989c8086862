import * as pulumi from "@pulumi/pulumi";
import { getTier, TIER_NAMES } from "../../tiers";
import { customResource } from "../shared/crds";
import { pinnedRelease } from "./charts";
import { platformNamespace } from "./platformNamespace";
import { PLATFORM_SERVICES } from "./serviceLocations";
import { statefulOptions } from "../shared/statefulOptions";

export const RABBITMQ_OPERATOR_NAMESPACE = "rabbitmq-system";
/** The cluster's name: the operator names its client Service after it. */
export const SHARED_BROKER = "rabbitmq";

/** Nodes of the shared broker: the most any tier replicates its quorum queues over (catalog haNodes). */
export const sharedBrokerNodes = (): number =>
  Math.max(...TIER_NAMES.map((t) => getTier(t).messaging.haNodes));

export interface SharedRabbitmqArgs {
  readonly storageClassName: pulumi.Input<string>;
}

/**
 * The RabbitMQ cluster operator and the shared RabbitmqCluster "rabbitmq": as many nodes as the
 * widest tier's quorum queues, with the federation plugins (Business's cross-region upstreams)
 * and the management API the tenants' providers use.
 */
export class SharedRabbitmq extends pulumi.ComponentResource {
  constructor(name: string, args: SharedRabbitmqArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:platform:SharedRabbitmq", name, {}, opts);
    const { rabbitmq } = PLATFORM_SERVICES;
    const operatorNs = platformNamespace(RABBITMQ_OPERATOR_NAMESPACE, { parent: this });
    const operator = pinnedRelease(
      "rabbitmq-cluster-operator",
      "rabbitmqClusterOperator",
      RABBITMQ_OPERATOR_NAMESPACE,
      { msgTopologyOperator: { enabled: false } },
      { parent: this, dependsOn: [operatorNs] },
    );
    const namespace = platformNamespace(rabbitmq.namespace, { parent: this });
    customResource(
      `${name}-cluster`,
      {
        apiVersion: "rabbitmq.com/v1beta1",
        kind: "RabbitmqCluster",
        metadata: { name: SHARED_BROKER, namespace: rabbitmq.namespace },
        spec: {
          replicas: sharedBrokerNodes(),
          rabbitmq: {
            additionalPlugins: ["rabbitmq_federation", "rabbitmq_federation_management"],
          },
          persistence: { storageClassName: args.storageClassName, storage: "100Gi" },
        },
      },
      { parent: this, dependsOn: [operator, namespace], ...statefulOptions("protected") },
    );
    this.registerOutputs({});
  }
}

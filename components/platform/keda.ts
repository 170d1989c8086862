import * as pulumi from "@pulumi/pulumi";
import { pinnedRelease } from "./charts";
import { platformNamespace } from "./platformNamespace";

export const KEDA_NAMESPACE = "keda";

/** KEDA (its operator, metrics server and CRDs): the tenants' ScaledObjects and TriggerAuthentications. */
export class Keda extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:platform:Keda", name, {}, opts);
    const namespace = platformNamespace(KEDA_NAMESPACE, { parent: this });
    pinnedRelease("keda", "keda", KEDA_NAMESPACE, {}, { parent: this, dependsOn: [namespace] });
    this.registerOutputs({});
  }
}

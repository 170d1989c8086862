import * as pulumi from "@pulumi/pulumi";

/** A custom resource with nothing around it: no component, no provider, no options. */
export class Bare extends pulumi.CustomResource {
  constructor(name: string, inputs: pulumi.Inputs) {
    super("bench:index:Bare", name, inputs);
  }
}

import * as core from "@pulumi/kubernetes/core/v1";
import type * as pulumi from "@pulumi/pulumi";
import { LABEL, PART_OF } from "../shared/labels";

/** A namespace of a shared service, labelled as the platform's (never a tenant's: no tenant label). */
export function platformNamespace(name: string, opts: pulumi.CustomResourceOptions): core.Namespace {
  return new core.Namespace(
    `${name}-namespace`,
    {
      metadata: {
        name,
        labels: {
          [LABEL.managedBy]: "pulumi",
          "collect-verything.com/platform": "true",
          [LABEL.partOf]: `${PART_OF}-platform`,
        },
      },
    },
    opts,
  );
}

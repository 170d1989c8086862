import * as core from "@pulumi/kubernetes/core/v1";
import type * as pulumi from "@pulumi/pulumi";
import type { ContainerResources } from "../../tiers";
import { formatCpu, formatMemory } from "../../lib/units";
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

export interface JobNamespaceArgs {
  /** The namespace's name. */
  readonly namespace: string;
  /** Labels of the namespace and its quota. */
  readonly labels: Readonly<Record<string, string>>;
  /** The quota's name, and how many pods of `each` may run at once. */
  readonly quota: { readonly name: string; readonly pods: number; readonly each: ContainerResources };
}

/**
 * The namespace of a platform job (backup runners, usage meter): restricted pod security, and a quota
 * that fits its pods at once and no more. Resources `${name}-namespace` and `${name}-quota` under `parent`.
 */
export function jobNamespace(name: string, args: JobNamespaceArgs, parent: pulumi.Resource): core.Namespace {
  const { labels, quota } = args;
  const namespace = new core.Namespace(
    `${name}-namespace`,
    {
      metadata: {
        name: args.namespace,
        labels: {
          ...labels,
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/warn": "restricted",
        },
      },
    },
    { parent },
  );
  new core.ResourceQuota(
    `${name}-quota`,
    {
      metadata: { name: quota.name, namespace: args.namespace, labels },
      spec: {
        hard: {
          pods: String(quota.pods),
          "requests.cpu": formatCpu(quota.pods * quota.each.requests.cpu),
          "requests.memory": formatMemory(quota.pods * quota.each.requests.memory),
          "limits.cpu": formatCpu(quota.pods * quota.each.limits.cpu),
          "limits.memory": formatMemory(quota.pods * quota.each.limits.memory),
        },
      },
    },
    { parent, dependsOn: [namespace] },
  );
  return namespace;
}

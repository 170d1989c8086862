import * as core from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { QUOTA_FIELDS, storageClassName, TIER_NAMES, type NamespacePlan, type QuotaSpec } from "../../tiers";
import { formatCpu, formatMemory, formatStorage } from "../../lib/units";
import { LABEL, tenantLabels, type TenantIdentity } from "../shared/labels";
import { NetworkIsolation, type PlatformAccess } from "./networkIsolation";
import { statefulOptions } from "../shared/statefulOptions";

export const POD_SECURITY_LEVEL = "restricted";

interface CommonArgs {
  readonly identity: TenantIdentity;
  /** Namespace name (see tiers/naming.ts). */
  readonly namespace: string;
  /** This namespace's share of the tenant's quota, limit range and workloads. */
  readonly plan: NamespacePlan;
}

/**
 * "core" for the tenant's first namespace (site 1 and shared services) and "site" for the
 * others, with what their pods may reach; "retired" for a removed site's namespace, sealed
 * (default-deny only) with the zero quota of its plan.
 */
export type NamespaceGuardrailsArgs =
  | (CommonArgs & { readonly role: "core" | "site"; readonly network: PlatformAccess })
  | (CommonArgs & { readonly role: "retired" });

/** A quota as ResourceQuota `hard` quantities (node ports always 0: tenants get none). */
export function formatQuota(q: QuotaSpec): Record<string, string> {
  return {
    ...Object.fromEntries(QUOTA_FIELDS.map((f) => [f.hardKey, f.format(q[f.key])])),
    "services.nodeports": "0",
  };
}

/** ResourceQuota `hard` map of one namespace: the tier's class gets the storage, other tiers' classes 0. */
export function quotaHard(plan: NamespacePlan, identity: TenantIdentity): Record<string, string> {
  const q = plan.quota;
  const hard = formatQuota(q);
  for (const tier of TIER_NAMES) {
    const own = tier === identity.tier;
    const prefix = `${storageClassName(tier)}.storageclass.storage.k8s.io`;
    hard[`${prefix}/requests.storage`] = formatStorage(own ? q.requestsStorage : 0);
    hard[`${prefix}/persistentvolumeclaims`] = String(own ? q.persistentVolumeClaims : 0);
  }
  return hard;
}

/**
 * One tenant namespace with its guardrails: tenant/tier labels, Pod Security Admission
 * `restricted`, its share of the tenant quota, the limit range, and network isolation.
 * The core namespace is protected. A removed site's namespace keeps its Pulumi names (so
 * retiring a site is an update, never a delete) and is protected with its quota, limit range
 * and default-deny: dropping it from the retired sites fails instead of leaving an unguarded
 * namespace with data in it; deprovisioning lifts the protection deliberately. Every namespace
 * is retained in the cluster if Pulumi ever deletes it.
 */
export class NamespaceGuardrails extends pulumi.ComponentResource {
  readonly namespaceName: pulumi.Output<string>;

  constructor(name: string, args: NamespaceGuardrailsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:tenant:NamespaceGuardrails", name, {}, opts);
    const { identity, plan } = args;
    const labels = tenantLabels(identity);
    const retired = args.role === "retired";

    const namespace = new core.Namespace(
      name,
      {
        metadata: {
          name: args.namespace,
          labels: {
            ...labels,
            [LABEL.namespaceType]: args.role,
            [LABEL.site]: String(plan.site),
            "pod-security.kubernetes.io/enforce": POD_SECURITY_LEVEL,
            "pod-security.kubernetes.io/enforce-version": "latest",
            "pod-security.kubernetes.io/audit": POD_SECURITY_LEVEL,
            "pod-security.kubernetes.io/warn": POD_SECURITY_LEVEL,
          },
        },
      },
      { parent: this, ...statefulOptions(args.role === "site" ? "retained-unprotected" : "retained") },
    );
    this.namespaceName = namespace.metadata.name;
    const inNamespace = {
      parent: this,
      dependsOn: [namespace],
      ...(retired ? statefulOptions("protected") : {}),
    };

    new core.ResourceQuota(
      `${name}-quota`,
      {
        metadata: { name: "tenant-quota", namespace: args.namespace, labels },
        spec: { hard: quotaHard(plan, identity) },
      },
      inNamespace,
    );

    const lr = plan.limitRange;
    const cpuMemory = (v: { cpu: number; memory: number }) => ({
      cpu: formatCpu(v.cpu),
      memory: formatMemory(v.memory),
    });
    new core.LimitRange(
      `${name}-limits`,
      {
        metadata: { name: "tenant-limits", namespace: args.namespace, labels },
        spec: {
          limits: [
            {
              type: "Container",
              max: cpuMemory(lr.containerMax),
              min: cpuMemory(lr.containerMin),
              default: cpuMemory(lr.containerDefault),
              defaultRequest: cpuMemory(lr.containerDefaultRequest),
            },
            { type: "Pod", max: cpuMemory(lr.podMax) },
            {
              type: "PersistentVolumeClaim",
              min: { storage: formatStorage(lr.pvcMin) },
              max: { storage: formatStorage(lr.pvcMax) },
            },
          ],
        },
      },
      inNamespace,
    );

    new NetworkIsolation(
      `${name}-network`,
      { identity, namespace: args.namespace, ...(args.role === "retired" ? {} : { access: args.network }) },
      inNamespace,
    );
    this.registerOutputs({ namespaceName: this.namespaceName });
  }
}

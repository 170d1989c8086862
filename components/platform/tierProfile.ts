import * as admission from "@pulumi/kubernetes/admissionregistration/v1";
import * as scheduling from "@pulumi/kubernetes/scheduling/v1";
import * as storage from "@pulumi/kubernetes/storage/v1";
import type { admissionregistration } from "@pulumi/kubernetes/types/input";
import * as pulumi from "@pulumi/pulumi";
import {
  getTier,
  priorityClassName,
  storageClassName,
  volumeAttributesClassName,
  type TierDefinition,
  type TierName,
} from "../../tiers";
import { formatCpu, formatMemory } from "../../lib/units";
import { LABEL, PART_OF } from "../shared/labels";

export const EBS_CSI_DRIVER = "ebs.csi.aws.com";

export const admissionPolicyName = (tier: TierName): string => `tier-${tier}-containers`;

const SIZED_CONTAINER_LISTS = ["containers", "initContainers"] as const;
const POD_CONTAINER_LISTS = [...SIZED_CONTAINER_LISTS, "ephemeralContainers"] as const;

/** CEL: every container of one of the pod's lists satisfies `condition` (about `c`); an absent list passes. */
const everyContainer = (list: string, condition: string): string =>
  `!has(object.spec.${list}) || object.spec.${list}.all(c, ${condition})`;

export interface TierProfileArgs {
  /** The tier whose cluster-wide objects to create. */
  readonly tier: TierName;
}

/**
 * The cluster-scoped objects shared by every tenant of one tier: the gp3 StorageClass and the
 * VolumeAttributesClass that carries the tier's IOPS/throughput (a tier change points existing
 * PVCs at another class and the EBS CSI driver modifies the volume in place), the PriorityClass,
 * and a ValidatingAdmissionPolicy that enforces in the cluster what PSA `restricted` does not:
 * a read-only root filesystem and container limits within the tier's per-service ceiling.
 */
export class TierProfile extends pulumi.ComponentResource {
  readonly storageClassName: pulumi.Output<string>;
  readonly volumeAttributesClassName: pulumi.Output<string>;
  readonly priorityClassName: pulumi.Output<string>;

  constructor(name: string, args: TierProfileArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:platform:TierProfile", name, {}, opts);
    const tier = getTier(args.tier);
    const labels = { [LABEL.partOf]: PART_OF, [LABEL.managedBy]: "pulumi", [LABEL.tier]: tier.name };
    const parameters = {
      type: "gp3",
      iops: String(tier.storageClass.iops),
      throughput: String(tier.storageClass.throughputMiBps),
    };
    const child = { parent: this };

    const storageClass = new storage.StorageClass(
      `${name}-storage`,
      {
        metadata: { name: storageClassName(tier.name), labels },
        provisioner: EBS_CSI_DRIVER,
        parameters: { ...parameters, encrypted: "true" },
        allowVolumeExpansion: true,
        volumeBindingMode: "WaitForFirstConsumer",
        reclaimPolicy: "Retain",
      },
      child,
    );

    const attributes = new storage.VolumeAttributesClass(
      `${name}-iops`,
      {
        metadata: { name: volumeAttributesClassName(tier.name), labels },
        driverName: EBS_CSI_DRIVER,
        parameters,
      },
      child,
    );

    const priority = new scheduling.PriorityClass(
      `${name}-priority`,
      {
        metadata: { name: priorityClassName(tier.name), labels },
        value: tier.priority,
        globalDefault: false,
        preemptionPolicy: "Never",
        description: `Pods of ${tier.displayName} tenants`,
      },
      child,
    );

    this.containerAdmission(name, tier, labels);

    this.storageClassName = storageClass.metadata.name;
    this.volumeAttributesClassName = attributes.metadata.name;
    this.priorityClassName = priority.metadata.name;
    this.registerOutputs({
      storageClassName: this.storageClassName,
      volumeAttributesClassName: this.volumeAttributesClassName,
      priorityClassName: this.priorityClassName,
    });
  }

  /** The tier's container admission policy, bound to the namespaces labelled with the tier. */
  private containerAdmission(name: string, tier: TierDefinition, labels: Record<string, string>): void {
    const child = { parent: this };
    const policy = new admission.ValidatingAdmissionPolicy(
      `${name}-containers`,
      {
        metadata: { name: admissionPolicyName(tier.name), labels },
        spec: containerPolicySpec(tier),
      },
      child,
    );

    new admission.ValidatingAdmissionPolicyBinding(
      `${name}-containers`,
      {
        metadata: { name: admissionPolicyName(tier.name), labels },
        spec: {
          policyName: admissionPolicyName(tier.name),
          validationActions: ["Deny"],
          matchResources: {
            namespaceSelector: { matchLabels: { [LABEL.tier]: tier.name, [LABEL.partOf]: PART_OF } },
          },
        },
      },
      { parent: this, dependsOn: [policy] },
    );
  }
}

/** Read-only root filesystems everywhere, and limits within the tier's per-service ceiling. */
function containerPolicySpec(tier: TierDefinition): admissionregistration.v1.ValidatingAdmissionPolicySpec {
  // The seed's per-service size is the tier's container ceiling (sizing never exceeds it).
  const max = tier.serviceCeiling.limits;
  return {
    failurePolicy: "Fail",
    matchConstraints: {
      // pods/ephemeralcontainers: `kubectl debug` adds containers through that subresource.
      resourceRules: [
        {
          apiGroups: [""],
          apiVersions: ["v1"],
          operations: ["CREATE", "UPDATE"],
          resources: ["pods", "pods/ephemeralcontainers"],
        },
      ],
    },
    validations: [
      // Init and ephemeral containers too: each list checked on its own (CEL types them apart).
      ...POD_CONTAINER_LISTS.map((list) => ({
        expression: everyContainer(
          list,
          "has(c.securityContext) && has(c.securityContext.readOnlyRootFilesystem) && c.securityContext.readOnlyRootFilesystem == true",
        ),
        message: `every container (${list}) must run with a read-only root filesystem`,
      })),
      // Ephemeral containers cannot declare resources; the others must stay within the ceiling.
      ...SIZED_CONTAINER_LISTS.map((list) => ({
        expression: everyContainer(
          list,
          `has(c.resources.limits) && 'cpu' in c.resources.limits && 'memory' in c.resources.limits && quantity(c.resources.limits.cpu).compareTo(quantity('${formatCpu(max.cpu)}')) <= 0 && quantity(c.resources.limits.memory).compareTo(quantity('${formatMemory(max.memory)}')) <= 0`,
        ),
        message: `every container (${list}) must set CPU and memory limits within ${formatCpu(max.cpu)} CPU and ${formatMemory(max.memory)}`,
      })),
    ],
  };
}

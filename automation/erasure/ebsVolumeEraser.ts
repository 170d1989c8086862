/**
 * Erases the EBS volumes a `Retain` storage class leaves behind a tenant's volume claims: the EBS
 * CSI driver tags each volume it creates with its claim's namespace
 * (`kubernetes.io/created-for/pvc/namespace`, its `--extra-create-metadata`, on by default in the
 * EKS add-on). Volumes are listed by that tag's key and matched by exact namespace
 * (targets.ts: `acme` never takes `acme-shop`'s), deleted, and checked gone (DescribeVolumes
 * answers InvalidVolume.NotFound, or the volume is `deleted`).
 */
import {
  DeleteVolumeCommand,
  DescribeVolumesCommand,
  type EC2Client,
  type Volume,
} from "@aws-sdk/client-ec2";
import type { ErasedItem, Eraser } from "./report";
import { isTenantsNamespace } from "./targets";

export const PVC_NAMESPACE_TAG = "kubernetes.io/created-for/pvc/namespace";
const PVC_NAME_TAG = "kubernetes.io/created-for/pvc/name";

export interface EbsVolumeEraserOptions {
  readonly client: EC2Client;
  /** How the report names the account and region (no credentials). */
  readonly where: string;
  /** How long a volume may stay `deleting` before it is reported not verified. Default 120 s. */
  readonly settleMs?: number;
  /** Pause between checks of a deleting volume. Default 2 s. */
  readonly pollMs?: number;
}

const tagOf = (volume: Volume, key: string): string | undefined =>
  volume.Tags?.find((t) => t.Key === key)?.Value;

const isNotFound = (error: unknown): boolean =>
  (error as { name?: string } | null)?.name === "InvalidVolume.NotFound";

export class EbsVolumeEraser implements Eraser {
  readonly system = "ebs" as const;

  constructor(private readonly options: EbsVolumeEraserOptions) {}

  /** Every volume tagged for a claim in one of the tenant's namespaces (all pages). */
  async tenantVolumes(tenantId: string): Promise<Volume[]> {
    const found: Volume[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.options.client.send(
        new DescribeVolumesCommand({
          Filters: [{ Name: "tag-key", Values: [PVC_NAMESPACE_TAG] }],
          ...(NextToken ? { NextToken } : {}),
        }),
      );
      for (const volume of page.Volumes ?? []) {
        const namespace = tagOf(volume, PVC_NAMESPACE_TAG);
        if (namespace !== undefined && isTenantsNamespace(tenantId, namespace)) found.push(volume);
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return found;
  }

  /** Whether EC2 no longer has the volume (or only as `deleted`), waiting out `deleting`. */
  private async gone(volumeId: string): Promise<boolean> {
    const deadline = Date.now() + (this.options.settleMs ?? 120_000);
    for (;;) {
      try {
        const { Volumes = [] } = await this.options.client.send(
          new DescribeVolumesCommand({ VolumeIds: [volumeId] }),
        );
        if (Volumes.every((v) => v.State === "deleted")) return true;
      } catch (error) {
        if (isNotFound(error)) return true;
        throw error;
      }
      if (Date.now() >= deadline) return false;
      await new Promise((wait) => setTimeout(wait, this.options.pollMs ?? 2_000));
    }
  }

  private async eraseOne(volume: Volume, at: () => string): Promise<ErasedItem> {
    const volumeId = volume.VolumeId!;
    let note = `claim ${tagOf(volume, PVC_NAMESPACE_TAG)}/${tagOf(volume, PVC_NAME_TAG) ?? "?"}`;
    try {
      await this.options.client.send(new DeleteVolumeCommand({ VolumeId: volumeId }));
    } catch (error) {
      // Already gone is absent; attached (VolumeInUse) or refused is reported, not verified.
      if (!isNotFound(error)) note += `; DeleteVolume refused: ${(error as Error).name}`;
    }
    return {
      system: "ebs",
      kind: "volume",
      name: volumeId,
      where: this.options.where,
      action: "deleted",
      verifiedAbsent: await this.gone(volumeId),
      at: at(),
      note,
    };
  }

  async erase(tenantId: string, at: () => string): Promise<ErasedItem[]> {
    const volumes = (await this.tenantVolumes(tenantId)).filter((v) => v.State !== "deleted");
    if (volumes.length === 0)
      return [
        {
          system: "ebs",
          kind: "volume",
          name: `tagged ${PVC_NAMESPACE_TAG} in ${tenantId}'s namespaces`,
          where: this.options.where,
          action: "absent",
          verifiedAbsent: true,
          at: at(),
        },
      ];
    const items: ErasedItem[] = [];
    for (const volume of volumes) items.push(await this.eraseOne(volume, at));
    return items;
  }
}

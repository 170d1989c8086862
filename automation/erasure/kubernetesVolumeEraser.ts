/**
 * Erases the PersistentVolumes a `Retain` reclaim policy keeps after the tenant's claims are
 * deleted (the stack's destroy deletes the claims; the volumes stay `Released`). Lists every
 * PersistentVolume, keeps those whose claim was in one of the tenant's namespaces (exact names:
 * targets.ts), deletes each and checks it gone (404). Deleting a `Retain` volume's object does not
 * delete its disk: the EBS eraser deletes those (ebsVolumeEraser.ts).
 */
import type { KubernetesApi } from "./kubernetesApi";
import type { ErasedItem, Eraser } from "./report";
import { isTenantsNamespace } from "./targets";

interface PersistentVolume {
  readonly metadata: { readonly name: string };
  readonly spec?: {
    readonly claimRef?: { readonly namespace?: string; readonly name?: string };
    readonly persistentVolumeReclaimPolicy?: string;
    readonly csi?: { readonly volumeHandle?: string };
    readonly awsElasticBlockStore?: { readonly volumeID?: string };
  };
  readonly status?: { readonly phase?: string };
}

interface PersistentVolumeList {
  readonly items?: readonly PersistentVolume[];
  readonly metadata?: { readonly continue?: string };
}

export interface KubernetesVolumeEraserOptions {
  readonly api: KubernetesApi;
  /** How long a deleted volume may linger (its finalizers) before it is reported not verified. Default 60 s. */
  readonly settleMs?: number;
  /** Pause between checks. Default 1 s. */
  readonly pollMs?: number;
}

const PVS = "/api/v1/persistentvolumes";

export class KubernetesVolumeEraser implements Eraser {
  readonly system = "kubernetes" as const;

  constructor(private readonly options: KubernetesVolumeEraserOptions) {}

  private async call(method: "GET" | "DELETE", path: string, absentOk: boolean): Promise<unknown> {
    const { status, body } = await this.options.api.request(method, path);
    if (status === 404 && absentOk) return undefined;
    if (status < 200 || status >= 300)
      throw new Error(
        `Kubernetes API ${method} ${path}: HTTP ${status} ${JSON.stringify(body).slice(0, 200)}`,
      );
    return body;
  }

  /** The volumes whose claim was in one of the tenant's namespaces (every page of the list). */
  async tenantVolumes(tenantId: string): Promise<PersistentVolume[]> {
    const found: PersistentVolume[] = [];
    let next: string | undefined;
    do {
      const query = `?limit=500${next ? `&continue=${encodeURIComponent(next)}` : ""}`;
      const page = (await this.call("GET", `${PVS}${query}`, false)) as PersistentVolumeList;
      for (const pv of page.items ?? []) {
        const namespace = pv.spec?.claimRef?.namespace;
        if (namespace !== undefined && isTenantsNamespace(tenantId, namespace)) found.push(pv);
      }
      next = page.metadata?.continue || undefined;
    } while (next);
    return found;
  }

  private async gone(name: string): Promise<boolean> {
    const deadline = Date.now() + (this.options.settleMs ?? 60_000);
    for (;;) {
      if ((await this.call("GET", `${PVS}/${encodeURIComponent(name)}`, true)) === undefined) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((wait) => setTimeout(wait, this.options.pollMs ?? 1_000));
    }
  }

  private async eraseOne(pv: PersistentVolume, at: () => string): Promise<ErasedItem> {
    const name = pv.metadata.name;
    await this.call("DELETE", `${PVS}/${encodeURIComponent(name)}`, true);
    const disk = pv.spec?.csi?.volumeHandle ?? pv.spec?.awsElasticBlockStore?.volumeID;
    const claim = pv.spec?.claimRef;
    return {
      system: "kubernetes",
      kind: "PersistentVolume",
      name,
      where: this.options.api.where,
      action: "deleted",
      verifiedAbsent: await this.gone(name),
      at: at(),
      note: `claim ${claim?.namespace}/${claim?.name}, reclaim ${pv.spec?.persistentVolumeReclaimPolicy ?? "?"}, ${pv.status?.phase ?? "?"}${disk ? `, disk ${disk}` : ""}`,
    };
  }

  async erase(tenantId: string, at: () => string): Promise<ErasedItem[]> {
    const volumes = await this.tenantVolumes(tenantId);
    if (volumes.length === 0)
      return [
        {
          system: "kubernetes",
          kind: "PersistentVolume",
          name: `bound to ${tenantId}'s namespaces`,
          where: this.options.api.where,
          action: "absent",
          verifiedAbsent: true,
          at: at(),
        },
      ];
    const items: ErasedItem[] = [];
    for (const pv of volumes) items.push(await this.eraseOne(pv, at));
    return items;
  }
}

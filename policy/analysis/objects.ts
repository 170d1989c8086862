/**
 * Minimal typed views of the Kubernetes objects the policies and the usage analysis read.
 * Everything is optional: these describe what a stack *might* contain, not what it must.
 */

export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec?: unknown;
  readonly data?: Readonly<Record<string, string>>;
  readonly binaryData?: Readonly<Record<string, string>>;
}

export interface Quantities {
  readonly cpu?: string | number;
  readonly memory?: string | number;
}

export interface Container {
  readonly name?: string;
  readonly image?: string;
  /** "Always" on an init container makes it a sidecar, running beside the app containers. */
  readonly restartPolicy?: string;
  readonly resources?: { readonly requests?: Quantities; readonly limits?: Quantities };
  readonly securityContext?: {
    readonly privileged?: boolean;
    readonly readOnlyRootFilesystem?: boolean;
    readonly allowPrivilegeEscalation?: boolean;
    readonly runAsNonRoot?: boolean;
    readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
  };
  readonly ports?: readonly {
    readonly containerPort?: number;
    readonly hostPort?: number;
    readonly hostIP?: string;
  }[];
  readonly env?: readonly { readonly name: string; readonly value?: string; readonly valueFrom?: unknown }[];
}

/** A PersistentVolumeClaim's spec (also a StatefulSet's volumeClaimTemplates and generic ephemeral volumes). */
export interface ClaimSpec {
  readonly storageClassName?: string;
  readonly volumeAttributesClassName?: string;
  readonly resources?: { readonly requests?: { readonly storage?: string } };
}

export interface Volume {
  readonly name?: string;
  readonly hostPath?: unknown;
  readonly ephemeral?: { readonly volumeClaimTemplate?: { readonly spec?: ClaimSpec } };
}

export interface PodSpec {
  readonly containers?: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly ephemeralContainers?: readonly Container[];
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly priorityClassName?: string;
  /** RuntimeClass overhead, charged to the quota on top of the containers. */
  readonly overhead?: Quantities;
  readonly volumes?: readonly Volume[];
  readonly securityContext?: {
    readonly runAsNonRoot?: boolean;
    readonly seccompProfile?: { readonly type?: string };
  };
}

export interface DeploymentSpec {
  readonly replicas?: number;
  readonly strategy?: {
    readonly type?: string;
    readonly rollingUpdate?: {
      readonly maxSurge?: number | string;
      readonly maxUnavailable?: number | string;
    };
  };
  readonly template?: { readonly spec?: PodSpec };
}

export interface ScaleTarget {
  readonly kind?: string;
  readonly name?: string;
}

/** A Kubernetes object's spec, typed by the caller (the objects are someone else's: everything optional). */
export const specOf = <T>(o: KubeObject): T => (o.spec ?? {}) as T;

export const isKind = (o: KubeObject, kind: string): boolean => o.kind === kind;
export const nameOf = (o: KubeObject): string => o.metadata?.name ?? "";
export const namespaceOf = (o: KubeObject): string => o.metadata?.namespace ?? "";

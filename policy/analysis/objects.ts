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
}

export interface Quantities {
  readonly cpu?: string | number;
  readonly memory?: string | number;
}

export interface Container {
  readonly name?: string;
  readonly image?: string;
  readonly resources?: { readonly requests?: Quantities; readonly limits?: Quantities };
  readonly securityContext?: {
    readonly privileged?: boolean;
    readonly readOnlyRootFilesystem?: boolean;
    readonly allowPrivilegeEscalation?: boolean;
    readonly runAsNonRoot?: boolean;
  };
  readonly env?: readonly { readonly name: string; readonly value?: string }[];
}

export interface PodSpec {
  readonly containers?: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly volumes?: readonly { readonly name?: string; readonly hostPath?: unknown }[];
  readonly securityContext?: { readonly runAsNonRoot?: boolean; readonly seccompProfile?: { readonly type?: string } };
}

export interface DeploymentSpec {
  readonly replicas?: number;
  readonly strategy?: {
    readonly type?: string;
    readonly rollingUpdate?: { readonly maxSurge?: number | string; readonly maxUnavailable?: number | string };
  };
  readonly template?: { readonly spec?: PodSpec };
}

export interface ScaleTarget {
  readonly kind?: string;
  readonly name?: string;
}

export const isKind = (o: KubeObject, kind: string): boolean => o.kind === kind;
export const nameOf = (o: KubeObject): string => o.metadata?.name ?? "";
export const namespaceOf = (o: KubeObject): string => o.metadata?.namespace ?? "";

/**
 * Typed specs of the custom resources the components create (KEDA, Gateway API, Envoy Gateway),
 * and one helper that registers them. `CustomResource` accepts any spec; these interfaces are
 * what keeps it honest (fields as in the CRDs' OpenAPI schemas, validated offline in tests).
 */
import { CustomResource } from "@pulumi/kubernetes/apiextensions";
import type * as pulumi from "@pulumi/pulumi";
import type { ScalingRules } from "../../tiers";

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

/** KEDA ScaledObject (keda.sh/v1alpha1). */
export interface ScaledObjectSpec {
  readonly scaleTargetRef: { readonly apiVersion: string; readonly kind: string; readonly name: string };
  readonly minReplicaCount: number;
  readonly maxReplicaCount: number;
  readonly advanced?: {
    readonly horizontalPodAutoscalerConfig?: {
      readonly behavior?: { readonly scaleUp?: ScalingRules; readonly scaleDown?: ScalingRules };
    };
  };
  readonly triggers: readonly ScaledObjectTrigger[];
}

export type ScaledObjectTrigger =
  | {
      readonly type: "cpu" | "memory";
      readonly metricType: "Utilization";
      readonly metadata: { readonly value: string };
    }
  | {
      readonly type: "prometheus";
      readonly metricType: "AverageValue";
      readonly metadata: {
        readonly serverAddress: string;
        readonly query: string;
        readonly threshold: string;
      };
    }
  | {
      readonly type: "rabbitmq";
      readonly metadata: {
        readonly protocol: "amqp";
        readonly queueName: string;
        readonly mode: "QueueLength";
        readonly value: string;
        readonly vhostName: string;
      };
      readonly authenticationRef: { readonly name: string };
    };

/** KEDA TriggerAuthentication: trigger parameters read from a Secret. */
export interface TriggerAuthenticationSpec {
  readonly secretTargetRef: readonly {
    readonly parameter: string;
    readonly name: string;
    readonly key: string;
  }[];
}

export interface ParentReference {
  readonly group?: string;
  readonly kind?: string;
  readonly name: string;
  readonly namespace?: string;
  readonly sectionName?: string;
}

/** Gateway API HTTPRoute (gateway.networking.k8s.io/v1). */
export interface HttpRouteSpec {
  readonly parentRefs: readonly ParentReference[];
  readonly hostnames: readonly string[];
  readonly rules: readonly {
    readonly matches?: readonly {
      readonly path: { readonly type: "PathPrefix" | "Exact"; readonly value: string };
    }[];
    /** Absent when a filter answers the request itself (the maintenance response). */
    readonly backendRefs?: readonly {
      readonly name: string;
      readonly namespace?: string;
      readonly port: number;
    }[];
    /** Only the reference to an Envoy Gateway HTTPRouteFilter in the route's namespace. */
    readonly filters?: readonly {
      readonly type: "ExtensionRef";
      readonly extensionRef: { readonly group: string; readonly kind: string; readonly name: string };
    }[];
  }[];
}

/** Envoy Gateway HTTPRouteFilter (gateway.envoyproxy.io/v1alpha1): a direct response, nothing else. */
export interface HttpRouteFilterSpec {
  readonly directResponse: {
    readonly statusCode: number;
    readonly contentType: string;
    readonly body: { readonly type: "Inline"; readonly inline: string };
    readonly header?: { readonly set?: readonly { readonly name: string; readonly value: string }[] };
  };
}

/** Gateway API ReferenceGrant (gateway.networking.k8s.io/v1beta1). */
export interface ReferenceGrantSpec {
  readonly from: readonly { readonly group: string; readonly kind: string; readonly namespace: string }[];
  readonly to: readonly { readonly group: string; readonly kind: string; readonly name?: string }[];
}

export interface RateLimitRule {
  /** Requests the rule counts (all when absent); every condition of one selector must hold. */
  readonly clientSelectors?: readonly {
    readonly headers?: readonly {
      readonly name: string;
      readonly type: "Exact";
      readonly value: string;
      readonly invert?: boolean;
    }[];
  }[];
  readonly limit: { readonly requests: number; readonly unit: "Second" | "Minute" | "Hour" };
  /** One bucket for every route the policy targets (the tenant's total, not per route). */
  readonly shared?: boolean;
}

/** Envoy Gateway BackendTrafficPolicy (gateway.envoyproxy.io/v1alpha1). */
export interface BackendTrafficPolicySpec {
  readonly targetSelectors?: readonly {
    readonly group?: string;
    readonly kind: string;
    readonly matchLabels: Record<string, string>;
  }[];
  readonly rateLimit: {
    readonly type: "Global";
    readonly global: { readonly rules: readonly RateLimitRule[] };
  };
}

/** Envoy Gateway ClientTrafficPolicy (gateway.envoyproxy.io/v1alpha1): downstream (client) settings of a listener. */
export interface ClientTrafficPolicySpec {
  readonly targetRefs: readonly {
    readonly group: string;
    readonly kind: "Gateway";
    readonly name: string;
    readonly sectionName?: string;
  }[];
  readonly connection?: { readonly connectionLimit: { readonly value: number } };
  /** Client certificate validation (the edge's origin-pull certificate: tiers/edge.ts originLockdownSpec). */
  readonly tls?: {
    readonly clientValidation: {
      readonly caCertificateRefs: readonly {
        readonly group: "";
        readonly kind: "Secret";
        readonly name: string;
      }[];
      readonly optional: boolean;
    };
  };
  readonly clientIPDetection?: {
    readonly customHeader: { readonly name: string; readonly failClosed: boolean };
  };
}

/** prometheus-operator PrometheusRule (monitoring.coreos.com/v1). */
export interface PrometheusRuleSpec {
  readonly groups: readonly {
    readonly name: string;
    readonly rules: readonly {
      readonly alert: string;
      readonly expr: string;
      readonly for?: string;
      readonly labels: Record<string, string>;
      readonly annotations: Record<string, string>;
    }[];
  }[];
}

/** A relabelling step of a remote-write queue (prometheus-operator RelabelConfig). */
export interface RelabelConfig {
  readonly sourceLabels: readonly string[];
  /** RE2, anchored at both ends by Prometheus. */
  readonly regex: string;
  readonly action: "keep" | "drop";
}

/** prometheus-operator RemoteWriteSpec, the fields set here. */
export interface RemoteWriteSpec {
  readonly name: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly writeRelabelConfigs: readonly RelabelConfig[];
}

type LabelSelector = { readonly matchLabels?: Readonly<Record<string, string>> };

/** prometheus-operator Prometheus (monitoring.coreos.com/v1), the fields set here. */
export interface PrometheusSpec {
  readonly replicas: number;
  readonly serviceAccountName: string;
  readonly retention: string;
  readonly externalLabels: Readonly<Record<string, string>>;
  readonly serviceMonitorSelector: LabelSelector;
  readonly serviceMonitorNamespaceSelector: LabelSelector;
  readonly podMonitorSelector: LabelSelector;
  readonly podMonitorNamespaceSelector: LabelSelector;
  readonly ruleSelector: LabelSelector;
  readonly ruleNamespaceSelector: LabelSelector;
  /** The tenants' outside-in Probes (components/operations/probes.ts). */
  readonly probeSelector: LabelSelector;
  readonly probeNamespaceSelector: LabelSelector;
  readonly alerting: {
    readonly alertmanagers: readonly {
      readonly namespace: string;
      readonly name: string;
      readonly port: string;
      readonly apiVersion: "v2";
    }[];
  };
  readonly remoteWrite: readonly RemoteWriteSpec[];
  readonly resources: {
    readonly requests: Readonly<Record<string, string>>;
    readonly limits: Readonly<Record<string, string>>;
  };
  readonly securityContext: {
    readonly runAsNonRoot: boolean;
    readonly runAsUser: number;
    readonly fsGroup: number;
    readonly seccompProfile: { readonly type: "RuntimeDefault" };
  };
  readonly storage: {
    readonly volumeClaimTemplate: {
      readonly spec: {
        readonly storageClassName?: string;
        readonly accessModes: readonly string[];
        readonly resources: { readonly requests: { readonly storage: string } };
      };
    };
  };
}

export interface CustomResourceObject<TSpec> {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly spec: TSpec;
}

/** Registers a custom resource whose spec type-checks against the interfaces above. */
export function customResource<TSpec>(
  name: string,
  object: CustomResourceObject<TSpec>,
  opts: pulumi.CustomResourceOptions,
): CustomResource {
  return new CustomResource(
    name,
    { apiVersion: object.apiVersion, kind: object.kind, metadata: object.metadata, spec: object.spec },
    opts,
  );
}

/**
 * Every Kubernetes object synthesized for every tier (and the platform) validates against the
 * OpenAPI schema of its API, offline: kubernetes-models for built-in kinds, the CRD packages
 * for KEDA, Gateway API, Envoy Gateway and prometheus-operator. An object of an API without a model fails the test.
 */
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../policy/analysis/objects";
import { kubernetesObjects } from "../synth/manifests";
import { synthPlatform } from "../synth/programs";
import { synthShape } from "./helpers/synth";

type Model = new (data: object) => { validate(): void };
type ModelModule = Record<string, unknown>;

/** apiVersion -> the package module holding its models (ESM, loaded on demand). */
const MODULES: Record<string, () => Promise<ModelModule>> = {
  v1: () => import("kubernetes-models/v1"),
  "apps/v1": () => import("kubernetes-models/apps/v1"),
  "autoscaling/v2": () => import("kubernetes-models/autoscaling/v2"),
  "policy/v1": () => import("kubernetes-models/policy/v1"),
  "networking.k8s.io/v1": () => import("kubernetes-models/networking.k8s.io/v1"),
  "storage.k8s.io/v1": () => import("kubernetes-models/storage.k8s.io/v1"),
  "scheduling.k8s.io/v1": () => import("kubernetes-models/scheduling.k8s.io/v1"),
  "admissionregistration.k8s.io/v1": () => import("kubernetes-models/admissionregistration.k8s.io/v1"),
  "keda.sh/v1alpha1": () => import("@kubernetes-models/keda/keda.sh/v1alpha1"),
  "gateway.networking.k8s.io/v1": () => import("@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1"),
  "gateway.networking.k8s.io/v1beta1": () =>
    import("@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1beta1"),
  "gateway.envoyproxy.io/v1alpha1": () =>
    import("@kubernetes-models/envoy-gateway/gateway.envoyproxy.io/v1alpha1"),
  "monitoring.coreos.com/v1": () => import("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1"),
  "monitoring.coreos.com/v1alpha1": () =>
    import("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1"),
  "batch/v1": () => import("kubernetes-models/batch/v1"),
  "rbac.authorization.k8s.io/v1": () => import("kubernetes-models/rbac.authorization.k8s.io/v1"),
};

/**
 * The prometheus-operator models mark a Prometheus's `storage.volumeClaimTemplate` as a kind of its
 * own (required apiVersion monitoring.coreos.com/v1, kind EmbeddedPersistentVolumeClaim); the CRD
 * inlines an optional TypeMeta that the operator ignores (it writes apiVersion v1 itself). The
 * template is validated with those two filled in, its metadata and spec as written.
 */
function withModelQuirks(o: KubeObject): KubeObject {
  const spec = o.spec as { storage?: { volumeClaimTemplate?: object } } | undefined;
  const template = o.kind === "Prometheus" ? spec?.storage?.volumeClaimTemplate : undefined;
  if (!template) return o;
  return {
    ...o,
    spec: {
      ...spec,
      storage: {
        ...spec!.storage,
        volumeClaimTemplate: {
          apiVersion: "monitoring.coreos.com/v1",
          kind: "EmbeddedPersistentVolumeClaim",
          ...template,
        },
      },
    },
  };
}

async function validate(o: KubeObject): Promise<string | undefined> {
  const where = `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name}`;
  const load = MODULES[o.apiVersion ?? ""];
  if (!load) return `${where}: no schema model for this apiVersion`;
  const Model = (await load())[o.kind ?? ""] as Model | undefined;
  if (!Model) return `${where}: no schema model for this kind`;
  try {
    new Model(withModelQuirks(o)).validate();
    return undefined;
  } catch (error) {
    return `${where}: ${(error as Error).message}`;
  }
}

async function problems(objects: readonly KubeObject[]): Promise<string[]> {
  return (await Promise.all(objects.map(validate))).filter((p): p is string => p !== undefined);
}

describe("Kubernetes schema validation", () => {
  it.each([
    ["standard", 1],
    ["premium", 3],
    ["business", 10],
  ] as const)("validates every object of a %s tenant with %i site(s)", async (tier, sites) => {
    const { objects } = await synthShape(tier, sites);
    expect(objects.length).toBeGreaterThan(30);
    expect(await problems(objects)).toEqual([]);
  });

  it("validates the legacy ingress-nginx mode and a Business tenant with trusted CIDRs", async () => {
    const { objects } = await synthShape("business", 2, "acme", {
      routing: { mode: "ingress-nginx" },
      trustedCidrs: ["203.0.113.0/24"],
      alerting: {
        email: ["ops@acme.example"],
        slackWebhookUrl: "https://hooks.example/s",
        pagerdutyRoutingKey: "key",
        smsWebhookUrl: "https://sms.example/h",
      },
    });
    expect(objects.some((o) => o.kind === "AlertmanagerConfig")).toBe(true);
    expect(objects.some((o) => o.kind === "Ingress")).toBe(true);
    expect(await problems(objects)).toEqual([]);
  });

  it.each([
    ["business", 3, {}],
    ["premium", 2, { routing: { mode: "ingress-nginx" } }],
  ] as const)("validates a suspended %s tenant with %i sites (%o)", async (tier, sites, extra) => {
    const { objects } = await synthShape(tier, sites, "acme", { ...extra, suspended: "true" });
    const routing = "routing" in extra ? extra.routing.mode : "gateway-api";
    // Zero replicas, the paused ScaledObjects and, with the Gateway API, the maintenance filters.
    expect(objects.filter((o) => o.kind === "HTTPRouteFilter")).toHaveLength(
      routing === "gateway-api" ? sites : 0,
    );
    expect(await problems(objects)).toEqual([]);
  });

  it("validates the platform's tier objects", async () => {
    const objects = kubernetesObjects(await synthPlatform());
    expect(objects.map((o) => o.kind).sort()).toEqual(
      [
        ...Array(3).fill("PriorityClass"),
        ...Array(3).fill("StorageClass"),
        ...Array(3).fill("ValidatingAdmissionPolicy"),
        ...Array(3).fill("ValidatingAdmissionPolicyBinding"),
        ...Array(3).fill("VolumeAttributesClass"),
        // The backup runners and the binlog archiver (components/platform/backupBucket.ts).
        ...Array(4).fill("CronJob"),
        "Namespace",
        "ResourceQuota",
        ...Array(2).fill("ServiceAccount"),
        ...Array(2).fill("ClusterRole"),
        ...Array(2).fill("ClusterRoleBinding"),
        "NetworkPolicy",
        // Metrics retention per tier (components/platform/metricsRetention.ts): Mimir's overrides, the platform Prometheus and its scrape identity.
        "ConfigMap",
        "Prometheus",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        // The tenants' Probes' prober (components/platform/blackboxExporter.ts).
        "ConfigMap",
        "Deployment",
        "Service",
        "PodDisruptionBudget",
        // The hourly usage meter (components/platform/usageMeter.ts).
        "CronJob",
        "Namespace",
        "ResourceQuota",
        "ServiceAccount",
        "NetworkPolicy",
        // The shared services (components/platform/sharedServices.ts): their namespaces, the
        // Gateway, the shared clusters, the shared Redis and the MySQL read endpoint.
        ...Array(10).fill("Namespace"),
        "GatewayClass",
        "Gateway",
        "InnoDBCluster",
        "RabbitmqCluster",
        "Deployment",
        ...Array(2).fill("Service"),
        // The origin lockdown: the Gateway-wide policy and the origin-pull CA's certificate.
        "ClientTrafficPolicy",
        "Secret",
        // What the other regions reach (components/platform/crossRegionEndpoints.ts): MySQL, RabbitMQ, MinIO.
        ...Array(3).fill("Service"),
      ].sort(),
    );
    // No published models for the MySQL and RabbitMQ operators' kinds: their specs are checked
    // field by field in tests/sharedServices.test.ts.
    const unmodelled = ["InnoDBCluster", "RabbitmqCluster"];
    expect(await problems(objects.filter((o) => !unmodelled.includes(o.kind ?? "")))).toEqual([]);
  });

  it("catches an invalid platform Prometheus (a remote-write queue without its url, a bad relabel action)", async () => {
    const [prometheus] = kubernetesObjects(await synthPlatform()).filter((o) => o.kind === "Prometheus");
    const spec = prometheus!.spec as {
      remoteWrite: { url?: string; writeRelabelConfigs: { action: string }[] }[];
    };
    const [first, ...rest] = spec.remoteWrite;
    const withoutUrl = {
      ...prometheus!,
      spec: { ...spec, remoteWrite: [{ ...first, url: undefined }, ...rest] },
    };
    const badAction = {
      ...prometheus!,
      spec: {
        ...spec,
        remoteWrite: [
          { ...first, writeRelabelConfigs: [{ ...first!.writeRelabelConfigs[0], action: "keepif" }] },
          ...rest,
        ],
      },
    };
    expect(await problems([withoutUrl])).toEqual([
      expect.stringMatching(/remoteWrite\/0 must have required property url/),
    ]);
    expect(await problems([badAction])).toEqual([
      expect.stringMatching(/writeRelabelConfigs\/0\/action must be equal to one of the allowed values/),
    ]);
  });

  it("catches an invalid object (the validator is not a no-op)", async () => {
    const { objects } = await synthShape("standard", 1);
    const deployment = objects.find((o) => o.kind === "Deployment")!;
    const broken = { ...deployment, spec: { ...(deployment.spec as object), replicas: "three" } };
    expect(await problems([broken])).toHaveLength(1);
  });
});

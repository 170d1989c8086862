/**
 * Issue 22 item 4: every apiVersion the programs create is served by the cluster's Kubernetes
 * version (components/platform/apiVersions.ts), checked by the synth: lowering the version makes
 * the synth fail naming the object and the version it needs.
 */
import { describe, expect, it } from "vitest";
import {
  chartReleaseProblems,
  DEFAULT_KUBERNETES_VERSION,
  unservedProblem,
} from "../components/platform/apiVersions";
import { CHART_APIS } from "../components/platform/chartApis";
import { CHARTS } from "../tiers/chartPins";
import { PLATFORM_FACTS_OUTPUT } from "../stacks/platformFacts";
import { synthCommand } from "../synth/cli";
import { offlinePlatformFacts, offlinePlatformStack } from "../synth/platformStandIn";
import { synthPlatform, synthTenant } from "../synth/programs";
import { servedApiProblems, UnservedApiError } from "../synth/servedApis";
import { tenantConfig } from "./helpers/synth";

const failureOf = (run: Promise<unknown>): Promise<Error> =>
  run.then(
    () => {
      throw new Error("synthesized");
    },
    (e: unknown) => e as Error,
  );

describe("the platform's cluster version", () => {
  it("defaults to a version in EKS standard support that serves every object the platform creates", async () => {
    expect(DEFAULT_KUBERNETES_VERSION).toBe("1.35");
    const result = await synthPlatform("eu-west-3");
    const cluster = result.resources.find((r) => r.type === "aws:eks/cluster:Cluster")!;
    expect(cluster.inputs["version"]).toBe("1.35");
    expect((result.outputs[PLATFORM_FACTS_OUTPUT] as { kubernetesVersion: string }).kubernetesVersion).toBe(
      "1.35",
    );
  });

  it("1.33 (v1beta1 VolumeAttributesClass only): the synth fails naming each tier's class and the version it needs", async () => {
    const failure = await failureOf(
      synthPlatform("eu-west-3", "low", { "platform:kubernetesVersion": "1.33" }),
    );
    expect(failure).toBeInstanceOf(UnservedApiError);
    const lines = failure.message.split("\n").filter((l) => l.includes("VolumeAttributesClass"));
    expect(lines).toHaveLength(3);
    for (const line of lines)
      expect(line).toMatch(
        /storage\.k8s\.io\/v1 VolumeAttributesClass needs Kubernetes 1\.34, the cluster runs 1\.33/,
      );
    expect(failure.message).not.toContain("ValidatingAdmissionPolicy");
  });

  it("1.29: the admission policies (1.30) are named too", async () => {
    const failure = await failureOf(
      synthPlatform("eu-west-3", "older", { "platform:kubernetesVersion": "1.29" }),
    );
    expect(failure.message).toMatch(
      /ValidatingAdmissionPolicy needs Kubernetes 1\.30, the cluster runs 1\.29/,
    );
  });

  it("`npm run synth -- --platform` exits 1 naming the object, without a stack trace", async () => {
    const { synthFailure } = await import("../synth/cli");
    const failure = await failureOf(
      synthPlatform("eu-west-3", "cli", { "platform:kubernetesVersion": "1.33" }),
    );
    const { code, message } = synthFailure(failure);
    expect(code).toBe(1);
    expect(message).toMatch(/^synth: objects the cluster does not serve/);
    expect(message).not.toMatch(/\n\s+at /);
    expect(typeof synthCommand).toBe("function");
  });

  it("refuses a version that is not a minor version, naming the config key", async () => {
    await expect(
      synthPlatform("eu-west-3", "bad", { "platform:kubernetesVersion": "latest" }),
    ).rejects.toThrow(/kubernetesVersion: must be a Kubernetes minor version/);
  });
});

describe("a tenant's objects against each region's platform version", () => {
  it("fails naming the objects of the region whose platform runs a version too old, and only those", async () => {
    const config = tenantConfig("acme", "business", 1, { regions: ["eu-west-3", "us-east-1"] });
    const failure = await failureOf(
      synthTenant(
        "acme",
        config,
        (name) => {
          const standIn = offlinePlatformStack(name);
          if (!standIn || standIn.outputs["region"] !== "us-east-1") return standIn;
          const facts = { ...offlinePlatformFacts("us-east-1"), kubernetesVersion: "1.20" };
          return { ...standIn, outputs: { ...standIn.outputs, [PLATFORM_FACTS_OUTPUT]: facts } };
        },
        false,
      ),
    );
    expect(failure).toBeInstanceOf(UnservedApiError);
    const lines = failure.message.split("\n").slice(1);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatch(/needs Kubernetes 1\.(2\d|3\d), the cluster runs 1\.20/);
      expect(line).toContain("us-east-1");
    }
    expect(failure.message).toMatch(/policy\/v1 PodDisruptionBudget needs Kubernetes 1\.21/);
  });

  it("passes every object at the default version", async () => {
    await expect(synthTenant("acme", tenantConfig("acme", "business", 2))).resolves.toBeDefined();
  });

  it("asks each provider's version once, however many objects it carries", async () => {
    const tenant = await synthTenant(
      "acme",
      tenantConfig("acme", "business", 2, { regions: ["eu-west-3", "us-east-1"] }),
      offlinePlatformStack,
      false,
    );
    const asked: string[] = [];
    expect(
      servedApiProblems(tenant, (provider) => {
        asked.push(provider);
        return "1.33";
      }),
    ).toEqual([]);
    expect(asked.sort()).toEqual(["kubernetes-eu-west-3", "kubernetes-us-east-1"]);
  });
});

describe("the table is closed", () => {
  it.each([
    ["example.com/v1:Widget", /in no table of served API versions/],
    ["storage.k8s.io/v1beta1:VolumeAttributesClass", /in no table/],
    ["core/v1:Pod", /in no table/],
  ])("refuses %s, which it cannot judge", (apiKind, message) => {
    expect(unservedProblem(apiKind, "1.35")).toMatch(message);
  });

  it("leaves CRD kinds to the closed-world check (the platform installs their CRDs)", () => {
    expect(unservedProblem("gateway.networking.k8s.io/v1:HTTPRoute", "1.35")).toBeUndefined();
    expect(unservedProblem("keda.sh/v1alpha1:ScaledObject", "1.35")).toBeUndefined();
  });
});

describe("what the pinned charts render", () => {
  it("every pin has its rendered APIs recorded at its version, and the default cluster serves them", () => {
    expect(Object.keys(CHART_APIS).sort()).toEqual(Object.keys(CHARTS).sort());
    for (const [name, pin] of Object.entries(CHARTS)) {
      expect(CHART_APIS[name as keyof typeof CHARTS].version, name).toBe(pin.version);
      expect(chartReleaseProblems(pin.chart, pin.version, DEFAULT_KUBERNETES_VERSION), name).toEqual([]);
    }
  });

  it("refuses a release whose version moved without the table, an unpinned chart, and names what an old cluster lacks", () => {
    expect(chartReleaseProblems("keda", "2.18.0", "1.35")).toEqual([
      "chart keda 2.18.0: what it renders is recorded for 2.17.2 (components/platform/chartApis.ts); read its templates at the pinned version and update the table",
    ]);
    expect(chartReleaseProblems("karpenter", "1.0.0", "1.35")).toEqual([
      "chart karpenter is not pinned (tiers/chartPins.ts)",
    ]);
    // Envoy Gateway's HorizontalPodAutoscaler is autoscaling/v2 (1.23).
    expect(chartReleaseProblems(`${CHARTS.envoyGateway.repo}/gateway-helm`, "v1.7.4", "1.22")).toEqual([
      "chart gateway-helm v1.7.4 renders autoscaling/v2 HorizontalPodAutoscaler needs Kubernetes 1.23, the cluster runs 1.22",
    ]);
  });

  it("a custom resource is served only by a kind a pinned chart's CRDs serve (not just its group)", () => {
    expect(unservedProblem("gateway.envoyproxy.io/v1alpha1:ClientTrafficPolicy", "1.35")).toBeUndefined();
    expect(unservedProblem("keda.sh/v1alpha1:ScaledObject", "1.35")).toBeUndefined();
    expect(unservedProblem("keda.sh/v1beta1:ScaledObject", "1.35")).toMatch(
      /is in no table of served API versions/,
    );
    expect(unservedProblem("monitoring.coreos.com/v1:Unknown", "1.35")).toMatch(/is in no table/);
  });

  it("the platform synth fails naming a chart release whose rendered objects the cluster would not serve", async () => {
    const failure = await failureOf(
      synthPlatform("eu-west-3", "ancient", { "platform:kubernetesVersion": "1.15" }),
    );
    expect(failure.message).toMatch(
      /kubernetes:helm\.sh\/v3:Release keda: chart keda 2\.17\.2 renders admissionregistration\.k8s\.io\/v1 ValidatingWebhookConfiguration needs Kubernetes 1\.16/,
    );
  });
});

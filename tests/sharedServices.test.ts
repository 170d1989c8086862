/**
 * Issue 22 item 2: the platform installs the services tenants point at, each a pinned chart (or
 * the operator's own resource) at the location its facts export, sized from the catalog where a
 * tier number applies, and node pools per tier with Business on tainted dedicated nodes.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHARTS } from "../components/platform/charts";
import { DEDICATED_TAINT_KEY, NODE_POOL_LABEL } from "../components/shared/scheduling";
import type { KubeObject } from "../policy/analysis/objects";
import { PLATFORM_FACTS_OUTPUT, type PlatformFacts } from "../stacks/platformFacts";
import { synthCommand } from "../synth/cli";
import type { RecordedResource, SynthResult } from "../synth/engine";
import { kubernetesObjects } from "../synth/manifests";
import { checkPolicies } from "../synth/policyCheck";
import { synthPlatform } from "../synth/programs";
import { getTier, TIER_NAMES } from "../tiers";
import { ofKind, synthShape } from "./helpers/synth";

let result: SynthResult;
let objects: KubeObject[];
let facts: PlatformFacts;
beforeAll(async () => {
  result = await synthPlatform("eu-west-3");
  objects = kubernetesObjects(result);
  facts = result.outputs[PLATFORM_FACTS_OUTPUT] as PlatformFacts;
});

const releases = () => result.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
const releaseInputs = (r: RecordedResource) =>
  r.inputs as {
    name: string;
    chart: string;
    version: string;
    namespace: string;
    values: Record<string, unknown>;
  };
const release = (name: string) => releaseInputs(releases().find((r) => releaseInputs(r).name === name)!);
const spec = <T>(o: KubeObject | undefined): T => (o as unknown as { spec: T }).spec;
const named = (kind: string, name: string) => ofKind(objects, kind).find((o) => o.metadata?.name === name);

describe("the shared services, pinned", () => {
  it("installs one release per pinned chart, at its pinned version, in a namespace the platform creates", () => {
    const namespaces = new Set(ofKind(objects, "Namespace").map((n) => n.metadata?.name));
    expect(
      releases()
        .map((r) => releaseInputs(r).chart.split("/").pop())
        .sort(),
    ).toEqual(
      Object.values(CHARTS)
        .map((c) => c.chart)
        .sort(),
    );
    for (const r of releases()) {
      const i = releaseInputs(r);
      const pin = Object.values(CHARTS).find((c) => i.chart.endsWith(c.chart))!;
      expect(i.version).toBe(pin.version);
      expect(r.inputs["atomic"]).toBe(true);
      if (i.namespace !== "kube-system") expect(namespaces).toContain(i.namespace);
    }
  });

  it("runs the Gateway and listener the facts name, admitting routes from tenant namespaces only, rate limits in the shared Redis", () => {
    const gateway = named("Gateway", facts.gateway.name)!;
    expect(gateway.metadata?.namespace).toBe(facts.gateway.namespace);
    const listeners = spec<{ listeners: { name: string; port: number; allowedRoutes: unknown }[] }>(
      gateway,
    ).listeners;
    expect(listeners.map((l) => [l.name, l.port])).toEqual([[facts.gateway.sectionName, 443]]);
    expect(listeners[0]!.allowedRoutes).toMatchObject({
      namespaces: {
        from: "Selector",
        selector: { matchLabels: { "app.kubernetes.io/part-of": "collect-verything" } },
      },
    });
    expect(spec<{ controllerName: string }>(named("GatewayClass", "envoy")).controllerName).toBe(
      "gateway.envoyproxy.io/gatewayclass-controller",
    );
    expect(release("envoy-gateway").namespace).toBe(facts.namespaces.edge);
    expect(release("envoy-gateway").values).toEqual({
      config: {
        envoyGateway: {
          rateLimit: {
            backend: {
              type: "Redis",
              redis: { url: `${facts.endpoints.redis.host}:${facts.endpoints.redis.port}` },
            },
          },
        },
      },
    });
  });

  it("runs Alertmanager selecting every tenant's AlertmanagerConfig, in its own namespace", async () => {
    const am = release("kube-prometheus-stack").values as {
      alertmanager: {
        alertmanagerSpec: Record<string, { matchLabels?: Record<string, string>; type?: string }>;
      };
      prometheus: { enabled: boolean };
    };
    expect(am.prometheus.enabled).toBe(false); // the platform Prometheus is MetricsRetention's
    const selector = am.alertmanager.alertmanagerSpec["alertmanagerConfigSelector"]!.matchLabels!;
    const nsSelector = am.alertmanager.alertmanagerSpec["alertmanagerConfigNamespaceSelector"]!.matchLabels!;
    expect(am.alertmanager.alertmanagerSpec["alertmanagerConfigMatcherStrategy"]).toEqual({
      type: "OnNamespace",
    });
    expect(release("kube-prometheus-stack").namespace).toBe(facts.namespaces.monitoring);
    const tenant = await synthShape("premium", 1, "acme", {
      alerting: { email: ["ops@acme.example"], slackWebhookUrl: "https://hooks.slack.com/services/T/B/x" },
    });
    const configs = ofKind(tenant.objects, "AlertmanagerConfig");
    expect(configs.length).toBeGreaterThan(0);
    for (const config of configs) {
      expect(config.metadata?.labels).toMatchObject(selector);
      const ns = ofKind(tenant.objects, "Namespace").find(
        (n) => n.metadata?.name === config.metadata?.namespace,
      )!;
      expect(ns.metadata?.labels).toMatchObject(nsSelector);
    }
  });

  it("runs the shared InnoDB cluster sized from the catalog, with the read endpoint the facts export", () => {
    const cluster = named("InnoDBCluster", "mysql")!;
    expect(cluster.metadata?.namespace).toBe(facts.endpoints.mysql.namespace);
    const replicas = Math.max(...TIER_NAMES.map((t) => getTier(t).database.readReplicas));
    expect(spec<{ instances: number; router: { instances: number } }>(cluster)).toMatchObject({
      instances: Math.max(3, 1 + replicas),
      router: { instances: 2 },
    });
    const read = named("Service", facts.endpoints.mysqlRead.host.split(".")[0]!)!;
    expect(read.metadata?.namespace).toBe(facts.endpoints.mysqlRead.namespace);
    expect(spec<{ ports: { port: number; targetPort: number }[] }>(read).ports).toEqual([
      { name: "mysql-ro", port: facts.endpoints.mysqlRead.port, targetPort: 6447 },
    ]);
    expect(result.resources.find((r) => r.type.endsWith(":InnoDBCluster"))!.protect).toBe(true);
  });

  it("runs a RabbitMQ cluster over the widest tier's quorum nodes, with the federation plugin", () => {
    const broker = named("RabbitmqCluster", "rabbitmq")!;
    expect(broker.metadata?.namespace).toBe(facts.endpoints.rabbitmq.namespace);
    const nodes = Math.max(...TIER_NAMES.map((t) => getTier(t).messaging.haNodes));
    expect(nodes).toBe(3);
    expect(spec<{ replicas: number; rabbitmq: { additionalPlugins: string[] } }>(broker)).toMatchObject({
      replicas: 3,
      rabbitmq: { additionalPlugins: expect.arrayContaining(["rabbitmq_federation"]) },
    });
  });

  it("runs MinIO with TLS, and the shared Redis where the facts say", () => {
    expect(release("minio").namespace).toBe(facts.endpoints.objectStorage.namespace);
    expect(release("minio").values).toMatchObject({ tls: { enabled: true } });
    const redis = named("Service", "redis")!;
    expect(redis.metadata?.namespace).toBe(facts.endpoints.redis.namespace);
    expect(spec<{ ports: { port: number }[] }>(redis).ports[0]!.port).toBe(facts.endpoints.redis.port);
  });
});

describe("node pools per tier", () => {
  const pools = () =>
    result.resources
      .filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup")
      .map((r) => r.inputs as { nodeGroupName: string; labels?: Record<string, string>; taints?: unknown[] });

  it("has one pool per tier, labelled with it; only Business's is tainted", () => {
    for (const tier of TIER_NAMES) {
      const pool = pools().find((p) => p.labels?.[NODE_POOL_LABEL] === tier)!;
      expect(pool.nodeGroupName).toBe(`tier-${tier}`);
      expect(pool.taints ?? []).toEqual(
        tier === "business" ? [{ key: DEDICATED_TAINT_KEY, value: "business", effect: "NO_SCHEDULE" }] : [],
      );
    }
    expect(release("cluster-autoscaler").values).toMatchObject({
      cloudProvider: "aws",
      awsRegion: "eu-west-3",
    });
    expect(
      result.resources.filter((r) => r.type === "aws:eks/podIdentityAssociation:PodIdentityAssociation"),
    ).toHaveLength(1);
  });

  it("Business tenants' Deployments tolerate the taint and select the Business pool; other tiers' do neither", async () => {
    for (const tier of TIER_NAMES) {
      const deployments = ofKind((await synthShape(tier, 1)).objects, "Deployment");
      expect(deployments.length).toBeGreaterThan(0);
      for (const d of deployments) {
        const pod = spec<{ template: { spec: { nodeSelector?: unknown; tolerations?: unknown } } }>(d)
          .template.spec;
        if (tier === "business") {
          expect(pod.nodeSelector).toEqual({ [NODE_POOL_LABEL]: "business" });
          expect(pod.tolerations).toEqual([
            { key: DEDICATED_TAINT_KEY, operator: "Equal", value: "business", effect: "NoSchedule" },
          ]);
        } else {
          expect(pod.nodeSelector).toBeUndefined();
          expect(pod.tolerations).toBeUndefined();
        }
      }
    }
  });
});

describe("the pack and the synth command", () => {
  it("passes the platform, and refuses a release of a chart version that is not pinned", async () => {
    expect((await checkPolicies(result, undefined)).mandatory).toBe(0);
    const unpinned: SynthResult = {
      ...result,
      resources: result.resources.map((r) =>
        r.type === "kubernetes:helm.sh/v3:Release" && releaseInputs(r).name === "keda"
          ? { ...r, inputs: { ...r.inputs, version: "2.99.0" } }
          : r,
      ),
    };
    const check = await checkPolicies(unpinned, undefined);
    expect(check.violations.map((v) => v.message).join("\n")).toMatch(/Release keda .*cannot be judged/);
  });

  const out = mkdtempSync(join(tmpdir(), "shared-services-"));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  it("`npm run synth -- --platform --region eu-west-3` lists the releases and the node pools", async () => {
    expect(await synthCommand(["--platform", "--region", "eu-west-3", "--out", out, "--quiet"])).toBe(0);
    const summary = readFileSync(join(out, "summary.md"), "utf8");
    for (const pin of Object.values(CHARTS)) expect(summary).toContain(`${pin.chart} | ${pin.version} |`);
    expect(summary).toContain(
      "| tier-business | m6i.2xlarge | 3-30 | collect-verything.com/node-pool=business | collect-verything.com/dedicated=business:NO_SCHEDULE |",
    );
  });
});

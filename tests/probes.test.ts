/**
 * Outside-in probes (issue 24): every hostname of every tier gets one Probe for the platform's
 * blackbox exporter, labelled as the availability SLI reads it; the pack refuses a Probe that
 * points at another tenant's hostname, carries another tenant's label or discovers its targets;
 * the platform runs the exporter (two replicas over zones) and its Prometheus selects the Probes;
 * and the real blackbox exporter (Debian's prometheus-blackbox-exporter) accepts the module and
 * refuses a plain-HTTP or a 5xx answer.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../policy/analysis/objects";
import { TIER_POLICIES } from "../policy/policies";
import { blackboxConfig } from "../components/platform/blackboxExporter";
import { kubernetesObjects } from "../synth/manifests";
import { localResources } from "../synth/policyCheck";
import { synthPlatform } from "../synth/programs";
import { runPack } from "./helpers/policy";
import { ofKind, synthShape } from "./helpers/synth";

interface Probe {
  prober: { url: string };
  module: string;
  targets: { staticConfig: { static: string[]; labels: Record<string, string> } };
}

const probesOf = (objects: readonly KubeObject[]) =>
  ofKind(objects, "Probe").map((o) => ({ name: o.metadata!.name!, ...(o.spec as unknown as Probe) }));

describe("tenant probes", () => {
  it.for([
    ["standard", 1],
    ["premium", 3],
    ["business", 10],
  ] as const)(
    "%s (%i sites): one Probe per hostname, labelled as the SLI reads it",
    async ([tier, sites]) => {
      const { objects } = await synthShape(tier, sites);
      const routes = ofKind(objects, "HTTPRoute").map((r) => ({
        site: r.metadata!.labels!["site"]!,
        hostnames: (r.spec as unknown as { hostnames: string[] }).hostnames,
      }));
      const expected = routes.flatMap((r) => r.hostnames.map((hostname) => ({ site: r.site, hostname })));
      const probes = probesOf(objects);
      expect(probes.map((p) => p.targets.staticConfig.labels)).toEqual(
        expected.map((e) => ({ tenant: "acme", tier, ...e })),
      );
      for (const p of probes) {
        expect(p.targets.staticConfig.static).toEqual([
          `https://${p.targets.staticConfig.labels["hostname"]}/ready`,
        ]);
        expect(p).toMatchObject({
          prober: { url: "blackbox-exporter.monitoring.svc:9115" },
          module: "http_2xx",
        });
      }
    },
  );

  it("the pack refuses a Probe of another tenant's hostname, labelled as another tenant, or discovering targets", async () => {
    const { result } = await synthShape("premium", 1);
    const resources = localResources(result.resources);
    expect(await runPack(TIER_POLICIES, resources, { tier: "premium" })).toEqual([]);
    const probe = resources.findIndex((r) => r.type === "kubernetes:monitoring.coreos.com/v1:Probe");
    const withSpec = (change: (spec: Probe & { targets: Record<string, unknown> }) => void) => {
      const copy = structuredClone(resources) as typeof resources;
      change((copy[probe]!.props as { spec: Probe & { targets: Record<string, unknown> } }).spec);
      return runPack(TIER_POLICIES, copy, { tier: "premium" });
    };
    const messages = async (change: Parameters<typeof withSpec>[0]) =>
      (await withSpec(change)).filter((v) => v.policy === "hostnames-of-tenant").map((v) => v.message);
    expect(
      await messages(
        (s) => (s.targets.staticConfig.static = ["https://zeta.shops.collect-verything.com/ready"]),
      ),
    ).toEqual([expect.stringMatching(/platform hostname that is not tenant acme's/)]);
    expect(await messages((s) => (s.targets.staticConfig.labels = { tenant: "zeta" }))).toEqual([
      expect.stringMatching(/labelled tenant=acme, got zeta/),
    ]);
    expect(
      await messages((s) => {
        (s as { targets: unknown }).targets = { ingress: { selector: {} } };
      }),
    ).toEqual([
      expect.stringMatching(/probes no static targets/),
      expect.stringMatching(/labelled tenant=acme/),
    ]);
  });
});

describe("the platform's blackbox exporter", () => {
  it("runs two replicas over zones behind a Service, and the platform Prometheus selects every Probe", async () => {
    const objects = kubernetesObjects(await synthPlatform("eu-west-3"));
    const deployment = ofKind(objects, "Deployment").find((d) => d.metadata?.name === "blackbox-exporter")!;
    expect(deployment.metadata?.namespace).toBe("monitoring");
    expect(deployment.spec).toMatchObject({
      replicas: 2,
      template: { spec: { topologySpreadConstraints: [{ topologyKey: "topology.kubernetes.io/zone" }, {}] } },
    });
    const service = ofKind(objects, "Service").find((s) => s.metadata?.name === "blackbox-exporter")!;
    expect(service.spec).toMatchObject({ ports: [{ port: 9115 }] });
    expect(ofKind(objects, "PodDisruptionBudget").map((p) => p.metadata?.name)).toContain(
      "blackbox-exporter",
    );
    const prometheus = ofKind(objects, "Prometheus")[0]!;
    expect(prometheus.spec).toMatchObject({ probeSelector: {}, probeNamespaceSelector: {} });
  });

  it("passes the platform's policies", async () => {
    const resources = localResources((await synthPlatform("eu-west-3")).resources);
    // The pack judges a platform project's stack by its allow-list (tests/policyPack.test.ts).
    expect(resources.some((r) => r.type === "collect-verything:platform:BlackboxExporter")).toBe(true);
    expect(await runPack(TIER_POLICIES, resources, { tier: "standard" })).toEqual([]);
  });

  const exporter = process.env.BLACKBOX_EXPORTER ?? "prometheus-blackbox-exporter";
  const installed = spawnSync(exporter, ["--version"]).status === 0;
  // .ci/run installs it: under CI its absence is a failure, elsewhere a skip.
  if (!installed && process.env.CI === "true")
    throw new Error(`CI=true: ${exporter} not found; apt-get install -y prometheus-blackbox-exporter`);
  const work = mkdtempSync(join(tmpdir(), "blackbox-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it.skipIf(!installed)(
    "the real exporter accepts the module, and fails a plain-HTTP or 5xx answer",
    async () => {
      writeFileSync(join(work, "blackbox.yml"), blackboxConfig());
      const check = spawnSync(exporter, ["--config.check", `--config.file=${join(work, "blackbox.yml")}`], {
        encoding: "utf8",
      });
      expect(check.status, check.stderr).toBe(0);
      const site: Server = createServer((req, res) =>
        res.writeHead(req.url === "/down" ? 503 : 200).end("ok"),
      );
      await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
      const sitePort = (site.address() as AddressInfo).port;
      const port = await new Promise<number>((resolve) => {
        const s = createServer().listen(0, "127.0.0.1", () => {
          const p = (s.address() as AddressInfo).port;
          s.close(() => resolve(p));
        });
      });
      const child = spawn(
        exporter,
        [`--config.file=${join(work, "blackbox.yml")}`, `--web.listen-address=127.0.0.1:${port}`],
        { stdio: "ignore" },
      );
      try {
        const probe = async (path: string): Promise<string> => {
          for (let i = 0; i < 100; i++) {
            const r = await fetch(
              `http://127.0.0.1:${port}/probe?module=http_2xx&target=${encodeURIComponent(`http://127.0.0.1:${sitePort}${path}`)}`,
            ).catch(() => undefined);
            if (r?.ok) return r.text();
            await new Promise((done) => setTimeout(done, 100));
          }
          throw new Error("blackbox exporter did not answer");
        };
        const metric = (text: string, name: string) =>
          Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1]);
        const plain = await probe("/ready");
        // It reached the site (200) but refuses the answer: not over TLS.
        expect([metric(plain, "probe_http_status_code"), metric(plain, "probe_success")]).toEqual([200, 0]);
        const down = await probe("/down");
        expect([metric(down, "probe_http_status_code"), metric(down, "probe_success")]).toEqual([503, 0]);
      } finally {
        if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGTERM");
        await new Promise<void>((resolve) => site.close(() => resolve()));
      }
    },
  );
});

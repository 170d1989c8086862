/** `npm run synth` as a user runs it: a fresh process, files on disk, exit codes. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { ONE_SHOT_NODE_ARGS } from "../lib/typescriptNode";

const root = resolve(__dirname, "..");
const work = mkdtempSync(join(tmpdir(), "synth-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function synth(...args: string[]) {
  return spawnSync(process.execPath, [...ONE_SHOT_NODE_ARGS, "scripts/synth.ts", ...args], {
    cwd: root,
    encoding: "utf8",
  });
}

describe("synth CLI", () => {
  it("writes manifests per namespace, resources.json and summary.md for a shortcut tenant", () => {
    const out = join(work, "premium");
    const run = synth("--tenant", "acme", "--tier", "premium", "--sites", "3", "--out", out, "--quiet");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(readdirSync(join(out, "manifests")).sort()).toEqual([
      "e-commerce-tenant-acme-site-2.yaml",
      "e-commerce-tenant-acme-site-3.yaml",
      "e-commerce-tenant-acme.yaml",
    ]);
    const docs = parseAllDocuments(
      readFileSync(join(out, "manifests", "e-commerce-tenant-acme-site-2.yaml"), "utf8"),
    );
    expect(docs[0]!.toJS()).toMatchObject({
      kind: "Namespace",
      metadata: { name: "e-commerce-tenant-acme-site-2" },
    });
    const resources = JSON.parse(readFileSync(join(out, "resources.json"), "utf8")) as {
      type: string;
      name: string;
      inputs: object;
    }[];
    expect(resources.some((r) => r.type === "kubernetes:apps/v1:Deployment")).toBe(true);
    expect(
      resources.every(
        (r) => typeof r.type === "string" && typeof r.name === "string" && typeof r.inputs === "object",
      ),
    ).toBe(true);
    const summary = readFileSync(join(out, "summary.md"), "utf8");
    expect(summary).toContain("Tier: **Premium**");
    expect(summary).toContain("124.99 EUR");
  });

  it("exits non-zero naming the field and writes nothing for a bad config", () => {
    const out = join(work, "bad");
    const run = synth("--tenant", "acme", "--tier", "standard", "--sites", "2", "--out", out);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/sites: Standard allows 1 to 1 site\(s\), got 2/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes("tmp"))).toEqual([]);
  });

  it("renders the platform's tier objects", () => {
    const out = join(work, "platform");
    expect(synth("--platform", "--out", out, "--quiet").status).toBe(0);
    expect(readdirSync(join(out, "manifests"))).toEqual([
      "_cluster.yaml",
      // The shared services' namespaces (components/platform/sharedServices.ts).
      "envoy-gateway-system.yaml",
      "gateway-system.yaml",
      "keda.yaml",
      "mimir.yaml",
      "minio.yaml",
      "monitoring.yaml",
      "mysql-operator.yaml",
      "mysql.yaml",
      "rabbitmq-system.yaml",
      "rabbitmq.yaml",
      "redis.yaml",
      "tenant-backups.yaml",
      // The hourly usage meter's namespace (components/platform/usageMeter.ts).
      "usage-metering.yaml",
    ]);
  });

  it("renders one region's platform stack, and refuses an unsupported region before writing anything", () => {
    const out = join(work, "platform-region");
    const run = synth("--platform", "--region", "eu-central-1", "--out", out);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("# Platform (stack `platform-eu-central-1`)");
    const resources = JSON.parse(readFileSync(join(out, "resources.json"), "utf8")) as {
      type: string;
      inputs: Record<string, unknown>;
    }[];
    expect(resources.find((r) => r.type === "pulumi:providers:aws")?.inputs["region"]).toBe("eu-central-1");
    expect(resources.find((r) => r.type === "aws:eks/cluster:Cluster")?.inputs["name"]).toBe(
      "collect-verything-eu-central-1",
    );

    const bad = synth("--platform", "--region", "eu-west-9", "--out", join(work, "platform-bad"));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(
      /--region <region>' argument 'eu-west-9' is invalid\. Allowed choices are eu-west-3, eu-central-1, us-east-1/,
    );
    expect(existsSync(join(work, "platform-bad"))).toBe(false);
    const stray = synth(
      "--tenant",
      "acme",
      "--tier",
      "standard",
      "--region",
      "eu-west-3",
      "--out",
      join(work, "tenant-region"),
    );
    expect(stray.status).toBe(2);
    expect(stray.stderr).toMatch(/--region goes with --platform/);
  });
});

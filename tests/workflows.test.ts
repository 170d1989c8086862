/** The GitHub workflows, validated by a workflow linter from the npm registry and read for intent. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { offlinePlatformFacts } from "../synth/platformStandIn";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { toStackConfig } from "../automation/requestConfig";
import { tenantRequest } from "./helpers/service";
import { ONE_SHOT_NODE_ARGS } from "../lib/typescriptNode";

const root = resolve(__dirname, "..");
const validator = resolve(root, "node_modules/.bin/action-validator");
const validate = (file: string) => spawnSync(validator, [file], { encoding: "utf8" });

interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<
    string,
    {
      steps?: { uses?: string; run?: string; with?: Record<string, unknown> }[];
      strategy?: { "fail-fast"?: boolean; matrix?: Record<string, unknown> };
      concurrency?: { group: string; "cancel-in-progress"?: boolean };
      needs?: string | string[];
      if?: string;
    }
  >;
}
/** Node 24 is the Active LTS (Node 20 reached its end of life in April 2026). */
const SUPPORTED_NODE_LTS = 24;
/**
 * The current major of every action the workflows use (each runs on Node 24; Node 20 actions were
 * removed from the runners in September 2026). A new action must be added here.
 */
const ACTION_MAJORS: Record<string, string> = {
  "actions/checkout": "v7",
  "actions/setup-node": "v7",
  "pulumi/actions": "v7",
};
const load = (name: string) => parse(readFileSync(join(root, ".github/workflows", name), "utf8")) as Workflow;

describe("workflows", () => {
  it.each(["ci.yml", "preview.yml"])("%s passes action-validator", (name) => {
    const run = validate(join(root, ".github/workflows", name));
    expect(run.stdout + run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("the validator rejects a broken workflow (it is not a no-op)", () => {
    const dir = mkdtempSync(join(tmpdir(), "wf-"));
    try {
      const file = join(dir, "bad.yml");
      writeFileSync(file, "name: bad\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n");
      expect(validate(file).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("ci runs install, the format check, typecheck, lint and the README's test command with npm caching", () => {
    const steps = load("ci.yml").jobs["test"]!.steps!;
    expect(steps.find((s) => s.uses?.startsWith("actions/setup-node"))?.with).toMatchObject({
      cache: "npm",
      "node-version": SUPPORTED_NODE_LTS,
    });
    expect(steps.map((s) => s.run).filter(Boolean)).toEqual([
      "npm ci",
      "npm run format:check",
      "npm run typecheck",
      "npm run lint",
      "npm run lint:workflows",
      "npm test",
    ]);
    const readme = readFileSync(join(root, "README.md"), "utf8");
    expect(readme).toContain("npm test");
    const ciRun = readFileSync(join(root, ".ci/run"), "utf8");
    expect(ciRun).toMatch(/^npm test$/m);
    expect(ciRun).toMatch(/^npm run format:check$/m);
  });

  it("preview runs the affected shards in a matrix, no fail-fast, one concurrency group per shard, the policy pack and one comment per stack", () => {
    const wf = load("preview.yml");
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    const preview = wf.jobs["preview"]!;
    expect(preview.needs).toBe("affected");
    expect(preview.strategy?.["fail-fast"]).toBe(false);
    expect(preview.strategy?.matrix?.["shard"]).toBe("${{ fromJSON(needs.affected.outputs.shards) }}");
    expect(preview.concurrency?.group).toContain("${{ matrix.shard.stacks }}");
    expect(
      preview.steps!.some((s) =>
        s.run?.includes('bash ci/preview-shard.sh "${{ matrix.shard.project }}" ${{ matrix.shard.stacks }}'),
      ),
    ).toBe(true);
    const script = readFileSync(join(root, "ci/preview-shard.sh"), "utf8");
    expect(script).toContain("--policy-pack policy --policy-pack-config");
    expect(script).toContain("npm run --silent policy:config -- --config-json");
    expect(script).toContain("<!-- pulumi-preview:"); // one comment per stack, found again and edited
    expect(wf.jobs["summary"]!.if).toBe("always()");
  });

  it("preview lists the backend's stacks and the platform project's before choosing what to preview", () => {
    const affected = load("preview.yml")
      .jobs["affected"]!.steps!.map((s) => s.run ?? "")
      .join("\n");
    expect(affected).toContain("pulumi stack ls --json");
    expect(affected).toContain("(cd platform && pulumi stack ls --json)");
    expect(affected).toContain("--backend-stacks");
    expect(affected).toContain("--platform-stacks");
  });

  it.each(["ci.yml", "preview.yml"])(
    "%s runs a supported Node LTS, every action at its current major, and pulumi/actions with a pinned CLI",
    (name) => {
      const text = readFileSync(join(root, ".github/workflows", name), "utf8");
      const wf = load(name);
      for (const job of Object.values(wf.jobs)) {
        for (const step of job.steps ?? []) {
          if (step.uses) {
            const [action, ref] = step.uses.split("@");
            expect(ACTION_MAJORS, `${name}: ${step.uses}`).toHaveProperty([action!], ref);
          }
          if (step.uses?.startsWith("actions/setup-node"))
            expect(
              String(step.with!["node-version"]).replace(
                "${{ env.NODE_VERSION }}",
                String((parse(text) as { env?: Record<string, unknown> }).env?.["NODE_VERSION"]),
              ),
            ).toBe(String(SUPPORTED_NODE_LTS));
          if (step.uses?.startsWith("pulumi/actions@")) {
            expect(step.with!["pulumi-version"]).toBe("${{ env.PULUMI_VERSION }}");
          }
        }
      }
      if (text.includes("pulumi/actions@"))
        expect((parse(text) as { env: Record<string, unknown> }).env["PULUMI_VERSION"]).toMatch(
          /^\d+\.\d+\.\d+$/,
        );
    },
  );

  it("policy:config reads a backend-only stack's config (`pulumi config --json` output), as the preview script does", () => {
    const dir = mkdtempSync(join(tmpdir(), "policy-config-"));
    try {
      const file = join(dir, "config.json");
      writeFileSync(
        file,
        JSON.stringify({
          ...toStackConfig(tenantRequest("signup-made", "business")),
          "aws:region": { value: "eu-west-3", secret: false },
        }),
      );
      const run = spawnSync(
        process.execPath,
        [...ONE_SHOT_NODE_ARGS, join(root, "scripts/policy-config.ts"), "--config-json", file],
        { cwd: root, encoding: "utf8" },
      );
      expect(run.stderr).toBe("");
      expect(JSON.stringify(JSON.parse(run.stdout))).toContain('"business"');
      // The home region's platform facts, as `pulumi stack output tenantFacts --json` prints them.
      const policyConfig = (...args: string[]) =>
        spawnSync(
          process.execPath,
          [...ONE_SHOT_NODE_ARGS, join(root, "scripts/policy-config.ts"), "--config-json", file, ...args],
          { cwd: root, encoding: "utf8" },
        );
      const factsFile = join(dir, "facts.json");
      writeFileSync(factsFile, JSON.stringify(offlinePlatformFacts("eu-west-3")));
      const withFacts = policyConfig("--platform-facts", factsFile);
      expect(withFacts.stderr).toBe("");
      const judged = Object.values(
        JSON.parse(withFacts.stdout) as Record<string, Record<string, unknown>>,
      )[0]!;
      expect(judged["platform"]).toMatchObject({
        backups: { bucket: "cv-tenant-backups", namespace: "tenant-backups" },
        endpoints: { mysql: { host: "mysql.mysql.svc.cluster.local", port: 3306 } },
      });
      expect(policyConfig("--offline-platform").stdout).toBe(withFacts.stdout);
      // Another region's facts are not the home region's platform: refused, nothing printed.
      writeFileSync(factsFile, JSON.stringify(offlinePlatformFacts("us-east-1")));
      const foreign = policyConfig("--platform-facts", factsFile);
      expect([foreign.status, foreign.stdout]).toEqual([2, ""]);
      expect(foreign.stderr).toMatch(/--platform-facts: .*region us-east-1's, not eu-west-3's/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

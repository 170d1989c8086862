import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ONE_SHOT_NODE_ARGS } from "../lib/typescriptNode";
import {
  affectedStacks,
  affectsPlatform,
  backendStackNames,
  MAX_MATRIX_JOBS,
  previewShards,
} from "../ci/affected";

const STACKS = ["acme", "bigco", "dev"];

const CASES: { name: string; files: string[]; stacks: string[]; all?: boolean }[] = [
  { name: "a tier catalog change", files: ["tiers/catalog.ts"], stacks: STACKS, all: true },
  { name: "a component change", files: ["components/tenant/siteStack.ts"], stacks: STACKS, all: true },
  { name: "the tenant program", files: ["stacks/tenant.ts"], stacks: STACKS, all: true },
  { name: "a shared library", files: ["lib/units.ts"], stacks: STACKS, all: true },
  { name: "the lockfile", files: ["package-lock.json"], stacks: STACKS, all: true },
  { name: "the policy pack", files: ["policy/policies/quotas.ts"], stacks: STACKS, all: true },
  { name: "the project file", files: ["Pulumi.yaml"], stacks: STACKS, all: true },
  { name: "one stack's config", files: ["Pulumi.acme.yaml"], stacks: ["acme"] },
  { name: "two stacks' configs", files: ["Pulumi.dev.yaml", "Pulumi.bigco.yaml"], stacks: ["bigco", "dev"] },
  { name: "a deleted stack's config", files: ["Pulumi.gone.yaml"], stacks: [] },
  { name: "docs only", files: ["README.md", "docs/tierTable.ts"], stacks: [] },
  { name: "tests only", files: ["tests/sizing.test.ts", "tests/__snapshots__/dev/summary.md"], stacks: [] },
  { name: "CI files", files: [".github/workflows/preview.yml", ".ci/run"], stacks: [] },
  { name: "synth and bench", files: ["synth/engine.ts", "bench/synth.bench.ts"], stacks: [] },
  { name: "nested Pulumi.*.yaml is not a stack file", files: ["platform/Pulumi.prod.yaml"], stacks: [] },
  { name: "a folder merely named like one", files: ["tiersx/notes.ts", "my-components/a.ts"], stacks: [] },
  { name: "mixed: docs and one stack", files: ["README.md", "Pulumi.acme.yaml"], stacks: ["acme"] },
  { name: "nothing", files: [], stacks: [] },
];

describe("affected stacks", () => {
  it.each(CASES)("$name -> $stacks", ({ files, stacks, all }) => {
    const result = affectedStacks(files, STACKS);
    expect(result.stacks).toEqual(stacks);
    expect(result.all).toBe(all ?? false);
    for (const stack of result.stacks) expect(result.reasons[stack]!.length).toBeGreaterThan(0);
  });

  it("names the files that made each stack affected", () => {
    expect(affectedStacks(["tiers/catalog.ts", "Pulumi.acme.yaml"], STACKS).reasons).toEqual({
      acme: ["tiers/catalog.ts", "Pulumi.acme.yaml"],
      bigco: ["tiers/catalog.ts"],
      dev: ["tiers/catalog.ts"],
    });
  });

  it("answers the same from the command line on a real git history", () => {
    const repo = mkdtempSync(join(tmpdir(), "affected-"));
    try {
      const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, encoding: "utf8" });
      git("init", "-q", "-b", "main");
      git("config", "user.email", "ci@example.com");
      git("config", "user.name", "ci");
      writeFileSync(join(repo, "Pulumi.acme.yaml"), "config: {}\n");
      writeFileSync(join(repo, "Pulumi.bigco.yaml"), "config: {}\n");
      mkdirSync(join(repo, "docs"));
      writeFileSync(join(repo, "docs/a.md"), "a\n");
      git("add", ".");
      git("commit", "-qm", "base");
      writeFileSync(join(repo, "Pulumi.bigco.yaml"), "config: {tenant:tier: premium}\n");
      writeFileSync(join(repo, "docs/a.md"), "b\n");
      git("commit", "-qam", "change");
      const output = join(repo, "github-output");
      // The repository under test has no node_modules: its TypeScript loads through this project's.
      const run = spawnSync(
        process.execPath,
        [
          ...ONE_SHOT_NODE_ARGS,
          resolve(__dirname, "../scripts/affected.ts"),
          "HEAD~1",
          "--github-output",
          output,
        ],
        {
          cwd: repo,
          encoding: "utf8",
        },
      );
      expect(run.stderr).toBe("");
      expect(JSON.parse(run.stdout)).toMatchObject({ stacks: ["bigco"], all: false, platform: [] });
      expect(execFileSync("cat", [output], { encoding: "utf8" })).toBe(
        'stacks=["bigco"]\nshards=[{"project":"tenant","stacks":"bigco"}]\nany=true\n',
      );
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});

describe("stacks of the backend, the platform project, and the 256-job matrix", () => {
  it("reads stack names from `pulumi stack ls --json`, qualified or not", () => {
    const listed = JSON.stringify([
      { name: "cv/tenant/acme", current: false },
      { name: "signup-made", current: false },
    ]);
    expect(backendStackNames(listed)).toEqual(["acme", "signup-made"]);
    expect(() => backendStackNames('{"name": "acme"}')).toThrow(/JSON array/);
    expect(() => backendStackNames('[{"current": true}]')).toThrow(/no name/);
  });

  it("a catalog change affects the stacks only the backend knows", () => {
    expect(affectedStacks(["tiers/catalog.ts"], ["acme", "made-by-signup"]).stacks).toEqual([
      "acme",
      "made-by-signup",
    ]);
  });

  it.each([
    [["platform/Pulumi.yaml"], true],
    [["stacks/platform.ts"], true],
    [["tiers/regions.ts"], true],
    [["components/platform/eksCluster.ts"], true],
    [["components/platform/regionNetwork.ts"], true],
    [["components/platform/tierProfile.ts"], true],
    [["components/platform/metricsRetention.ts"], true],
    [["components/shared/labels.ts"], true],
    [["lib/units.ts"], true],
    [["tiers/catalog.ts"], true],
    [["package-lock.json"], true],
    [["components/tenant/siteStack.ts"], false],
    [["Pulumi.acme.yaml"], false],
    [["README.md"], false],
  ])("%j affects the platform project: %s", (files, expected) => {
    expect(affectsPlatform(files)).toBe(expected);
  });

  it("one job per stack while they fit, the platform in its own job", () => {
    expect(previewShards(["a", "b"], ["prod"])).toEqual([
      { project: "platform", stacks: "prod" },
      { project: "tenant", stacks: "a" },
      { project: "tenant", stacks: "b" },
    ]);
    expect(previewShards([], [])).toEqual([]);
  });

  it.each([255, 256, 600, 1000, 5000])(
    "%i tenant stacks and a platform stack: at most 256 jobs, every stack exactly once",
    (n) => {
      const stacks = Array.from({ length: n }, (_, i) => `t${i}`);
      const shards = previewShards(stacks, ["prod"]);
      expect(shards.length).toBeLessThanOrEqual(MAX_MATRIX_JOBS);
      const previewed = shards.filter((s) => s.project === "tenant").flatMap((s) => s.stacks.split(" "));
      expect(previewed).toEqual(stacks);
      const sizes = shards.filter((s) => s.project === "tenant").map((s) => s.stacks.split(" ").length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(Math.ceil(n / 255));
    },
  );
});

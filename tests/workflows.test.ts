/** The GitHub workflows, validated by a workflow linter from the npm registry and read for intent. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = resolve(__dirname, "..");
const validator = resolve(root, "node_modules/.bin/action-validator");
const validate = (file: string) => spawnSync(validator, [file], { encoding: "utf8" });

interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, { steps?: { uses?: string; run?: string; with?: Record<string, unknown> }[]; strategy?: { "fail-fast"?: boolean; matrix?: Record<string, unknown> }; concurrency?: { group: string; "cancel-in-progress"?: boolean }; needs?: string | string[]; if?: string }>;
}
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

  it("ci runs install, typecheck, lint and the README's test command with npm caching", () => {
    const steps = load("ci.yml").jobs["test"]!.steps!;
    expect(steps.find((s) => s.uses?.startsWith("actions/setup-node"))?.with).toMatchObject({ cache: "npm", "node-version": 20 });
    expect(steps.map((s) => s.run).filter(Boolean)).toEqual(["npm ci", "npm run typecheck", "npm run lint", "npm run lint:workflows", "npm test"]);
    const readme = readFileSync(join(root, "README.md"), "utf8");
    expect(readme).toContain("npm test");
    expect(readFileSync(join(root, ".ci/run"), "utf8")).toMatch(/^npm test$/m);
  });

  it("preview runs the affected stacks in a matrix, no fail-fast, one concurrency group and comment per stack, with the policy pack", () => {
    const wf = load("preview.yml");
    expect(Object.keys(wf.on)).toEqual(["pull_request"]);
    const preview = wf.jobs["preview"]!;
    expect(preview.needs).toBe("affected");
    expect(preview.strategy?.["fail-fast"]).toBe(false);
    expect(preview.strategy?.matrix?.["stack"]).toBe("${{ fromJSON(needs.affected.outputs.stacks) }}");
    expect(preview.concurrency).toEqual({ group: "preview-${{ matrix.stack }}", "cancel-in-progress": false });
    const action = preview.steps!.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
    expect(action.with).toMatchObject({ command: "preview", policyPacks: "policy", "comment-on-pr": true, "edit-pr-comment": true });
    expect(String(action.with!["policyPackConfigs"])).toContain("policy-config.json");
    expect(preview.steps!.some((s) => s.run?.includes("npm run --silent policy:config"))).toBe(true);
    expect(wf.jobs["affected"]!.steps!.some((s) => s.run?.includes("npm run --silent affected"))).toBe(true);
    expect(wf.jobs["summary"]!.if).toBe("always()");
  });
});

/**
 * The publishable pack: policy/ built by its own build step, copied alone (what `npm pack`, and so
 * `pulumi policy publish`, ships: its package.json `files`) into an empty directory whose
 * node_modules holds only the pack's declared dependencies, serves as a policy analyzer and judges
 * synthesized stacks exactly as the pack in place.
 *
 * The dependencies are links to the packages this repository installed from the npm registry (the
 * versions its lockfile pins, which satisfy the pack's ranges); Node resolves each link to its real
 * path, so their own dependencies resolve as an install would have put them. The pack itself can
 * reach nothing else: not tiers/, not the repository's other packages.
 */
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TIER_POLICIES } from "../policy/policies";
import { runPolicies, type LocalResource, type Violation } from "../policy/localRun";
import type { ContextConfig } from "../policy/context";
import { synthShape } from "./helpers/synth";
import { analyzerPort, local, withFacts } from "./helpers/policy";
import { localResources } from "../synth/policyCheck";

const POLICY = resolve(__dirname, "../policy");
const ROOT_MODULES = resolve(__dirname, "../node_modules");

interface PackManifest {
  main: string;
  files: string[];
  dependencies: Record<string, string>;
}

interface BuiltPack {
  TIER_POLICIES: typeof TIER_POLICIES;
  runPolicies: typeof runPolicies;
}

let dir: string;
let manifest: PackManifest;

beforeAll(() => {
  execFileSync("npm", ["run", "--silent", "build"], { cwd: POLICY, stdio: "pipe" });
  manifest = JSON.parse(readFileSync(join(POLICY, "package.json"), "utf8")) as PackManifest;
  dir = mkdtempSync(join(tmpdir(), "policy-pack-"));
  for (const entry of ["package.json", ...manifest.files])
    cpSync(join(POLICY, entry), join(dir, entry), { recursive: true });
  for (const name of Object.keys(manifest.dependencies)) {
    mkdirSync(dirname(join(dir, "node_modules", name)), { recursive: true });
    symlinkSync(join(ROOT_MODULES, name), join(dir, "node_modules", name), "dir");
  }
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the published pack", () => {
  it("is an npm workspace of the repository: its own lockfile entry, its own build tool, built through npm", () => {
    const root = JSON.parse(readFileSync(resolve(__dirname, "../package.json"), "utf8")) as {
      workspaces: string[];
      scripts: Record<string, string>;
    };
    expect(root.workspaces).toContain("policy");
    expect(root.scripts["policy:build"]).toBe("npm run build --workspace policy");
    const lock = JSON.parse(readFileSync(resolve(__dirname, "../package-lock.json"), "utf8")) as {
      packages: Record<string, { name?: string; dependencies?: object; devDependencies?: object }>;
    };
    expect(lock.packages["policy"]).toMatchObject({
      name: "collect-verything-tier-policies",
      dependencies: manifest.dependencies,
      devDependencies: { esbuild: expect.any(String) },
    });
  });

  it("holds only its build output, its manifest and PulumiPolicy.yaml, and declares every package its bundle requires", () => {
    expect(existsSync(join(dir, manifest.main))).toBe(true);
    expect(existsSync(join(dir, "index.ts"))).toBe(false);
    const required = new Set<string>();
    for (const file of ["dist/index.js", "dist/pack.js"]) {
      for (const m of readFileSync(join(dir, file), "utf8").matchAll(/require\("([^"]+)"\)/g))
        required.add(m[1]!);
    }
    const external = [...required].filter(
      (m) => !m.startsWith("node:") && !["fs", "path", "os", "child_process"].includes(m),
    );
    // @pulumi/pulumi is declared for the CLI, which runs the pack with the pack's own
    // node_modules/@pulumi/pulumi/cmd/run-policy-pack; the bundle itself requires only @pulumi/policy.
    expect(external.sort()).toEqual(
      Object.keys(manifest.dependencies)
        .filter((d) => d !== "@pulumi/pulumi")
        .sort(),
    );
    expect(existsSync(join(dir, "node_modules/@pulumi/pulumi/cmd/run-policy-pack/index.js"))).toBe(true);
    // Each declared range is satisfied by the version linked in.
    for (const [name, range] of Object.entries(manifest.dependencies)) {
      const version = (
        JSON.parse(readFileSync(join(ROOT_MODULES, name, "package.json"), "utf8")) as { version: string }
      ).version;
      const [major, minor] = version.replace(/^v/, "").split(".").map(Number);
      const [wantMajor, wantMinor] = range.replace(/^\^/, "").split(".").map(Number);
      expect(major === wantMajor && minor! >= wantMinor!, `${name} ${version} satisfies ${range}`).toBe(true);
    }
  });

  it("starts as a policy analyzer from the copied folder (Pulumi requires the folder; it prints its gRPC port)", async () => {
    const child = spawn(process.execPath, ["-e", `require(${JSON.stringify(dir)})`], { cwd: dir });
    try {
      expect(await analyzerPort(child)).toBeGreaterThan(0);
    } finally {
      child.kill();
    }
  });

  it("judges synthesized stacks exactly as the pack in place: a passing Business stack and a bypass attempt", async () => {
    const built = createRequire(join(dir, "package.json"))("./dist/pack.js") as BuiltPack;
    expect(built.TIER_POLICIES.map((p) => p.name)).toEqual(TIER_POLICIES.map((p) => p.name));
    const business = localResources(
      (await synthShape("business", 3, "acme", { dataServices: { dedicatedMysqlCluster: true } })).result
        .resources,
    );
    const bypass: LocalResource[] = [
      ...business,
      local({
        type: "kubernetes:apps/v1:DaemonSet",
        props: {
          apiVersion: "apps/v1",
          kind: "DaemonSet",
          metadata: { name: "miner", namespace: "default" },
          spec: { template: { spec: { containers: [{ name: "m" }] } } },
        },
      }),
      local({ type: "kubernetes:helm.sh/v3:Release", name: "extras", props: { chart: "anything" } }),
    ];
    const config: ContextConfig = withFacts({ tier: "business" });
    const judge = (pack: BuiltPack, resources: readonly LocalResource[]): Promise<Violation[]> =>
      pack.runPolicies(pack.TIER_POLICIES, resources, { config });
    const inPlace = { TIER_POLICIES, runPolicies };
    expect(await judge(built, business)).toEqual([]);
    const expected = await judge(inPlace, bypass);
    expect(expected.filter((v) => v.level === "mandatory").length).toBeGreaterThan(3);
    expect(await judge(built, bypass)).toEqual(expected);
  });
});

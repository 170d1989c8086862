/**
 * The README's walk-throughs, run as a reader would type them: every fenced `sh` block is read
 * command by command, and each command is either run here or named below with the reason it is
 * not (a command nobody recognises fails the test, so a new walk-through needs a runner).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT } from "../stacks/config";
import { pulumiConfigOf, shellBlocks, shellWords } from "./helpers/walkthrough";
import { ONE_SHOT_NODE_ARGS } from "../lib/typescriptNode";

const root = resolve(__dirname, "..");
const read = (path: string) => readFileSync(resolve(root, path), "utf8");
const readmeCommands = shellBlocks(read("README.md")).flat();
const scratch = mkdtempSync(join(tmpdir(), "walkthrough-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What the reader types, with the `npm ci && ` setup step of the two commands taken as done. */
const withoutInstall = (command: string) => command.replace(/^npm ci && /, "");

/** Commands the README shows that are not run here, and why. */
const NOT_RUN: readonly [RegExp, string][] = [
  [/^npm test$/, "it is this suite; .ci/run runs it (tests/workflows.test.ts)"],
  [/^pulumi stack init \S+$/, "needs a Pulumi backend; the config it receives is tested below"],
  [/^pulumi (up|preview)$/, "needs the clusters and cloud accounts; the same program is synthesized below"],
];

const RUN: readonly RegExp[] = [
  /^npm run synth -- --stack dev$/,
  /^pulumi config set /,
  /^npm run affected -- \S+$/,
  /^npm run service$/,
];

const npm = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync("npm", args, { cwd: root, encoding: "utf8", env: { ...process.env, ...env }, timeout: 120_000 });

describe("README walk-throughs", () => {
  it("every command the README shows is run here or named with the reason it cannot be", () => {
    const unknown = readmeCommands
      .map(withoutInstall)
      .filter((c) => !RUN.some((r) => r.test(c)) && !NOT_RUN.some(([r]) => r.test(c)));
    expect(unknown).toEqual([]);
    expect(readmeCommands).toContain("npm ci && npm run synth -- --stack dev");
    expect(readmeCommands).toContain("npm ci && npm test");
  });

  it("the main job: the dev stack synthesizes offline and passes the pack", () => {
    const run = npm(["run", "synth", "--", "--stack", "dev"]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).toMatch(/Passes all \d+ policies of the pack/);
  });

  it("`pulumi up` per tenant: the README's config is part of the full walk-through, which synthesizes and passes the pack", () => {
    const full = shellBlocks(read("docs/tenant-stacks.md")).flat();
    const readmeConfig = readmeCommands.filter((c) => c.startsWith("pulumi config set "));
    expect(readmeConfig.length).toBeGreaterThan(0);
    for (const command of readmeConfig) expect(full).toContain(command);
    const { config, others } = pulumiConfigOf(full, PROJECT);
    const stack = shellWords(others.find((c) => c.startsWith("pulumi stack init "))!)[3]!;
    const file = join(scratch, `Pulumi.${stack}.yaml`);
    writeFileSync(file, stringify({ config }));
    const run = spawnSync(
      process.execPath,
      [
        ...ONE_SHOT_NODE_ARGS,
        "scripts/synth.ts",
        "--stack",
        stack,
        "--config-file",
        file,
        "--out",
        join(scratch, "out"),
      ],
      { cwd: root, encoding: "utf8", timeout: 120_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).toMatch(/Passes all \d+ policies of the pack/);
    expect(readFileSync(join(scratch, "out", "summary.md"), "utf8").toLowerCase()).toContain(
      String(config[`${PROJECT}:tier`]),
    );
  });

  it("a preview on every pull request: `npm run affected` names the stacks and why", () => {
    const command = readmeCommands.find((c) => c.startsWith("npm run affected -- "))!;
    const base = shellWords(command).at(-1)!;
    // A shallow clone has no parent commit to compare with; the command itself is then not runnable.
    if (spawnSync("git", ["rev-parse", "--verify", `${base}^{commit}`], { cwd: root }).status !== 0) return;
    const run = npm(["run", "--silent", ...shellWords(command).slice(2)]);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ stacks: expect.any(Array), reasons: expect.any(Object) });
  });

  it("the signup service: `npm run service` starts embedded, answers, and stops on SIGTERM", async () => {
    expect(readmeCommands).toContain("npm run service");
    const child = spawn("npm", ["run", "service"], {
      cwd: root,
      env: { ...process.env, PORT: "0", SERVICE_DATA_DIR: join(scratch, "service") },
      detached: true,
    });
    let stderr = "";
    const url = await new Promise<string>((done, fail) => {
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        const m = /listening on (http:\/\/\S+)/.exec(stderr);
        if (m) done(m[1]!);
      });
      child.on("exit", (code) => fail(new Error(`exited ${code}: ${stderr}`)));
    });
    try {
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      const unauthenticated = await fetch(`${url}/tenants/acme`);
      expect(unauthenticated.status).toBe(401);
    } finally {
      // As a terminal or a process manager does, the whole group is signalled (npm alone does not
      // pass SIGTERM on); stderr closes once every process of the group has exited.
      const closed = new Promise<void>((done) => child.stderr.on("close", () => done()));
      process.kill(-child.pid!, "SIGTERM");
      await closed;
      expect(stderr).toContain("SIGTERM: stopping");
    }
  });
});

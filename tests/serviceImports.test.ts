/**
 * The service imports only what it runs: loading the HTTP API and the runtime loads no synth
 * module and no Pulumi SDK (an API process starts with half the modules and half the CPU; the
 * TenantService loads where workers run, service/executorFactory.ts, and the SDK with the engine
 * they choose), and the automation
 * index no longer brings in the offline engine (the synth's programs and mock runtime). The
 * offline engine is loaded on demand, when chosen.
 */
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { TYPESCRIPT_NODE_ARGS } from "../lib/typescriptNode";

const root = resolve(__dirname, "..");

/** The modules (paths relative to the root, node_modules' included) a fresh process has loaded after requiring `modules`. */
function loadedBy(...modules: string[]): string[] {
  const script = `${modules.map((m) => `require(${JSON.stringify(resolve(root, m))});`).join("")}
    process.stdout.write(JSON.stringify(Object.keys(require.cache).map((k) => k.slice(${root.length + 1}))));`;
  return JSON.parse(
    execFileSync(process.execPath, [...TYPESCRIPT_NODE_ARGS, "-e", script], { cwd: root, encoding: "utf8" }),
  ) as string[];
}

describe("what the service loads", () => {
  const pulumiSdk = (m: string) => m.startsWith("node_modules/@pulumi/");

  it("the API and the runtime load no synth module, no engine and no Pulumi SDK", () => {
    const loaded = loadedBy("service/config.ts", "service/runtime.ts", "service/http.ts");
    expect(loaded).toEqual(
      expect.arrayContaining(["service/runtime.ts", "service/http.ts", "stacks/config.ts"]),
    );
    expect(
      loaded.filter(
        (m) =>
          m.startsWith("synth/") ||
          m === "automation/offlineEngine.ts" ||
          m === "automation/tenantService.ts" ||
          pulumiSdk(m),
      ),
    ).toEqual([]);
  });

  it("a worker process's runtime loads no HTTP server; the API's does (so the check can fail)", () => {
    const http = (m: string) => m === "service/http.ts" || m.startsWith("node_modules/fastify/");
    expect(loadedBy("service/config.ts", "service/runtime.ts").filter(http)).toEqual([]);
    expect(loadedBy("service/http.ts").filter(http)).toEqual(
      expect.arrayContaining(["service/http.ts", "node_modules/fastify/fastify.js"]),
    );
  });

  it("the workers' side does load the TenantService, and the Pulumi engine the SDK (so the check above can fail)", () => {
    const workers = loadedBy("service/executorFactory.ts");
    expect(workers).toContain("automation/tenantService.ts");
    // The engine is chosen at start (service/engines.ts): the SDK loads with it, not before.
    expect(workers.filter(pulumiSdk)).toEqual([]);
    expect(loadedBy("automation/localWorkspaceEngine.ts").some(pulumiSdk)).toBe(true);
  });

  it("the automation index loads neither the offline engine nor the synth's programs", () => {
    const loaded = loadedBy("automation/index.ts");
    expect(
      loaded.filter(
        (m) =>
          m === "automation/offlineEngine.ts" ||
          m.startsWith("synth/programs") ||
          m.startsWith("stacks/tenant"),
      ),
    ).toEqual([]);
  });

  it("the offline engine loads the synth only to run it; the tenant program does load it (so the checks can fail)", () => {
    const synthModules = (m: string) =>
      m.startsWith("synth/programs") || m.startsWith("stacks/tenant") || m === "synth/engine.ts";
    expect(loadedBy("automation/offlineEngine.ts").filter((m) => synthModules(m) || pulumiSdk(m))).toEqual(
      [],
    );
    const program = loadedBy("synth/programs.ts");
    expect(program).toEqual(expect.arrayContaining(["stacks/tenant.ts", "synth/engine.ts"]));
    expect(program.some(pulumiSdk)).toBe(true);
  });

  it("the operator CLI's command line loads no engine, synth or SDK before a command needs one", () => {
    // `--help`, bad flags and bad files answer in a third of a second instead of a second and a half.
    const loaded = loadedBy("scripts/tenantCommand.ts", "synth/cli.ts");
    expect(loaded).toContain("scripts/finopsCommands.ts");
    expect(
      loaded.filter(
        (m) =>
          m.startsWith("synth/programs") ||
          m === "synth/engine.ts" ||
          m === "synth/synthRun.ts" ||
          m === "automation/offlineEngine.ts" ||
          m === "automation/localWorkspaceEngine.ts" ||
          pulumiSdk(m),
      ),
    ).toEqual([]);
  });
});

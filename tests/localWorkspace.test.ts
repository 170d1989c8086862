/**
 * The Automation API engine. Event mapping is tested here always; the stack operations run
 * against a real `pulumi` CLI with a file:// backend whenever one is on PATH (and say so when
 * they are skipped: the CLI cannot be downloaded on machines without it).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { LocalWorkspaceEngine, stateResourcesOf, stepOfEvent } from "../automation/localWorkspaceEngine";
import { packConfigFor } from "../policy/packConfig";
import { hasPulumiCli } from "../automation/pulumiCli";

const event = (op: string, extra: object = {}): EngineEvent =>
  ({
    sequence: 1,
    timestamp: 0,
    resourcePreEvent: {
      metadata: {
        op,
        urn: "urn:pulumi:acme::tenant::mysql:index/database:Database::acme-databases-orders",
        type: "mysql:index/database:Database",
        provider: "",
        ...extra,
      },
    },
  }) as unknown as EngineEvent;

describe("engine events to steps", () => {
  it("maps the engine's operations to plan steps", () => {
    expect(stepOfEvent(event("create"))).toMatchObject({
      op: "create",
      name: "acme-databases-orders",
      type: "mysql:index/database:Database",
    });
    expect(stepOfEvent(event("create-replacement"))?.op).toBe("replace");
    expect(stepOfEvent(event("replace"))?.op).toBe("replace");
    expect(stepOfEvent(event("delete-replaced"))).toBeUndefined();
    expect(stepOfEvent(event("delete", { old: { retainOnDelete: true } }))).toMatchObject({
      op: "delete",
      retained: true,
    });
    expect(
      stepOfEvent({
        sequence: 1,
        timestamp: 0,
        diagnosticEvent: { message: "x", color: "never", severity: "info" },
      } as EngineEvent),
    ).toBeUndefined();
  });
});

describe("erasing mode on the Automation API engine", () => {
  it("reads protect and retainOnDelete of each resource from the exported checkpoint", () => {
    const urn = "urn:pulumi:acme::tenant::minio:index/s3Bucket:S3Bucket::acme-object-storage-products";
    expect(
      stateResourcesOf({
        version: 3,
        deployment: {
          resources: [
            { urn: "urn:pulumi:acme::tenant::pulumi:pulumi:Stack::tenant-acme", type: "pulumi:pulumi:Stack" },
            { urn, type: "minio:index/s3Bucket:S3Bucket", custom: true, protect: true, retainOnDelete: true },
          ],
        },
      }),
    ).toEqual([
      {
        urn: "urn:pulumi:acme::tenant::pulumi:pulumi:Stack::tenant-acme",
        type: "pulumi:pulumi:Stack",
        custom: false,
        protect: false,
        retainOnDelete: false,
      },
      { urn, type: "minio:index/s3Bucket:S3Bucket", custom: true, protect: true, retainOnDelete: true },
    ]);
  });

  it("switches only the protection policy off for the erasing update", () => {
    const normal = packConfigFor({ tier: "premium" });
    const erasing = packConfigFor({ tier: "premium" }, { erasing: true });
    expect(erasing["stateful-resources-protected"]).toEqual({
      tier: "premium",
      enforcementLevel: "disabled",
    });
    const others = Object.keys(normal).filter((name) => name !== "stateful-resources-protected");
    expect(others.length).toBeGreaterThan(10);
    for (const name of others) expect(erasing[name]).toEqual(normal[name]);
  });
});

describe("per-stack work directories", () => {
  it("point at the project's own program and tsx, and that program loads from there", () => {
    const root = mkdtempSync(join(tmpdir(), "wd-"));
    try {
      const project = resolve(__dirname, "..");
      const engine = new LocalWorkspaceEngine({
        projectDir: project,
        workRoot: root,
        backendUrl: "s3://cv-state",
      });
      const dir = engine.prepareWorkDir("acme");
      const settings = parse(readFileSync(join(dir, "Pulumi.yaml"), "utf8")) as {
        name: string;
        main: string;
        backend: { url: string };
        runtime: { options: { nodeargs: string } };
      };
      expect(settings).toMatchObject({
        name: "tenant",
        main: join(project, "stacks/tenant.ts"),
        backend: { url: "s3://cv-state" },
      });
      const loader = /--import (file:\S+)/.exec(settings.runtime.options.nodeargs)![1]!;
      expect(existsSync(fileURLToPath(loader))).toBe(true);
      // What the language host does from the work directory: load the program with those node args.
      const run = spawnSync(
        process.execPath,
        ["--import", loader, "-e", `console.log(typeof require(${JSON.stringify(settings.main)}))`],
        { cwd: dir, encoding: "utf8" },
      );
      expect(run.stderr).toBe("");
      expect(run.stdout.trim()).toBe("function");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

const hasPulumi = hasPulumiCli();
if (!hasPulumi)
  console.warn(
    "skipping LocalWorkspaceEngine integration tests: no `pulumi` CLI on PATH (install it to run them)",
  );

describe.runIf(hasPulumi)("LocalWorkspaceEngine with the Pulumi CLI (file:// backend)", () => {
  const root = mkdtempSync(join(tmpdir(), "lw-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const engine = new LocalWorkspaceEngine({
    projectDir: resolve(__dirname, ".."),
    workRoot: join(root, "work"),
    backendUrl: `file://${join(root, "state")}`,
    envVars: { PULUMI_CONFIG_PASSPHRASE: "test-only" },
    secretsProvider: "passphrase",
    policyPack: false,
  });

  it("creates a stack, writes secret and plain config, tags it, lists and removes it", async () => {
    mkdirSync(join(root, "state"), { recursive: true });
    await engine.create("acme");
    expect(await engine.exists("acme")).toBe(true);
    await engine.writeConfig("acme", {
      "tenant:tier": { value: "premium", secret: false },
      "tenant:adminCredentials": { value: '{"mysql":{"user":"root","password":"x"}}', secret: true },
    });
    const config = await engine.readConfig("acme");
    expect(config["tenant:tier"]).toEqual({ value: "premium", secret: false });
    expect(config["tenant:adminCredentials"]?.secret).toBe(true);
    await engine.setTag("acme", "collect-verything:tier", "premium");
    expect((await engine.readTags("acme"))["collect-verything:tier"]).toBe("premium");
    expect(await engine.listStacks()).toContain("acme");
    expect(await engine.stateResources("acme")).toEqual([]);
    await engine.remove("acme");
    expect(await engine.exists("acme")).toBe(false);
  });
});

/**
 * The Automation API engine. Event mapping is tested here always; the stack operations run
 * against a real `pulumi` CLI with a file:// backend whenever one is on PATH (and say so when
 * they are skipped: the CLI cannot be downloaded on machines without it).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { afterAll, describe, expect, it } from "vitest";
import { LocalWorkspaceEngine, stepOfEvent } from "../automation/localWorkspaceEngine";
import { hasPulumiCli } from "../automation/pulumiCli";

const event = (op: string, extra: object = {}): EngineEvent =>
  ({
    sequence: 1,
    timestamp: 0,
    resourcePreEvent: { metadata: { op, urn: "urn:pulumi:acme::tenant::mysql:index/database:Database::acme-databases-orders", type: "mysql:index/database:Database", provider: "", ...extra } },
  }) as unknown as EngineEvent;

describe("engine events to steps", () => {
  it("maps the engine's operations to plan steps", () => {
    expect(stepOfEvent(event("create"))).toMatchObject({ op: "create", name: "acme-databases-orders", type: "mysql:index/database:Database" });
    expect(stepOfEvent(event("create-replacement"))?.op).toBe("replace");
    expect(stepOfEvent(event("replace"))?.op).toBe("replace");
    expect(stepOfEvent(event("delete-replaced"))).toBeUndefined();
    expect(stepOfEvent(event("delete", { old: { retainOnDelete: true } }))).toMatchObject({ op: "delete", retained: true });
    expect(stepOfEvent({ sequence: 1, timestamp: 0, diagnosticEvent: { message: "x", color: "never", severity: "info" } } as EngineEvent)).toBeUndefined();
  });
});

const hasPulumi = hasPulumiCli();
if (!hasPulumi) console.warn("skipping LocalWorkspaceEngine integration tests: no `pulumi` CLI on PATH (install it to run them)");

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
    await engine.writeConfig("acme", { "tenant:tier": { value: "premium", secret: false }, "tenant:adminCredentials": { value: '{"mysql":{"user":"root","password":"x"}}', secret: true } });
    const config = await engine.readConfig("acme");
    expect(config["tenant:tier"]).toEqual({ value: "premium", secret: false });
    expect(config["tenant:adminCredentials"]?.secret).toBe(true);
    await engine.setTag("acme", "collect-verything:tier", "premium");
    expect((await engine.readTags("acme"))["collect-verything:tier"]).toBe("premium");
    expect(await engine.listStacks()).toContain("acme");
    await engine.remove("acme");
    expect(await engine.exists("acme")).toBe(false);
  });
});

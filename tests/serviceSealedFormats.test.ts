/**
 * The sealed formats of a stored request (service/secrets.ts): the current one seals every secret
 * of a payload at once (v2); operations stored by an earlier version (one seal per field, v1) still
 * open, in a unit and in an embedded service restarted on such a journal. Tampering, another key
 * or a reference without its bundle are refused as unreadable, never opened to a wrong value.
 */
import { createCipheriv, createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { StackConfigValues, TenantEngine } from "../automation/engine";
import { mapSecrets, secretValues, TENANT_SECRET_PATHS } from "../automation/secretFields";
import { serviceConfigFromEnv } from "../service/config";
import { FileStore } from "../service/fileStore";
import { createLogger } from "../service/log";
import { isFinished } from "../service/operations";
import { startService } from "../service/runtime";
import { SecretBox, UnreadableSecretError } from "../service/secrets";
import { CREDENTIALS, eventually, tenantRequest } from "./helpers/service";

const KEY = randomBytes(32);

/** A request with a credential in every field the schema marks secret. */
const everySecret = () =>
  tenantRequest("sealed-acme", "business", {
    regions: ["eu-west-3", "us-east-1"],
    adminCredentials: {
      mysql: { user: "root", password: "pw-mysql" },
      rabbitmq: { user: "admin", password: "pw-rabbit", managementUrl: "http://rabbitmq.svc:15672" },
      objectStorage: { user: "admin", password: "pw-minio" },
      regions: {
        "us-east-1": {
          rabbitmq: {
            user: "admin",
            password: "pw-region-rabbit",
            managementUrl: "http://rabbitmq.svc:15672",
          },
          objectStorage: { user: "admin", password: "pw-region-minio" },
        },
      },
    },
    dataServices: {
      federationUpstreams: [{ name: "partner", uri: "amqps://fed:pw-fed@partner.example.com" }],
    },
    alerting: {
      email: ["ops@acme.example"],
      slackWebhookUrl: "https://hooks.slack.com/services/T0/B0/pw-slack",
      smsWebhookUrl: "https://sms.example.com/hook/pw-sms",
      pagerdutyRoutingKey: "pw-pagerduty",
    },
    cloudflare: { ...tenantRequest("sealed-acme").cloudflare, apiToken: "pw-cloudflare" },
  });

/** The v1 format as the previous version wrote it: one AES-256-GCM seal per field. */
function sealV1<T>(key: Buffer, payload: T): T {
  const sealKey = createHmac("sha256", key).update("tenant-service/seal").digest();
  return mapSecrets(payload, (secret) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", sealKey, iv);
    const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
    return `sealed:v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
  });
}

describe("sealed formats", () => {
  it("seals every secret of a payload at once, nothing in plain text, and opens it back", () => {
    const box = new SecretBox(KEY);
    const request = everySecret();
    const sealed = box.seal(request);
    const values = secretValues(sealed);
    expect(values).toHaveLength(TENANT_SECRET_PATHS.length);
    expect(values.filter((v) => v.startsWith("sealed:v2:0:"))).toHaveLength(1);
    for (const secret of secretValues(request)) expect(JSON.stringify(sealed)).not.toContain(secret);
    expect(box.open(sealed)).toEqual(request);
    // Sealing again changes nothing (the store may be handed a sealed payload).
    expect(box.seal(sealed)).toBe(sealed);
    expect(box.open(tenantRequest("plain"))).toEqual(tenantRequest("plain"));
  });

  it("opens the payloads an earlier version sealed one field at a time (v1)", () => {
    const request = everySecret();
    const old = sealV1(KEY, request);
    expect(secretValues(old).every((v) => v.startsWith("sealed:v1:"))).toBe(true);
    expect(new SecretBox(KEY).open(old)).toEqual(request);
  });

  it("seals a new value beside an existing bundle on its own, so both open", () => {
    const box = new SecretBox(KEY);
    const sealed = box.seal(tenantRequest("mixed"));
    const added = { ...sealed, cloudflare: { ...sealed.cloudflare, apiToken: "pw-added" } };
    const again = box.seal(added);
    expect(again.cloudflare.apiToken).toMatch(/^sealed:v1:/);
    expect(box.open(again)).toEqual({ ...tenantRequest("mixed"), cloudflare: added.cloudflare });
    expect(box.open(again).cloudflare.apiToken).toBe("pw-added");
  });

  it("refuses a bundle sealed with another key, tampered with, or missing", () => {
    const sealed = new SecretBox(KEY).seal(everySecret());
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow(UnreadableSecretError);
    const tampered = mapSecrets(sealed, (s) => (s.startsWith("sealed:v2:0:") ? `${s.slice(0, -4)}AAA=` : s));
    expect(() => new SecretBox(KEY).open(tampered)).toThrow(UnreadableSecretError);
    const orphan = mapSecrets(sealed, (s) => (s.startsWith("sealed:v2:0:") ? "sealed:v2:0" : s));
    expect(() => new SecretBox(KEY).open(orphan)).toThrow(UnreadableSecretError);
    const outOfRange = mapSecrets(sealed, (s) => (s === "sealed:v2:1" ? "sealed:v2:99" : s));
    expect(() => new SecretBox(KEY).open(outOfRange)).toThrow(UnreadableSecretError);
  });
});

describe("an embedded service on a journal an earlier version wrote", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sealed-formats-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("runs a provision stored with v1 seals to success", async () => {
    const data = join(dir, "data");
    const journal = new FileStore({ path: join(data, "operations.jsonl") });
    const { operation } = await journal.submit({
      tenantId: "old-acme",
      kind: "provision",
      payload: sealV1(KEY, tenantRequest("old-acme")),
    });
    await journal.close();
    writeFileSync(join(data, "service.key"), `${KEY.toString("base64")}\n`, { mode: 0o600 });
    const config = serviceConfigFromEnv({
      TENANT_SERVICE_TOKEN: "sealed-formats-token-0123456789",
      TENANT_ENGINE: "offline",
      SERVICE_DATA_DIR: data,
      TENANT_STATE_DIR: join(dir, "stacks"),
      PORT: "0",
      WORKERS: "1",
    });
    // What the engine is given: the credentials opened, not their sealed form.
    const written: string[] = [];
    const wrapEngine = (engine: TenantEngine): TenantEngine =>
      new Proxy(engine, {
        get: (target, name) => {
          if (name !== "writeConfig") return Reflect.get(target, name, target) as unknown;
          return async (tenantId: string, values: StackConfigValues) => {
            written.push(JSON.stringify(values));
            return target.writeConfig(tenantId, values);
          };
        },
      });
    const service = await startService(config, { log: createLogger({ level: "silent" }), wrapEngine });
    try {
      const done = await eventually("the stored provision to finish", async () => {
        const op = await service.store.get(operation.id);
        return op && isFinished(op) ? op : undefined;
      });
      expect(done.status, JSON.stringify(done.error)).toBe("succeeded");
      expect(written.join("")).toContain(CREDENTIALS.rabbitmq.password);
      expect(written.join("")).not.toContain("sealed:");
    } finally {
      await service.stop();
    }
  }, 120_000);
});

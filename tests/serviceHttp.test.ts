/**
 * The provisioning service's HTTP API over the embedded store: every bad request (token,
 * schema, tier rules, unknown tenant, unknown tier, oversized or non-JSON body, reused
 * idempotency key) gets a typed 4xx and stores nothing; good ones are stored before 202;
 * credentials never come back; the OpenAPI document is generated from the config schema.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileStore } from "../service/fileStore";
import type { HttpApp } from "../service/http";
import type { Operation } from "../service/operations";
import { testHttpApp } from "./helpers/httpApp";
import { CREDENTIALS, SERVICE_API_PATHS, tenantRequest } from "./helpers/service";

const TOKEN = "test-token-0123456789abcdef";
const auth = { authorization: `Bearer ${TOKEN}` };

let dir: string;
let store: FileStore;
let app: HttpApp;
let dispatched: Operation[];
let close: () => Promise<void>;

beforeEach(async () => {
  ({ dir, store, app, dispatched, close } = await testHttpApp("service-http-", TOKEN, {
    bodyLimit: 16 * 1024,
  }));
});
afterEach(() => close());

const nothingStored = async () => {
  expect(await store.counts()).toEqual({ queued: 0, running: 0, succeeded: 0, failed: 0 });
  expect(dispatched).toEqual([]);
};

const provision = (body: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: "POST",
    url: "/tenants",
    headers: { ...auth, ...headers },
    payload: body as Record<string, unknown>,
  });

describe("authentication", () => {
  it.each([
    ["no header", {}],
    ["wrong token", { authorization: "Bearer not-the-token-at-all" }],
    ["not a bearer token", { authorization: `Basic ${TOKEN}` }],
    ["the token as a prefix", { authorization: `Bearer ${TOKEN}x` }],
  ])("refuses %s with 401 on every tenant and operation route, storing nothing", async (_name, headers) => {
    for (const [method, url] of [
      ["POST", "/tenants"],
      ["GET", "/tenants/acme"],
      ["POST", "/tenants/acme/tier"],
      ["DELETE", "/tenants/acme"],
      ["POST", "/tenants/acme/restore"],
      ["GET", "/operations/x"],
    ] as const) {
      const res = await app.inject({
        method,
        url,
        headers,
        payload: method === "POST" ? tenantRequest("acme") : undefined,
      });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(res.headers["www-authenticate"]).toContain("Bearer");
      expect(res.json().error.outcome).toBe("unauthorized");
    }
    await nothingStored();
  });
});

describe("POST /tenants", () => {
  it("stores the request before answering 202 with the operation and where to watch it", async () => {
    const res = await provision(tenantRequest("acme"));
    expect(res.statusCode).toBe(202);
    const { operation } = res.json() as { operation: Operation };
    expect(res.headers.location).toBe(`/operations/${operation.id}`);
    expect(operation).toMatchObject({ tenantId: "acme", kind: "provision", status: "queued" });
    // Durable: a new store over the same journal has it.
    const reopened = new FileStore({ path: join(dir, "operations.jsonl") });
    expect((await reopened.get(operation.id))?.status).toBe("queued");
    expect((await reopened.tenant("acme"))?.status).toBe("provisioning");
    await reopened.close();
    expect(dispatched.map((o) => o.id)).toEqual([operation.id]);
  });

  it("never sends credentials back", async () => {
    const res = await provision(tenantRequest("acme"));
    const text =
      res.body +
      (await app.inject({ method: "GET", url: res.headers.location as string, headers: auth })).body;
    for (const secret of [...Object.values(CREDENTIALS).map((c) => c.password)])
      expect(text).not.toContain(secret);
    expect(res.json().operation.payload.adminCredentials.mysql).toEqual({
      user: "root",
      password: "[secret]",
    });
  });

  it.each([
    ["an unknown field", { ...tenantRequest("acme"), colour: "blue" }, "colour"],
    // Set by a deprovision, cleared by a restore: never by a request (stacks/config.ts OPERATOR_KEYS).
    ["the operations' suspended flag", { ...tenantRequest("acme"), suspended: false }, "suspended"],
    ["a missing field", { tenantId: "acme", tier: "premium", adminCredentials: CREDENTIALS }, "images"],
    ["a wrong type", { ...tenantRequest("acme"), sites: "many" }, "sites"],
    ["an unknown tier", { ...tenantRequest("acme"), tier: "platinum" }, "tier"],
    ["a tenant id that is no DNS label", tenantRequest("Acme_Corp"), "tenantId"],
    [
      "more sites than the tier allows",
      tenantRequest("acme", "standard", { sites: [{ customDomains: [] }, { customDomains: [] }] }),
      "sites",
    ],
    [
      "add-ons on a tier that does not sell them",
      tenantRequest("acme", "premium", { addOns: { extraCpuCores: 2 } }),
      "addOns",
    ],
  ])("refuses %s with 400 naming the field, storing nothing", async (_name, body, field) => {
    const res = await provision(body);
    expect(res.statusCode).toBe(400);
    const error = res.json().error as {
      outcome: string;
      message: string;
      details: { problems: { field: string }[] };
    };
    expect(error.outcome).toBe("invalid");
    expect(error.details.problems.map((p) => p.field).join(" ")).toContain(field);
    await nothingStored();
  });

  it("refuses a body over the limit with 413, a non-JSON body with 415 and broken JSON with 400", async () => {
    const big = await provision({
      ...tenantRequest("acme"),
      trustedCidrs: Array.from({ length: 2000 }, () => "10.0.0.0/8"),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.outcome).toBe("payload-too-large");
    const text = await app.inject({
      method: "POST",
      url: "/tenants",
      headers: { ...auth, "content-type": "application/xml" },
      payload: "<tenant/>",
    });
    expect(text.statusCode).toBe(415);
    const broken = await app.inject({
      method: "POST",
      url: "/tenants",
      headers: { ...auth, "content-type": "application/json" },
      payload: '{"tenantId": ',
    });
    expect(broken.statusCode).toBe(400);
    await nothingStored();
  });
});

describe("idempotency keys", () => {
  it("makes one operation of duplicate requests, even sent at once", async () => {
    const key = { "idempotency-key": "signup-42" };
    const answers = await Promise.all([
      provision(tenantRequest("acme"), key),
      provision(tenantRequest("acme"), key),
      provision(tenantRequest("acme"), key),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([202, 202, 202]);
    expect(new Set(answers.map((a) => a.json().operation.id)).size).toBe(1);
    expect(answers.filter((a) => a.headers["idempotent-replayed"] === "true")).toHaveLength(2);
    expect((await store.counts()).queued).toBe(1);
    expect(dispatched).toHaveLength(1);
  });

  it("refuses a key reused for a different request with 409, and a malformed key with 400", async () => {
    await provision(tenantRequest("acme"), { "idempotency-key": "k1" });
    const other = await provision(tenantRequest("acme", "business"), { "idempotency-key": "k1" });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.outcome).toBe("idempotency-conflict");
    const bad = await provision(tenantRequest("beta"), { "idempotency-key": "has spaces and ✓" });
    expect(bad.statusCode).toBe(400);
    expect((await store.counts()).queued).toBe(1);
  });

  it("without a key, each request is its own operation", async () => {
    await provision(tenantRequest("acme"));
    await provision(tenantRequest("acme"));
    expect((await store.counts()).queued).toBe(2);
  });
});

describe("tenant routes", () => {
  it("answer 404 for an unknown tenant and store nothing", async () => {
    for (const [method, url, payload] of [
      ["GET", "/tenants/ghost", undefined],
      ["POST", "/tenants/ghost/tier", { tier: "business" }],
      ["DELETE", "/tenants/ghost", undefined],
      ["POST", "/tenants/ghost/restore", {}],
      ["GET", "/operations/4f1c7a52-0000-0000-0000-000000000000", undefined],
    ] as const) {
      const res = await app.inject({ method, url, headers: auth, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json().error.outcome).toBe("not-found");
    }
    await nothingStored();
  });

  it("refuse a tier that does not exist and extra fields with 400", async () => {
    await provision(tenantRequest("acme"));
    for (const payload of [{ tier: "platinum" }, { tier: "business", force: true }, {}]) {
      const res = await app.inject({ method: "POST", url: "/tenants/acme/tier", headers: auth, payload });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.outcome).toBe("invalid");
    }
    const days = await app.inject({ method: "DELETE", url: "/tenants/acme?retainDays=-1", headers: auth });
    expect(days.statusCode).toBe(400);
    expect((await store.counts()).queued).toBe(1);
  });

  it("queue a tier change and a deprovision with its retention behind the provision", async () => {
    await provision(tenantRequest("acme"));
    const tier = await app.inject({
      method: "POST",
      url: "/tenants/acme/tier",
      headers: auth,
      payload: { tier: "business" },
    });
    expect(tier.statusCode).toBe(202);
    expect(tier.json().operation).toMatchObject({ kind: "change-tier", payload: { tier: "business" } });
    const gone = await app.inject({ method: "DELETE", url: "/tenants/acme?retainDays=7", headers: auth });
    expect(gone.json().operation).toMatchObject({ kind: "deprovision", payload: { retainDays: 7 } });
    const restore = await app.inject({
      method: "POST",
      url: "/tenants/acme/restore",
      headers: auth,
      payload: {},
    });
    // Behind the queued deprovision, a reinstatement is what the tenant will accept (service/tenantState.ts).
    expect(restore.statusCode).toBe(202);
    const tenant = await app.inject({ method: "GET", url: "/tenants/acme", headers: auth });
    expect(tenant.json()).toMatchObject({
      tenantId: "acme",
      status: "provisioning",
      lastOperation: { kind: "restore", status: "queued" },
    });
  });

  it("answer a tenant's read with its state at the time, however often it was read before", async () => {
    const first = (await provision(tenantRequest("acme"))).json().operation;
    const read = () => app.inject({ method: "GET", url: "/tenants/acme", headers: auth });
    const [a, b] = [await read(), await read()];
    expect(a.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(b.json()).toEqual(a.json());
    expect(a.json()).toMatchObject({
      status: "provisioning",
      lastOperation: { id: first.id, status: "queued" },
    });
    // A new operation of the tenant: the same record, another last operation.
    const tier = await app.inject({
      method: "POST",
      url: "/tenants/acme/tier",
      headers: auth,
      payload: { tier: "business" },
    });
    expect((await read()).json().lastOperation).toEqual({
      id: tier.json().operation.id,
      kind: "change-tier",
      status: "queued",
    });
    // The operation running: a changed operation record.
    const claim = await store.claim("test-worker", 60_000);
    expect("claimed" in claim && claim.claimed.id).toBe(first.id);
    await store.finish(first.id, "test-worker", {
      status: "succeeded",
      result: {},
      tenant: { status: "active", tier: "premium" },
    });
    expect((await read()).json()).toMatchObject({ status: "active", tier: "premium" });
  });
});

describe("documents", () => {
  it("serves an OpenAPI document whose tenant request schema is the stack config's", async () => {
    const res = await app.inject({ method: "GET", url: "/openapi.json" });
    const doc = res.json() as {
      openapi: string;
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: {
              content: Record<
                string,
                {
                  schema: {
                    properties: Record<string, unknown>;
                    required: string[];
                    additionalProperties: boolean;
                  };
                }
              >;
            };
          }
        >
      >;
    };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual(SERVICE_API_PATHS);
    const body = doc.paths["/tenants"]!["post"]!.requestBody!.content["application/json"]!.schema;
    expect(Object.keys(body.properties)).toEqual(
      expect.arrayContaining([
        "tenantId",
        "tier",
        "sites",
        "addOns",
        "images",
        "routing",
        "adminCredentials",
      ]),
    );
    expect(body.required).toEqual(expect.arrayContaining(["tenantId", "tier", "images", "adminCredentials"]));
    expect(body.additionalProperties).toBe(false);
  });

  it("serves metrics without a token: operations by status and queue depth", async () => {
    await provision(tenantRequest("acme"));
    const res = await app.inject({ method: "GET", url: "/metrics" });
    expect(res.body).toContain('tenant_service_operations{status="queued"} 1');
    expect(res.body).toContain("tenant_service_queue_depth 1");
  });
});

describe("bounded journal", () => {
  it("forgets operations ended longer ago than the retention (log and key too), keeps the rest, and stays so after a reopen", async () => {
    let clock = Date.parse("2026-11-01T00:00:00Z");
    const path = join(dir, "bounded.jsonl");
    const options = { path, now: () => clock, retentionMs: 30 * 86_400_000, maxLogLines: 50 };
    const bounded = new FileStore(options);
    const old = await bounded.submit({
      tenantId: "acme",
      kind: "update",
      payload: {},
      idempotencyKey: "k-old",
    });
    const claim = await bounded.claim("w", 60_000, old.operation.id);
    expect("claimed" in claim).toBe(true);
    for (let i = 0; i < 400; i++) await bounded.appendLog(old.operation.id, [`line ${i}`]);
    // At most the last 50 (+100 slack) lines, saying how many went.
    const lines = await bounded.logLines(old.operation.id);
    expect(lines.length).toBeLessThanOrEqual(150);
    expect(lines.at(-1)).toBe("line 399");
    expect(lines[0]).toMatch(/earlier lines dropped/);
    await bounded.finish(old.operation.id, "w", { status: "succeeded", result: {} });
    const waiting = await bounded.submit({ tenantId: "bravo", kind: "update", payload: {} });
    clock += 31 * 86_400_000;
    const recent = await bounded.submit({ tenantId: "acme", kind: "update", payload: {} });
    await bounded.compact();
    expect(await bounded.get(old.operation.id)).toBeUndefined();
    expect(await bounded.logLines(old.operation.id)).toEqual([]);
    expect((await bounded.get(waiting.operation.id))?.status).toBe("queued");
    // The key is free again: a new request under it is a new operation.
    const reused = await bounded.submit({
      tenantId: "acme",
      kind: "preview",
      payload: {},
      idempotencyKey: "k-old",
    });
    expect(reused.created).toBe(true);
    await bounded.close();
    const reopened = new FileStore(options);
    expect(await reopened.get(old.operation.id)).toBeUndefined();
    expect((await reopened.counts()).queued).toBe(3);
    expect((await reopened.get(recent.operation.id))?.status).toBe("queued");
    await reopened.close();
  });

  it("claims the oldest runnable head first, across tenants whose queues started at different times", async () => {
    let clock = Date.parse("2026-11-01T00:00:00Z");
    const store = new FileStore({ path: join(dir, "claims.jsonl"), now: () => (clock += 1000) });
    const submit = async (tenantId: string) =>
      (await store.submit({ tenantId, kind: "update", payload: {} })).operation.id;
    const claimed = async () => {
      const result = await store.claim("w", 60_000);
      return "claimed" in result ? result.claimed.id : undefined;
    };
    const done = { status: "succeeded", result: {} } as const;
    const a1 = await submit("a");
    const b1 = await submit("b");
    const a2 = await submit("a");
    const c1 = await submit("c");
    expect(await claimed()).toBe(a1);
    expect(await claimed()).toBe(b1); // a's head runs: a2 waits behind it
    await store.finish(b1, "w", done);
    const b2 = await submit("b"); // b's queue starts again, the youngest
    await store.finish(a1, "w", done);
    expect(await claimed()).toBe(a2); // a's new head: older than c1 and b2
    expect(await claimed()).toBe(c1);
    expect(await claimed()).toBe(b2);
    expect(await claimed()).toBeUndefined();
    // A queue that started first can hold a younger head than one that started after it.
    const x1 = await submit("x");
    const y1 = await submit("y");
    const x2 = await submit("x");
    expect(await claimed()).toBe(x1);
    await store.finish(x1, "w", done);
    expect(await claimed()).toBe(y1); // older than x's new head x2
    expect(await claimed()).toBe(x2);
    await store.close();
  });

  it("compacts in the background: commits made meanwhile are answered before it ends and kept exactly once", async () => {
    const path = join(dir, "background.jsonl");
    const store = new FileStore({ path });
    // A state whose rewrite takes many chunks (thousands of operations, each with a log).
    const ops = await Promise.all(
      Array.from({ length: 4000 }, (_, i) =>
        store.submit({ tenantId: `t${i}`, kind: "update", payload: {} }),
      ),
    );
    await Promise.all(
      ops.map(({ operation }) =>
        store.appendLog(
          operation.id,
          Array.from({ length: 30 }, (_, n) => `${operation.id} line ${n}`),
        ),
      ),
    );
    let compacted = false;
    const compaction = store.compact().then(() => (compacted = true));
    const during = await store.submit({ tenantId: "during", kind: "update", payload: {} });
    await store.appendLog(during.operation.id, ["first", "second"]);
    expect(compacted).toBe(false); // answered without waiting for the rewrite
    await compaction;
    const after = await store.submit({ tenantId: "after", kind: "update", payload: {} });
    await store.close();

    const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
    // Each change once: the snapshot, then the tail, then what came after the swap.
    expect(
      lines.filter((l) => l.includes(`"id":"${during.operation.id}"`) && l.includes('"t":"op"')),
    ).toHaveLength(1);
    expect(lines.filter((l) => l.includes('"first"'))).toHaveLength(1);
    expect(lines.length).toBeLessThan(3 * 4000);
    const reopened = new FileStore({ path });
    expect((await reopened.counts()).queued).toBe(4002);
    expect(await reopened.logLines(during.operation.id)).toEqual(["first", "second"]);
    expect(await reopened.logLines(ops[17]!.operation.id)).toHaveLength(30);
    expect((await reopened.get(after.operation.id))?.status).toBe("queued");
    await reopened.close();
  });
});

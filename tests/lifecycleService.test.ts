/**
 * The lifecycle through the running service (startService, embedded, offline engine): an
 * erasure asked inside the retention window is refused for an active tenant, needs the one-time
 * code, and once confirmed purges the tenant at once with an erasure report (the stack and the
 * tenant's backups deleted and verified absent; what Pulumi retains listed); the report is
 * written under the data directory; a second purge is refused (nothing left).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErasureReport } from "../automation/erasure/report";
import { serviceConfigFromEnv } from "../service/config";
import { createLogger } from "../service/log";
import { startService, type RunningService } from "../service/runtime";
import { eventually, tenantRequest } from "./helpers/service";

const TOKEN = "lifecycle-token-0123456789abcdef";
const auth = { authorization: `Bearer ${TOKEN}` };
let dir: string;
let service: RunningService;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "lifecycle-service-"));
  service = await startService(
    serviceConfigFromEnv({
      TENANT_SERVICE_TOKEN: TOKEN,
      PORT: "0",
      SERVICE_DATA_DIR: join(dir, "data"),
      TENANT_STATE_DIR: join(dir, "stacks"),
      TENANT_ENGINE: "offline",
      ENGINE_PROCESSES: "0",
      WORKERS: "1",
      LIFECYCLE_TICK_MS: "200",
    }),
    { log: createLogger({ level: "silent" }) },
  );
}, 60_000);

afterAll(async () => {
  await service?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The fields of the API's answers this test reads (each answer has some of them). */
interface Answer {
  readonly operation: {
    readonly id: string;
    readonly kind: string;
    readonly status: string;
    readonly result: { readonly erasure: ErasureReport };
  };
  readonly error: { readonly outcome: string };
  readonly confirmationCode: string;
  readonly status: string;
}

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: body === undefined ? auth : { ...auth, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

async function finished(id: string) {
  return eventually(
    `operation ${id} to end`,
    async () => {
      const { body } = await call("GET", `/operations/${id}`);
      return ["succeeded", "failed"].includes(body.operation.status) ? body.operation : undefined;
    },
    120_000,
  );
}

describe("erasure before the window ends, through the service", () => {
  it("refuses it for an active tenant, needs the code, then erases with a report", async () => {
    const provisioned = await call("POST", "/tenants", tenantRequest("gdpr1", "standard"));
    expect((await finished(provisioned.body.operation.id)).status).toBe("succeeded");

    const active = await call("POST", "/tenants/gdpr1/erasure", { reference: "GDPR-2026-0042" });
    expect([active.status, active.body.error.outcome]).toEqual([409, "conflict"]);
    expect((await call("POST", "/tenants/gdpr1/erasure", { reference: "bad ref!" })).status).toBe(400);

    const deprovisioned = await call("DELETE", "/tenants/gdpr1");
    expect((await finished(deprovisioned.body.operation.id)).status).toBe("succeeded");
    const backups = join(dir, "data", "backups", "tenants", "gdpr1");
    expect(readdirSync(join(backups, "offline-state"))).toHaveLength(1);
    // The client's own purge is still refused inside the window.
    expect((await call("POST", "/tenants/gdpr1/purge")).status).toBe(409);

    const asked = await call("POST", "/tenants/gdpr1/erasure", { reference: "GDPR-2026-0042" });
    expect(asked.status).toBe(201);
    expect(asked.body.confirmationCode).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const lifecycle = await call("GET", "/tenants/gdpr1/lifecycle");
    expect(JSON.stringify(lifecycle.body)).not.toContain(asked.body.confirmationCode);
    const wrong = await call("POST", "/tenants/gdpr1/erasure/confirm", { code: "not-the-code" });
    expect([wrong.status, wrong.body.error.outcome]).toEqual([400, "invalid"]);

    const confirmed = await call("POST", "/tenants/gdpr1/erasure/confirm", {
      code: asked.body.confirmationCode,
    });
    expect(confirmed.status).toBe(202);
    const purge = await finished(confirmed.body.operation.id);
    expect(purge.kind).toBe("purge");
    expect(purge.status).toBe("succeeded");
    const report = purge.result.erasure as ErasureReport;
    expect(report).toMatchObject({
      tenantId: "gdpr1",
      reason: "erasure request GDPR-2026-0042",
      noop: false,
    });
    expect(report.items[0]).toMatchObject({
      system: "stack",
      kind: "stack",
      action: "deleted",
      verifiedAbsent: true,
    });
    expect(report.items.find((i) => i.system === "backups")).toMatchObject({
      name: "tenants/gdpr1/",
      action: "deleted",
      objects: 1,
      verifiedAbsent: true,
    });
    // Erasing mode: what the program keeps (its namespaces among them) is deleted by the destroy and
    // gone from the engine's state; nothing is left retained, and the erasure is complete.
    expect(report.items.filter((i) => i.action === "retained")).toEqual([]);
    expect(
      report.items.filter((i) => i.kind === "kubernetes:core/v1:Namespace" && i.action === "deleted"),
    ).not.toEqual([]);
    expect(report.complete).toBe(true);
    expect(existsSync(backups)).toBe(false);
    const written = readdirSync(join(dir, "data", "erasures"));
    expect(written).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(dir, "data", "erasures", written[0]!), "utf8"))).toEqual(report);

    expect((await call("GET", "/tenants/gdpr1")).body.status).toBe("purged");
    await eventually("the lifecycle round to clear the erased tenant", async () =>
      (await service.store.lifecycle("gdpr1"))?.state.erasure === undefined ? true : undefined,
    );
    // A confirmation replayed submits nothing new; a second purge finds nothing to purge.
    const replay = await call("POST", "/tenants/gdpr1/erasure/confirm", {
      code: asked.body.confirmationCode,
    });
    expect(replay.status).toBe(409);
    expect((await call("POST", "/tenants/gdpr1/purge")).status).toBe(409);
  }, 240_000);
});

/**
 * Erasing mode (the operator's `tenant:erasing` flag): every tier shape synthesized with it has no
 * resource protected or retained on delete and the same resources with the same inputs (buckets
 * aside, which become force-destroyable), so the purge's update changes options only; without it
 * the stateful resources are still protected (tests/tierTransitions.test.ts and the policy pack
 * judge which). The flag is the operator's: a request carrying it is refused by name.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { toStackConfig } from "../automation/requestConfig";
import { statefulOptions } from "../components/shared/statefulOptions";
import { parseTenantRequest, splitOperatorState } from "../stacks/config";
import type { RecordedResource } from "../synth/engine";
import { DATA_HOLDING_TYPES, TenantRequestError } from "../tiers";
import { testHttpApp } from "./helpers/httpApp";
import { tenantRequest } from "./helpers/service";
import { ALL_SHAPES, synthOf, synthShape, tenantConfig, type Shape } from "./helpers/synth";

const BUCKET = "minio:index/s3Bucket:S3Bucket";
const INNODB = "kubernetes:mysql.oracle.com/v2:InnoDBCluster";
const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
const RETIRED: Shape & { readonly retiredSites: readonly number[] } = {
  tier: "premium",
  sites: 1,
  regions: ["eu-west-3"] as Shape["regions"],
  retiredSites: [2, 3],
};
const kept = (r: RecordedResource) => r.protect || r.retainOnDelete;
const label = (s: Shape) => `${s.tier} ${s.sites} site(s) in ${s.regions.join("+")}`;

async function bothModes(shape: Shape, extra: Record<string, unknown> = {}) {
  const normal = (await synthOf(shape, "acme", extra)).result.resources;
  const erasing = (await synthOf(shape, "acme", { ...extra, erasing: "true" })).result.resources;
  return { normal, erasing };
}

function expectErasingLiftsOnlyProtection(
  normal: readonly RecordedResource[],
  erasing: readonly RecordedResource[],
): void {
  expect(erasing.filter(kept).map((r) => r.urn)).toEqual([]);
  expect(erasing.map((r) => r.urn)).toEqual(normal.map((r) => r.urn));
  const byUrn = new Map(normal.map((r) => [r.urn, r]));
  for (const r of erasing) {
    const before = byUrn.get(r.urn)!;
    if (r.type === BUCKET) {
      expect(before.inputs["forceDestroy"]).toBe(false);
      expect(r.inputs).toEqual({ ...before.inputs, forceDestroy: true });
    } else expect(r.inputs, r.urn).toEqual(before.inputs);
  }
  // Without the flag, every resource holding data is still protected.
  const stateful = normal.filter((r) => DATA_HOLDING_TYPES.has(r.type));
  expect(stateful.length).toBeGreaterThan(0);
  for (const r of stateful) expect(r.protect, r.urn).toBe(true);
}

describe("erasing mode on every tier shape", () => {
  it.each(ALL_SHAPES.map((s) => [label(s), s] as const))(
    "%s: nothing protected or retained, the same resources and inputs (buckets force-destroyable)",
    async (_name, shape) => {
      const { normal, erasing } = await bothModes(shape);
      expectErasingLiftsOnlyProtection(normal, erasing);
      // What the program keeps today is what the erasure must lift: namespaces, buckets, volumes.
      const retainedTypes = new Set(normal.filter((r) => r.retainOnDelete).map((r) => r.type));
      expect(retainedTypes).toContain("kubernetes:core/v1:Namespace");
      expect(retainedTypes).toContain(BUCKET);
    },
    120_000,
  );

  it("lifts the protection of a Business tenant's dedicated database cluster and its volumes", async () => {
    const shape: Shape = { tier: "business", sites: 1, regions: ["eu-west-3"] as Shape["regions"] };
    const { normal, erasing } = await bothModes(shape, { dataServices: { dedicatedMysqlCluster: true } });
    expect(normal.some((r) => r.type === INNODB && r.protect)).toBe(true);
    expect(normal.filter((r) => r.type === PVC && r.retainOnDelete).length).toBeGreaterThan(1);
    expectErasingLiftsOnlyProtection(normal, erasing);
  }, 120_000);

  it("lifts the protection of a retired site's namespace and its guardrails too", async () => {
    const { normal, erasing } = await bothModes(RETIRED, { retiredSites: RETIRED.retiredSites });
    expect(normal.filter((r) => r.protect && r.name.includes("site-3")).length).toBeGreaterThan(0);
    expectErasingLiftsOnlyProtection(normal, erasing);
  }, 120_000);

  it("refuses a flag that is not a boolean, before anything is registered", async () => {
    await expect(synthShape("standard", 1, "acme", { erasing: "yes" })).rejects.toThrow(
      /erasing: must be true or false/,
    );
    expect(() => splitOperatorState({ erasing: 1 })).toThrow(TenantRequestError);
    expect(splitOperatorState({ erasing: "false", tier: "standard" })).toEqual({
      request: { tier: "standard" },
      state: { suspended: false, erasing: false },
    });
  });
});

describe("tenant:erasing is the operator's key, never a request's", () => {
  const request = (tenantId: string) =>
    Object.fromEntries(
      Object.entries(tenantConfig(tenantId, "standard", 1).config).map(([k, v]) => [
        k.slice("tenant:".length),
        v.startsWith("[") || v.startsWith("{") ? JSON.parse(v) : v,
      ]),
    );

  it.each([true, "true", false])("refuses erasing=%s in a request, naming the key", (value) => {
    const problems = (() => {
      try {
        parseTenantRequest({ ...request("acme"), erasing: value });
      } catch (error) {
        return (error as TenantRequestError).problems;
      }
      return [];
    })();
    expect(problems).toEqual([
      {
        field: "erasing",
        message:
          "is set only by a purge (erasing mode: nothing protected or retained), a tenant request cannot set it",
      },
    ]);
    expect(() => toStackConfig({ ...request("acme"), erasing: value })).toThrow(
      /erasing: is set only by a purge/,
    );
  });

  it("accepts the same request without it", () => {
    expect(() => parseTenantRequest(request("acme"))).not.toThrow();
  });
});

describe("every protect and retainOnDelete goes through statefulOptions", () => {
  const sources = ["components", "stacks"];
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const path = join(dir, f);
      return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
    });

  it("no component or stack program sets either option itself (the platform's too)", () => {
    const offenders = sources
      .flatMap(files)
      .filter((path) => path !== join("components", "shared", "statefulOptions.ts"))
      .filter((path) => /\b(protect|retainOnDelete)\s*:/.test(readFileSync(path, "utf8")));
    expect(offenders).toEqual([]);
  });

  it("maps each way of keeping to its options", () => {
    expect(statefulOptions("protected")).toEqual({ protect: true });
    expect(statefulOptions("retained")).toEqual({ protect: true, retainOnDelete: true });
    expect(statefulOptions("retained-unprotected")).toEqual({ retainOnDelete: true });
  });
});

describe("the signup service refuses tenant:erasing", () => {
  it("answers 400 naming the key, and stores nothing", async () => {
    const token = "test-token-erasing-0123456789";
    const { store, app, dispatched, close } = await testHttpApp("erasing-http-", token, {
      bodyLimit: 16 * 1024,
    });
    try {
      const res = await app.inject({
        method: "POST",
        url: "/tenants",
        headers: { authorization: `Bearer ${token}` },
        payload: { ...tenantRequest("acme"), erasing: true },
      });
      expect(res.statusCode).toBe(400);
      expect(JSON.stringify(res.json())).toContain('"erasing"');
      expect(dispatched).toEqual([]);
      expect(await store.counts()).toEqual({ queued: 0, running: 0, succeeded: 0, failed: 0 });
    } finally {
      await close();
    }
  });
});

/** `npm run tenant -- invoice` (and `usage`) as an operator runs them: offline engine, fresh processes. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { offlineTenantCli } from "./helpers/tenantCli";
import { invoiceFor } from "../automation/invoice";
import { DEV_ADMIN_CREDENTIALS, DEV_CLOUDFLARE } from "../synth/programs";

const work = mkdtempSync(join(tmpdir(), "finops-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const tenant = offlineTenantCli(join(work, "state"), { PROMETHEUS_URL: "" });

const request = {
  tenantId: "finops-acme",
  tier: "business",
  sites: [{ customDomains: [] }, { customDomains: [] }, { customDomains: [] }],
  addOns: { extraCpuCores: 2, extraMemoryGi: 4, extraStorageGi: 50 },
  images: { registry: "registry.example.com/cv", tag: "1.0.0" },
  adminCredentials: DEV_ADMIN_CREDENTIALS,
  cloudflare: DEV_CLOUDFLARE,
};

describe("tenant invoice", () => {
  beforeAll(() => {
    const file = join(work, "request.json");
    writeFileSync(file, JSON.stringify(request));
    const provision = tenant("provision", "--request", file, "--json");
    expect(provision.status, provision.stderr).toBe(0);
  }, 120_000);

  it("prints the invoice of the applied config, as JSON and as text", () => {
    const json = tenant(
      "invoice",
      "finops-acme",
      "--month",
      "2026-11",
      "--json",
      "--availability",
      "99.9",
      "--sla-credit-percent",
      "10",
    );
    expect(json.status, json.stderr).toBe(0);
    const expected = invoiceFor(
      {
        tenantId: "finops-acme",
        tier: "business",
        sites: request.sites,
        addOns: request.addOns,
        regions: ["eu-west-3"],
        dataServices: { dedicatedMysqlCluster: false, federationUpstreams: [] },
      },
      { month: "2026-11", sla: { availabilityPercent: 99.9, creditPercent: 10 } },
    );
    expect(JSON.parse(json.stdout)).toEqual(JSON.parse(JSON.stringify(expected)));
    const text = tenant("invoice", "finops-acme", "--month", "2026-11");
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain("INV-2026-11-FINOPS-ACME");
    expect(text.stdout).toMatch(/Business base\s+149\.99 EUR/);
  });

  it("refuses a bad month, a yearly custom price, a lone SLA figure and an unknown tenant", () => {
    const month = tenant("invoice", "finops-acme", "--month", "2026-13", "--json");
    expect(month.status).toBe(2);
    expect(JSON.parse(month.stderr).message).toMatch(/--month <YYYY-MM>.*YYYY-MM/);
    const yearly = tenant("invoice", "finops-acme", "--month", "2026-11", "--billing", "yearly", "--json");
    expect(yearly.status).toBe(2);
    expect(JSON.parse(yearly.stderr).message).toMatch(/--billing: Business has no yearly price/);
    const lone = tenant("invoice", "finops-acme", "--month", "2026-11", "--availability", "99", "--json");
    expect(lone.status).toBe(2);
    expect(JSON.parse(lone.stderr).message).toMatch(/--sla-credit-percent/);
    const ghost = tenant("invoice", "ghost", "--month", "2026-11", "--json");
    expect(ghost.status).toBe(2);
    expect(JSON.parse(ghost.stderr)).toMatchObject({ outcome: "not-found" });
  });
});

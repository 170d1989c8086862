/** `npm run tenant` as an operator runs it (offline engine, fresh processes, JSON output). */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { offlineTenantCli } from "./helpers/tenantCli";
import { DEV_ADMIN_CREDENTIALS, DEV_CLOUDFLARE } from "../synth/programs";

const work = mkdtempSync(join(tmpdir(), "tenant-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const tenant = offlineTenantCli(join(work, "state"), {
  PROMETHEUS_URL: "",
  TENANT_CONFIG_TAG_KEY: "cli-test-key",
});

describe("tenant CLI", () => {
  it("provisions from a request file, then previews the fleet, with JSON output", () => {
    const request = join(work, "acme.json");
    writeFileSync(
      request,
      JSON.stringify({
        tenantId: "acme",
        tier: "standard",
        images: { registry: "registry.example.com/cv", tag: "1.0.0" },
        adminCredentials: DEV_ADMIN_CREDENTIALS,
        cloudflare: DEV_CLOUDFLARE,
      }),
    );
    const provision = tenant("provision", "--request", request, "--json");
    expect(provision.status).toBe(0);
    expect(JSON.parse(provision.stdout)).toMatchObject({
      tenantId: "acme",
      outcome: "created",
      outputs: { tier: "standard" },
    });
    // Another process with the same TENANT_CONFIG_TAG_KEY recognises the request it already applied.
    const again = tenant("provision", "--request", request, "--json");
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ tenantId: "acme", outcome: "unchanged" });
    const fleet = tenant("fleet", "preview", "--json");
    expect(fleet.status).toBe(0);
    expect(JSON.parse(fleet.stdout)).toMatchObject({
      command: "preview",
      counts: { unchanged: 1, failed: 0 },
    });
  });

  it("answers bad input with a JSON outcome and exit code 2", () => {
    const bad = tenant("change-tier", "acme", "gold", "--json");
    expect(bad.status).toBe(2);
    expect(JSON.parse(bad.stderr)).toEqual({
      outcome: "usage",
      message:
        "command-argument value 'gold' is invalid for argument 'tier'. Allowed choices are standard, premium, business.",
    });
    const missing = tenant("change-tier", "ghost", "premium", "--json");
    expect(missing.status).toBe(2);
    expect(JSON.parse(missing.stderr)).toMatchObject({ outcome: "not-found" });
  });
});

/**
 * The offline synth runs the policy pack with the config CI would give it and reports the verdict
 * in summary.md and in its exit code.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TIER_POLICIES } from "../policy/policies";
import { synthCommand } from "../synth/cli";
import type { RecordedResource, SynthResult } from "../synth/engine";
import { checkPolicies, policyConfigOf, policySection } from "../synth/policyCheck";
import { synthShape, tenantConfig } from "./helpers/synth";

const out = mkdtempSync(join(tmpdir(), "synth-policy-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const extra = (
  result: SynthResult,
  resource: Omit<
    RecordedResource,
    "urn" | "parent" | "custom" | "retainOnDelete" | "ignoreChanges" | "dependsOn" | "protect"
  >,
): SynthResult => ({
  ...result,
  resources: [
    ...result.resources,
    {
      ...resource,
      urn: `urn:pulumi:${result.stack}::tenant::${resource.type}::${resource.name}`,
      parent: "",
      custom: true,
      protect: false,
      retainOnDelete: false,
      ignoreChanges: [],
      dependsOn: [],
    },
  ],
});

describe("policy check of the offline synth", () => {
  it("gives the pack the config CI derives from the stack config (tier, add-ons, tenant, regions) and the platform's domain and organization, never the tenant's", () => {
    const config = tenantConfig("acme", "business", 2, {
      addOns: { extraCpuCores: 2 },
      regions: ["eu-central-1", "us-east-1"],
    });
    expect(policyConfigOf(config)).toEqual({
      tier: "business",
      addOns: { extraCpuCores: 2 },
      platformDomain: "shops.collect-verything.com",
      tenant: "acme",
      regions: ["eu-central-1", "us-east-1"],
      platformOrganization: "collect-verything",
      // The platform facts (policy/platformFacts.ts): the tenant's zone, the platform's zone, account, endpoints, backups, Prometheus.
      cloudflare: {
        accountId: "0123456789abcdef0123456789abcdef",
        zoneId: "1123456789abcdef0123456789abcdef",
        zoneName: "acme.edge.collect-verything.test",
        platformZoneId: "2123456789abcdef0123456789abcdef",
      },
      platform: {
        endpoints: expect.objectContaining({
          mysql: expect.objectContaining({ host: "mysql.mysql.svc.cluster.local" }),
        }),
        backups: expect.objectContaining({
          bucket: "cv-tenant-backups-eu-central-1",
          namespace: "tenant-backups",
        }),
        // The one server a tenant's Prometheus scalers may query (policy/policies/autoscalers.ts).
        prometheusUrl: "http://prometheus-operated.monitoring.svc:9090",
      },
    });
    const moved = tenantConfig("acme", "business", 2, {
      platform: { domain: "shops.example.com", stackOrganization: "globex-org" },
    });
    expect(() => policyConfigOf(moved)).toThrow(/platform.domain: is a platform fact/);
    expect(policyConfigOf(undefined)).toBeUndefined();
  });

  it("passes what the program synthesizes and says so in summary.md, exit code 0", async () => {
    const code = await synthCommand([
      "--tenant",
      "acme",
      "--tier",
      "premium",
      "--sites",
      "2",
      "--out",
      out,
      "--quiet",
    ]);
    expect(code).toBe(0);
    expect(readFileSync(join(out, "summary.md"), "utf8")).toContain(
      `## Policy pack\n\nPasses all ${TIER_POLICIES.length} policies of the pack.`,
    );
  });

  it("reports a mandatory violation with its policy and message, as the preview would fail", async () => {
    const { result } = await synthShape("standard", 1);
    const tampered = extra(result, {
      type: "kubernetes:apps/v1:DaemonSet",
      name: "acme-agent",
      inputs: {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: "agent", namespace: "default" },
        spec: { template: { spec: { containers: [{ name: "a" }] } } },
      },
    });
    const check = await checkPolicies(tampered, tenantConfig("acme", "standard", 1));
    expect(check.mandatory).toBeGreaterThan(0);
    const section = policySection(check);
    expect(section).toMatch(
      /^## Policy pack\n\n\d+ violation\(s\), \d+ mandatory: `pulumi preview` with the pack would fail\./,
    );
    expect(section).toContain(
      "| mandatory | resource-type-allowed | DaemonSet default/agent: kubernetes:apps/v1:DaemonSet is not a resource type a Standard tenant stack may create;",
    );
    expect(section).toContain(
      "| mandatory | namespace-of-tenant | DaemonSet default/agent is in namespace default, which is not tenant acme's",
    );
  });

  it("judges the platform synth as a platform stack, without a tenant config", async () => {
    const code = await synthCommand(["--platform", "--out", join(out, "platform"), "--quiet"]);
    expect(code).toBe(0);
    expect(readFileSync(join(out, "platform", "summary.md"), "utf8")).toContain("Passes all");
  });
});

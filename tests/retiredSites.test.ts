/**
 * Removing a site (issue 11, item 5): the removed site's namespace keeps its data and stays
 * guarded (zero quota, limit range, default-deny) on every later update until the tenant is
 * deprovisioned. Judged on synthesized objects, on the plan between the two graphs, on the
 * policy pack, and through the Automation API with the offline engine.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TenantService, type UsageSource } from "../automation";
import { OfflineEngine } from "../automation/offlineEngine";
import { planBetween } from "../automation/planDiff";
import { fromStackConfig } from "../automation/requestConfig";
import { emptyTotals, parseQuotaHard, quotaHardOf } from "../policy/analysis/usage";
import { TIER_POLICIES } from "../policy/policies";
import { parseTenantConfig, type TenantConfigInput } from "../stacks/config";
import type { RecordedResource } from "../synth/engine";
import { DEV_ADMIN_CREDENTIALS, DEV_CLOUDFLARE } from "../synth/programs";
import {
  coreNamespace,
  effectiveProfile,
  retiredSitesAfter,
  siteNamespace,
  TenantRequestError,
} from "../tiers";
import { mandatory, runPack } from "./helpers/policy";
import { localResources } from "../synth/policyCheck";
import { ofKind, synthShape } from "./helpers/synth";
import type { KubeObject } from "../policy/analysis/objects";

const RETIRED = [2, 3].map((site) => siteNamespace("acme", site));
const inNamespace = (objects: readonly KubeObject[], ns: string) =>
  objects.filter((o) => o.metadata?.namespace === ns);
const isDenyAll = (o: KubeObject) =>
  JSON.stringify(o.spec) === JSON.stringify({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });

/** The Kubernetes resources recorded in (or being) one namespace. */
const resourcesOf = (resources: readonly RecordedResource[], ns: string) =>
  resources.filter((r) => {
    const meta = (r.inputs["metadata"] ?? {}) as { name?: string; namespace?: string };
    return meta.namespace === ns || (r.type === "kubernetes:core/v1:Namespace" && meta.name === ns);
  });

describe("a Premium tenant that went from 3 sites to 1 (retiredSites [2, 3])", () => {
  const before = () => synthShape("premium", 3);
  const after = () => synthShape("premium", 1, "acme", { retiredSites: [2, 3] });

  it("keeps each removed site's namespace with a zero quota, its LimitRange and default-deny, and nothing else", async () => {
    const { objects } = await after();
    for (const ns of RETIRED) {
      const namespace = ofKind(objects, "Namespace").find((n) => n.metadata?.name === ns);
      expect(namespace?.metadata?.labels).toMatchObject({
        tenant: "acme",
        tier: "premium",
        type: "retired",
        "pod-security.kubernetes.io/enforce": "restricted",
      });
      const objectsIn = inNamespace(objects, ns);
      expect(objectsIn.map((o) => `${o.kind}/${o.metadata?.name}`).sort()).toEqual([
        "LimitRange/tenant-limits",
        "NetworkPolicy/default-deny",
        "ResourceQuota/tenant-quota",
      ]);
      const quota = ofKind(objectsIn, "ResourceQuota")[0]!;
      expect(quotaHardOf(quota)["pods"]).toBe("0");
      expect(parseQuotaHard(quotaHardOf(quota))).toEqual(emptyTotals());
      expect(isDenyAll(ofKind(objectsIn, "NetworkPolicy")[0]!)).toBe(true);
    }
    // Nothing routes to a retired site any more.
    const routed = JSON.stringify(ofKind(objects, "HTTPRoute"));
    expect(routed).not.toMatch(/acme-site-[23]\b/);
  });

  it("retires in place: the namespace and its guardrails keep their Pulumi names (updated, never deleted) and become protected", async () => {
    const old = (await before()).result.resources;
    const next = (await after()).result.resources;
    const steps = planBetween(old, next);
    for (const ns of RETIRED) {
      const kept = resourcesOf(next, ns);
      expect(kept.map((r) => r.type).sort()).toEqual([
        "kubernetes:core/v1:LimitRange",
        "kubernetes:core/v1:Namespace",
        "kubernetes:core/v1:ResourceQuota",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      ]);
      for (const r of kept) {
        expect(steps.find((s) => s.urn === r.urn)?.op, `${r.type} ${r.name}`).toMatch(/^(update|same)$/);
        expect(r.protect, `${r.type} ${r.name} protected`).toBe(true);
      }
      expect(kept.find((r) => r.type === "kubernetes:core/v1:Namespace")?.retainOnDelete).toBe(true);
      // What goes: the site's workload, autoscaler, credentials, settings, network allows and ServiceMonitor.
      const gone = steps.filter(
        (s) => s.op === "delete" && resourcesOf(old, ns).some((r) => r.urn === s.urn),
      );
      expect(new Set(gone.map((s) => s.type.split(":")[1]))).toEqual(
        new Set([
          "apps/v1",
          "core/v1",
          "networking.k8s.io/v1",
          "monitoring.coreos.com/v1",
          "keda.sh/v1alpha1",
          "gateway.networking.k8s.io/v1beta1",
          // The gateway's PodDisruptionBudget (two replicas a site, docs/monitoring-sla.md).
          "policy/v1",
        ]),
      );
      expect(
        gone.some(
          (s) => s.type === "kubernetes:core/v1:Namespace" || s.type === "kubernetes:core/v1:ResourceQuota",
        ),
      ).toBe(false);
    }
  });

  it("keeps the tenant's quotas summing to the tier's and passes the policy pack", async () => {
    const { objects, result } = await after();
    const sum = emptyTotals();
    for (const q of ofKind(objects, "ResourceQuota")) {
      const hard = parseQuotaHard(quotaHardOf(q));
      for (const key of Object.keys(sum) as (keyof typeof sum)[]) sum[key] += hard[key];
    }
    expect(sum).toEqual({ ...effectiveProfile("premium").quota });
    // The core namespace took back what the two sites had.
    const core = parseQuotaHard(
      quotaHardOf(ofKind(inNamespace(objects, coreNamespace("acme")), "ResourceQuota")[0]!),
    );
    expect(core.pods).toBe(effectiveProfile("premium").quota.pods);
    expect(await runPack(TIER_POLICIES, localResources(result.resources), { tier: "premium" })).toEqual([]);
  });

  it("exposes the retired namespaces as a stack output next to the active ones", async () => {
    const { result } = await after();
    expect(result.outputs).toMatchObject({ namespaces: [coreNamespace("acme")], retiredNamespaces: RETIRED });
  });
});

describe("retiredSites config", () => {
  const base = {
    tenantId: "acme",
    tier: "premium",
    images: { registry: "r.example.com/cv", tag: "1.0.0" },
    adminCredentials: DEV_ADMIN_CREDENTIALS,
    cloudflare: DEV_CLOUDFLARE,
  };
  const problems = (extra: Record<string, unknown>) => {
    try {
      parseTenantConfig({ ...base, ...extra });
      return [];
    } catch (error) {
      if (!(error instanceof TenantRequestError)) throw error;
      return error.problems;
    }
  };

  it("names the field of a retired site that is active, the core, repeated, fractional or beyond any tier", () => {
    const twoSites = [{ customDomains: [] }, { customDomains: [] }];
    expect(problems({ sites: twoSites, retiredSites: [2] })).toEqual([
      {
        field: "retiredSites[0]",
        message: "site 2 is active (the tenant has 2 site(s)); a site is either active or retired",
      },
    ]);
    expect(problems({ retiredSites: [1] })).toEqual([
      { field: "retiredSites[0]", message: "must be a site number from 2 to 10, got 1" },
    ]);
    expect(problems({ retiredSites: [4, 4] })).toEqual([
      { field: "retiredSites[1]", message: "site 4 is listed twice" },
    ]);
    expect(problems({ retiredSites: [2.5, 11] }).map((p) => p.field)).toEqual([
      "retiredSites[0]",
      "retiredSites[1]",
    ]);
    expect(problems({ retiredSites: ["2"] }).map((p) => p.field)).toEqual(["retiredSites[0]"]);
    // A site from a former tier is fine: a Standard tenant may keep its Premium days' namespaces.
    expect(problems({ tier: "standard", retiredSites: [2, 3] })).toEqual([]);
  });
});

describe("through the Automation API (offline engine)", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "retired-sites-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const fitting: UsageSource = {
    productCount: async () => 100,
    storageUsedGi: async () => 10,
    averageConcurrentUsers: async () => 50,
  };
  const request = (extra: Partial<TenantConfigInput>): TenantConfigInput => ({
    tenantId: "acme",
    tier: "premium",
    cloudflare: DEV_CLOUDFLARE,
    images: { registry: "registry.example.com/cv", tag: "1.0.0" },
    adminCredentials: DEV_ADMIN_CREDENTIALS,
    ...extra,
  });
  const applied = (): RecordedResource[] =>
    (JSON.parse(readFileSync(join(dir, "acme.json"), "utf8")) as { resources: RecordedResource[] }).resources;
  const retiredQuota = (ns: string) =>
    resourcesOf(applied(), ns).find((r) => r.type === "kubernetes:core/v1:ResourceQuota");

  it("keeps removed sites guarded across later updates and a tier change, whether or not the request lists them", async () => {
    const engine = new OfflineEngine({ stateDir: dir });
    const backups: string[] = [];
    const svc = new TenantService({
      engine,
      usage: fitting,
      backup: { backup: async (t, reason) => (backups.push(reason), { location: `mem://${t}/${reason}` }) },
    });
    const site = { customDomains: [] };
    await svc.provisionTenant(request({ sites: [site, site, site] }));

    // The signup service sends one site: the service retires the two it had, after a backup.
    await expect(svc.provisionTenant(request({ sites: [site] }))).resolves.toMatchObject({
      outcome: "updated",
    });
    expect(backups).toEqual(["tier-change"]);
    expect(fromStackConfig(await engine.readConfig("acme")).retiredSites).toEqual([2, 3]);
    for (const ns of RETIRED)
      expect((retiredQuota(ns)?.inputs["spec"] as { hard: Record<string, string> }).hard["pods"]).toBe("0");

    // The same request again is unchanged: the carried retired sites are part of what was applied.
    await expect(svc.provisionTenant(request({ sites: [site] }))).resolves.toMatchObject({
      outcome: "unchanged",
    });
    // A caller that follows the contract itself (retiredSitesAfter) gets the same config.
    const previous = fromStackConfig(await engine.readConfig("acme"));
    await expect(
      svc.provisionTenant(request({ sites: [site], retiredSites: retiredSitesAfter(previous, 1) })),
    ).resolves.toMatchObject({ outcome: "unchanged" });

    // A later update of the same config keeps them.
    await svc.refresh("acme", "up");
    for (const ns of RETIRED) expect(retiredQuota(ns)).toBeDefined();

    // A tier change rewrites the config for the new tier (retargeted) and keeps the retired sites.
    await expect(svc.changeTier("acme", "business")).resolves.toMatchObject({ outcome: "changed" });
    expect(fromStackConfig(await engine.readConfig("acme")).retiredSites).toEqual([2, 3]);
    for (const ns of RETIRED) {
      const quota = retiredQuota(ns);
      expect((quota?.inputs["metadata"] as { labels: Record<string, string> }).labels["tier"]).toBe(
        "business",
      );
      expect((quota?.inputs["spec"] as { hard: Record<string, string> }).hard["pods"]).toBe("0");
    }

    // A Business request that forgets them still keeps them guarded.
    await svc.provisionTenant(
      request({ tier: "business", sites: [site], dataServices: { federationUpstreams: [] } }),
    );
    expect(fromStackConfig(await engine.readConfig("acme")).retiredSites).toEqual([2, 3]);
    for (const ns of RETIRED) expect(retiredQuota(ns)).toBeDefined();

    // A site brought back is active again, and no longer retired.
    await svc.provisionTenant(request({ tier: "business", sites: [site, site] }));
    expect(fromStackConfig(await engine.readConfig("acme")).retiredSites).toEqual([3]);
  });

  it("refuses a direct update that would drop a retired site's guardrails (they are protected)", async () => {
    const engine = new OfflineEngine({ stateDir: dir });
    const svc = new TenantService({
      engine,
      usage: fitting,
      backup: { backup: async (t, reason) => ({ location: `mem://${t}/${reason}` }) },
    });
    const site = { customDomains: [] };
    await svc.provisionTenant(request({ sites: [site, site, site] }));
    await svc.provisionTenant(request({ sites: [site] }));
    // Bypassing the service (an operator editing the stack config by hand) hits the protection.
    const config = await engine.readConfig("acme");
    await engine.writeConfig(
      "acme",
      Object.fromEntries(Object.entries(config).filter(([k]) => k !== "tenant:retiredSites")),
    );
    await expect(engine.up("acme")).rejects.toThrow(
      /delete protected kubernetes:core\/v1:Namespace acme-site-2-namespace/,
    );
    for (const ns of RETIRED) expect(retiredQuota(ns)).toBeDefined();
  });
});

describe("retired namespaces and the site count", () => {
  // sites-and-domains-within-tier counts only namespaces whose quota admits pods: a Premium tenant
  // that keeps three retired namespaces of its Business days still has one site.
  it("passes a Premium tenant that keeps three retired Business namespaces", async () => {
    const { result } = await synthShape("premium", 1, "acme", { retiredSites: [2, 3, 4] });
    expect(
      mandatory(await runPack(TIER_POLICIES, localResources(result.resources), { tier: "premium" })),
    ).toEqual([]);
  });
});

/**
 * The Cloudflare edge per tier, from the synthesized stack: which edge resources each tier
 * gets and their numbers (literals of the tier table in docs/product.md, not catalog lookups),
 * DNS and TLS for every hostname, the custom-domain records surfaced to the signup flow, the
 * trusted-IP allowlist in both routing modes, the connection cap on the listener, and bad
 * edge input rejected before any resource.
 */
import { tenantPlatformArgs } from "../stacks/platformFacts";
import {
  OFFLINE_ORIGIN_PULL_CLIENT,
  offlinePlatformFacts,
  offlinePlatformStack,
} from "../synth/platformStandIn";
import { describe, expect, it } from "vitest";
import { edgeRulesets } from "../components/edge/edgeRules";
import { originLockdownSpec } from "../tiers/edge";
import { TenantStack } from "../components/tenant/tenantStack";
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import { parseStackConfig, PROJECT } from "../stacks/config";
import { synthesize, SynthFailure, type RecordedResource } from "../synth/engine";
import { DEV_CLOUDFLARE, synthPlatform, synthTenant } from "../synth/programs";
import { platformInventory } from "../synth/closedWorld";
import { tenantSummary } from "../synth/summary";
import { kubernetesObjects } from "../synth/manifests";
import { edgeSpecProblems, getTier, TenantRequestError, type TierDefinition, type TierName } from "../tiers";
import { TIER_POLICIES } from "../policy/policies";
import { mandatory, runPack } from "./helpers/policy";
import { localResources } from "../synth/policyCheck";
import { ofKind, synthShape, tenantConfig } from "./helpers/synth";

const T = {
  dns: "cloudflare:index/dnsRecord:DnsRecord",
  hostname: "cloudflare:index/customHostname:CustomHostname",
  fallback: "cloudflare:index/customHostnameFallbackOrigin:CustomHostnameFallbackOrigin",
  setting: "cloudflare:index/zoneSetting:ZoneSetting",
  ruleset: "cloudflare:index/ruleset:Ruleset",
  tiered: "cloudflare:index/tieredCache:TieredCache",
  argo: "cloudflare:index/argoSmartRouting:ArgoSmartRouting",
} as const;

interface Rule {
  ref: string;
  action: string;
  expression: string;
  actionParameters?: Record<string, unknown> & {
    id?: string;
    cache?: boolean;
    edgeTtl?: { mode: string; default: number };
    browserTtl?: { mode: string; default: number };
    phases?: string[];
    overrides?: {
      sensitivityLevel?: string;
      action?: string;
      rules?: { id: string; action: string; scoreThreshold: number }[];
    };
    headers?: Record<string, { operation: string; value?: string; expression?: string }>;
  };
  ratelimit?: {
    characteristics: string[];
    period: number;
    requestsPerPeriod: number;
    mitigationTimeout: number;
  };
}
interface RulesetInputs {
  zoneId: string;
  kind: string;
  phase: string;
  rules: Rule[];
}

const ofType = (resources: readonly RecordedResource[], type: string) =>
  resources.filter((r) => r.type === type);
const rulesets = (resources: readonly RecordedResource[]) =>
  ofType(resources, T.ruleset).map((r) => r.inputs as unknown as RulesetInputs);
const phase = (resources: readonly RecordedResource[], name: string) =>
  rulesets(resources).find((r) => r.phase === name);
const phasesOf = (resources: readonly RecordedResource[]) =>
  rulesets(resources)
    .map((r) => r.phase)
    .sort();

/** Per tier: the edge as the tier table (docs/product.md) states it. */
const EDGE: Record<
  TierName,
  {
    sites: number;
    phases: string[];
    cache?: { edge: number; browser: number };
    tiered: boolean;
    argo: boolean;
  }
> = {
  standard: { sites: 1, phases: ["http_request_cache_settings"], tiered: false, argo: false },
  premium: {
    sites: 3,
    phases: ["http_request_cache_settings", "http_response_headers_transform"],
    cache: { edge: 86400, browser: 3600 },
    tiered: true,
    argo: false,
  },
  business: {
    sites: 3,
    phases: [
      "ddos_l7",
      "http_ratelimit",
      "http_request_cache_settings",
      "http_request_firewall_custom",
      "http_request_firewall_managed",
      "http_response_headers_transform",
    ],
    cache: { edge: 604800, browser: 86400 },
    tiered: true,
    argo: true,
  },
};

describe.each(Object.entries(EDGE) as [TierName, (typeof EDGE)[TierName]][])("%s edge", (tier, expected) => {
  it("gets exactly its rulesets and zone features", async () => {
    const { result } = await synthShape(tier, expected.sites);
    expect(phasesOf(result.resources)).toEqual(expected.phases);
    expect(ofType(result.resources, T.tiered).map((r) => r.inputs)).toEqual(
      expected.tiered ? [{ zoneId: DEV_CLOUDFLARE.zoneId, value: "on" }] : [],
    );
    expect(ofType(result.resources, T.argo).map((r) => r.inputs)).toEqual(
      expected.argo ? [{ zoneId: DEV_CLOUDFLARE.zoneId, value: "on" }] : [],
    );
    for (const r of rulesets(result.resources)) {
      expect(r.kind).toBe("zone");
      expect(r.zoneId).toBe(DEV_CLOUDFLARE.zoneId);
    }
  });

  it("caches only /static/, with the tier's TTLs, or nothing at all (Standard: no CDN)", async () => {
    const { result } = await synthShape(tier, expected.sites);
    const rules = phase(result.resources, "http_request_cache_settings")!.rules;
    if (!expected.cache) {
      expect(rules).toEqual([
        expect.objectContaining({
          expression: "true",
          action: "set_cache_settings",
          actionParameters: { cache: false },
        }),
      ]);
      return;
    }
    expect(rules.map((r) => [r.expression, r.actionParameters?.cache])).toEqual([
      ['not starts_with(http.request.uri.path, "/static/")', false],
      ['starts_with(http.request.uri.path, "/static/")', true],
    ]);
    expect(rules[1]!.actionParameters).toMatchObject({
      edgeTtl: { mode: "override_origin", default: expected.cache.edge },
      browserTtl: { mode: "override_origin", default: expected.cache.browser },
    });
  });

  it("serves every hostname as a custom hostname with a DV certificate, behind one proxied fallback origin", async () => {
    const { result } = await synthShape(tier, expected.sites);
    const hostnames = ofType(result.resources, T.hostname).map(
      (r) => r.inputs as { hostname: string; zoneId: string; ssl: object },
    );
    const platform = [
      "acme.shops.collect-verything.com",
      "acme-site-2.shops.collect-verything.com",
      "acme-site-3.shops.collect-verything.com",
    ].slice(0, expected.sites);
    expect(hostnames.map((h) => h.hostname).sort()).toEqual([...platform].sort());
    for (const h of hostnames) {
      expect(h.zoneId).toBe(DEV_CLOUDFLARE.zoneId);
      expect(h.ssl).toEqual({ method: "http", type: "dv", settings: { minTlsVersion: "1.2" } });
    }
    const origin = "origin.acme.edge.collect-verything.test";
    expect(ofType(result.resources, T.fallback).map((r) => r.inputs)).toEqual([
      { zoneId: DEV_CLOUDFLARE.zoneId, origin },
    ]);
    const dns = ofType(result.resources, T.dns).map(
      (r) =>
        r.inputs as {
          zoneId: string;
          name: string;
          type: string;
          content: string;
          proxied: boolean;
          ttl: number;
        },
    );
    expect(dns.find((d) => d.name === origin)).toMatchObject({
      zoneId: DEV_CLOUDFLARE.zoneId,
      type: "CNAME",
      content: DEV_CLOUDFLARE.originAddress,
      proxied: true,
      ttl: 1,
    });
    // Platform hostnames: DNS-only CNAMEs in the platform zone (the tenant's zone proxies them).
    for (const host of platform) {
      expect(dns.find((d) => d.name === host)).toMatchObject({
        zoneId: DEV_CLOUDFLARE.platformZoneId,
        type: "CNAME",
        content: origin,
        proxied: false,
        ttl: 1,
      });
    }
    const settings = Object.fromEntries(
      ofType(result.resources, T.setting).map((r) => [
        (r.inputs as { settingId: string }).settingId,
        (r.inputs as { value: string }).value,
      ]),
    );
    expect(settings).toEqual({ ssl: "strict", min_tls_version: "1.2", always_use_https: "on" });
  });
});

describe("Premium edge numbers", () => {
  it("allows CORS on static files for the tenant's own origins only", async () => {
    const { result } = await synthShape("premium", 2, "acme", {
      sites: [{ customDomains: ["shop.acme.example"] }, { customDomains: [] }],
    });
    const [cors] = phase(result.resources, "http_response_headers_transform")!.rules;
    expect(cors!.expression).toBe(
      'starts_with(http.request.uri.path, "/static/") and any(http.request.headers["origin"][*] in {"https://acme.shops.collect-verything.com" "https://acme-site-2.shops.collect-verything.com" "https://shop.acme.example"})',
    );
    expect(cors!.actionParameters!.headers!["Access-Control-Allow-Origin"]).toEqual({
      operation: "set",
      expression: 'http.request.headers["origin"][0]',
    });
    expect(JSON.stringify(cors)).not.toContain('"*"');
  });

  it("has no WAF, rate limiting, DDoS override or Argo", async () => {
    const { result } = await synthShape("premium", 3);
    const phases = phasesOf(result.resources);
    for (const p of [
      "http_request_firewall_managed",
      "http_request_firewall_custom",
      "http_ratelimit",
      "ddos_l7",
    ])
      expect(phases).not.toContain(p);
  });
});

describe("CDN bandwidth allowance (Cloudflare does not cap it): the tenant's alerts warn at 80% of 100 GB over 30 days", () => {
  it.each([
    ["standard", []],
    ["premium", [["TenantCdnBandwidthWarning", "warning", 100e9]]],
    ["business", []],
  ] as const)("%s", async (tier, expected) => {
    const { objects } = await synthShape(tier, 1);
    const groups = ofKind(objects, "PrometheusRule").flatMap(
      (o) =>
        (
          o.spec as {
            groups: {
              rules: { alert?: string; record?: string; expr: string; labels?: Record<string, string> }[];
            }[];
          }
        ).groups,
    );
    const rules = groups.flatMap((g) => g.rules);
    const alerts = rules.filter((r) => r.alert?.startsWith("TenantCdnBandwidth"));
    // The ratio the alert reads: 30 days of the tenant's CDN bytes over the tier's allowance in bytes.
    const ratio = rules.filter((r) => r.record !== undefined && r.labels?.["signal"] === "cdn-bandwidth");
    expect(
      alerts.map((r) => [r.alert, r.labels?.["severity"], Number(ratio[0]?.expr.split(" / ")[1])]),
    ).toEqual(expected);
    for (const r of ratio)
      expect(r.expr).toMatch(
        /^sum\(increase\(cloudflare_zone_bandwidth_total\{zone="acme\.edge\.collect-verything\.test"\}\[30d\]\)\) \/ 100000000000$/,
      );
  });
});

describe("Business edge numbers", () => {
  it("executes Cloudflare Managed and OWASP Core (blocking from score 40)", async () => {
    const { result } = await synthShape("business", 1);
    const rules = phase(result.resources, "http_request_firewall_managed")!.rules;
    expect(rules.map((r) => [r.action, r.expression, r.actionParameters?.id])).toEqual([
      ["execute", "true", "efb7b8c949ac4650a09736fc376e9aee"],
      ["execute", "true", "4814384a9e5d4991b9815dcfc25d2f1f"],
    ]);
    expect(rules[1]!.actionParameters!.overrides).toEqual({
      rules: [{ id: "6179ae15870a4bb7b2d480d4843b323c", action: "block", scoreThreshold: 40 }],
    });
  });

  it("rate-limits each client per data centre at 15000/60s and 12500/10s (500 req/s x5 burst), in allowed periods", async () => {
    const { result } = await synthShape("business", 2);
    const rules = phase(result.resources, "http_ratelimit")!.rules;
    expect(rules.map((r) => r.ratelimit)).toEqual([
      {
        characteristics: ["cf.colo.id", "ip.src"],
        period: 60,
        requestsPerPeriod: 15000,
        mitigationTimeout: 60,
      },
      {
        characteristics: ["cf.colo.id", "ip.src"],
        period: 10,
        requestsPerPeriod: 12500,
        mitigationTimeout: 10,
      },
    ]);
    for (const r of rules) {
      expect(r.action).toBe("block");
      expect(r.expression).toBe(
        'http.host in {"acme.shops.collect-verything.com" "acme-site-2.shops.collect-verything.com"}',
      );
    }
  });

  it("overrides the HTTP DDoS ruleset (sensitivity default, block) and blocks odd methods and scanner paths", async () => {
    const { result } = await synthShape("business", 1);
    expect(phase(result.resources, "ddos_l7")!.rules).toEqual([
      expect.objectContaining({
        action: "execute",
        expression: "true",
        actionParameters: {
          id: "4d21379b4f9f4bb088e0729962c8b3cf",
          overrides: { sensitivityLevel: "default", action: "block" },
        },
      }),
    ]);
    const custom = phase(result.resources, "http_request_firewall_custom")!.rules;
    expect(custom.map((r) => r.ref)).toEqual(["block_methods", "block_probes"]);
    expect(custom[0]!.expression).toBe(
      'not http.request.method in {"GET" "HEAD" "POST" "PUT" "PATCH" "DELETE" "OPTIONS"}',
    );
  });
});

describe("trusted-IP allowlist (Business), enforced in both routing modes", () => {
  const cidrs = ["203.0.113.0/24", "198.51.100.7/32"];

  function expectEdgeExemption(resources: readonly RecordedResource[]): void {
    const [skip] = phase(resources, "http_request_firewall_custom")!.rules;
    expect(skip).toMatchObject({
      expression: "ip.src in {203.0.113.0/24 198.51.100.7/32}",
      action: "skip",
      actionParameters: { phases: ["http_ratelimit"] },
    });
  }

  it("Gateway API: the edge skips rate limiting for them and marks them; the origin's limit does not count marked requests", async () => {
    const { result, objects } = await synthShape("business", 2, "acme", { trustedCidrs: cidrs });
    expectEdgeExemption(result.resources);
    const transform = phase(result.resources, "http_request_late_transform")!.rules;
    expect(transform.map((r) => [r.expression, r.actionParameters?.headers])).toEqual([
      ["true", { "x-cv-trusted-client": { operation: "remove" } }],
      [
        "ip.src in {203.0.113.0/24 198.51.100.7/32}",
        { "x-cv-trusted-client": { operation: "set", value: "1" } },
      ],
    ]);
    const [policy] = ofKind(objects, "BackendTrafficPolicy");
    const rules = (policy!.spec as { rateLimit: { global: { rules: { clientSelectors?: unknown }[] } } })
      .rateLimit.global.rules;
    expect(rules).toHaveLength(2);
    for (const r of rules)
      expect(r.clientSelectors).toEqual([
        { headers: [{ name: "x-cv-trusted-client", type: "Exact", value: "1", invert: true }] },
      ]);
  });

  it("without trusted CIDRs nothing is exempt and no client can claim the header", async () => {
    const { result, objects } = await synthShape("business", 2);
    expect(phase(result.resources, "http_request_late_transform")).toBeUndefined();
    const [policy] = ofKind(objects, "BackendTrafficPolicy");
    expect(JSON.stringify(policy!.spec)).not.toContain("clientSelectors");
  });

  it("legacy ingress-nginx: the edge exemption and the controller's whitelist", async () => {
    const { result, objects } = await synthShape("business", 1, "acme", {
      trustedCidrs: cidrs,
      routing: { mode: "ingress-nginx" },
    });
    expectEdgeExemption(result.resources);
    const [ingress] = ofKind(objects, "Ingress");
    expect(ingress!.metadata?.annotations?.["nginx.ingress.kubernetes.io/limit-whitelist"]).toBe(
      "203.0.113.0/24,198.51.100.7/32",
    );
  });
});

/** A tenant synthesized against a platform whose Gateway gives it the listener `sectionName`. */
async function synthListener(tier: TierName, sites: number, sectionName: string) {
  const inventory = platformInventory(await synthPlatform("eu-west-3"), "eu-west-3");
  const gateway = "gateway-system/platform-gateway";
  const withListener = { ...inventory, gateways: new Map([[gateway, new Set([sectionName])]]) };
  const result = await synthTenant(
    "acme",
    tenantConfig("acme", tier, sites),
    (name) => {
      const standIn = offlinePlatformStack(name);
      if (!standIn) return undefined;
      const facts = standIn.outputs["tenantFacts"] as ReturnType<typeof offlinePlatformFacts>;
      return {
        ...standIn,
        outputs: {
          ...standIn.outputs,
          tenantFacts: { ...facts, gateway: { ...facts.gateway, sectionName } },
        },
      };
    },
    // A platform whose Gateway has this listener.
    () => withListener,
  );
  return { result, objects: kubernetesObjects(result) };
}

describe("connection cap on the tenant's listener", () => {
  it.each([
    ["standard", 50],
    ["premium", 200],
    ["business", 1000],
  ] as const)(
    "%s: a ClientTrafficPolicy of %i connections on the tenant's listener, no upstream circuit breaker",
    async (tier, connections) => {
      const { objects } = await synthListener(tier, 1, "tenant-acme");
      const policies = ofKind(objects, "ClientTrafficPolicy");
      expect(policies.map((p) => [p.metadata?.namespace, p.spec])).toEqual([
        [
          "gateway-system",
          {
            targetRefs: [
              {
                group: "gateway.networking.k8s.io",
                kind: "Gateway",
                name: "platform-gateway",
                sectionName: "tenant-acme",
              },
            ],
            connection: { connectionLimit: { value: connections } },
            // The listener's own policy replaces the Gateway's: it carries the origin lockdown too.
            ...originLockdownSpec(),
          },
        ],
      ]);
      expect(JSON.stringify(ofKind(objects, "BackendTrafficPolicy"))).not.toContain("circuitBreaker");
    },
  );

  it("validates against Envoy Gateway's ClientTrafficPolicy schema", async () => {
    const { objects } = await synthListener("business", 1, "tenant-acme");
    const { ClientTrafficPolicy } =
      await import("@kubernetes-models/envoy-gateway/gateway.envoyproxy.io/v1alpha1");
    const policies = ofKind(objects, "ClientTrafficPolicy");
    expect(policies).toHaveLength(1);
    for (const o of policies)
      expect(() =>
        new ClientTrafficPolicy(o as ConstructorParameters<typeof ClientTrafficPolicy>[0]).validate(),
      ).not.toThrow();
  });

  it("is not set on a shared listener (it would cap every tenant on it): none by default, none on a listener not named tenant-<id>", async () => {
    expect(ofKind((await synthShape("premium", 1)).objects, "ClientTrafficPolicy")).toEqual([]);
    expect(ofKind((await synthListener("premium", 1, "shared")).objects, "ClientTrafficPolicy")).toEqual([]);
  });

  it("passes the policy pack with the cap on the tenant's own listener, outside its namespaces", async () => {
    const { result } = await synthListener("business", 3, "tenant-acme");
    expect(
      mandatory(await runPack(TIER_POLICIES, localResources(result.resources), { tier: "business" })),
    ).toEqual([]);
  });
});

describe("custom domains", () => {
  it("get a custom hostname each and the records the customer must create, as a stack output", async () => {
    const { result } = await synthShape("premium", 2, "acme", {
      sites: [{ customDomains: ["shop.acme.example"] }, { customDomains: ["outlet.acme.example"] }],
    });
    const names = ofType(result.resources, T.hostname).map(
      (r) => (r.inputs as { hostname: string }).hostname,
    );
    expect(names).toEqual(expect.arrayContaining(["shop.acme.example", "outlet.acme.example"]));
    // No DNS record is created for a customer's domain: it is theirs.
    expect(ofType(result.resources, T.dns).map((r) => (r.inputs as { name: string }).name)).not.toContain(
      "shop.acme.example",
    );
    const records = result.outputs["customDomainRecords"] as { hostname: string; cname: object }[];
    expect(records.map((r) => [r.hostname, r.cname])).toEqual([
      [
        "shop.acme.example",
        { name: "shop.acme.example", type: "CNAME", content: "origin.acme.edge.collect-verything.test" },
      ],
      [
        "outlet.acme.example",
        { name: "outlet.acme.example", type: "CNAME", content: "origin.acme.edge.collect-verything.test" },
      ],
    ]);
  });
});

describe("summary", () => {
  it("shows each hostname with its DNS, TLS and edge treatment", async () => {
    const { result, objects } = await synthShape("premium", 2, "acme", {
      sites: [{ customDomains: ["shop.acme.example"] }, { customDomains: [] }],
    });
    const summary = tenantSummary(result, objects);
    expect(summary).toContain(
      "| acme.shops.collect-verything.com | CNAME origin.acme.edge.collect-verything.test (platform zone, DNS-only) | DV certificate (http validation), TLS 1.2+ | /static/ 86400s, tiered | none |",
    );
    expect(summary).toContain(
      "| shop.acme.example | customer's CNAME + ownership TXT (stack output) | DV certificate (http validation), TLS 1.2+ | /static/ 86400s, tiered | none |",
    );
    expect(summary).toContain(
      "Connection cap: not applied (no listener of the tenant's own, `tenant-<id>`).",
    );
    const standard = await synthShape("standard", 1);
    expect(tenantSummary(standard.result, standard.objects)).toContain("| none (bypass) | none |");
  });
});

describe("Cloudflare credentials and provider", () => {
  it("keeps the API token a secret: it appears nowhere in what the stack registers or outputs", async () => {
    const sentinel = "S3ntinel-cloudflare-token";
    const result = await synthTenant(
      "acme",
      tenantConfig("acme", "business", 1, { cloudflare: { ...DEV_CLOUDFLARE, apiToken: sentinel } }),
    );
    const everything = JSON.stringify(result.resources) + JSON.stringify(result.outputs);
    expect(everything).not.toContain(sentinel);
    const provider = result.resources.find((r) => r.type === "pulumi:providers:cloudflare");
    expect(provider?.inputs).toMatchObject({ apiToken: "[secret]" });
  });

  it("without a token in the config, the provider gets none (it reads CLOUDFLARE_API_TOKEN at run time)", async () => {
    const { result } = await synthShape("standard", 1);
    expect(result.resources.find((r) => r.type === "pulumi:providers:cloudflare")?.inputs).not.toHaveProperty(
      "apiToken",
    );
  });

  it("TenantStack refuses to build an edge without an explicit Cloudflare provider", async () => {
    const { config } = tenantConfig("acme", "standard", 1);
    const args = parseStackConfig(config);
    const program = async () => {
      const kubernetes = new KubernetesProvider("kubernetes-eu-west-3", { kubeconfig: "offline" });
      const facts = offlinePlatformFacts("eu-west-3");
      return new TenantStack("acme", {
        ...args,
        regions: [{ name: "eu-west-3", kubernetes }],
        platform: tenantPlatformArgs(facts),
        routing: { mode: "gateway-api", gateway: facts.gateway },
        originPullClient: OFFLINE_ORIGIN_PULL_CLIENT,
      });
    };
    const failure = await synthesize(program, { project: PROJECT, stack: "acme", config }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((failure as SynthFailure).message).toMatch(/needs the Cloudflare provider/);
    expect(
      (failure as SynthFailure).registered.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:")),
    ).toEqual([]);
  });
});

describe("bad edge input", () => {
  const cases: { name: string; overrides: Record<string, unknown>; field: string; message: RegExp }[] = [
    {
      name: "missing Cloudflare config",
      overrides: { cloudflare: undefined },
      field: "cloudflare",
      message: /.+/,
    },
    {
      name: "malformed zone id",
      overrides: { cloudflare: { ...DEV_CLOUDFLARE, zoneId: "not-an-id" } },
      field: "cloudflare.zoneId",
      message: /32 lowercase hex/,
    },
    {
      name: "the platform zone as the tenant's zone",
      overrides: { cloudflare: { ...DEV_CLOUDFLARE, zoneId: DEV_CLOUDFLARE.platformZoneId } },
      field: "cloudflare.zoneId",
      message: /tenant's own zone/,
    },
    {
      name: "a zone overlapping the platform domain",
      overrides: { cloudflare: { ...DEV_CLOUDFLARE, zoneName: "acme.shops.collect-verything.com" } },
      field: "cloudflare.zoneName",
      message: /overlaps the platform domain/,
    },
    {
      name: "a custom domain inside the tenant's zone",
      overrides: { sites: [{ customDomains: ["shop.acme.edge.collect-verything.test"] }] },
      field: "sites[0].customDomains[0]",
      message: /inside the tenant's edge zone/,
    },
    {
      name: "an unknown Cloudflare key",
      overrides: { cloudflare: { ...DEV_CLOUDFLARE, plan: "enterprise" } },
      field: "cloudflare.plan",
      message: /unknown config key/,
    },
  ];

  it.each(cases)("rejects $name, naming $field, before registering any resource", async (c) => {
    const config = tenantConfig("acme", "premium", 1, c.overrides);
    const failure = await synthTenant("acme", config).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(SynthFailure);
    const { cause, registered } = failure as SynthFailure;
    expect(cause).toBeInstanceOf(TenantRequestError);
    const problem = (cause as TenantRequestError).problems.find((p) => p.field === c.field);
    expect(problem, JSON.stringify((cause as TenantRequestError).problems)).toBeDefined();
    expect(problem!.message).toMatch(c.message);
    expect(registered.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
  });
});

describe("invalid tier edge definitions are refused before any resource", () => {
  const business = getTier("business");
  const premium = getTier("premium");
  const standard = getTier("standard");
  const edit = (
    tier: TierDefinition,
    cdn: Partial<TierDefinition["cdn"]>,
    rateLimit: Partial<TierDefinition["rateLimit"]> = {},
  ): TierDefinition => ({
    ...tier,
    cdn: { ...tier.cdn, ...cdn },
    rateLimit: { ...tier.rateLimit, ...rateLimit },
  });

  it("accepts the catalog's three tiers", () => {
    for (const tier of [standard, premium, business]) expect(edgeSpecProblems(tier)).toEqual([]);
  });

  it.each([
    ["a WAF without the CDN", edit(standard, { waf: true, owaspScoreThreshold: 40 }), /WAF needs the CDN/],
    [
      "a WAF without a score threshold",
      edit(premium, { waf: true }),
      /OWASP score threshold exactly with the WAF/,
    ],
    [
      "a score threshold Cloudflare does not offer",
      edit(business, { owaspScoreThreshold: 30 }),
      /25, 40 or 60/,
    ],
    [
      "caching without the CDN",
      edit(standard, { staticCache: { edgeTtlSeconds: 60, browserTtlSeconds: 60 } }),
      /static cache TTLs exactly when the CDN/,
    ],
    [
      "the CDN without cache TTLs",
      edit(premium, { staticCache: undefined }),
      /static cache TTLs exactly when the CDN/,
    ],
    ["DDoS protection without its override", edit(business, { ddosL7: undefined }), /DDoS L7 override/],
    [
      "edge rate limiting below the CDN tiers",
      edit(standard, { advancedRateLimiting: true }),
      /edge rate limiting needs the CDN/,
    ],
    ["Argo without the CDN", edit(standard, { argoSmartRouting: true }), /Argo needs the CDN/],
    [
      "load balancing without the CDN",
      edit(standard, { loadBalancing: true }),
      /load balancing needs the CDN/,
    ],
    [
      "an allowlist without edge rate limiting",
      edit(premium, {}, { trustedIpAllowlist: true }),
      /allowlist needs edge rate limiting/,
    ],
    [
      "a rate limit that rounds to no request",
      edit(business, {}, { requestsPerMinute: 0 }),
      /positive whole number/,
    ],
  ])("%s", (_name, tier, message) => {
    expect(edgeSpecProblems(tier).join("\n")).toMatch(message);
  });

  it("refuses trusted CIDRs for a tier without the allowlist rather than dropping them", () => {
    expect(() =>
      edgeRulesets({
        tier: premium,
        hostnames: ["acme.shops.collect-verything.com"],
        trustedCidrs: ["203.0.113.0/24"],
      }),
    ).toThrow(/Premium tier has no trusted-IP allowlist/);
  });
});

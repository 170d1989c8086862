/**
 * Invariant 6 (docs/product.md): bad input fails early, with a message naming the field, and nothing but
 * the root Stack is registered.
 */
import { describe, expect, it } from "vitest";
import { SynthFailure } from "../synth/engine";
import { synthTenant } from "../synth/programs";
import { TenantRequestError } from "../tiers";
import { tenantConfig } from "./helpers/synth";

interface Case {
  name: string;
  tenantId?: string;
  tier?: string;
  sites?: number;
  overrides?: Record<string, unknown>;
  field: string;
  message: RegExp;
}

const domains = (...lists: string[][]) => lists.map((customDomains) => ({ customDomains }));

const CASES: Case[] = [
  { name: "uppercase tenant id", tenantId: "Acme", field: "tenantId", message: /lowercase DNS label/ },
  {
    name: "tenant id too long for MySQL user names",
    tenantId: "a".repeat(21),
    field: "tenantId",
    message: /3 to 20 characters/,
  },
  { name: "tenant id too short", tenantId: "ab", field: "tenantId", message: /3 to 20/ },
  { name: "tenant id with underscore", tenantId: "acme_corp", field: "tenantId", message: /DNS label/ },
  {
    name: "tenant id ending with a hyphen",
    tenantId: "acme-",
    field: "tenantId",
    message: /not ending with '-'/,
  },
  { name: "tenant id with a double hyphen", tenantId: "ac--me", field: "tenantId", message: /'--'/ },
  { name: "unknown tier", tier: "gold", field: "tier", message: /unknown tier "gold"/ },
  {
    name: "Standard with 3 sites",
    tier: "standard",
    sites: 3,
    field: "sites",
    message: /Standard allows 1 to 1 site/,
  },
  {
    name: "Premium with 4 sites",
    tier: "premium",
    sites: 4,
    field: "sites",
    message: /Premium allows 1 to 3/,
  },
  {
    name: "Business with 11 sites",
    tier: "business",
    sites: 11,
    field: "sites",
    message: /Business allows 1 to 10/,
  },
  { name: "no site at all", overrides: { sites: [] }, field: "sites", message: /1 to 1 site/ },
  {
    name: "too many custom domains",
    tier: "premium",
    overrides: { sites: domains(["a.example.com", "b.example.com"], ["c.example.com", "d.example.com"]) },
    field: "sites",
    message: /3 custom domain\(s\) in total, got 4/,
  },
  {
    name: "duplicate domain across sites",
    tier: "premium",
    overrides: { sites: domains(["shop.example.com"], ["shop.example.com"]) },
    field: "sites[1].customDomains[0]",
    message: /already used by sites\[0\]\.customDomains\[0\]/,
  },
  {
    name: "malformed domain",
    overrides: { sites: domains(["not a domain"]) },
    field: "sites[0].customDomains[0]",
    message: /not a lowercase DNS hostname/,
  },
  {
    name: "uppercase domain",
    overrides: { sites: domains(["Shop.Example.com"]) },
    field: "sites[0].customDomains[0]",
    message: /hostname/,
  },
  {
    name: "add-ons on Premium",
    tier: "premium",
    overrides: { addOns: { extraCpuCores: 2 } },
    field: "addOns.extraCpuCores",
    message: /no add-ons/,
  },
  {
    name: "negative add-on",
    tier: "business",
    overrides: { addOns: { extraMemoryGi: -4 } },
    field: "addOns.extraMemoryGi",
    message: /integer from 0 to 168, got -4/,
  },
  {
    name: "absurd add-on",
    tier: "business",
    overrides: { addOns: { extraCpuCores: 10000 } },
    field: "addOns.extraCpuCores",
    message: /from 0 to 84/,
  },
  {
    name: "fractional add-on",
    tier: "business",
    overrides: { addOns: { extraStorageGi: 1.5 } },
    field: "addOns.extraStorageGi",
    message: /integer/,
  },
  {
    name: "trusted CIDRs below Business",
    tier: "premium",
    overrides: { trustedCidrs: ["10.0.0.0/8"] },
    field: "trustedCidrs[0]",
    message: /only Business/,
  },
  {
    name: "malformed CIDR",
    tier: "business",
    overrides: { trustedCidrs: ["10.0.0.0/33"] },
    field: "trustedCidrs[0]",
    message: /IPv4 CIDR/,
  },
  {
    name: "dedicated MySQL cluster on Premium",
    tier: "premium",
    overrides: { dataServices: { dedicatedMysqlCluster: true } },
    field: "dataServices.dedicatedMysqlCluster",
    message: /only Business/,
  },
  {
    name: "federation on Standard",
    overrides: { dataServices: { federationUpstreams: [{ name: "us", uri: "amqps://u:p@us.example.com" }] } },
    field: "dataServices.federationUpstreams[0]",
    message: /no RabbitMQ federation/,
  },
  {
    name: "federation URI that is not AMQP",
    tier: "business",
    overrides: { dataServices: { federationUpstreams: [{ name: "us", uri: "http://us.example.com" }] } },
    field: "dataServices.federationUpstreams[0].uri",
    message: /amqp/,
  },
  {
    name: "missing admin credentials",
    overrides: { adminCredentials: undefined },
    field: "adminCredentials",
    message: /.+/,
  },
  {
    name: "unknown config key",
    overrides: { tierr: "premium" },
    field: "tierr",
    message: /unknown config key/,
  },
  { name: "missing images", overrides: { images: undefined }, field: "images", message: /.+/ },
  {
    name: "bad image tag",
    overrides: { images: { registry: "registry.example.com", tag: "has space" } },
    field: "images.tag",
    message: /image tag/,
  },
  {
    name: "unknown routing mode",
    overrides: { routing: { mode: "traefik" } },
    field: "routing.mode",
    message: /.+/,
  },
  {
    name: "bad endpoint port",
    overrides: {
      platform: {
        endpoints: {
          mysql: { cidr: "10.0.0.0/16", port: 0 },
          rabbitmq: { namespace: "rabbitmq", port: 5672 },
          objectStorage: { namespace: "minio", port: 9000 },
          redis: { namespace: "redis", port: 6379, host: "redis" },
        },
      },
    },
    field: "platform.endpoints.mysql",
    message: /.+/,
  },
];

describe("bad tenant configuration", () => {
  it("has a table of at least 15 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(15);
  });

  it.each(CASES)("rejects $name, naming $field, before registering any resource", async (c) => {
    const tenantId = c.tenantId ?? "acme";
    const config = tenantConfig(tenantId, c.tier ?? "standard", c.sites ?? 1, c.overrides);
    const failure = await synthTenant(tenantId, config).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(SynthFailure);
    const { cause, registered } = failure as SynthFailure;
    expect(cause).toBeInstanceOf(TenantRequestError);
    const problems = (cause as TenantRequestError).problems;
    const problem = problems.find((p) => p.field === c.field || p.field.startsWith(`${c.field}.`));
    expect(problem, `problems: ${JSON.stringify(problems)}`).toBeDefined();
    expect(problem!.message).toMatch(c.message);
    expect((cause as Error).message).toContain(c.field);
    expect(registered.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
  });
});

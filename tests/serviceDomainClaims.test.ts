/**
 * One custom domain, one tenant (issue 22): the service refuses a provision naming a custom domain
 * another tenant holds, whether that tenant's run exported it, it is only queued, or the tenant is
 * retained; 409 naming the domain and nothing else of the holder; a tenant's own domains and a
 * purged tenant's are free; nothing is stored for a refused request.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FileStore } from "../service/fileStore";
import type { HttpApp } from "../service/http";
import { requestedCustomDomains } from "../service/domainClaims";
import { testHttpApp } from "./helpers/httpApp";
import { tenantRequest } from "./helpers/service";

const TOKEN = "test-token-domain-claims-0123456789";
let store: FileStore;
let app: HttpApp;
let close: () => Promise<void>;

beforeEach(async () => {
  ({ store, app, close } = await testHttpApp("service-domains-", TOKEN, { bodyLimit: 16 * 1024 }));
});
afterEach(() => close());

const withDomains = (tenantId: string, ...domains: string[]) =>
  tenantRequest(tenantId, "premium", { sites: [{ customDomains: domains }] });
const provision = (body: unknown) =>
  app.inject({
    method: "POST",
    url: "/tenants",
    headers: { authorization: `Bearer ${TOKEN}` },
    payload: body as Record<string, unknown>,
  });

/** Runs a tenant's queued provision to success with `hostnames` as its outputs. */
async function provisioned(
  tenantId: string,
  hostnames: string[][],
  status: "active" | "retained" | "purged" = "active",
) {
  const claim = await store.claim("worker", 60_000);
  if (!("claimed" in claim) || claim.claimed.tenantId !== tenantId) throw new Error("nothing to claim");
  await store.finish(claim.claimed.id, "worker", {
    status: "succeeded",
    result: {},
    tenant: { status, tier: "premium", outputs: { hostnames } },
  });
}

describe("a custom domain another tenant holds", () => {
  it("is refused with 409 naming the field and the domain, nothing about the holder, nothing stored", async () => {
    expect((await provision(withDomains("acme", "shop.acme.example"))).statusCode).toBe(202);
    await provisioned("acme", [["acme.shops.collect-verything.com", "shop.acme.example"]]);
    const before = await store.counts();

    const response = await provision(withDomains("mallory", "shop.acme.example"));
    expect(response.statusCode).toBe(409);
    const { error } = response.json() as { error: Record<string, unknown> };
    expect(error).toEqual({
      outcome: "exists",
      message: "sites[0].customDomains[0]: custom domain shop.acme.example is already taken",
      details: { field: "sites[0].customDomains[0]", domain: "shop.acme.example" },
    });
    expect(response.body).not.toContain("acme.shops");
    expect(response.body).not.toMatch(/"acme"|tenant acme/);
    expect(await store.counts()).toEqual(before);
    expect(await store.tenant("mallory")).toBeUndefined();
  });

  it("is refused while the holder's provision is only queued (the first request stored wins)", async () => {
    expect((await provision(withDomains("acme", "shop.acme.example"))).statusCode).toBe(202);
    const response = await provision(withDomains("mallory", "www.mallory.example", "shop.acme.example"));
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({
      error: { details: { field: "sites[0].customDomains[1]", domain: "shop.acme.example" } },
    });
  });

  it("is refused while the holder is retained (it may be restored), free once it is purged", async () => {
    expect((await provision(withDomains("acme", "shop.acme.example"))).statusCode).toBe(202);
    await provisioned("acme", [["acme.shops.collect-verything.com", "shop.acme.example"]], "retained");
    expect((await provision(withDomains("mallory", "shop.acme.example"))).statusCode).toBe(409);

    expect((await provision(withDomains("bravo", "shop.bravo.example"))).statusCode).toBe(202);
    await provisioned("bravo", [["bravo.shops.collect-verything.com", "shop.bravo.example"]], "purged");
    expect((await provision(withDomains("mallory", "shop.bravo.example"))).statusCode).toBe(202);
  });

  it("is not another tenant's when it is the requester's own (an update keeps its domains)", async () => {
    expect((await provision(withDomains("acme", "shop.acme.example"))).statusCode).toBe(202);
    await provisioned("acme", [["acme.shops.collect-verything.com", "shop.acme.example"]]);
    expect((await provision(withDomains("acme", "shop.acme.example", "www.acme.example"))).statusCode).toBe(
      202,
    );
    // Different domains of different tenants do not collide.
    expect((await provision(withDomains("bravo", "shop.bravo.example"))).statusCode).toBe(202);
  });
});

describe("requestedCustomDomains", () => {
  it("lists every site's domains with its field, ignoring what is not a domain list", () => {
    expect(
      requestedCustomDomains({
        sites: [{ customDomains: ["a.example"] }, {}, { customDomains: ["b.example", 3] }, null],
      }),
    ).toEqual([
      ["sites[0].customDomains[0]", "a.example"],
      ["sites[2].customDomains[0]", "b.example"],
    ]);
    expect(requestedCustomDomains({ sites: "x" })).toEqual([]);
  });
});

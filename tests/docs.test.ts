/**
 * Generated documentation stays equal to its sources: the tier table to the catalog, the policy
 * list to the pack, the configuration reference to the config schemas, the service's OpenAPI
 * document to its routes. After a change to one of
 * those, `npm run docs` rewrites them.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { GENERATED_DOCUMENTS } from "../docs/documents";
import { toJsonSchema } from "@valibot/to-json-schema";
import { configRows, type ConfigRow } from "../docs/configReference";
import { platformConfigSchema, tenantConfigSchema } from "../stacks/config";
import { TIER_POLICIES } from "../policy/policies";
import { TIERS } from "../tiers";
import { SERVICE_API_PATHS } from "./helpers/service";

const root = resolve(__dirname, "..");
const read = (path: string) =>
  existsSync(resolve(root, path)) ? readFileSync(resolve(root, path), "utf8") : "";

describe("generated documents", () => {
  it.each(GENERATED_DOCUMENTS.map((d) => [d.path, d] as const))(
    "%s is up to date (run `npm run docs`)",
    async (path, doc) => {
      const current = read(path);
      expect(current, `${path} is missing`).not.toBe("");
      expect(await doc.render(current)).toBe(current);
    },
  );

  it("the policy page names every policy of the pack with its enforcement level", () => {
    const page = read("docs/policies.md");
    for (const p of TIER_POLICIES) expect(page).toContain(`| \`${p.name}\` | ${p.enforcementLevel} |`);
  });

  it("the product page shows each tier's contractual numbers", () => {
    const page = read("docs/product.md");
    for (const tier of Object.values(TIERS)) {
      expect(page).toContain(String(tier.pricing.monthlyEur));
      expect(page).toContain(`${tier.rateLimit.requestsPerMinute} req/min`);
    }
  });

  it("the configuration reference lists nested keys, array items, requirement and defaults", () => {
    const rows = configRows({
      type: "object",
      required: ["a"],
      properties: {
        a: { type: "object", required: ["b"], properties: { b: { type: "string", pattern: "^x$" } } },
        c: { type: "array", items: { type: "object", properties: { d: { type: "number", maximum: 3 } } } },
        e: { type: "string", default: "z", description: "the e" },
      },
    });
    expect(rows).toEqual([
      { key: "a", type: "object", required: true, constraints: "" },
      { key: "a.b", type: "string", required: true, constraints: "pattern `^x$`" },
      { key: "c", type: "object[]", required: false, constraints: "" },
      { key: "c[].d", type: "number", required: false, constraints: "<= 3" },
      { key: "e", type: "string", required: false, defaultValue: "z", constraints: "", description: "the e" },
    ]);
  });

  it.each([
    ["tenant", tenantConfigSchema],
    ["platform", platformConfigSchema],
  ] as const)("every %s config key has a meaning in the reference", (_, schema) => {
    const rows = configRows(
      toJsonSchema(schema, { errorMode: "ignore" }) as Parameters<typeof configRows>[0],
    );
    const undescribed = rows.filter((r: ConfigRow) => !r.description?.trim()).map((r) => r.key);
    expect(rows.length).toBeGreaterThan(5);
    expect(undescribed).toEqual([]);
  });
});

describe("the OpenAPI document", () => {
  it("documents every tenant and operation route, the signup body from the config schema, and the bearer token", () => {
    const doc = JSON.parse(read("docs/openapi.json")) as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>
      >;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths).sort()).toEqual(SERVICE_API_PATHS);
    const signup = doc.paths["/tenants"]!["post"]!.requestBody!.content["application/json"]!.schema as {
      required: string[];
    };
    expect(signup.required).toContain("tenantId");
    expect(doc.components.securitySchemes).toHaveProperty("bearer");
  });
});

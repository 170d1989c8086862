/**
 * The Rules language checker (lib/rulesLanguage.ts): every expression the edge deploys
 * parses with known fields; examples in the style of Cloudflare's documentation parse; and
 * malformed or ill-typed expressions are refused with a reason and a position. It checks the
 * wirefilter subset the project uses, not phase availability or plan entitlements.
 */
import { describe, expect, it } from "vitest";
import { edgeRulesets } from "../components/edge/edgeRules";
import { getTier, TIER_NAMES } from "../tiers";
import { FIELDS, rulesExpressionFields, rulesExpressionProblems, rulesString } from "../lib/rulesLanguage";
import { synthShape } from "./helpers/synth";

interface Ruleset {
  phase: string;
  rules: { expression: string }[];
}

describe("expressions the edge deploys", () => {
  it.each(TIER_NAMES)(
    "%s: every synthesized rule expression is valid and reads only documented fields",
    async (tier) => {
      const sites = getTier(tier).maxSites;
      const overrides = {
        sites: Array.from({ length: sites }, (_, i) => ({ customDomains: [`shop-${i + 1}.acme.example`] })),
        ...(tier === "business" ? { trustedCidrs: ["203.0.113.0/24", "198.51.100.7/32"] } : {}),
      };
      const { result } = await synthShape(tier, sites, "acme", overrides);
      const rulesets = result.resources
        .filter((r) => r.type === "cloudflare:index/ruleset:Ruleset")
        .map((r) => r.inputs as unknown as Ruleset);
      const expressions = rulesets.flatMap((r) => r.rules.map((rule) => rule.expression));
      expect(expressions.length).toBeGreaterThan(0);
      for (const expression of expressions) {
        expect(rulesExpressionProblems(expression), expression).toEqual([]);
        for (const field of rulesExpressionFields(expression)) expect(Object.keys(FIELDS)).toContain(field);
      }
    },
  );

  it("builds the same expressions as the component for a hostname needing no escaping, and escapes strings that do", () => {
    const rulesets = edgeRulesets({
      tier: getTier("business"),
      hostnames: ["acme.shops.collect-verything.com"],
      trustedCidrs: ["10.1.0.0/16"],
    });
    expect(
      rulesets
        .flatMap((r) => r.rules.map((rule) => rule.expression))
        .filter((e) => rulesExpressionProblems(e).length > 0),
    ).toEqual([]);
    const tricky = 'say "hi" \\ bye';
    const literal = rulesString(tricky);
    expect(literal).toBe('"say \\"hi\\" \\\\ bye"');
    expect(rulesExpressionProblems(`http.user_agent eq ${literal}`)).toEqual([]);
  });
});

describe("valid Rules language", () => {
  it.each([
    "true",
    'http.host eq "www.example.com" and not ip.src in {93.184.216.0/24}',
    '(http.request.uri.path matches "^/api/") or (http.request.method eq "POST")',
    'http.request.uri.path ~ "^/api/" || http.request.method == "POST"',
    'any(http.request.headers["accept"][*] contains "json")',
    'all(http.request.headers["x-forwarded-proto"][*] eq "https")',
    'ip.src.country in {"GB" "FR"} xor ssl',
    "cf.colo.id in {1..50 100} and ip.src.asnum ne 13335",
    'http.request.uri.path wildcard "/static/*"',
    'http.request.uri.path strict wildcard "/Static/*"',
    'lower(http.host) == "shop.example.com"',
    "len(http.request.uri.query) > 100",
    "len(http.request.headers.names) ge 50",
    "not ssl",
    'any(starts_with(http.request.headers["referer"][*], "https://shop.example.com/"))',
    "!cf.client.bot && ip.src in $trusted_clients",
    'starts_with(http.request.uri.path, "/static/") and ends_with(http.request.uri.path, ".css")',
    'http.request.headers["origin"][0] eq "https://shop.example.com"',
    "ip.src eq 192.0.2.1",
    'not (http.host in {"a.example" "b.example"} and (http.request.method in {"PUT" "DELETE"}))',
  ])("accepts %s", (expression) => {
    expect(rulesExpressionProblems(expression)).toEqual([]);
  });
});

describe("invalid Rules language", () => {
  it.each([
    ['http.request.path eq "/"', /unknown field "http.request.path"/],
    ['http.host eq "a" and', /expected a field or a function/],
    ["http.host eq", /expected a String literal/],
    ['(http.host eq "a"', /expected "\)"/],
    ['http.host eq "a")', /unexpected token/],
    ['http.host eq "a" http.host eq "b"', /unexpected token/],
    ["http.host eq 'a'", /unexpected character "'"/],
    ['http.host eq "unterminated', /unterminated string/],
    ['http.host eq "bad \\n escape"', /invalid escape/],
    ['ip.src eq "192.0.2.1"', /expected a IP literal/],
    ["ip.src eq 10.0.0.0/8", /a CIDR needs "in \{\.\.\.\}"/],
    ['ip.src contains "10."', /"contains" needs a String, not IP/],
    ["http.host contains 5", /expected a String literal/],
    ["http.host in {}", /empty set/],
    ['ip.src in {10.0.0.0/8 "x"}', /expected a IP literal/],
    ["http.host in $hosts", /named lists are only used here for IP fields/],
    ["http.host", /a String is not a condition/],
    ['http.request.headers eq "x"', /cannot compare a Map<Array<String>>/],
    ['http.request.headers["origin"] eq "x"', /cannot compare a Array<String>/],
    ['http.request.headers["origin"][*] eq "x"', /wrap it in any\(\) or all\(\)/],
    ['starts_with(http.request.headers["referer"][*], "https://a/")', /wrap it in any\(\) or all\(\)/],
    ['frobnicate(http.host) eq "x"', /unknown function "frobnicate"/],
    ['any(http.request.headers["origin"][0] eq "x")', /any\(\) takes a comparison over an array/],
    ['starts_with(ip.src, "10.")', /starts_with\(\) argument 1 must be a String, not IP/],
    ['ssl eq "on"', /compare a Bool by using it as a condition/],
    ["cf.colo.id lt 10.0.0.1", /expected a Int literal/],
    ['http.host strict eq "a"', /expected "wildcard" after "strict"/],
  ] as const)("refuses %s", (expression, reason) => {
    const problems = rulesExpressionProblems(expression);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(reason);
    expect(problems[0]).toMatch(/ at \d+$/);
  });
});

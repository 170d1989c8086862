/** docs/policies.md lists every policy of the pack, as the pack describes itself. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { policyTable, withPolicyTable } from "../docs/policyTable";
import { TIER_POLICIES } from "../policy/policies";

describe("docs/policies.md", () => {
  const doc = readFileSync(join(__dirname, "..", "docs", "policies.md"), "utf8");

  it("has the pack's current policy table (regenerate with docs/policyTable.ts withPolicyTable)", () => {
    expect(withPolicyTable(doc)).toBe(doc);
  });

  it("names every policy once", () => {
    for (const p of TIER_POLICIES) expect(policyTable().split(`| \`${p.name}\` |`)).toHaveLength(2);
  });
});

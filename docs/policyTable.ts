/** docs/policies.md's policy table, generated from the pack itself (a test fails when they disagree). */
import { TIER_POLICIES } from "../policy/policies";

export const POLICY_TABLE_START =
  "<!-- policy-table:start (generated from policy/policies by docs/policyTable.ts) -->";
export const POLICY_TABLE_END = "<!-- policy-table:end -->";

const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** One row per policy of the pack, in its order: name, kind, enforcement, what it enforces. */
export function policyTable(): string {
  const rows = TIER_POLICIES.map(
    (p) =>
      `| \`${p.name}\` | ${"validateStack" in p ? "stack" : "resource"} | ${p.enforcementLevel ?? "advisory"} | ${cell(p.description ?? "")} |`,
  );
  return ["| policy | judges | level | what it enforces |", "|---|---|---|---|", ...rows].join("\n");
}

/** `text` with the table between its markers replaced by the current one. */
export function withPolicyTable(text: string): string {
  const start = text.indexOf(POLICY_TABLE_START);
  const end = text.indexOf(POLICY_TABLE_END);
  if (start < 0 || end < start) throw new Error("docs/policies.md has no policy-table markers");
  return `${text.slice(0, start + POLICY_TABLE_START.length)}\n${policyTable()}\n${text.slice(end)}`;
}

/** The policy table of docs/policies.md, generated from the pack's own list (a test fails when they disagree). */
import type { Policy } from "@pulumi/policy";
import { TIER_POLICIES } from "../policy/policies";

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");

const scopeOf = (policy: Policy): string => ("validateStack" in policy ? "stack" : "resource");

const remediates = (policy: Policy): string =>
  "remediateResource" in policy && policy.remediateResource ? "yes" : "";

/** One row per policy, in the order the pack reports them. */
export function policyTable(policies: readonly Policy[] = TIER_POLICIES): string {
  return [
    "| policy | enforcement | judges | remediates | what it enforces |",
    "|---|---|---|---|---|",
    ...policies.map(
      (p) =>
        `| \`${p.name}\` | ${p.enforcementLevel ?? "advisory"} | ${scopeOf(p)} | ${remediates(p)} | ${cell(p.description ?? "")} |`,
    ),
  ].join("\n");
}

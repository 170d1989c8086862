/**
 * `npm run affected -- <base-ref> [--github-output <file>]`: the tenant stacks a change since
 * <base-ref> affects, as JSON. With --github-output, also writes `stacks` (JSON array) and
 * `any` (true/false) for a GitHub Actions matrix.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, readdirSync } from "node:fs";
import { parseArgs } from "node:util";
import { affectedStacks, stackOfConfigFile } from "../ci/affected";

const { values, positionals } = parseArgs({ options: { "github-output": { type: "string" } }, allowPositionals: true, strict: true });
const base = positionals[0];
if (!base) {
  process.stderr.write("usage: affected <base-ref> [--github-output <file>]\n");
  process.exit(2);
}
const changed = execFileSync("git", ["diff", "--name-only", `${base}...HEAD`], { encoding: "utf8" }).split("\n").filter(Boolean);
const stacks = readdirSync(".").flatMap((f) => stackOfConfigFile(f) ?? []);
const result = affectedStacks(changed, stacks);
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
if (values["github-output"]) {
  appendFileSync(values["github-output"], `stacks=${JSON.stringify(result.stacks)}\nany=${result.stacks.length > 0}\n`);
}

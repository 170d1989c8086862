/**
 * `npm run affected -- <base-ref> [--backend-stacks <tenant.json>] [--platform-stacks <platform.json>] [--github-output <file>]`:
 * the stacks a change since <base-ref> affects, as JSON. The tenant stacks are those with a
 * `Pulumi.<stack>.yaml` plus, with --backend-stacks, every stack `pulumi stack ls --json` listed
 * in the backend; --platform-stacks lists the platform project's. With --github-output, also
 * writes `stacks` (JSON array), `shards` (the preview matrix, at most 256 jobs) and `any`.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, readdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { affectedStacks, affectsPlatform, backendStackNames, previewShards, stackOfConfigFile } from "../ci/affected";

const { values, positionals } = parseArgs({
  options: { "github-output": { type: "string" }, "backend-stacks": { type: "string" }, "platform-stacks": { type: "string" } },
  allowPositionals: true,
  strict: true,
});
const base = positionals[0];
if (!base) {
  process.stderr.write("usage: affected <base-ref> [--backend-stacks <file>] [--platform-stacks <file>] [--github-output <file>]\n");
  process.exit(2);
}
const changed = execFileSync("git", ["diff", "--name-only", `${base}...HEAD`], { encoding: "utf8" }).split("\n").filter(Boolean);
const listed = (file: string | undefined) => (file ? backendStackNames(readFileSync(file, "utf8")) : []);
const stacks = [...new Set([...readdirSync(".").flatMap((f) => stackOfConfigFile(f) ?? []), ...listed(values["backend-stacks"])])];
const result = affectedStacks(changed, stacks);
const platform = affectsPlatform(changed) ? listed(values["platform-stacks"]) : [];
process.stdout.write(`${JSON.stringify({ ...result, platform }, null, 2)}\n`);
if (values["github-output"]) {
  const shards = previewShards(result.stacks, platform);
  appendFileSync(values["github-output"], `stacks=${JSON.stringify(result.stacks)}\nshards=${JSON.stringify(shards)}\nany=${shards.length > 0}\n`);
}

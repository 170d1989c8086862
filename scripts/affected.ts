/**
 * `npm run affected -- <base-ref> [--backend-stacks <tenant.json>] [--platform-stacks <platform.json>] [--github-output <file>]`:
 * the stacks a change since <base-ref> affects, as JSON. The tenant stacks are those with a
 * `Pulumi.<stack>.yaml` plus, with --backend-stacks, every stack `pulumi stack ls --json` listed
 * in the backend; --platform-stacks lists the platform project's. With --github-output, also
 * writes `stacks` (JSON array), `shards` (the preview matrix, at most 256 jobs) and `any`.
 * A bad command line exits with 2.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, readdirSync, readFileSync } from "node:fs";
import {
  affectedStacks,
  affectsPlatform,
  backendStackNames,
  previewShards,
  stackOfConfigFile,
} from "../ci/affected";
import { program, runProgram, type Done } from "../synth/commandLine";

interface AffectedOptions {
  readonly githubOutput?: string;
  readonly backendStacks?: string;
  readonly platformStacks?: string;
}

function affectedProgram(done: Done) {
  return program("affected")
    .description("Prints the stacks a change since <base-ref> affects, as JSON.")
    .argument("<base-ref>", "the git ref the change is compared with (e.g. origin/main)")
    .option(
      "--backend-stacks <file>",
      "`pulumi stack ls --json` of the tenant project: its stacks are candidates too",
    )
    .option("--platform-stacks <file>", "`pulumi stack ls --json` of the platform project")
    .option("--github-output <file>", "also append `stacks`, `shards` and `any` for a GitHub Actions matrix")
    .action((base: string, options: AffectedOptions) => {
      const changed = execFileSync("git", ["diff", "--name-only", `${base}...HEAD`], { encoding: "utf8" })
        .split("\n")
        .filter(Boolean);
      const listed = (file: string | undefined) =>
        file ? backendStackNames(readFileSync(file, "utf8")) : [];
      const stacks = [
        ...new Set([
          ...readdirSync(".").flatMap((f) => stackOfConfigFile(f) ?? []),
          ...listed(options.backendStacks),
        ]),
      ];
      const result = affectedStacks(changed, stacks);
      const platform = affectsPlatform(changed) ? listed(options.platformStacks) : [];
      process.stdout.write(`${JSON.stringify({ ...result, platform }, null, 2)}\n`);
      if (options.githubOutput) {
        const shards = previewShards(result.stacks, platform);
        appendFileSync(
          options.githubOutput,
          `stacks=${JSON.stringify(result.stacks)}\nshards=${JSON.stringify(shards)}\nany=${shards.length > 0}\n`,
        );
      }
      done(0);
    });
}

// Exit codes are set, not exited with, so output still being written ends whole: see scripts/synth.ts.
runProgram(affectedProgram, process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

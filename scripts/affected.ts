/**
 * `npm run affected -- <base-ref> [--github-output <file>]`: the tenant stacks a change since
 * <base-ref> affects, as JSON. With --github-output, also writes `stacks` (JSON array) and
 * `any` (true/false) for a GitHub Actions matrix. A bad command line exits with 2.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, readdirSync } from "node:fs";
import { affectedStacks, stackOfConfigFile } from "../ci/affected";
import { program, runProgram, type Done } from "../synth/commandLine";

function affectedProgram(done: Done) {
  return program("affected")
    .description("Prints the tenant stacks a change since <base-ref> affects, as JSON.")
    .argument("<base-ref>", "the git ref the change is compared with (e.g. origin/main)")
    .option("--github-output <file>", "also append `stacks` and `any` for a GitHub Actions matrix")
    .action((base: string, options: { githubOutput?: string }) => {
      const changed = execFileSync("git", ["diff", "--name-only", `${base}...HEAD`], { encoding: "utf8" }).split("\n").filter(Boolean);
      const stacks = readdirSync(".").flatMap((f) => stackOfConfigFile(f) ?? []);
      const result = affectedStacks(changed, stacks);
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      if (options.githubOutput) {
        appendFileSync(options.githubOutput, `stacks=${JSON.stringify(result.stacks)}\nany=${result.stacks.length > 0}\n`);
      }
      done(0);
    });
}

// Exit codes are set, not exited with, so tsx's transform cache is written: see scripts/synth.ts.
runProgram(affectedProgram, process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});

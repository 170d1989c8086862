/**
 * `npm run bench:instructions`: the same three subjects as `npm run bench`, counted in CPU
 * instructions by valgrind's callgrind instead of timed. The counts depend far less on what else
 * the machine is doing than times do (within a few %, most of it where V8's wall-clock heuristics
 * put a full garbage collection: docs/benchmarks.md, against 20-40% for the timed bench): use it
 * to judge a change that timing noise would hide. Takes a few minutes (valgrind runs node ~60x
 * slower).
 *
 * V8 runs single-threaded here (--single-threaded), so its compiler and GC work, which a normal
 * run spreads over helper threads, is counted too; the ratios are close to the timed ones.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  floorSubject,
  nodeArgs,
  prepareSubjects,
  ROOT,
  sameInputsSubject,
  synthSubject,
  type Subject,
} from "./subjects";

/** Runs one subject under callgrind and reads the total instruction count it wrote. */
function count(subject: Subject, outFile: string): Promise<number> {
  const argv = [
    "--tool=callgrind",
    `--callgrind-out-file=${outFile}`,
    process.execPath,
    "--single-threaded",
    ...nodeArgs(subject),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("valgrind", argv, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0)
        return reject(new Error(`valgrind ${subject.script} exited ${code}: ${stderr.slice(-2000)}`));
      const summary = /^summary: (\d+)$/m.exec(readFileSync(outFile, "utf8"));
      if (!summary) return reject(new Error(`no instruction count in ${outFile}`));
      resolve(Number(summary[1]));
    });
  });
}

async function main(): Promise<void> {
  if (spawnSync("valgrind", ["--version"]).status !== 0) {
    process.stderr.write("bench:instructions needs valgrind on PATH (Debian: apt-get install valgrind)\n");
    process.exit(2);
  }
  const work = mkdtempSync(join(tmpdir(), "bench-instructions-"));
  try {
    const { resources, inputsFile } = prepareSubjects(work);
    // Two at a time: the counts are per process, whatever runs beside them.
    const [synth, floor] = await Promise.all([
      count(synthSubject(), join(work, "synth.out")),
      count(floorSubject(resources), join(work, "floor.out")),
    ]);
    const sameInputs = await count(sameInputsSubject(resources, inputsFile), join(work, "same.out"));
    const g = (n: number) => `${(n / 1e9).toFixed(2)} G`;
    process.stdout.write(
      [
        `instructions (callgrind, ${resources} resources): synth ${g(synth)}, floor ${g(floor)}, same-inputs run ${g(sameInputs)}`,
        `ratio synth/floor ${(synth / floor).toFixed(3)} (target <= 1.3); same-inputs run/floor ${(sameInputs / floor).toFixed(3)}; ` +
          `synth/same-inputs run ${(synth / sameInputs).toFixed(3)}`,
        "",
      ].join("\n"),
    );
    process.stdout.write(
      `${JSON.stringify({
        resources,
        synth_instructions: synth,
        floor_instructions: floor,
        same_inputs_instructions: sameInputs,
        ratio: Number((synth / floor).toFixed(3)),
      })}\n`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

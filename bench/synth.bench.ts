/**
 * `npm run bench`: the offline synth of the largest tenant (Business, 10 sites, add-ons), each
 * run a fresh process, against a floor measured in the same run: a fresh process that loads
 * @pulumi/pulumi and registers the same number of bare resources under mocks.
 * Targets: ratio <= 1.3, largest tenant under 300 MB. Prints the figures, then one JSON line.
 *
 * The subjects are interleaved round by round, and the JSON reports each one's fastest round:
 * on a shared 2-core machine noise only ever adds time, so the minimum is the steadiest estimate
 * of what a run costs (medians are printed too; `npm run bench:instructions` is far steadier).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { floorSubject, LARGEST, prepareSubjects, runChild, sameInputsSubject, synthSubject, type ChildRun as Sample } from "./subjects";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const fastest = (samples: Sample[]): number => Math.min(...samples.map((s) => s.ms));
const middle = (samples: Sample[]): number => median(samples.map((s) => s.ms));

const work = mkdtempSync(join(tmpdir(), "bench-"));
const { resources, inputsFile } = prepareSubjects(work);

// Interleaved so machine noise hits all three alike. The same-inputs run is a diagnostic: it
// splits the synth's time over the floor into what the runtime and the engine stand-in cost for
// these inputs and what the program itself costs.
const synthSamples: Sample[] = [];
const floorSamples: Sample[] = [];
const sameInputsSamples: Sample[] = [];
try {
  for (let i = 0; i < ROUNDS; i++) {
    synthSamples.push(runChild(synthSubject()));
    floorSamples.push(runChild(floorSubject(resources)));
    sameInputsSamples.push(runChild(sameInputsSubject(resources, inputsFile)));
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const synthMs = fastest(synthSamples);
const floorMs = fastest(floorSamples);
const sameInputsMs = fastest(sameInputsSamples);
const rssMb = Math.max(...synthSamples.map((s) => s.maxRssMb));
const ratio = synthMs / floorMs;

process.stdout.write(
  [
    `largest tenant: ${LARGEST.tier}, ${LARGEST.sites} sites, add-ons ${JSON.stringify(LARGEST.addOns)}: ${resources} resources`,
    `synth (fresh process, ${ROUNDS} rounds): fastest ${synthMs.toFixed(0)} ms, median ${middle(synthSamples).toFixed(0)} ms, max RSS ${rssMb} MB (target < 300 MB)`,
    `floor (load @pulumi/pulumi + ${resources} bare resources under mocks): fastest ${floorMs.toFixed(0)} ms, median ${middle(floorSamples).toFixed(0)} ms, max RSS ${Math.max(...floorSamples.map((s) => s.maxRssMb))} MB`,
    `ratio synth/floor: ${ratio.toFixed(2)} fastest, ${(middle(synthSamples) / middle(floorSamples)).toFixed(2)} median (target <= 1.3)`,
    `same-inputs run (the floor's bare resources carrying the synth's own inputs, through the synth's engine): fastest ${sameInputsMs.toFixed(0)} ms, ` +
      `median ${middle(sameInputsSamples).toFixed(0)} ms = ${(sameInputsMs / floorMs).toFixed(2)} x floor`,
    `of the synth's ${(synthMs - floorMs).toFixed(0)} ms over the floor, ${(sameInputsMs - floorMs).toFixed(0)} ms is the runtime and engine handling these inputs ` +
      `and ${(synthMs - sameInputsMs).toFixed(0)} ms the program itself (modules, components, SDK classes): synth/same-inputs run ${(synthMs / sameInputsMs).toFixed(2)}`,
    "",
  ].join("\n"),
);
process.stdout.write(
  `${JSON.stringify({ resources, synth_ms: Math.round(synthMs), floor_ms: Math.round(floorMs), ratio: Number(ratio.toFixed(3)), rss_mb: rssMb })}\n`,
);

/**
 * `npm run bench`: the offline synth of the largest tenant (Business, 10 sites, add-ons), each
 * run a fresh process, against a floor measured in the same run: a fresh process that loads
 * @pulumi/pulumi and registers the same number of bare resources under mocks.
 * Targets: ratio <= 1.3, largest tenant under 300 MB. Prints the figures, then one JSON line.
 *
 * The subjects run back to back in rounds, and each round's synth is compared with that round's
 * floor: on a shared 2-core VM a single run can take 20-40% longer for reasons outside it, and
 * runs seconds apart see the same machine. The JSON reports the median round by that ratio
 * (its own synth and floor times, so ratio = synth_ms / floor_ms); the fastest runs and the
 * spread are printed too. `npm run bench:instructions` counts instructions instead: far steadier.
 *
 * The policy pack is timed apart (POLICY_ROUNDS fresh processes, after the rounds): each child
 * synthesizes the largest tenant and runs the pack over it as the offline synth does, timing both
 * phases in-process; the JSON reports the median pack time and its ratio to the synth's.
 *
 * Regions (REGION_ROUNDS fresh processes): the largest tenant in one region, the baseline, then in
 * every region, in the same process; the JSON reports the median time ratio, the same per
 * resource (target <= 1.1: a region costs what its resources cost), and the peak RSS.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  floorSubject,
  LARGEST,
  policySubject,
  prepareSubjects,
  regionsSubject,
  runChild,
  sameInputsSubject,
  synthSubject,
  type ChildRun as Sample,
} from "./subjects";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const POLICY_ROUNDS = Number(process.env.BENCH_POLICY_ROUNDS ?? 7);
const REGION_ROUNDS = Number(process.env.BENCH_REGION_ROUNDS ?? 5);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const fastest = (samples: readonly Sample[]): number => Math.min(...samples.map((s) => s.ms));

/** One round: the three subjects back to back. */
interface Round {
  readonly synth: Sample;
  readonly floor: Sample;
  readonly sameInputs: Sample;
}
const synthOverFloor = (r: Round): number => r.synth.ms / r.floor.ms;

const work = mkdtempSync(join(tmpdir(), "bench-"));
const { resources, inputsFile } = prepareSubjects(work);

// Interleaved so machine noise hits all three alike. The same-inputs run is a diagnostic: it
// splits the synth's time over the floor into what the runtime and the engine stand-in cost for
// these inputs and what the program itself costs.
const rounds: Round[] = [];
const policyRuns: Sample[] = [];
const regionRuns: Sample[] = [];
try {
  for (let i = 0; i < ROUNDS; i++) {
    // Synth and floor swap places every round, so neither always runs right after the other.
    const [first, second] =
      i % 2 === 0 ? [synthSubject(), floorSubject(resources)] : [floorSubject(resources), synthSubject()];
    const [a, b] = [runChild(first), runChild(second)];
    const [synth, floor] = i % 2 === 0 ? [a, b] : [b, a];
    rounds.push({ synth, floor, sameInputs: runChild(sameInputsSubject(resources, inputsFile)) });
  }
  for (let i = 0; i < POLICY_ROUNDS; i++) policyRuns.push(runChild(policySubject()));
  for (let i = 0; i < REGION_ROUNDS; i++) regionRuns.push(runChild(regionsSubject()));
} finally {
  rmSync(work, { recursive: true, force: true });
}
const byRatio = [...rounds].sort((a, b) => synthOverFloor(a) - synthOverFloor(b));
const mid = byRatio[byRatio.length >> 1]!;
const ratios = byRatio.map(synthOverFloor);
const all = (pick: (r: Round) => Sample) => rounds.map(pick);
const rssMb = Math.max(...all((r) => r.synth).map((s) => s.maxRssMb));
const inputsShare = median(rounds.map((r) => r.sameInputs.ms / r.floor.ms));
const programShare = median(rounds.map((r) => r.synth.ms / r.sameInputs.ms));
const phase = (run: Sample, name: string): number => run.phasesMs?.[name] ?? Number.NaN;
const packMs = median(policyRuns.map((r) => phase(r, "pack")));
const packOverSynth = median(policyRuns.map((r) => phase(r, "pack") / phase(r, "synth")));
const regionsOverOne = median(regionRuns.map((r) => phase(r, "allRegions") / phase(r, "oneRegion")));
const oneRegionResources = phase(regionRuns[0]!, "oneRegionResources");
const regionResources = regionRuns[0]!.resources;
const perResource = regionsOverOne / (regionResources / oneRegionResources);
const regionRssMb = Math.max(...regionRuns.map((r) => r.maxRssMb));
const describe = (samples: Sample[]) =>
  `fastest ${fastest(samples).toFixed(0)} ms, median ${median(samples.map((s) => s.ms)).toFixed(0)} ms`;

process.stdout.write(
  [
    `largest tenant: ${LARGEST.tier}, ${LARGEST.sites} sites, add-ons ${JSON.stringify(LARGEST.addOns)}: ${resources} resources, ${ROUNDS} rounds`,
    `synth (fresh process): ${describe(all((r) => r.synth))}, max RSS ${rssMb} MB (target < 300 MB)`,
    `floor (load @pulumi/pulumi + ${resources} bare resources under mocks): ${describe(all((r) => r.floor))}`,
    `ratio synth/floor per round: median ${synthOverFloor(mid).toFixed(2)} (synth ${mid.synth.ms.toFixed(0)} ms, floor ${mid.floor.ms.toFixed(0)} ms; target <= 1.3), ` +
      `spread ${ratios[0]!.toFixed(2)}-${ratios[ratios.length - 1]!.toFixed(2)}; fastest synth / fastest floor ${(fastest(all((r) => r.synth)) / fastest(all((r) => r.floor))).toFixed(2)}`,
    `same-inputs run (the floor's bare resources carrying the synth's own inputs, through the synth's engine): ${describe(all((r) => r.sameInputs))}`,
    `per round, median: same-inputs run/floor ${inputsShare.toFixed(2)} (the runtime and engine handling these inputs), ` +
      `synth/same-inputs run ${programShare.toFixed(2)} (the program itself: modules, components, SDK classes)`,
    `policy pack over the largest tenant (${POLICY_ROUNDS} fresh processes, in-process times): median ${packMs.toFixed(0)} ms, ` +
      `pack/synth ${packOverSynth.toFixed(3)} (synth median ${median(policyRuns.map((r) => phase(r, "synth"))).toFixed(0)} ms in the same processes)`,
    `largest tenant in every region (${regionResources} resources) against one region (${oneRegionResources}), ${REGION_ROUNDS} processes: ` +
      `time ratio median ${regionsOverOne.toFixed(2)}, per resource ${perResource.toFixed(2)} (target <= 1.1), peak RSS ${regionRssMb} MB; ` +
      `pack over it median ${median(regionRuns.map((r) => phase(r, "pack"))).toFixed(0)} ms`,
    "",
  ].join("\n"),
);
process.stdout.write(
  `${JSON.stringify({ resources, synth_ms: Math.round(mid.synth.ms), floor_ms: Math.round(mid.floor.ms), ratio: Number(synthOverFloor(mid).toFixed(3)), rss_mb: rssMb, pack_ms: Math.round(packMs), pack_over_synth: Number(packOverSynth.toFixed(3)), regions_resources: regionResources, regions_over_one: Number(regionsOverOne.toFixed(3)), regions_per_resource: Number(perResource.toFixed(3)), regions_rss_mb: regionRssMb })}\n`,
);

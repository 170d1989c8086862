/**
 * What a benchmark child reports: one JSON line with what it registered and its peak memory.
 * The children write it (reportChild); the benchmarks read it (parseChildReport).
 */
export interface ChildReport {
  readonly resources: number;
  readonly maxRssMb: number;
  /** Phases the child timed itself (the policy child: synth and pack, in milliseconds). */
  readonly phasesMs?: Readonly<Record<string, number>>;
}

/**
 * Ends a benchmark child as `npm run synth` ends: its report, then a natural exit (code 1 on
 * failure). Not process.exit(): see scripts/synth.ts.
 */
export function reportChild(work: Promise<number | Pick<ChildReport, "resources" | "phasesMs">>): void {
  work.then(
    (done) => {
      const measured = typeof done === "number" ? { resources: done } : done;
      const report: ChildReport = {
        ...measured,
        maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      };
      process.stdout.write(`${JSON.stringify(report)}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

/** A child's report: the last line of its stdout. */
export function parseChildReport(stdout: string): ChildReport {
  return JSON.parse(stdout.trim().split("\n").pop()!) as ChildReport;
}

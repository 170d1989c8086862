/**
 * Ends a benchmark child: one JSON line with what it registered and its peak memory, then exits
 * at once as `npm run synth` does (not waiting for background work such as tsx pruning its
 * transform cache); exit 1 on failure.
 */
export function reportChild(work: Promise<number>): void {
  work.then(
    (resources) => {
      const maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
      process.stdout.write(`${JSON.stringify({ resources, maxRssMb })}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}

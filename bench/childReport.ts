/** A benchmark child's result: one JSON line with what it registered and its peak memory (exit 1 on failure). */
export function reportChild(work: Promise<number>): void {
  work.then(
    (resources) => {
      const maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
      process.stdout.write(`${JSON.stringify({ resources, maxRssMb })}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}

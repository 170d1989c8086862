/**
 * `npm run bench:service`'s restart figure, in a fresh process: fills a journal with <n> ended
 * provision operations (request, ~70 log lines, result each), then times reopening it and
 * reports the reopen's time and the process's peak RSS as one JSON line.
 * Usage: reopenChild.ts <n> <journal path>.
 */
import { FileStore } from "../service/fileStore";
import { SecretBox } from "../service/secrets";
import { signupBody } from "./serviceBodies";
import { randomBytes } from "node:crypto";

async function fill(path: string, n: number): Promise<void> {
  const store = new FileStore({ path });
  const box = new SecretBox(randomBytes(32));
  const one = async (i: number) => {
    const tenantId = `tenant-${i}`;
    const { operation } = await store.submit({
      tenantId,
      kind: "provision",
      payload: box.seal({ ...signupBody(tenantId) }),
    });
    await store.claim("bench", 60_000, operation.id);
    const lines = Array.from(
      { length: 70 },
      (_, l) =>
        `2026-12-07T08:00:00.000Z create kubernetes:apps/v1:Deployment tenant-${tenantId}-resource-${l}`,
    );
    await store.appendLog(operation.id, lines);
    await store.finish(operation.id, "bench", {
      status: "succeeded",
      result: {
        tenantId,
        outcome: "created",
        outputs: { tenantId, tier: "premium", namespaces: [`e-commerce-tenant-${tenantId}`] },
      },
      tenant: { status: "active", tier: "premium" },
    });
  };
  for (let i = 0; i < n; i += 200)
    await Promise.all(Array.from({ length: Math.min(200, n - i) }, (_, k) => one(i + k)));
  await store.close();
}

async function main(): Promise<void> {
  const [n, path] = [Number(process.argv[2] ?? 6000), process.argv[3]!];
  await fill(path, n);
  const rssBefore = process.memoryUsage().rss;
  const timed = async () => {
    const started = performance.now();
    const reopened = new FileStore({ path });
    const ms = performance.now() - started;
    const counts = await reopened.counts();
    await reopened.close();
    return { ms: Math.round(ms), operations: counts.succeeded };
  };
  // After a crash (the journal as written, one line per change), then after a clean restart (compacted).
  const first = await timed();
  const second = await timed();
  process.stdout.write(
    `${JSON.stringify({
      operations: first.operations,
      reopen_ms: first.ms,
      reopen_compacted_ms: second.ms,
      rss_growth_mb: Math.round((process.memoryUsage().rss - rssBefore) / 1048576),
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});

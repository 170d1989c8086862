/**
 * One fleet-preview measurement in a fresh process (so its peak RSS is its own): provisions
 * `tenants` offline stacks (Standard, Premium and Business in turn), then times a fleet preview
 * of all of them. Prints one JSON line.
 *
 *   node --require ./lib/register-typescript.cjs bench/fleetChild.ts <tenants> <stateDir> [concurrency]
 */
import { runFleet } from "../automation/fleet";
import { OfflineEngine } from "../automation/offlineEngine";
import { TenantService } from "../automation/tenantService";
import { DEV_ADMIN_CREDENTIALS, DEV_CLOUDFLARE } from "../synth/programs";
import { TIER_NAMES } from "../tiers";

async function main(): Promise<void> {
  const [count, stateDir, concurrency = "4"] = process.argv.slice(2);
  const tenants = Number(count);
  const service = new TenantService({ engine: new OfflineEngine({ stateDir: stateDir! }) });
  const setup = await runFleetSetup(service, tenants, Number(concurrency));
  const rssAfterSetupMb = Math.round(process.resourceUsage().maxRSS / 1024);
  const started = performance.now();
  const summary = await runFleet(service, { command: "preview", concurrency: Number(concurrency) });
  const ms = performance.now() - started;
  if (summary.counts.failed > 0)
    throw new Error(
      `${summary.counts.failed} previews failed: ${summary.entries.find((e) => e.status === "failed")?.reason}`,
    );
  process.stdout.write(
    `${JSON.stringify({ tenants, concurrency: Number(concurrency), setup_ms: Math.round(setup), preview_ms: Math.round(ms), tenants_per_minute: Math.round((tenants / ms) * 60_000), rss_after_setup_mb: rssAfterSetupMb, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
  );
}

/** Provisions the tenants, `concurrency` at a time; returns how long it took. */
async function runFleetSetup(service: TenantService, tenants: number, concurrency: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < tenants) {
      const i = next++;
      await service.provisionTenant({
        tenantId: `bench-${String(i).padStart(4, "0")}`,
        tier: TIER_NAMES[i % TIER_NAMES.length]!,
        images: { registry: "registry.example.com/cv", tag: "1.0.0" },
        adminCredentials: DEV_ADMIN_CREDENTIALS,
        cloudflare: DEV_CLOUDFLARE,
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - started;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});

/**
 * A provisioning-service worker process for the kill -9 trials: the real service runtime
 * (SERVICE_ROLE=worker, RabbitMQ and MySQL from the environment, the offline engine), with
 * every preview and update of a tenant traced to TRACE_FILE as start/end lines, so the test
 * can check that no two processes ever ran one tenant at once. SLOW_MS widens each preview and
 * update inside the engine (the program's run), so a kill mid-update leaves the stack's lock behind
 * as a real `pulumi up` killed mid-way does.
 */
import { appendFileSync } from "node:fs";
import { resolve } from "node:path";
import type { ApplyResult, OperationOptions, PlanResult } from "../../automation/engine";
import { OfflineEngine } from "../../automation/offlineEngine";
import { serviceConfigFromEnv } from "../../service/config";
import { startService } from "../../service/runtime";
import { synthTenant } from "../../synth/programs";
import { InstrumentedEngine } from "./engines";

const trace = process.env.TRACE_FILE!;
const slowMs = Number(process.env.SLOW_MS ?? 0);

class TracedEngine extends InstrumentedEngine {
  private async traced<T>(tenantId: string, run: () => Promise<T>): Promise<T> {
    appendFileSync(trace, `${JSON.stringify({ tenantId, pid: process.pid, event: "start" })}\n`);
    try {
      return await run();
    } finally {
      // A call refused (a lock) ends too: only a killed process leaves a start without an end.
      appendFileSync(trace, `${JSON.stringify({ tenantId, pid: process.pid, event: "end" })}\n`);
    }
  }
  override preview(tenantId: string, options?: OperationOptions): Promise<PlanResult> {
    return this.traced(tenantId, () => super.preview(tenantId, options));
  }
  override up(tenantId: string, options?: OperationOptions): Promise<ApplyResult> {
    return this.traced(tenantId, () => super.up(tenantId, options));
  }
}

const config = serviceConfigFromEnv();
void startService(config, {
  wrapEngine: () =>
    new TracedEngine(
      new OfflineEngine({
        stateDir: resolve(config.stateDir),
        synth: async (tenantId, stackConfig) => {
          if (slowMs > 0) await new Promise((r) => setTimeout(r, slowMs));
          return synthTenant(tenantId, stackConfig);
        },
      }),
    ),
}).then(
  () => process.stderr.write(`worker ${process.pid} ready\n`),
  (error: unknown) => {
    process.stderr.write(`worker ${process.pid} failed to start: ${String(error)}\n`);
    process.exit(1);
  },
);

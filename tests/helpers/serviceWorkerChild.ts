/**
 * A provisioning-service worker process for the kill -9 trials: the real service runtime
 * (SERVICE_ROLE=worker, RabbitMQ and MySQL from the environment, the offline engine), with
 * every preview and update of a tenant traced to TRACE_FILE as start/end lines, so the test
 * can check that no two processes ever ran one tenant at once. SLOW_MS widens each update.
 */
import { appendFileSync } from "node:fs";
import type { ApplyResult, OperationOptions, PlanResult, TenantEngine } from "../../automation/engine";
import { serviceConfigFromEnv } from "../../service/config";
import { startService } from "../../service/runtime";
import { InstrumentedEngine } from "./engines";

const trace = process.env.TRACE_FILE!;
const slowMs = Number(process.env.SLOW_MS ?? 0);

class TracedEngine extends InstrumentedEngine {
  private async traced<T>(tenantId: string, run: () => Promise<T>): Promise<T> {
    appendFileSync(trace, `${JSON.stringify({ tenantId, pid: process.pid, event: "start" })}\n`);
    const result = await run();
    appendFileSync(trace, `${JSON.stringify({ tenantId, pid: process.pid, event: "end" })}\n`);
    return result;
  }
  override preview(tenantId: string, options?: OperationOptions): Promise<PlanResult> {
    return this.traced(tenantId, () => super.preview(tenantId, options));
  }
  override up(tenantId: string, options?: OperationOptions): Promise<ApplyResult> {
    return this.traced(tenantId, () => super.up(tenantId, options));
  }
}

void startService(serviceConfigFromEnv(), {
  wrapEngine: (engine: TenantEngine) =>
    new TracedEngine(engine, {
      before: (op) =>
        op === "up" && slowMs > 0 ? new Promise((r) => setTimeout(r, slowMs)) : Promise.resolve(),
    }),
}).then(() => process.stderr.write(`worker ${process.pid} ready\n`));

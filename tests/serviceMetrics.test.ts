/**
 * The service's metrics (prom-client): label values are escaped as the exposition format wants
 * (a kind or outcome with quotes, backslashes or newlines cannot break the page or forge a
 * series), a store that cannot answer is reported down, and promtool reads the page.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { Metrics } from "../service/metrics";
import type { OperationStore, StoreCounts } from "../service/operations";
import { PROMTOOL, promtoolAvailable } from "./helpers/promtool";

const storeWith = (counts: () => Promise<StoreCounts>) => ({ counts }) as unknown as OperationStore;
const counted = storeWith(async () => ({ queued: 2, running: 1, succeeded: 5, failed: 0 }));

describe("service metrics", () => {
  it("escapes quotes, backslashes and newlines in label values", async () => {
    const metrics = new Metrics();
    metrics.observe('pro"vision\\x\n} 1\nforged_series{a="b"', "succeeded", 3);
    const page = await metrics.render(counted);
    expect(page).toContain(
      'tenant_service_operation_duration_seconds_count{kind="pro\\"vision\\\\x\\n} 1\\nforged_series{a=\\"b\\"",outcome="succeeded"} 1',
    );
    // No line of the page starts with the forged name: the newline stayed inside the label.
    expect(page.split("\n").some((line) => line.startsWith("forged_series"))).toBe(false);
    if (promtoolAvailable()) {
      const check = spawnSync(PROMTOOL, ["check", "metrics"], { input: page, encoding: "utf8" });
      expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
    }
  });

  it("reports the store's counts and queue depth, and a store that cannot answer as down", async () => {
    const metrics = new Metrics();
    const page = await metrics.render(counted);
    expect(page).toContain('tenant_service_operations{status="queued"} 2');
    expect(page).toContain("tenant_service_queue_depth 2");
    expect(page).toContain('tenant_service_up{dependency="store"} 1');
    const down = await metrics.render(storeWith(() => Promise.reject(new Error("gone"))));
    expect(down).toContain('tenant_service_up{dependency="store"} 0');
    expect(down).not.toContain("tenant_service_queue_depth 2");
    expect(down).not.toMatch(/^tenant_service_queue_depth /m);
    const broker = await metrics.render(counted, () => Promise.reject(new Error("no broker")));
    expect(broker).toContain('tenant_service_up{dependency="broker"} 0');
  });
});

/**
 * Prometheus metrics: operations by status (from the store, so every worker's work counts),
 * queue depth, and this process's operation durations by kind and outcome.
 */
import type { OperationStore } from "./operations";

const BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800] as const;

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
}

export class Metrics {
  private readonly durations = new Map<string, Histogram>();

  observe(kind: string, outcome: string, seconds: number): void {
    const key = `kind="${kind}",outcome="${outcome}"`;
    const h = this.durations.get(key) ?? { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
    BUCKETS.forEach((b, i) => seconds <= b && (h.counts[i]! += 1));
    h.sum += seconds;
    h.count += 1;
    this.durations.set(key, h);
  }

  /**
   * The exposition text; `queueDepth` is the broker's count when there is one. A store or broker
   * that cannot answer is reported as down (`tenant_service_up`), never an error.
   */
  async render(store: OperationStore, queueDepth?: () => Promise<number>): Promise<string> {
    const counts = await store.counts().catch(() => undefined);
    const depth = queueDepth ? await queueDepth().catch(() => undefined) : counts?.queued;
    const lines = [
      "# HELP tenant_service_up Whether a dependency answered this scrape (1) or not (0).",
      "# TYPE tenant_service_up gauge",
      `tenant_service_up{dependency="store"} ${counts ? 1 : 0}`,
      ...(queueDepth ? [`tenant_service_up{dependency="broker"} ${depth !== undefined ? 1 : 0}`] : []),
      "# HELP tenant_service_operations Operations in the store by status.",
      "# TYPE tenant_service_operations gauge",
      ...Object.entries(counts ?? {}).map(
        ([status, n]) => `tenant_service_operations{status="${status}"} ${n}`,
      ),
      "# HELP tenant_service_queue_depth Operations waiting to run.",
      "# TYPE tenant_service_queue_depth gauge",
      ...(depth !== undefined ? [`tenant_service_queue_depth ${depth}`] : []),
      "# HELP tenant_service_operation_duration_seconds Operation run time in this process, by kind and outcome.",
      "# TYPE tenant_service_operation_duration_seconds histogram",
    ];
    for (const [labels, h] of this.durations) {
      BUCKETS.forEach((b, i) =>
        lines.push(`tenant_service_operation_duration_seconds_bucket{${labels},le="${b}"} ${h.counts[i]}`),
      );
      lines.push(`tenant_service_operation_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      lines.push(`tenant_service_operation_duration_seconds_sum{${labels}} ${h.sum}`);
      lines.push(`tenant_service_operation_duration_seconds_count{${labels}} ${h.count}`);
    }
    return `${lines.join("\n")}\n`;
  }
}

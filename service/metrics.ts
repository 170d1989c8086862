/**
 * Prometheus metrics through prom-client (its exposition escapes label values): operations by
 * status (from the store, so every worker's work counts), queue depth, whether each dependency
 * answered, and this process's operation durations by kind and outcome. One registry per
 * instance, so two services in one process (tests) never share counts.
 */
import { Gauge, Histogram, Registry } from "prom-client";
import type { OperationStore } from "./operations";

const BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800];

export class Metrics {
  private readonly registry = new Registry();
  private readonly up = new Gauge({
    name: "tenant_service_up",
    help: "Whether a dependency answered this scrape (1) or not (0).",
    labelNames: ["dependency"] as const,
    registers: [this.registry],
  });
  private readonly operations = new Gauge({
    name: "tenant_service_operations",
    help: "Operations in the store by status.",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });
  /** Registered only while the depth is known: an unknown depth is no sample, never a 0. */
  private readonly queueDepth = new Gauge({
    name: "tenant_service_queue_depth",
    help: "Operations waiting to run.",
    registers: [],
  });
  private readonly durations = new Histogram({
    name: "tenant_service_operation_duration_seconds",
    help: "Operation run time in this process, by kind and outcome.",
    labelNames: ["kind", "outcome"] as const,
    buckets: BUCKETS,
    registers: [this.registry],
  });

  /** The exposition format's content type. */
  readonly contentType = this.registry.contentType;

  observe(kind: string, outcome: string, seconds: number): void {
    this.durations.observe({ kind, outcome }, seconds);
  }

  /**
   * The exposition text; `queueDepth` is the broker's count when there is one. A store or broker
   * that cannot answer is reported as down (`tenant_service_up`), never an error.
   */
  async render(store: OperationStore, queueDepth?: () => Promise<number>): Promise<string> {
    const counts = await store.counts().catch(() => undefined);
    const depth = queueDepth ? await queueDepth().catch(() => undefined) : counts?.queued;
    this.up.set({ dependency: "store" }, counts ? 1 : 0);
    if (queueDepth) this.up.set({ dependency: "broker" }, depth !== undefined ? 1 : 0);
    this.operations.reset();
    for (const [status, n] of Object.entries(counts ?? {})) this.operations.set({ status }, n);
    this.registry.removeSingleMetric("tenant_service_queue_depth");
    if (depth !== undefined) {
      this.queueDepth.set(depth);
      this.registry.registerMetric(this.queueDepth);
    }
    return this.registry.metrics();
  }
}

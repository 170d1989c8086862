/**
 * In-process workers over the embedded store: each loop claims the oldest runnable operation,
 * runs it, and on a retryable failure gives it back with a backoff (at most `maxAttempts`).
 * `stop` waits for the running operations up to `drainMs`, then interrupts and releases them.
 */
import { backoffMs } from "./backoff";
import type { Executor } from "./executor";
import type { Logger } from "./log";
import type { OperationStore } from "./operations";

export interface EmbeddedWorkersOptions {
  readonly store: OperationStore;
  readonly executor: Executor;
  /** Operations run at once. Default 2. */
  readonly concurrency?: number;
  /** Attempts before a retryable failure is final. Default 5. */
  readonly maxAttempts?: number;
  /** Backoff unit (see backoffMs). Default 1000 ms. */
  readonly backoffBaseMs?: number;
  /** Poll interval when idle (a submit wakes the loops at once). Default 1000 ms. */
  readonly pollMs?: number;
  readonly log: Logger;
}

export class EmbeddedWorkers {
  /** Set by stop: claim nothing more. */
  private readonly draining = new AbortController();
  /** Set when the drain time is up: interrupt the running operations. */
  private readonly interrupt = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly waiting = new Set<() => void>();

  constructor(private readonly options: EmbeddedWorkersOptions) {}

  start(): void {
    const n = Math.max(1, this.options.concurrency ?? 2);
    this.loops = Array.from({ length: n }, () => this.loop());
  }

  /** A new operation was stored: idle loops look now instead of at their next poll. */
  notify(): void {
    for (const wake of [...this.waiting]) wake();
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.options.pollMs ?? 1000);
      this.waiting.add(done);
    });
  }

  private async loop(): Promise<void> {
    const { store, executor, log } = this.options;
    const maxAttempts = this.options.maxAttempts ?? 5;
    while (!this.draining.signal.aborted) {
      try {
        const claim = await store.claim(executor.owner, executor.leaseMs);
        if (!("claimed" in claim)) {
          await this.idle();
          continue;
        }
        const op = claim.claimed;
        const outcome = await executor.execute(op, this.interrupt.signal, op.attempts >= maxAttempts);
        if ("interrupted" in outcome) await store.release(op.id, executor.owner);
        else if ("retry" in outcome)
          await store.release(op.id, executor.owner, backoffMs(op.attempts, this.options.backoffBaseMs));
      } catch (error) {
        log.error({ err: String(error) }, "worker loop error");
        await this.idle();
      }
    }
  }

  /** Stops claiming; running operations get `drainMs` to finish, then are interrupted and released. */
  async stop(drainMs = 30_000): Promise<void> {
    this.draining.abort();
    this.notify();
    const timer = setTimeout(() => this.interrupt.abort(), drainMs);
    await Promise.all(this.loops);
    clearTimeout(timer);
  }
}

import { TenantBusyError } from "./errors";

/**
 * One operation per tenant at a time in this process: a second one is refused at once with a
 * TenantBusyError (a clear outcome for the caller to retry), never queued behind the first.
 */
export class KeyedLock {
  private readonly running = new Map<string, string>();

  /** Runs `work` holding `key`, or throws TenantBusyError if `key` is held. */
  async run<T>(key: string, operation: string, work: () => Promise<T>): Promise<T> {
    const current = this.running.get(key);
    if (current !== undefined) throw new TenantBusyError(key, current);
    this.running.set(key, operation);
    try {
      return await work();
    } finally {
      this.running.delete(key);
    }
  }

  isHeld(key: string): boolean {
    return this.running.has(key);
  }
}

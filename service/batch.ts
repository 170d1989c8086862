/**
 * Group work that arrives together: the calls made while one round trip is on the wire are sent
 * as the next one (one query, one transaction), so a burst of requests costs a few round trips
 * instead of one each. Used by the MySQL store for its lookups and its inserts.
 */

interface Waiting<I, R> {
  readonly item: I;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export interface BatcherOptions<I, R> {
  /** Runs one group; returns one result per item, in order. A throw fails every item of the group. */
  readonly run: (items: readonly I[]) => Promise<readonly R[]>;
  /** Items in one group at most. Default 200. */
  readonly maxItems?: number;
  /** Groups on the wire at once. Default 4 (two left the store's lookups waiting on round trips). */
  readonly concurrency?: number;
}

export class Batcher<I, R> {
  private queue: Waiting<I, R>[] = [];
  private running = 0;

  constructor(private readonly options: BatcherOptions<I, R>) {}

  /** Resolves with `item`'s result once the group it joined has run. */
  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      // After the current tick, so every call made in it joins the group.
      if (this.queue.length === 1) setImmediate(() => this.pump());
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.running < (this.options.concurrency ?? 4)) {
      const group = this.queue.splice(0, this.options.maxItems ?? 200);
      this.running += 1;
      void this.runGroup(group).finally(() => {
        this.running -= 1;
        this.pump();
      });
    }
  }

  private async runGroup(group: readonly Waiting<I, R>[]): Promise<void> {
    try {
      const results = await this.options.run(group.map((w) => w.item));
      group.forEach((w, i) => w.resolve(results[i]!));
    } catch (error) {
      for (const w of group) w.reject(error);
    }
  }
}

/** Lookups by key grouped into one query per group (a key asked twice in a group is asked once). */
export function keyedBatcher<K, V>(
  load: (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>,
  fallback: V,
): Batcher<K, V> {
  return new Batcher<K, V>({
    run: async (keys) => {
      const found = await load([...new Set(keys)]);
      return keys.map((k) => found.get(k) ?? fallback);
    },
  });
}

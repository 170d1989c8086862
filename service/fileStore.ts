/**
 * The embedded operation store: one process, state in memory, every change appended to a
 * journal file and flushed to disk (fdatasync) before the call returns, so an accepted request
 * survives a crash or restart. Group commit: the changes made while one flush runs are written
 * and flushed together by the next, off the event loop. Opening replays the journal and rewrites
 * it compacted, dropping operations that ended more than `retentionMs` ago (with their log and
 * idempotency key); the journal is compacted again whenever it has grown well past the state, in
 * the background: commits go on meanwhile (see Compaction).
 */
import { randomUUID } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { open, rename, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import {
  IdempotencyConflictError,
  isFinished,
  redactedPayload,
  requestDigest,
  type ClaimResult,
  type Finish,
  type NewOperation,
  type Operation,
  type OperationStore,
  type StoreCounts,
  type TenantRecord,
} from "./operations";
import { exportedHostnames, normalize, requestedCustomDomains } from "./domainClaims";
import { DomainIndex } from "./domainIndex";
import { isEmptyLifecycle, type LifecycleRecord, type LifecycleState } from "./lifecycle";

type Entry =
  | { readonly t: "op"; readonly op: Operation; readonly digest?: string; readonly key?: string }
  | { readonly t: "log"; readonly id: string; readonly line: string }
  /** An operation's whole log, as a compaction writes it (one line to parse instead of hundreds). */
  | { readonly t: "logs"; readonly id: string; readonly lines: readonly string[] }
  | { readonly t: "tenant"; readonly record: TenantRecord }
  | { readonly t: "lifecycle"; readonly lifecycle: LifecycleRecord };

export interface FileStoreOptions {
  /** The journal file (created with its directory). */
  readonly path: string;
  /** Clock, for tests. Default Date.now. */
  readonly now?: () => number;
  /** How long an ended operation is kept (with its log). Default 30 days. */
  readonly retentionMs?: number;
  /** Log lines kept per operation (the last ones; the first line says how many were dropped). Default 500. */
  readonly maxLogLines?: number;
}

/** A tenant's unfinished operations (ids, oldest first) and when its queue last became non-empty. */
interface TenantQueue {
  readonly since: string;
  readonly ids: string[];
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * A compaction under way. The state at its start (the snapshot) is written to a new file in the
 * background while commits go on to the old journal; every change made after the snapshot is also
 * kept as its journal text (the tail). When the snapshot is on disk, the flush loop appends the
 * tail, flushes, and swaps the files: the new journal holds the snapshot and every later change,
 * once each. Before, commits waited for the whole rewrite (hundreds of ms under load).
 */
interface Compaction {
  /** Lines of the snapshot. */
  readonly lines: number;
  /** Journal text of the changes made since the snapshot, and their line count. */
  readonly tail: string[];
  tailLines: number;
  /** Callers of compact() it answers. */
  readonly waiting: Waiter[];
  /** The background write: settles `file` (the new journal, flushed, still open) or `failure`. */
  written?: Promise<void>;
  file?: FileHandle;
  failure?: { readonly error: unknown };
}

export class FileStore implements OperationStore {
  private readonly ops = new Map<string, Operation>();
  private readonly digests = new Map<string, string>();
  private readonly byKey = new Map<string, string>();
  private readonly logs = new Map<string, string[]>();
  private readonly tenants = new Map<string, TenantRecord>();
  private readonly lifecycles = new Map<string, LifecycleRecord>();
  /**
   * Per tenant with unfinished operations, their ids in order and when its queue last became
   * non-empty, in that order (a Map keeps insertion order): claims stop scanning at the first
   * queue younger than the best head found, since a queue's head is never older than its `since`.
   * And per tenant, its newest operation's id.
   */
  private readonly unfinished = new Map<string, TenantQueue>();
  private queuesUnordered = false;
  private readonly newest = new Map<string, string>();
  /** The domains tenants hold: their exported hostnames, their pending provisions' custom domains. */
  private readonly domains = new DomainIndex();
  private handle: Promise<FileHandle>;
  private readonly now: () => number;
  private queue: string[] = [];
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | undefined;
  /** Callers of compact() waiting for the next compaction, and the one under way. */
  private compactions: Waiter[] = [];
  private compaction: Compaction | undefined;
  /** Lines in the journal file, and in its last compaction. */
  private journalLines = 0;
  private compactedLines = 0;

  constructor(private readonly options: FileStoreOptions) {
    this.now = options.now ?? Date.now;
    mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
    if (existsSync(options.path)) this.replay(readFileSync(options.path, "utf8"));
    this.handle = open(this.rewrite(), "a", 0o600);
  }

  private replay(text: string): void {
    for (const line of text.split("\n")) {
      if (!line) continue;
      let entry: Entry;
      try {
        entry = JSON.parse(line) as Entry;
      } catch {
        continue; // a line cut short by a crash mid-write: it was never acknowledged
      }
      this.apply(entry);
    }
  }

  private apply(entry: Entry): void {
    if (entry.t === "op") {
      const { op } = entry;
      if (!this.ops.has(op.id)) this.newest.set(op.tenantId, op.id);
      this.ops.set(op.id, op);
      const queue = this.unfinished.get(op.tenantId) ?? { since: op.createdAt, ids: [] };
      const at = queue.ids.indexOf(op.id);
      if (isFinished(op) && at >= 0) queue.ids.splice(at, 1);
      else if (!isFinished(op) && at < 0) {
        queue.ids.push(op.id);
        // An operation older than its queue (one that ended, back in it): the claims' early stop
        // would no longer be exact, so they scan every queue from now on.
        if (op.createdAt < queue.since) this.queuesUnordered = true;
      }
      if (queue.ids.length > 0) this.unfinished.set(op.tenantId, queue);
      else this.unfinished.delete(op.tenantId);
      if (entry.digest) this.digests.set(entry.op.id, entry.digest);
      if (entry.key) this.byKey.set(entry.key, entry.op.id);
      if (op.kind === "provision" && !isFinished(op))
        this.domains.set(
          `op:${op.id}`,
          op.tenantId,
          requestedCustomDomains(op.payload).map(([, d]) => normalize(d)),
        );
      else this.domains.delete(`op:${op.id}`);
    } else if (entry.t === "log" || entry.t === "logs") {
      const lines = this.logs.get(entry.id) ?? [];
      if (entry.t === "log") lines.push(entry.line);
      else lines.push(...entry.lines);
      const max = this.options.maxLogLines ?? 500;
      if (lines.length > max + 100)
        lines.splice(0, lines.length - max, `(${lines.length - max} earlier lines dropped)`);
      this.logs.set(entry.id, lines);
    } else if (entry.t === "lifecycle") this.lifecycles.set(entry.lifecycle.tenantId, entry.lifecycle);
    else {
      const { record } = entry;
      this.tenants.set(record.tenantId, record);
      this.domains.set(
        `tenant:${record.tenantId}`,
        record.tenantId,
        exportedHostnames(record).map(normalize),
      );
    }
  }

  /** Forgets the operations that ended more than the retention period ago. */
  private expire(): void {
    const before = this.now() - (this.options.retentionMs ?? 30 * 86_400_000);
    const expired = new Set<string>();
    for (const op of this.ops.values())
      if (isFinished(op) && op.finishedAt !== undefined && Date.parse(op.finishedAt) < before)
        expired.add(op.id);
    if (expired.size === 0) return;
    for (const id of expired) {
      this.ops.delete(id);
      this.digests.delete(id);
      this.logs.delete(id);
    }
    for (const [key, id] of this.byKey) if (expired.has(id)) this.byKey.delete(key);
  }

  /**
   * The current state as journal entries (expired operations dropped first). Operations and
   * tenant records are never changed in place, and log arrays are copied: a snapshot stays as it
   * was taken while later changes go on.
   */
  private snapshot(): unknown[] {
    this.expire();
    const keys = new Map([...this.byKey].map(([k, id]) => [id, k]));
    const entries: unknown[] = [];
    for (const op of this.ops.values())
      entries.push({ t: "op", op, digest: this.digests.get(op.id), key: keys.get(op.id) });
    for (const [id, lines] of this.logs) entries.push({ t: "logs", id, lines: [...lines] });
    for (const record of this.tenants.values()) entries.push({ t: "tenant", record });
    for (const lifecycle of this.lifecycles.values()) entries.push({ t: "lifecycle", lifecycle });
    return entries;
  }

  /** Writes the state to a new journal and swaps it in, at open (nothing else runs yet); returns its path. */
  private rewrite(): string {
    const entries = this.snapshot();
    const tmp = `${this.options.path}.tmp`;
    // Owner only: the journal holds requests (credentials sealed) and their results.
    const fd = openSync(tmp, "w", 0o600);
    for (let i = 0; i < entries.length; i += 1000) writeSync(fd, journalText(entries.slice(i, i + 1000)));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.options.path);
    this.journalLines = this.compactedLines = entries.length;
    return this.options.path;
  }

  /** Starts a compaction: the snapshot is taken now and written in the background. */
  private startCompaction(): void {
    const entries = this.snapshot();
    const compaction: Compaction = {
      lines: entries.length,
      tail: [],
      tailLines: 0,
      waiting: this.compactions.splice(0),
    };
    this.compaction = compaction;
    compaction.written = this.writeSnapshot(entries).then(
      (file) => void (compaction.file = file),
      (error: unknown) => void (compaction.failure = { error }),
    );
    void compaction.written.then(() => (this.flushing ??= this.flush()));
  }

  /** The snapshot in a new file, in chunks, yielding between them: requests keep being answered. */
  private async writeSnapshot(entries: readonly unknown[]): Promise<FileHandle> {
    const out = await open(`${this.options.path}.tmp`, "w", 0o600);
    try {
      for (let i = 0; i < entries.length; i += 500) {
        await out.write(journalText(entries.slice(i, i + 500)));
        await new Promise((resolve) => setImmediate(resolve));
      }
      await out.sync();
      return out;
    } catch (error) {
      await out.close().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Ends a compaction whose snapshot is written: the tail appended, then the swap. The changes
   * still queued are all in the snapshot or the tail, so they are acknowledged by this flush and
   * not written to the old journal; if the swap fails, they go to the old journal as usual.
   */
  private async finishCompaction(compaction: Compaction): Promise<void> {
    this.compaction = undefined;
    const { file, failure, waiting } = compaction;
    if (!file) return this.compactionFailed(waiting, failure?.error);
    const [queued, waiters, linesAtSwap] = [this.queue, this.waiters, this.journalLines];
    this.queue = [];
    this.waiters = [];
    try {
      await file.write(compaction.tail.join(""));
      await file.sync();
      await file.close();
      await rename(`${this.options.path}.tmp`, this.options.path);
    } catch (error) {
      await file.close().catch(() => undefined);
      this.queue.unshift(...queued);
      this.waiters.unshift(...waiters);
      return this.compactionFailed(waiting, error);
    }
    const old = await this.handle;
    this.handle = open(this.options.path, "a", 0o600);
    await old.close();
    this.journalLines = compaction.lines + compaction.tailLines + (this.journalLines - linesAtSwap);
    this.compactedLines = compaction.lines;
    for (const w of [...waiters, ...waiting]) w.resolve();
  }

  private compactionFailed(waiting: readonly Waiter[], error: unknown): void {
    for (const w of waiting) w.reject(error);
    if (waiting.length === 0) this.compactedLines = this.journalLines; // retried after more growth
  }

  /** Applies the entries now; resolves once they are on disk (flushed with whatever else is pending). */
  private write(...entries: Entry[]): Promise<void> {
    for (const e of entries) this.apply(e);
    const text = journalText(entries);
    this.queue.push(text);
    if (this.compaction) {
      this.compaction.tail.push(text);
      this.compaction.tailLines += entries.length;
    }
    this.journalLines += entries.length;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.flushing ??= this.flush();
    return done;
  }

  /** The one writer of the journal: a written compaction's swap first, then queued entries. */
  private async flush(): Promise<void> {
    // Never end synchronously: the caller assigns `flushing` after this returns, and a loop that
    // ended before that (a compaction started, nothing queued) would leave it set for good.
    await Promise.resolve();
    for (;;) {
      const compaction = this.compaction;
      if (
        !compaction &&
        (this.compactions.length > 0 || this.journalLines > 4 * this.compactedLines + 10_000)
      )
        this.startCompaction();
      else if (compaction && (compaction.file || compaction.failure)) await this.finishCompaction(compaction);
      else if (this.queue.length > 0) await this.writeQueued();
      else break;
    }
    this.flushing = undefined;
  }

  /** Group commit: everything queued while the previous flush ran, written and flushed at once. */
  private async writeQueued(): Promise<void> {
    const text = this.queue.join("");
    const waiters = this.waiters;
    this.queue = [];
    this.waiters = [];
    try {
      const handle = await this.handle;
      await handle.write(text);
      await handle.datasync();
      for (const w of waiters) w.resolve();
    } catch (error) {
      for (const w of waiters) w.reject(error);
    }
  }

  /** The last timestamp made: requests arriving within one millisecond share it (toISOString is not free). */
  private lastStamp: readonly [number, string] = [Number.NaN, ""];

  private stamp(): string {
    const ms = this.now();
    if (this.lastStamp[0] !== ms) this.lastStamp = [ms, new Date(ms).toISOString()];
    return this.lastStamp[1];
  }

  async submit(
    request: NewOperation,
    admit?: () => Promise<void>,
  ): Promise<{ operation: Operation; created: boolean }> {
    // Only a keyed request can be replayed: only its digest is ever compared.
    const digest = request.idempotencyKey !== undefined ? requestDigest(request) : undefined;
    if (request.idempotencyKey !== undefined) {
      const existing = this.byKey.get(request.idempotencyKey);
      if (existing !== undefined) {
        if (this.digests.get(existing) !== digest) throw new IdempotencyConflictError(request.idempotencyKey);
        return { operation: this.ops.get(existing)!, created: false };
      }
    }
    await admit?.();
    const at = this.stamp();
    const op: Operation = {
      id: randomUUID(),
      tenantId: request.tenantId,
      kind: request.kind,
      payload: request.payload,
      status: "queued",
      attempts: 0,
      createdAt: at,
      updatedAt: at,
    };
    const entries: Entry[] = [
      {
        t: "op",
        op,
        digest,
        ...(request.idempotencyKey !== undefined ? { key: request.idempotencyKey } : {}),
      },
    ];
    if (request.kind === "provision" && !this.tenants.has(request.tenantId)) {
      entries.push({
        t: "tenant",
        record: { tenantId: request.tenantId, status: "provisioning", lastOperationId: op.id, updatedAt: at },
      });
    }
    await this.write(...entries);
    return { operation: op, created: true };
  }

  async get(id: string): Promise<Operation | undefined> {
    return this.ops.get(id);
  }

  async logLines(id: string): Promise<string[]> {
    return [...(this.logs.get(id) ?? [])];
  }

  async appendLog(id: string, lines: readonly string[]): Promise<void> {
    if (lines.length > 0) await this.write({ t: "logs", id, lines });
  }

  async tenant(tenantId: string): Promise<TenantRecord | undefined> {
    return this.tenants.get(tenantId);
  }

  async listTenants(): Promise<TenantRecord[]> {
    return [...this.tenants.values()].sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  }

  async heldDomains(domains: readonly string[], exceptTenant: string): Promise<ReadonlySet<string>> {
    const holds = (tenantId: string) => {
      const status = this.tenants.get(tenantId)?.status;
      return tenantId !== exceptTenant && status !== undefined && status !== "purged";
    };
    return new Set(domains.filter((domain) => [...this.domains.holders(domain)].some(holds)));
  }

  async latestOperation(tenantId: string): Promise<Operation | undefined> {
    const id = this.newest.get(tenantId);
    return id === undefined ? undefined : this.ops.get(id);
  }

  async pending(tenantId: string): Promise<Operation[]> {
    return (this.unfinished.get(tenantId)?.ids ?? []).map((id) => this.ops.get(id)!);
  }

  private leaseLive(op: Operation): boolean {
    return op.status === "running" && op.leaseUntil !== undefined && Date.parse(op.leaseUntil) > this.now();
  }

  /** The operation of `tenantId` that must run first: its oldest unfinished one. */
  private head(tenantId: string): Operation | undefined {
    const id = this.unfinished.get(tenantId)?.ids[0];
    return id === undefined ? undefined : this.ops.get(id);
  }

  private runnable(op: Operation): boolean {
    if (isFinished(op) || this.leaseLive(op)) return false;
    if (op.notBefore !== undefined && Date.parse(op.notBefore) > this.now()) return false;
    return this.head(op.tenantId)?.id === op.id;
  }

  async claim(owner: string, leaseMs: number, id?: string): Promise<ClaimResult> {
    let op: Operation | undefined;
    if (id !== undefined) {
      op = this.ops.get(id);
      if (!op || isFinished(op)) return { gone: true };
      if (!this.runnable(op)) return { wait: true };
    } else {
      // The oldest runnable head of a tenant's queue (only heads can run). No sort, and no full
      // pass: this runs at every claim, with tens of thousands of tenants queued after a burst,
      // on the event loop that answers requests.
      for (const queue of this.unfinished.values()) {
        if (op && queue.since > op.createdAt && !this.queuesUnordered) break; // later queues: younger heads
        const head = this.ops.get(queue.ids[0]!)!;
        if ((!op || head.createdAt < op.createdAt) && this.runnable(head)) op = head;
      }
      if (!op) return { wait: true };
    }
    const at = this.stamp();
    const claimed: Operation = {
      ...without(op, "notBefore"),
      status: "running",
      owner,
      attempts: op.attempts + 1,
      startedAt: op.startedAt ?? at,
      updatedAt: at,
      leaseUntil: new Date(this.now() + leaseMs).toISOString(),
    };
    await this.write({ t: "op", op: claimed });
    return { claimed };
  }

  private owned(id: string, owner: string): Operation | undefined {
    const op = this.ops.get(id);
    return op && op.status === "running" && op.owner === owner ? op : undefined;
  }

  async heartbeat(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const op = this.owned(id, owner);
    if (!op) return false;
    await this.write({
      t: "op",
      op: { ...op, leaseUntil: new Date(this.now() + leaseMs).toISOString(), updatedAt: this.stamp() },
    });
    return true;
  }

  async finish(id: string, owner: string, finish: Finish): Promise<boolean> {
    const op = this.owned(id, owner);
    if (!op) return false;
    const at = this.stamp();
    const rest = { ...without(op, "owner", "leaseUntil"), payload: redactedPayload(op.payload) };
    const done: Operation =
      finish.status === "succeeded"
        ? { ...rest, status: "succeeded", result: finish.result, finishedAt: at, updatedAt: at }
        : { ...rest, status: "failed", error: finish.error, finishedAt: at, updatedAt: at };
    const entries: Entry[] = [{ t: "op", op: done }];
    const previous = this.tenants.get(op.tenantId);
    if (finish.tenant && previous) {
      const record: Record<string, unknown> = {
        ...previous,
        ...finish.tenant,
        lastOperationId: id,
        updatedAt: at,
      };
      if (record["retainUntil"] === "") delete record["retainUntil"]; // the window ended
      entries.push({ t: "tenant", record: record as unknown as TenantRecord });
    }
    await this.write(...entries);
    return true;
  }

  async release(id: string, owner: string, delayMs = 0): Promise<void> {
    const op = this.owned(id, owner);
    if (!op) return;
    await this.write({
      t: "op",
      op: {
        ...without(op, "owner", "leaseUntil"),
        status: "queued",
        updatedAt: this.stamp(),
        ...(delayMs > 0 ? { notBefore: new Date(this.now() + delayMs).toISOString() } : {}),
      },
    });
  }

  async reclaimStale(olderThanMs: number): Promise<Operation[]> {
    const older = (at: string | undefined) => at !== undefined && this.now() - Date.parse(at) > olderThanMs;
    const stale = [...this.ops.values()].filter(
      (o) =>
        this.head(o.tenantId)?.id === o.id &&
        older(o.updatedAt) &&
        (o.status === "queued" || (o.status === "running" && older(o.leaseUntil))),
    );
    const at = this.stamp();
    if (stale.length > 0)
      await this.write(...stale.map((op): Entry => ({ t: "op", op: { ...op, updatedAt: at } })));
    return stale;
  }

  /** The journal is in this process: always reachable once open. */
  async ping(): Promise<void> {}

  async counts(): Promise<StoreCounts> {
    const counts = { queued: 0, running: 0, succeeded: 0, failed: 0 };
    for (const op of this.ops.values()) counts[op.status] += 1;
    return counts;
  }

  async lifecycle(tenantId: string): Promise<LifecycleRecord | undefined> {
    return this.lifecycles.get(tenantId);
  }

  async listLifecycles(): Promise<LifecycleRecord[]> {
    return [...this.lifecycles.values()]
      .filter((r) => !isEmptyLifecycle(r.state))
      .sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  }

  /** One process owns the journal: the check and the write happen in one synchronous step. */
  async putLifecycle(tenantId: string, expected: number, state: LifecycleState): Promise<boolean> {
    if ((this.lifecycles.get(tenantId)?.revision ?? 0) !== expected) return false;
    await this.write({
      t: "lifecycle",
      lifecycle: { tenantId, revision: expected + 1, state, updatedAt: this.stamp() },
    });
    return true;
  }

  /** Drops the operations past their retention now (also done at every compaction). */
  async compact(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.compactions.push({ resolve, reject }));
    this.flushing ??= this.flush();
    await done;
  }

  async close(): Promise<void> {
    while (this.flushing || this.compaction) await (this.flushing ?? this.compaction?.written);
    await (await this.handle).close();
  }
}

/** Journal lines for `entries`. */
function journalText(entries: readonly unknown[]): string {
  let text = "";
  for (const e of entries) text += `${JSON.stringify(e)}\n`;
  return text;
}

/** `op` without the given optional fields (cleared, not set to undefined, so the journal omits them). */
function without(op: Operation, ...keys: (keyof Operation)[]): Operation {
  const copy: Record<string, unknown> = { ...op };
  for (const k of keys) delete copy[k];
  return copy as unknown as Operation;
}

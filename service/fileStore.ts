/**
 * The embedded operation store: one process, state in memory, every change appended to a
 * journal file and flushed to disk (fsync) before the call returns, so an accepted request
 * survives a crash or restart. Opening replays the journal and rewrites it compacted.
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

type Entry =
  | { readonly t: "op"; readonly op: Operation; readonly digest?: string; readonly key?: string }
  | { readonly t: "log"; readonly id: string; readonly line: string }
  | { readonly t: "tenant"; readonly record: TenantRecord };

export interface FileStoreOptions {
  /** The journal file (created with its directory). */
  readonly path: string;
  /** Clock, for tests. Default Date.now. */
  readonly now?: () => number;
}

export class FileStore implements OperationStore {
  private readonly ops = new Map<string, Operation>();
  private readonly digests = new Map<string, string>();
  private readonly byKey = new Map<string, string>();
  private readonly logs = new Map<string, string[]>();
  private readonly tenants = new Map<string, TenantRecord>();
  private fd: number;
  private readonly now: () => number;

  constructor(private readonly options: FileStoreOptions) {
    this.now = options.now ?? Date.now;
    mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
    if (existsSync(options.path)) this.replay(readFileSync(options.path, "utf8"));
    this.fd = this.compact();
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
      this.ops.set(entry.op.id, entry.op);
      if (entry.digest) this.digests.set(entry.op.id, entry.digest);
      if (entry.key) this.byKey.set(entry.key, entry.op.id);
    } else if (entry.t === "log") this.logs.set(entry.id, [...(this.logs.get(entry.id) ?? []), entry.line]);
    else this.tenants.set(entry.record.tenantId, entry.record);
  }

  /** Writes the current state to a new journal and swaps it in; returns its descriptor. */
  private compact(): number {
    const tmp = `${this.options.path}.tmp`;
    // Owner only: the journal holds requests (credentials sealed) and their results.
    const fd = openSync(tmp, "w", 0o600);
    const keys = new Map([...this.byKey].map(([k, id]) => [id, k]));
    for (const op of this.ops.values())
      writeSync(
        fd,
        `${JSON.stringify({ t: "op", op, digest: this.digests.get(op.id), key: keys.get(op.id) })}\n`,
      );
    for (const [id, lines] of this.logs)
      for (const line of lines) writeSync(fd, `${JSON.stringify({ t: "log", id, line })}\n`);
    for (const record of this.tenants.values()) writeSync(fd, `${JSON.stringify({ t: "tenant", record })}\n`);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.options.path);
    return openSync(this.options.path, "a", 0o600);
  }

  private write(...entries: Entry[]): void {
    writeSync(this.fd, entries.map((e) => `${JSON.stringify(e)}\n`).join(""));
    fsyncSync(this.fd);
    for (const e of entries) this.apply(e);
  }

  private stamp(): string {
    return new Date(this.now()).toISOString();
  }

  async submit(
    request: NewOperation,
    admit?: () => Promise<void>,
  ): Promise<{ operation: Operation; created: boolean }> {
    const digest = requestDigest(request);
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
    this.write(...entries);
    return { operation: op, created: true };
  }

  async get(id: string): Promise<Operation | undefined> {
    return this.ops.get(id);
  }

  async logLines(id: string): Promise<string[]> {
    return [...(this.logs.get(id) ?? [])];
  }

  async appendLog(id: string, line: string): Promise<void> {
    this.write({ t: "log", id, line });
  }

  async tenant(tenantId: string): Promise<TenantRecord | undefined> {
    return this.tenants.get(tenantId);
  }

  async listTenants(): Promise<TenantRecord[]> {
    return [...this.tenants.values()].sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  }

  async latestOperation(tenantId: string): Promise<Operation | undefined> {
    return [...this.ops.values()].filter((o) => o.tenantId === tenantId).at(-1);
  }

  async pending(tenantId: string): Promise<Operation[]> {
    return [...this.ops.values()].filter((o) => o.tenantId === tenantId && !isFinished(o));
  }

  private leaseLive(op: Operation): boolean {
    return op.status === "running" && op.leaseUntil !== undefined && Date.parse(op.leaseUntil) > this.now();
  }

  /** The operation of `tenantId` that must run first: its oldest unfinished one. */
  private head(tenantId: string): Operation | undefined {
    for (const op of this.ops.values()) if (op.tenantId === tenantId && !isFinished(op)) return op;
    return undefined;
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
      op = [...this.ops.values()].find((o) => this.runnable(o));
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
    this.write({ t: "op", op: claimed });
    return { claimed };
  }

  private owned(id: string, owner: string): Operation | undefined {
    const op = this.ops.get(id);
    return op && op.status === "running" && op.owner === owner ? op : undefined;
  }

  async heartbeat(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const op = this.owned(id, owner);
    if (!op) return false;
    this.write({
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
    this.write(...entries);
    return true;
  }

  async release(id: string, owner: string, delayMs = 0): Promise<void> {
    const op = this.owned(id, owner);
    if (!op) return;
    this.write({
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
      this.write(...stale.map((op): Entry => ({ t: "op", op: { ...op, updatedAt: at } })));
    return stale;
  }

  /** The journal is in this process: always reachable once open. */
  async ping(): Promise<void> {}

  async counts(): Promise<StoreCounts> {
    const counts = { queued: 0, running: 0, succeeded: 0, failed: 0 };
    for (const op of this.ops.values()) counts[op.status] += 1;
    return counts;
  }

  async close(): Promise<void> {
    closeSync(this.fd);
  }
}

/** `op` without the given optional fields (cleared, not set to undefined, so the journal omits them). */
function without(op: Operation, ...keys: (keyof Operation)[]): Operation {
  const copy: Record<string, unknown> = { ...op };
  for (const k of keys) delete copy[k];
  return copy as unknown as Operation;
}

/**
 * A TenantEngine whose offline engine runs in child processes (automation/engineHost.ts), one
 * call at a time per child, the least busy child first. Typed failures (automation/errors.ts)
 * cross the process boundary as themselves, so the TenantService maps them as before; a child
 * that dies fails its calls with an untyped (retryable) error and is replaced on the next call.
 */
import { fork, type ChildProcess } from "node:child_process";
import { setPriority } from "node:os";
import { resolve } from "node:path";
import { TenantRequestError } from "../tiers";
import type {
  ApplyResult,
  OperationOptions,
  PlanResult,
  ResourceStep,
  StackConfigValues,
  StateResource,
  TenantEngine,
} from "./engine";
import * as errors from "./errors";
import { TYPESCRIPT_NODE_ARGS } from "../lib/typescriptNode";

type Method = Exclude<keyof TenantEngine, never>;

export type EngineCall =
  | {
      readonly t: "call";
      readonly id: number;
      readonly method: Method;
      readonly args: unknown[];
      /** Whether the method takes OperationOptions after `args` (signal, steps, holder). */
      readonly withOptions: boolean;
      readonly holder?: string;
      readonly unprotect?: boolean;
    }
  | { readonly t: "abort"; readonly id: number };

export type EngineReply =
  /** The steps planned since the last message, in order (one message per batch, not per step). */
  | { readonly t: "steps"; readonly id: number; readonly steps: readonly ResourceStep[] }
  | { readonly t: "done"; readonly id: number; readonly value: unknown }
  | { readonly t: "fail"; readonly id: number; readonly error: SerializedError };

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly props: Record<string, unknown>;
}

/** The error classes rebuilt on this side: every typed outcome of automation/errors.ts, and request errors. */
const TYPED: Readonly<Record<string, { prototype: object }>> = {
  ...Object.fromEntries(
    Object.entries(errors).filter(
      ([, value]) => typeof value === "function" && value.prototype instanceof errors.TenantOperationError,
    ),
  ),
  TenantRequestError,
} as Record<string, { prototype: object }>;

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error), props: {} };
  return { name: error.constructor.name, message: error.message, props: { ...error } };
}

export function deserializeError(error: SerializedError): Error {
  const type = TYPED[error.name];
  const rebuilt = (type ? Object.create(type.prototype) : new Error(error.message)) as Error;
  Object.assign(rebuilt, error.props);
  Object.defineProperty(rebuilt, "message", { value: error.message, enumerable: false, writable: true });
  return rebuilt;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onStep?: (step: ResourceStep) => void;
}

/** A call sent, and the child it was sent to (a child's exit fails its own calls, no other's). */
interface Sent extends Pending {
  readonly child: ChildProcess;
}

class Host {
  readonly pending = new Map<number, Sent>();
  private child: ChildProcess | undefined;

  constructor(private readonly options: ProcessEngineOptions) {}

  private spawn(): ChildProcess {
    const child = fork(resolve(__dirname, "engineHost.ts"), [], {
      execArgv: [...TYPESCRIPT_NODE_ARGS],
      cwd: resolve(__dirname, ".."),
      serialization: "advanced",
      env: { ...process.env, ENGINE_HOST_OPTIONS: JSON.stringify({ stateDir: this.options.stateDir }) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.on("message", (reply: EngineReply) => {
      const pending = this.pending.get(reply.id);
      if (!pending) return;
      if (reply.t === "steps") {
        for (const step of reply.steps) pending.onStep?.(step);
        return;
      }
      this.pending.delete(reply.id);
      if (reply.t === "done") pending.resolve(reply.value);
      else pending.reject(deserializeError(reply.error));
    });
    child.on("exit", (code, signal) => {
      if (this.child === child) this.child = undefined;
      for (const [id, sent] of this.pending) {
        if (sent.child !== child) continue;
        this.pending.delete(id);
        sent.reject(new Error(`the engine process exited (${code ?? signal}) during the call`));
      }
    });
    child.on("error", () => undefined);
    // Background work: the process answering requests keeps the CPU first (see ProcessEngineOptions).
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, this.options.niceness ?? 19);
      } catch {
        // Not allowed here: the engine runs at the same priority.
      }
    }
    return child;
  }

  send(call: EngineCall, pending: Pending): void {
    const child = (this.child ??= this.spawn());
    if (call.t === "call") this.pending.set(call.id, { ...pending, child });
    child.send(call);
  }

  /**
   * Asks the child to cancel call `id`; a child that has not answered it within `abortGraceMs`
   * (its program holds the event loop) is killed, the call failing as cancelled, and replaced on
   * the next call. The stack's lock it held is a crashed run's, which the next attempt cancels.
   */
  abort(id: number, tenantId: string): void {
    const child = this.child;
    if (!child) return;
    child.send({ t: "abort", id } satisfies EngineCall);
    const timer = setTimeout(() => {
      const pending = this.pending.get(id);
      if (!pending || this.child !== child) return;
      this.pending.delete(id);
      // Replaced now, not at its exit event: a call made meanwhile must not go to the dying child.
      this.child = undefined;
      pending.reject(new errors.OperationCancelledError(tenantId));
      child.kill("SIGKILL");
    }, this.options.abortGraceMs ?? 10_000);
    timer.unref();
  }

  close(): void {
    this.child?.kill("SIGTERM");
    this.child = undefined;
  }
}

export interface ProcessEngineOptions {
  /** The offline engine's stack directory. */
  readonly stateDir: string;
  /** Child processes (calls run at once). Default 2. */
  readonly processes?: number;
  /** How long a cancelled call may run on before its child is killed. Default 10 s. */
  readonly abortGraceMs?: number;
  /**
   * Scheduling niceness of the children. Default 19: the API's process keeps the CPU first. CFS
   * shares a contended core by weight (nice 0: 1024, nice 10: 110, nice 19: 15), so a child keeps
   * about 1.5% of a core the API saturates (10% at nice 10) and the whole of an idle one: it
   * slows under a burst, never stops. Nothing lost waits on it: leases are renewed by this
   * process, and an abort needs a few milliseconds of the child's time within `abortGraceMs`.
   */
  readonly niceness?: number;
}

/** Methods taking OperationOptions as their last argument. */
const WITH_OPTIONS = new Set<Method>(["preview", "up", "destroy"]);

export class ProcessEngine implements TenantEngine {
  private readonly hosts: Host[];
  private next = 0;

  constructor(options: ProcessEngineOptions) {
    this.hosts = Array.from({ length: Math.max(1, options.processes ?? 2) }, () => new Host(options));
  }

  private call<T>(
    method: Method,
    args: unknown[],
    options?: OperationOptions & { readonly unprotect?: boolean },
  ): Promise<T> {
    const host = this.hosts.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = ++this.next;
    return new Promise<T>((resolvePromise, reject) => {
      const signal = options?.signal;
      if (signal?.aborted) return reject(new errors.OperationCancelledError(String(args[0])));
      const onAbort = () => host.abort(id, String(args[0]));
      signal?.addEventListener("abort", onAbort, { once: true });
      const done = () => signal?.removeEventListener("abort", onAbort);
      host.send(
        {
          t: "call",
          id,
          method,
          args,
          withOptions: WITH_OPTIONS.has(method),
          ...(options?.holder ? { holder: options.holder } : {}),
          ...(options?.unprotect ? { unprotect: true } : {}),
        },
        {
          resolve: (value) => (done(), resolvePromise(value as T)),
          reject: (error) => (done(), reject(error)),
          ...(options?.onStep ? { onStep: options.onStep } : {}),
        },
      );
    });
  }

  exists = (t: string) => this.call<boolean>("exists", [t]);
  create = (t: string) => this.call<void>("create", [t]);
  writeConfig = (t: string, c: StackConfigValues) => this.call<void>("writeConfig", [t, c]);
  readConfig = (t: string) => this.call<StackConfigValues>("readConfig", [t]);
  preview = (t: string, o?: OperationOptions) => this.call<PlanResult>("preview", [t], o);
  up = (t: string, o?: OperationOptions) => this.call<ApplyResult>("up", [t], o);
  destroy = (t: string, o?: OperationOptions & { readonly unprotect?: boolean }) =>
    this.call<void>("destroy", [t], o);
  remove = (t: string) => this.call<void>("remove", [t]);
  listStacks = () => this.call<string[]>("listStacks", []);
  outputs = (t: string) => this.call<Readonly<Record<string, unknown>>>("outputs", [t]);
  cancel = (t: string) => this.call<void>("cancel", [t]);
  readTags = (t: string) => this.call<Readonly<Record<string, string>>>("readTags", [t]);
  setTag = (t: string, k: string, v: string) => this.call<void>("setTag", [t, k, v]);
  setProtected = (t: string, urns: readonly string[], value: boolean) =>
    this.call<void>("setProtected", [t, urns, value]);
  stateResources = (t: string) => this.call<readonly StateResource[]>("stateResources", [t]);

  /** Ends the child processes. */
  close(): void {
    for (const host of this.hosts) host.close();
  }
}

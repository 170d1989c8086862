/**
 * The child side of automation/engineProcess.ts: an OfflineEngine in a process of its own, so the
 * program runs (the synth: CPU-bound, synchronous stretches) never hold the event loop of the
 * process that answers HTTP requests and renews leases. Calls arrive over IPC; steps stream back
 * as they are planned, the steps of one synchronous stretch in one message (the offline engine
 * plans a whole stack at once: one message instead of one per resource, each a wake-up and a
 * deserialization in the parent that answers HTTP requests); an abort message cancels the
 * call's AbortSignal.
 */
import type { OperationOptions, ResourceStep, TenantEngine } from "./engine";
import { OfflineEngine } from "./offlineEngine";
import { serializeError, type EngineCall, type EngineReply } from "./engineProcess";

const engine = new OfflineEngine(JSON.parse(process.env.ENGINE_HOST_OPTIONS ?? "{}") as { stateDir: string });
const aborts = new Map<number, AbortController>();
// A parent gone meanwhile (killed) is no error here: the disconnect handler below ends this process.
const send = (reply: EngineReply) => {
  if (process.connected) process.send?.(reply, undefined, undefined, () => undefined);
};

/** A call's steps, gathered until the end of the current synchronous stretch or its answer. */
function stepBatcher(id: number) {
  let steps: ResourceStep[] = [];
  const flush = () => {
    if (steps.length > 0) send({ t: "steps", id, steps });
    steps = [];
  };
  const add = (step: ResourceStep) => {
    if (steps.length === 0) setImmediate(flush);
    steps.push(step);
  };
  return { add, flush };
}

async function call(message: Extract<EngineCall, { t: "call" }>): Promise<void> {
  const abort = new AbortController();
  aborts.set(message.id, abort);
  const steps = stepBatcher(message.id);
  const options: OperationOptions = {
    signal: abort.signal,
    onStep: steps.add,
    ...(message.holder ? { holder: message.holder } : {}),
    ...(message.unprotect ? { unprotect: true } : {}),
  };
  try {
    const method = engine[message.method] as (...args: unknown[]) => Promise<unknown>;
    const args = message.withOptions ? [...message.args, options] : message.args;
    const value = await method.apply(engine as TenantEngine, args);
    steps.flush(); // every step before the answer
    send({ t: "done", id: message.id, value });
  } catch (error) {
    steps.flush();
    send({ t: "fail", id: message.id, error: serializeError(error) });
  } finally {
    aborts.delete(message.id);
  }
}

process.on("message", (message: EngineCall) => {
  if (message.t === "abort") aborts.get(message.id)?.abort();
  else void call(message);
});
// The parent went away: nothing is left to answer to.
process.on("disconnect", () => process.exit(0));

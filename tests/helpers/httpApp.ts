/** The provisioning service's HTTP app over an embedded store in a temp directory, for the HTTP tests. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStore } from "../../service/fileStore";
import { buildHttpApp, type HttpApp, type HttpOptions } from "../../service/http";
import { createLogger } from "../../service/log";
import { Metrics } from "../../service/metrics";
import type { Operation } from "../../service/operations";
import { SecretBox } from "../../service/secrets";

export interface TestHttpApp {
  /** The temp directory: the store's journal is `operations.jsonl` in it. */
  readonly dir: string;
  readonly store: FileStore;
  readonly app: HttpApp;
  /** Every operation the app dispatched, in order. */
  readonly dispatched: Operation[];
  /** Closes the app and the store and removes the directory. */
  close(): Promise<void>;
}

/**
 * The app with `token`, a silent log and a key of its own, its dispatches recorded; `options` sets
 * the limits a test is about (body size, stall timeout).
 */
export async function testHttpApp(
  prefix: string,
  token: string,
  options: Pick<HttpOptions, "bodyLimit" | "stallTimeoutMs"> = {},
): Promise<TestHttpApp> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const store = new FileStore({ path: join(dir, "operations.jsonl") });
  const dispatched: Operation[] = [];
  const app = await buildHttpApp({
    store,
    dispatcher: { dispatch: async (op) => void dispatched.push(op) },
    token,
    metrics: new Metrics(),
    log: createLogger({ level: "silent" }),
    secrets: SecretBox.fromFile(join(dir, "service.key")),
    ...options,
  });
  const close = async () => {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, store, app, dispatched, close };
}

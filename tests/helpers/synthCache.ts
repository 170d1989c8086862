/**
 * Synthesized shapes shared by the test forks through the disk: each fork memoizes its own
 * (tests/helpers/synth.ts), but the same shapes are asked for by files in every fork (the 25 of
 * ALL_SHAPES alone take about 10 CPU-s), and the suite is CPU-bound. The first fork to need a
 * shape synthesizes it and writes it; a fork that needs it meanwhile waits for that file.
 *
 * Identical by construction: a result is kept under a hash of its key and of every source file
 * that could shape it (the whole repository outside tests/, bench/, docs/ and hidden entries, the
 * lock file, and this directory's synth helpers), so an edit anywhere is a new cache; and only a result that
 * JSON gives back deep-equal is written (the synth is deterministic: the same inputs give the
 * same resources, which the per-fork memo relies on already). Under node_modules/.cache like
 * lib/register-typescript.cjs's transpiled files; a cache that cannot be written is only slower.
 */
import { createHash } from "node:crypto";
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";

const ROOT = resolve(__dirname, "../..");
const SKIPPED = new Set([".git", "node_modules", "tests", "bench", "docs", "out", "dist", "coverage"]);
const CACHE = join(ROOT, "node_modules", ".cache", "synth-shapes");
/** How long a fork waits for another's synth before doing it itself (a shape takes ~1 s). */
const WAIT_MS = 60_000;

/**
 * Every file under `dir` but the skipped directories and hidden entries, sorted. Hidden ones hold
 * what runs write, not sources (.service/, the embedded service's journal; a log redirected into
 * the tree): a file that changes while the suite runs would give each fork a cache of its own.
 */
export function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !SKIPPED.has(entry.name) && !entry.name.startsWith("."))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? sources(path) : entry.isFile() ? [path] : [];
    })
    .sort();
}

let directory: string | undefined;
/** The cache directory of the sources as they are now (computed once per fork). */
function sourceDirectory(): string {
  if (directory) return directory;
  const hash = createHash("sha256").update(process.version);
  const helpers = [join(__dirname, "synth.ts"), __filename];
  for (const path of [...sources(ROOT), ...helpers])
    hash.update(`${path.slice(ROOT.length)}\0`).update(readFileSync(path));
  directory = join(CACHE, hash.digest("hex").slice(0, 32));
  return directory;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const readJson = <T>(path: string): T | undefined => {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return undefined;
  }
};
/** Whether the lock at `path` is held by a live process (a fork killed mid-synth leaves it behind). */
function lockHeld(path: string): boolean {
  const pid = Number(readFileSync(path, "utf8"));
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the lock at `path` (its content: this process's id), breaking a dead process's. */
function tryLock(path: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch {
      try {
        if (lockHeld(path)) return false;
        rmSync(path, { force: true });
      } catch {
        // Its holder just finished (the lock went away) or is still writing its id: look again.
        return false;
      }
    }
  }
  return false;
}

function store<T>(path: string, value: T): void {
  const json = JSON.stringify(value);
  if (!isDeepStrictEqual(JSON.parse(json), value)) return; // not representable: never served
  const partial = `${path}.${process.pid}`;
  writeFileSync(partial, json);
  renameSync(partial, path); // whole or absent for a reader
}

/** `compute()`'s result for `key`, from the disk when some fork (this run or an earlier one) stored it. */
export async function sharedAcrossForks<T>(key: string, compute: () => Promise<T>): Promise<T> {
  let dir: string;
  try {
    dir = sourceDirectory();
    mkdirSync(dir, { recursive: true });
  } catch {
    return compute();
  }
  const base = join(dir, createHash("sha256").update(key).digest("hex"));
  const path = `${base}.json`;
  const lock = `${base}.lock`;
  for (const deadline = Date.now() + WAIT_MS; ;) {
    const cached = readJson<T>(path);
    if (cached !== undefined) return cached;
    if (tryLock(lock)) break;
    if (Date.now() > deadline) return compute(); // another fork takes too long: do it too
    await sleep(100);
  }
  try {
    const value = readJson<T>(path) ?? (await compute()); // stored between the look and the lock?
    try {
      store(path, value);
    } catch {
      // Read-only tree: only slower.
    }
    return value;
  } finally {
    rmSync(lock, { force: true });
  }
}

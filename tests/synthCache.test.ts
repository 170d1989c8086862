/**
 * The shared synth cache's key covers the sources, not what runs write into the tree: a file
 * that changes while the suite runs (the embedded service's journal under .service/, a log
 * redirected into the checkout) would give each fork a cache directory of its own.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sources } from "./helpers/synthCache";

const root = mkdtempSync(join(tmpdir(), "synth-cache-sources-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the synth cache's sources", () => {
  it("are the files outside hidden entries and the skipped directories", () => {
    for (const file of [
      "components/a.ts",
      "stacks/b.ts",
      "package-lock.json",
      ".service/operations.jsonl",
      ".scratch/test.log",
      ".env",
      "node_modules/x/index.js",
      "tests/c.test.ts",
      "out/acme/summary.md",
    ]) {
      mkdirSync(join(root, file, ".."), { recursive: true });
      writeFileSync(join(root, file), file);
    }
    expect(sources(root).map((path) => path.slice(root.length + 1))).toEqual([
      "components/a.ts",
      "package-lock.json",
      "stacks/b.ts",
    ]);
  });
});

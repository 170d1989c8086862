/**
 * lib/register-typescript.cjs, the loader every process of ours starts with: TypeScript runs,
 * stack traces name TypeScript lines, a namespace import of a compiled ES module is the module
 * itself, a second start transpiles nothing, an edit is never served from the cache, and a cache
 * that cannot be written only costs time.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TYPESCRIPT_NODE_ARGS } from "../lib/typescriptNode";

const work = mkdtempSync(join(tmpdir(), "typescript-loader-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(file: string, cache: string) {
  return spawnSync(process.execPath, [...TYPESCRIPT_NODE_ARGS, file], {
    cwd: work,
    encoding: "utf8",
    env: { ...process.env, REGISTER_TYPESCRIPT_CACHE: cache },
  });
}

/** The transpiled files of a cache (each beside its source map). */
const transpiled = (cache: string) => readdirSync(cache).filter((f) => f.endsWith(".js"));
/** Each cache entry with its modification time. */
const entries = (cache: string) =>
  transpiled(cache)
    .sort()
    .map((f) => `${f} ${statSync(join(cache, f)).mtimeMs}`);

describe("the TypeScript loader", () => {
  const main = join(work, "main.ts");
  const price = join(work, "price.ts");
  writeFileSync(
    main,
    'import { price } from "./price";\nconst label: string = `price ${price()}`;\nprocess.stdout.write(label);\n',
  );

  it("runs TypeScript across imports, and a second start transpiles nothing", () => {
    const cache = join(work, "cache");
    writeFileSync(price, "export const price = (): number => 49.99;\n");
    expect(run(main, cache)).toMatchObject({ status: 0, stdout: "price 49.99" });
    const first = entries(cache);
    expect(first).toHaveLength(2);
    expect(run(main, cache)).toMatchObject({ status: 0, stdout: "price 49.99" });
    expect(entries(cache)).toEqual(first);
  });

  it("transpiles an edited file again instead of serving the cached one", () => {
    const cache = join(work, "cache-edit");
    writeFileSync(price, "export const price = (): number => 49.99;\n");
    expect(run(main, cache).stdout).toBe("price 49.99");
    writeFileSync(price, "export const price = (): number => 124.99;\n");
    expect(run(main, cache).stdout).toBe("price 124.99");
    expect(transpiled(cache)).toHaveLength(3);
  });

  it("gives a namespace import of a compiled ES module as the module itself, and a CommonJS one with its default", () => {
    const cache = join(work, "cache-namespace");
    const compiled = join(work, "compiled.ts");
    const importer = join(work, "importer.ts");
    // A string spelling out esbuild's helper is data, not the helper: the loader leaves it alone.
    const helperText = "var __toESM = (mod, isNodeMode, target) => (";
    writeFileSync(
      compiled,
      `export let count = 1;\nexport const bump = (): void => {\n  count += 1;\n};\nexport const text = ${JSON.stringify(helperText)};\n`,
    );
    writeFileSync(
      importer,
      [
        'import * as compiled from "./compiled";',
        'import * as path from "node:path";',
        'import posix from "node:path";',
        "compiled.bump();",
        "declare const require: (id: string) => unknown;",
        'const same = compiled === require("./compiled");',
        'process.stdout.write(`${same} ${compiled.count} ${path.join("a", "b")} ${posix === require("node:path")} ${compiled.text.length}`);',
        "",
      ].join("\n"),
    );
    // The module itself (its live binding read after the bump), and node:path's exports as the default.
    expect(run(importer, cache)).toMatchObject({
      status: 0,
      stdout: `true 2 a/b true ${helperText.length}`,
    });
    // esbuild's helpers were the ones the loader rewrites: an upgrade that rewords one fails here.
    const emitted = transpiled(cache).map((f) => readFileSync(join(cache, f), "utf8"));
    for (const lean of [
      "var __toESM = (mod, isNodeMode, target) => mod && mod.__esModule && !isNodeMode ? mod : (",
      'var __toCommonJS = (mod) => __defProp(mod, "__esModule", { value: true });',
    ])
      expect(
        emitted.filter((code) => code.includes(lean)),
        lean,
      ).toHaveLength(1);
  });

  it("keeps each module's code and map apart when worker threads of one process fill a cold cache at once", () => {
    const dir = join(work, "threads");
    mkdirSync(dir);
    const modules = 24;
    const padding = `// ${"x".repeat(20_000)}\n`;
    for (let i = 0; i < modules; i++)
      writeFileSync(join(dir, `m${i}.ts`), `export const v${i} = (): number => ${i};\n${padding}`);
    const threads = join(dir, "threads.cjs");
    writeFileSync(
      threads,
      [
        'const { Worker, isMainThread } = require("node:worker_threads");',
        "if (isMainThread) for (let t = 0; t < 8; t++) new Worker(__filename);",
        `else for (let i = 0; i < ${modules}; i++) require(\`./m\${i}.ts\`);`,
        "",
      ].join("\n"),
    );
    for (let round = 0; round < 3; round++) {
      const cache = join(dir, `cache-${round}`);
      expect(run(threads, cache).status).toBe(0);
      const code = transpiled(cache).map((f) => readFileSync(join(cache, f), "utf8"));
      expect(code).toHaveLength(modules);
      expect(code.filter((text) => !text.startsWith('"use strict"'))).toEqual([]);
    }
  });

  it("names the TypeScript line in a stack trace", () => {
    const failing = join(work, "failing.ts");
    writeFileSync(
      failing,
      [
        "interface Tier {",
        "  readonly name: string;",
        "}",
        "const tier: Tier = { name: 'business' };",
        "",
        "throw new Error(`no price for ${tier.name}`);",
        "",
      ].join("\n"),
    );
    const r = run(failing, join(work, "cache-trace"));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${failing}:6`);
  });

  it("still runs when the cache cannot be written", () => {
    const blocked = join(work, "not-a-directory");
    writeFileSync(blocked, "");
    writeFileSync(price, "export const price = (): number => 149.99;\n");
    expect(run(main, join(blocked, "cache"))).toMatchObject({ status: 0, stdout: "price 149.99" });
    // Its source maps inline then: a stack trace still names the TypeScript line.
    const failing = join(work, "failing-uncached.ts");
    writeFileSync(failing, "interface Tier {\n  readonly name: string;\n}\n\nthrow new Error('unpriced');\n");
    expect(run(failing, join(blocked, "cache")).stderr).toContain(`${failing}:5`);
  });
});

/**
 * Runs this repository's TypeScript in Node: `node --require ./lib/register-typescript.cjs file.ts`
 * (lib/typescriptNode.ts gives the arguments to child processes). Each .ts file is transpiled by
 * esbuild, with the compiler options of tsconfig.json, when it is first required; inline source
 * maps make stack traces name TypeScript lines. Type-checking stays `npm run typecheck`'s job.
 *
 * Why not tsx: its resolver hooks run on every require, node_modules included, and double the
 * start of every process (loading @pulumi/pulumi: 2.3 CPU-s under tsx, 1.1 here). Engine and
 * worker processes are started again after every fault and a CLI once per command, so their start
 * is on the recovery's and the operator's critical path.
 *
 * Transpiled files are cached under node_modules/.cache/register-typescript, or
 * REGISTER_TYPESCRIPT_CACHE (a CLI command loads about 150 files, 1.1 MB: half a second of
 * esbuild), keyed by the path, the source, the options and esbuild's version, so an edit or an
 * upgrade is never served stale; a cache that cannot be written is only slower.
 */
"use strict";
const { createHash } = require("node:crypto");
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const esbuild = require("esbuild");

const ROOT = join(__dirname, "..");
const { compilerOptions } = JSON.parse(readFileSync(join(ROOT, "tsconfig.json"), "utf8"));
const OPTIONS = {
  loader: "ts",
  format: "cjs",
  target: "node20",
  sourcemap: "inline",
  // Mappings only: a stack trace maps through them, and Node reads a frame's source line from the
  // .ts file itself. With the sources inlined too, every module's text doubles, and Node scans,
  // decodes and parses all of it as the module loads (~0.1 G instructions of a tenant synth).
  sourcesContent: false,
  // import() becomes require(), as tsc emits it for module commonjs (Node's ESM loader would not
  // find an extensionless .ts path).
  supported: { "dynamic-import": false },
  // The class-field semantics and interop tsc checks the code against (target, esModuleInterop).
  tsconfigRaw: { compilerOptions },
};
const CACHE =
  process.env.REGISTER_TYPESCRIPT_CACHE || join(ROOT, "node_modules", ".cache", "register-typescript");
const SALT = JSON.stringify([esbuild.version, OPTIONS]);

/** `source` is the file's bytes: hashed as they are, decoded only for esbuild on a miss. */
function transpile(source, filename) {
  const key = createHash("sha256").update(SALT).update(filename).update(source).digest("hex");
  const cached = join(CACHE, `${key}.js`);
  try {
    return readFileSync(cached, "utf8");
  } catch {
    const { code } = esbuild.transformSync(source.toString("utf8"), { ...OPTIONS, sourcefile: filename });
    try {
      mkdirSync(CACHE, { recursive: true });
      // Whole or absent: a concurrent reader never sees half a file.
      const partial = `${cached}.${process.pid}`;
      writeFileSync(partial, code);
      renameSync(partial, cached);
    } catch {
      // A read-only tree runs uncached.
    }
    return code;
  }
}

process.setSourceMapsEnabled(true);
// Node 22.1+ keeps V8's compiled code on disk for every module (node_modules included, most of a
// start); Node 20 has no such cache and goes on without it.
require("node:module").enableCompileCache?.();
require.extensions[".ts"] = (module, filename) => {
  module._compile(transpile(readFileSync(filename), filename), filename);
};

/**
 * Runs this repository's TypeScript in Node: `node --require ./lib/register-typescript.cjs file.ts`
 * (lib/typescriptNode.ts gives the arguments to child processes). Each .ts file is transpiled by
 * esbuild, with the compiler options of tsconfig.json, when it is first required; source maps make
 * stack traces name TypeScript lines. Type-checking stays `npm run typecheck`'s job.
 *
 * Why not tsx: its resolver hooks run on every require, node_modules included, and double the
 * start of every process (loading @pulumi/pulumi: 2.3 CPU-s under tsx, 1.1 here). Engine and
 * worker processes are started again after every fault and a CLI once per command, so their start
 * is on the recovery's and the operator's critical path.
 *
 * Transpiled files are cached under node_modules/.cache/register-typescript, or
 * REGISTER_TYPESCRIPT_CACHE (a CLI command loads about 150 files, 1.1 MB: half a second of
 * esbuild), keyed by the path, the source, the options and esbuild's version, so an edit or an
 * upgrade is never served stale; a cache that cannot be written is only slower. The source enters
 * the key as its CRC-32 and length, as Node's own compile cache checks its entries: SHA-256 of
 * every source was 17 M instructions of each tenant synth.
 */
"use strict";
const { createHash, randomBytes } = require("node:crypto");
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");
const { crc32 } = require("node:zlib");
const esbuild = require("esbuild");

const ROOT = join(__dirname, "..");
const { compilerOptions } = JSON.parse(readFileSync(join(ROOT, "tsconfig.json"), "utf8"));
const OPTIONS = {
  loader: "ts",
  format: "cjs",
  target: "node20",
  // A file beside the cached module, not inline: with source maps on, Node scans each module's
  // whole text as it loads (for its line lengths and magic comments), and V8 keeps it, so a map
  // inline (~40% of the text) cost about 35 M instructions of a tenant synth.
  sourcemap: "external",
  // Mappings only: a stack trace maps through them, and Node reads a frame's source line from the
  // .ts file itself. With the sources in the map too, Node would decode and parse twice as much
  // as each module loads (~0.1 G instructions of a tenant synth).
  sourcesContent: false,
  // import() becomes require(), as tsc emits it for module commonjs (Node's ESM loader would not
  // find an extensionless .ts path).
  supported: { "dynamic-import": false },
  // The class-field semantics and interop tsc checks the code against (target, esModuleInterop).
  tsconfigRaw: { compilerOptions },
};
const CACHE =
  process.env.REGISTER_TYPESCRIPT_CACHE || join(ROOT, "node_modules", ".cache", "register-typescript");

/**
 * Two of esbuild's CommonJS interop helpers, rewritten where tsc's output would do less:
 * - `__toESM`, for a namespace or default import (`import * as pulumi`), copies every export of
 *   the imported module onto a new object of getters, in every importing file, and each later
 *   `pulumi.x` calls one. For a module compiled from ES modules (`__esModule`: the SDKs, our own)
 *   that object reads exactly as the module itself, which is what tsc's `__importStar` gives.
 * - `__toCommonJS` copies a file's export object (its getters, one per export) onto a second one
 *   whose getters call the first's; the file now exports the first, marked `__esModule`.
 * Together about 1.5% of a tenant synth's instructions. If an esbuild upgrade rewords a helper,
 * nothing is replaced and the code runs as emitted (tests/typescriptLoader.test.ts fails naming it).
 */
const HELPER_REWRITES = [
  [
    "var __toESM = (mod, isNodeMode, target) => (",
    "var __toESM = (mod, isNodeMode, target) => mod && mod.__esModule && !isNodeMode ? mod : (",
  ],
  [
    'var __toCommonJS = (mod) => __copyProps(__defProp({}, "__esModule", { value: true }), mod);',
    'var __toCommonJS = (mod) => __defProp(mod, "__esModule", { value: true });',
  ],
];
// Anchored at a line's start, where esbuild puts its helpers: a string in the code that spells
// one out is not a helper.
const rewriteHelpers = (code) =>
  HELPER_REWRITES.reduce((out, [helper, lean]) => out.replace(`\n${helper}`, `\n${lean}`), code);

// The cache's own directory too: a cached module names its map by absolute path.
const SALT = JSON.stringify([esbuild.version, OPTIONS, HELPER_REWRITES, String(rewriteHelpers), CACHE]);
const SALTED = createHash("sha256").update(SALT);
/**
 * Writes `text` to `file` whole or not at all, for concurrent readers and writers: under a name of
 * its own, then renamed. Not a name from the pid: the worker threads of one process share it, and
 * two of them writing a module's map and code at once would swap them.
 */
function writeWhole(file, text) {
  const temporary = `${file}.${randomBytes(8).toString("hex")}`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

/** `source` is the file's bytes: digested as they are, decoded only for esbuild on a miss. */
function transpile(source, filename) {
  const key = SALTED.copy()
    .update(filename)
    .update("\0")
    .update(`${crc32(source)}:${source.length}`)
    .digest("hex");
  const cached = join(CACHE, `${key}.js`);
  try {
    return readFileSync(cached, "utf8");
  } catch {
    const { code: emitted, map } = esbuild.transformSync(source.toString("utf8"), {
      ...OPTIONS,
      sourcefile: filename,
    });
    const code = rewriteHelpers(emitted);
    try {
      mkdirSync(CACHE, { recursive: true });
      // The map before the code that names it: a concurrent reader never sees code whose map is
      // not there yet.
      const mapFile = `${cached}.map`;
      writeWhole(mapFile, map);
      // A path, not a file: URL (Node 20 reads only data: URLs and paths), spaces escaped.
      const linked = `${code}//# sourceMappingURL=${pathToFileURL(mapFile).pathname}\n`;
      writeWhole(cached, linked);
      return linked;
    } catch {
      // A read-only tree runs uncached, its map inline.
      return `${code}//# sourceMappingURL=data:application/json;base64,${Buffer.from(map).toString("base64")}\n`;
    }
  }
}

process.setSourceMapsEnabled(true);
// Node 22.1+ keeps V8's compiled code on disk for every module (node_modules included, most of a
// start); Node 20 has no such cache and goes on without it.
require("node:module").enableCompileCache?.();
require.extensions[".ts"] = (module, filename) => {
  module._compile(transpile(readFileSync(filename), filename), filename);
};

import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import type { SynthResult } from "./engine";
import { manifestFiles, objectsPerCluster, resourceList } from "./manifests";

/**
 * The list of files a synth wrote, kept in its output directory. A later synth replaces a
 * directory only when everything in it is on that list (or it is empty): `--out` never
 * deletes a file the synth did not write, so `--out .` in a checkout is refused.
 */
export const OUTPUT_MARKER = ".synth-output.json";

/** An output directory the synth refuses to replace. */
export class OutputDirectoryError extends Error {
  override readonly name = "OutputDirectoryError";
}

/** Every entry under `dir`, relative, directories with a trailing "/" (symbolic links are not followed). */
function entriesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = `${prefix}${entry.name}`;
    return entry.isDirectory() ? [`${path}/`, ...entriesUnder(dir, `${path}/`)] : [path];
  });
}

/** The entries a previous synth recorded in `dir`, or undefined when it holds no (readable) marker. */
function recordedEntries(dir: string): Set<string> | undefined {
  try {
    const { files } = JSON.parse(readFileSync(join(dir, OUTPUT_MARKER), "utf8")) as { files?: unknown };
    if (!Array.isArray(files) || !files.every((f): f is string => typeof f === "string")) return undefined;
    return new Set([OUTPUT_MARKER, ...files]);
  } catch {
    return undefined;
  }
}

/** Why `dir` must not be replaced by a synth output; undefined when it is absent, empty or a previous output. */
export function outputDirectoryProblem(dir: string): string | undefined {
  if (dirname(dir) === dir) return `${dir} is a filesystem root; choose a new or empty directory`;
  try {
    return replaceableProblem(dir);
  } catch (error) {
    return `cannot read ${dir} (${(error as NodeJS.ErrnoException).code ?? String(error)}); choose a new or empty directory`;
  }
}

function replaceableProblem(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  if (!lstatSync(dir).isDirectory()) return `${dir} exists and is not a directory`;
  // Only a previous output is walked: a foreign tree (a home directory, /proc) is refused unread.
  if (readdirSync(dir).length === 0) return undefined;
  const recorded = recordedEntries(dir);
  if (!recorded)
    return `${dir} is not empty and is not the output of a previous synth (no ${OUTPUT_MARKER}); choose a new or empty directory`;
  const entries = entriesUnder(dir);
  const foreign = entries.filter((entry) => !recorded.has(entry));
  if (foreign.length > 0)
    return `${dir} holds files the synth did not write (${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", ..." : ""})`;
  return undefined;
}

/**
 * Writes `manifests/`, `resources.json`, `summary.md` and the marker into `dir`, atomically:
 * everything goes to a new sibling temporary directory first, so a failure leaves `dir` as it
 * was. Throws OutputDirectoryError, before writing anything, when `dir` holds other files.
 */
export function writeSynthOutput(dir: string, result: SynthResult, summary: string): string[] {
  const problem = outputDirectoryProblem(dir);
  if (problem) throw new OutputDirectoryError(`--out: ${problem}`);
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = mkdtempSync(join(dirname(dir), `.${basename(dir)}.tmp-`));
  try {
    mkdirSync(join(tmp, "manifests"));
    const written: string[] = [];
    const directories = ["manifests/"];
    // One cluster: manifests/<namespace>.yaml; several (a multi-region tenant): manifests/<region>/<namespace>.yaml.
    for (const [cluster, objects] of objectsPerCluster(result)) {
      if (cluster) {
        mkdirSync(join(tmp, "manifests", cluster));
        directories.push(`manifests/${cluster}/`);
      }
      for (const [file, yaml] of manifestFiles(objects)) {
        const path = cluster ? `${cluster}/${file}` : file;
        writeFileSync(join(tmp, "manifests", path), yaml);
        written.push(`manifests/${path}`);
      }
    }
    writeFileSync(join(tmp, "resources.json"), `${JSON.stringify(resourceList(result), null, 2)}\n`);
    writeFileSync(join(tmp, "summary.md"), summary);
    written.push("resources.json", "summary.md");
    writeFileSync(
      join(tmp, OUTPUT_MARKER),
      `${JSON.stringify({ writtenBy: "npm run synth", files: [...directories, ...written] }, null, 2)}\n`,
    );
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    return written;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

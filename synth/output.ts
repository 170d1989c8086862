import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { SynthResult } from "./engine";
import { kubernetesObjects, manifestFiles, resourceList } from "./manifests";

/**
 * Writes `manifests/`, `resources.json` and `summary.md` into `dir`, atomically: everything
 * goes to a sibling temporary directory first, so a failure leaves `dir` as it was.
 */
export function writeSynthOutput(dir: string, result: SynthResult, summary: string): string[] {
  const tmp = join(dirname(dir), `.${dir.split("/").pop()}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, "manifests"), { recursive: true });
  const written: string[] = [];
  for (const [file, yaml] of manifestFiles(kubernetesObjects(result))) {
    writeFileSync(join(tmp, "manifests", file), yaml);
    written.push(join("manifests", file));
  }
  writeFileSync(join(tmp, "resources.json"), `${JSON.stringify(resourceList(result), null, 2)}\n`);
  writeFileSync(join(tmp, "summary.md"), summary);
  written.push("resources.json", "summary.md");
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return written;
}

/**
 * Issue 11 item 8: `--out` never deletes what the synth did not write. A directory is replaced
 * only when it is absent, empty, or holds nothing but a previous synth's recorded output.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OUTPUT_MARKER, OutputDirectoryError, writeSynthOutput } from "../synth/output";
import { synthShape } from "./helpers/synth";

const work = mkdtempSync(join(tmpdir(), "synth-output-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const threeSites = () => synthShape("premium", 3).then((s) => s.result);
const oneSite = () => synthShape("premium", 1).then((s) => s.result);

describe("synth output directory (issue 11 item 8)", () => {
  it("refuses a checkout-like directory and leaves every file in it", async () => {
    const checkout = join(work, "checkout");
    mkdirSync(join(checkout, "src"), { recursive: true });
    writeFileSync(join(checkout, "package.json"), "{}");
    writeFileSync(join(checkout, "src", "main.ts"), "export {};");
    const result = await oneSite();
    expect(() => writeSynthOutput(checkout, result, "summary")).toThrow(OutputDirectoryError);
    expect(() => writeSynthOutput(checkout, result, "summary")).toThrow(/not the output of a previous synth/);
    expect(readFileSync(join(checkout, "package.json"), "utf8")).toBe("{}");
    expect(readFileSync(join(checkout, "src", "main.ts"), "utf8")).toBe("export {};");
    expect(readdirSync(work).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("replaces its own previous output, stale manifests included", async () => {
    const out = join(work, "own");
    writeSynthOutput(out, await threeSites(), "three");
    expect(readdirSync(join(out, "manifests"))).toHaveLength(3);
    expect(JSON.parse(readFileSync(join(out, OUTPUT_MARKER), "utf8")).files).toContain("summary.md");
    writeSynthOutput(out, await oneSite(), "one");
    expect(readdirSync(join(out, "manifests"))).toEqual(["e-commerce-tenant-acme.yaml"]);
    expect(readFileSync(join(out, "summary.md"), "utf8")).toBe("one");
  });

  it("refuses a previous output someone added a file to, and keeps both", async () => {
    const out = join(work, "edited");
    writeSynthOutput(out, await oneSite(), "first");
    writeFileSync(join(out, "manifests", "my-patch.yaml"), "kind: ConfigMap\n");
    const again = await oneSite();
    expect(() => writeSynthOutput(out, again, "second")).toThrow(
      /did not write \(manifests\/my-patch\.yaml\)/,
    );
    expect(readFileSync(join(out, "manifests", "my-patch.yaml"), "utf8")).toBe("kind: ConfigMap\n");
    expect(readFileSync(join(out, "summary.md"), "utf8")).toBe("first");
  });

  it("does not trust a marker that is not a list of files", async () => {
    const out = join(work, "forged");
    mkdirSync(out);
    writeFileSync(join(out, OUTPUT_MARKER), JSON.stringify({ files: "*" }));
    writeFileSync(join(out, "thesis.tex"), "years of work");
    const result = await oneSite();
    expect(() => writeSynthOutput(out, result, "s")).toThrow(OutputDirectoryError);
    expect(existsSync(join(out, "thesis.tex"))).toBe(true);
  });

  it("writes into an empty directory and creates missing parents", async () => {
    const empty = join(work, "empty");
    mkdirSync(empty);
    expect(writeSynthOutput(empty, await oneSite(), "s")).toContain("resources.json");
    const nested = join(work, "a", "b", "c");
    writeSynthOutput(nested, await oneSite(), "s");
    expect(readdirSync(nested).sort()).toEqual([OUTPUT_MARKER, "manifests", "resources.json", "summary.md"]);
  });
});

/** `npm run docs`: rewrites every generated document (docs/documents.ts) from its source. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { GENERATED_DOCUMENTS } from "../docs/documents";

const root = resolve(__dirname, "..");

async function main(): Promise<void> {
  for (const doc of GENERATED_DOCUMENTS) {
    const path = resolve(root, doc.path);
    const current = existsSync(path) ? readFileSync(path, "utf8") : "";
    const next = await doc.render(current);
    if (next !== current) writeFileSync(path, next);
    process.stdout.write(`${next === current ? "unchanged" : "updated  "} ${doc.path}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

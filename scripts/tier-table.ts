/** `npm run docs:tiers`: rewrites the tier table in README.md from the catalog. */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { withTierTable } from "../docs/tierTable";

const path = resolve(__dirname, "../README.md");
writeFileSync(path, withTierTable(readFileSync(path, "utf8")));
process.stdout.write(`updated the tier table in ${path}\n`);

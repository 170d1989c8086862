/** `npx tsx scripts/finops-table.ts`: rewrites the cost table in docs/finops.md from the catalog and the cost model. */
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { withCostTable } from "../docs/costTable";

const path = resolve(__dirname, "../docs/finops.md");
writeFileSync(path, withCostTable(readFileSync(path, "utf8")));
process.stdout.write(`updated the cost table in ${path}\n`);

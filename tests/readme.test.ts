import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { tierTable, withTierTable } from "../docs/tierTable";
import { TIERS } from "../tiers";

const readme = readFileSync(resolve(__dirname, "../README.md"), "utf8");

describe("README", () => {
  it("carries the tier table generated from the catalog (run `npm run docs:tiers` after a catalog change)", () => {
    expect(withTierTable(readme)).toBe(readme);
  });

  it("shows the contractual numbers in the table", () => {
    const table = tierTable();
    for (const tier of Object.values(TIERS)) {
      expect(table).toContain(String(tier.pricing.monthlyEur));
      expect(table).toContain(`${tier.rateLimit.requestsPerMinute} req/min`);
      expect(table).toContain(`${tier.storageClass.iops} / ${tier.storageClass.throughputMiBps} MiB/s`);
    }
  });

  it("gives the two setup commands", () => {
    expect(readme).toContain("npm ci && npm run synth -- --stack dev");
    expect(readme).toContain("npm ci && npm test");
  });
});

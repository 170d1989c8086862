import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const readme = readFileSync(resolve(__dirname, "../README.md"), "utf8");

describe("README", () => {
  it("gives the two setup commands", () => {
    expect(readme).toContain("npm ci && npm run synth -- --stack dev");
    expect(readme).toContain("npm ci && npm test");
  });
});

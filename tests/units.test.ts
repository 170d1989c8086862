import { describe, expect, it } from "vitest";
import { BUSINESS_ADD_ON_PRICES_EUR, effectiveProfile, monthlyPrice, TIERS } from "../tiers";
import {
  formatCpu,
  formatMemory,
  parseCpu,
  parseMemory,
  parseStorage,
  showCpu,
  showMemory,
  showStorage,
} from "../lib/units";

describe("quantities", () => {
  it("formats and parses CPU and memory both ways", () => {
    for (const m of [50, 130, 1000, 2500, 12000]) expect(parseCpu(formatCpu(m))).toBe(m);
    for (const mi of [64, 256, 1024, 1536, 49152]) expect(parseMemory(formatMemory(mi))).toBe(mi);
    expect(formatCpu(2000)).toBe("2");
    expect(formatMemory(4096)).toBe("4Gi");
    expect(parseCpu("1.5")).toBe(1500);
    expect(parseMemory("1G")).toBeCloseTo(953.67, 1);
    expect(parseStorage("50Gi")).toBe(50);
    expect(() => parseCpu("two")).toThrow(/not a CPU quantity/);
    expect(() => formatCpu(1.5)).toThrow(/integer/);
  });

  it("shows values read back from objects as the formatters would, and any other value without throwing", () => {
    expect([showCpu(2000), showMemory(4096), showStorage(50)]).toEqual(["2", "4Gi", "50Gi"]);
    expect([showCpu(0.5), showMemory(parseMemory("1G")), showStorage(parseStorage("1.5Gi"))]).toEqual([
      "0.5m",
      "953.67Mi",
      "1.5Gi",
    ]);
  });
});

describe("catalog", () => {
  it("is deeply frozen", () => {
    expect(() => {
      (TIERS.standard.quota as { pods: number }).pods = 99;
    }).toThrow(TypeError);
    expect(TIERS.standard.quota.pods).toBe(15);
  });
});

describe("prices", () => {
  it("charges the contractual base price for Standard and Premium", () => {
    expect(monthlyPrice(effectiveProfile("standard"), 1)).toMatchObject({
      monthlyEur: 49.99,
      yearlyEur: 499,
      addOnsEur: 0,
    });
    expect(monthlyPrice(effectiveProfile("premium"), 3)).toMatchObject({
      monthlyEur: 124.99,
      yearlyEur: 1249,
    });
  });

  it("starts Business's list at 149.99 EUR and adds add-ons and sites beyond the third", () => {
    // The list starts at the contractual 149.99; the capacity floor (tests/costModel.test.ts) comes on top.
    expect(monthlyPrice(effectiveProfile("business"), 3).lines[0]).toEqual({
      label: "Business base",
      eur: 149.99,
    });
    expect(monthlyPrice(effectiveProfile("business"), 3).baseEur).toBe(149.99);
    const p = BUSINESS_ADD_ON_PRICES_EUR;
    const price = monthlyPrice(
      effectiveProfile("business", { extraCpuCores: 4, extraMemoryGi: 8, extraStorageGi: 100 }),
      5,
    );
    expect(price.addOnsEur).toBeCloseTo(4 * p.cpuCore + 8 * p.memoryGi + 100 * p.storageGi + 2 * p.site, 2);
    expect(price.yearlyEur).toBeUndefined();
    // Base, four list lines, and the capacity floor.
    expect(price.lines).toHaveLength(6);
  });
});

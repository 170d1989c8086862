/**
 * The disk cache of the platform inventories (synth/inventoryCache.ts): what it returns is what a
 * platform synth gives, an unreadable entry is a miss, and the cache can be turned off.
 */
import { rmSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { platformInventory } from "../synth/closedWorld";
import { cachedInventory, inventoryCacheFile, storeInventory } from "../synth/inventoryCache";
import { synthPlatform } from "../synth/programs";
import { REGION_NAMES } from "../tiers";

afterEach(() => {
  delete process.env["CV_INVENTORY_CACHE"];
});

describe("the platform inventory cache", () => {
  it.each(REGION_NAMES)("returns %s's inventory as its platform synth gives it", async (region) => {
    const fresh = platformInventory(await synthPlatform(region), region);
    storeInventory(region, fresh);
    const cached = cachedInventory(region);
    expect(cached).toEqual(fresh);
    expect(cached?.services.size).toBeGreaterThan(0);
    expect(cached?.gateways.size).toBeGreaterThan(0);
  });

  it("treats an unreadable entry as a miss, and a new store replaces it", async () => {
    const region = REGION_NAMES[0]!;
    const fresh = platformInventory(await synthPlatform(region), region);
    writeFileSync(inventoryCacheFile(region), "{ not json");
    expect(cachedInventory(region)).toBeUndefined();
    storeInventory(region, fresh);
    expect(cachedInventory(region)).toEqual(fresh);
  });

  it("is off with CV_INVENTORY_CACHE=off: nothing read, nothing written", async () => {
    const region = REGION_NAMES[0]!;
    const fresh = platformInventory(await synthPlatform(region), region);
    rmSync(inventoryCacheFile(region), { force: true });
    process.env["CV_INVENTORY_CACHE"] = "off";
    storeInventory(region, fresh);
    delete process.env["CV_INVENTORY_CACHE"];
    expect(cachedInventory(region)).toBeUndefined();
    storeInventory(region, fresh);
    process.env["CV_INVENTORY_CACHE"] = "off";
    expect(cachedInventory(region)).toBeUndefined();
  });
});

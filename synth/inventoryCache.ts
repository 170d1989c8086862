/**
 * A disk cache of the platform inventories the closed-world check reads (synth/closedWorld.ts).
 * Each region's inventory comes from a whole platform synth, which costs a tenant synth about a
 * fifth of its instructions (loading the platform's modules and running its program) although it
 * depends only on the repository's sources and the SDK versions: the entry is keyed by the region
 * and a hash of those (every source file the platform program can load, Pulumi.yaml, the
 * lockfile), so any edit misses it and the next synth recomputes it. Entries live in
 * node_modules/.cache (as other tools' caches do); CV_INVENTORY_CACHE=off turns the cache off.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import type { PlatformInventory } from "./closedWorld";

const REPOSITORY = join(__dirname, "..");
/** Where the platform program's sources live (stacks/platform.ts and everything it imports). */
const SOURCE_DIRECTORIES = ["components", "lib", "stacks", "synth", "tiers", "platform"];
const ROOT_FILES = ["package-lock.json", "Pulumi.yaml", "tsconfig.json"];
export const INVENTORY_CACHE_DIRECTORY = join(REPOSITORY, "node_modules", ".cache", "platform-inventory");

/**
 * Every file under `directory` (sorted, so the hash does not depend on the file system's order).
 * By code unit, not localeCompare: the first localeCompare of a process builds ICU's collator,
 * ~70 M instructions, a third of what this whole check costs a tenant synth.
 */
function filesUnder(directory: string): string[] {
  const entries = readdirSync(directory, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  return entries.flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : filesUnder(path);
    return /\.(ts|json|ya?ml)$/.test(entry.name) ? [path] : [];
  });
}

let sourcesHash: string | undefined;
/** The hash of everything a platform synth's result depends on (computed once per process). */
function platformSourcesHash(): string {
  if (sourcesHash === undefined) {
    const hash = createHash("sha256");
    const files = [
      ...SOURCE_DIRECTORIES.flatMap((d) => filesUnder(join(REPOSITORY, d))),
      ...ROOT_FILES.map((f) => join(REPOSITORY, f)),
    ];
    // Each file as its CRC-32 and length (as Node's compile cache checks a source): SHA-256 over
    // the 1 MB of sources was 28 M instructions of every tenant synth.
    for (const file of files) {
      const bytes = readFileSync(file);
      hash.update(`${file.slice(REPOSITORY.length)}\0${crc32(bytes)}:${bytes.length}\n`);
    }
    sourcesHash = hash.digest("hex").slice(0, 32);
  }
  return sourcesHash;
}

/** The inventory as JSON: its sets and maps as sorted arrays. */
interface StoredInventory {
  readonly gateways: [string, string[]][];
  readonly sets: Partial<Record<SetKey, string[]>>;
}
const SET_KEYS = [
  "namespaces",
  "storageClasses",
  "volumeAttributesClasses",
  "priorityClasses",
  "services",
  "crdGroups",
  "oidcProviders",
  "kmsKeys",
  "buckets",
] as const satisfies readonly Exclude<keyof PlatformInventory, "gateways">[];
type SetKey = (typeof SET_KEYS)[number];

function store(inventory: PlatformInventory): StoredInventory {
  return {
    gateways: [...inventory.gateways].map(([gateway, listeners]) => [gateway, [...listeners].sort()]),
    sets: Object.fromEntries(SET_KEYS.map((key) => [key, [...inventory[key]].sort()])),
  };
}

function load(stored: StoredInventory): PlatformInventory {
  const set = (key: SetKey): ReadonlySet<string> => {
    const values = stored.sets[key];
    if (!Array.isArray(values)) throw new Error(`inventory cache entry without ${key}`);
    return new Set(values);
  };
  return {
    namespaces: set("namespaces"),
    gateways: new Map(stored.gateways.map(([gateway, listeners]) => [gateway, new Set(listeners)])),
    storageClasses: set("storageClasses"),
    volumeAttributesClasses: set("volumeAttributesClasses"),
    priorityClasses: set("priorityClasses"),
    services: set("services"),
    crdGroups: set("crdGroups"),
    oidcProviders: set("oidcProviders"),
    kmsKeys: set("kmsKeys"),
    buckets: set("buckets"),
  };
}

const enabled = (): boolean => process.env["CV_INVENTORY_CACHE"] !== "off";
/** The entry of `region` for the current sources. */
export const inventoryCacheFile = (region: string): string =>
  join(INVENTORY_CACHE_DIRECTORY, `${region}-${platformSourcesHash()}.json`);

/** The cached inventory of `region` for the current sources, or undefined (absent, unreadable, or the cache off). */
export function cachedInventory(region: string): PlatformInventory | undefined {
  if (!enabled()) return undefined;
  try {
    return load(JSON.parse(readFileSync(inventoryCacheFile(region), "utf8")) as StoredInventory);
  } catch {
    return undefined; // a miss: the caller synthesizes the platform
  }
}

/** Stores `inventory` for the current sources (written whole then renamed: parallel writers never expose a part). */
export function storeInventory(region: string, inventory: PlatformInventory): void {
  if (!enabled()) return;
  const file = inventoryCacheFile(region);
  try {
    mkdirSync(INVENTORY_CACHE_DIRECTORY, { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(store(inventory)));
    renameSync(temporary, file);
  } catch {
    // A cache that cannot be written is only slower.
  }
}

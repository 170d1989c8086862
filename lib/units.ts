/**
 * Integer units for every quantity in the catalog, so sums and splits are exact:
 * CPU in millicores, memory in MiB, disk in GiB. Kubernetes quantity strings are
 * produced only at the edge, by the formatters below.
 */

/** Millicores: 1000 = one CPU. */
export type Millicores = number;
/** Mebibytes: 1024 = 1Gi. */
export type Mebibytes = number;
/** Gibibytes. */
export type Gibibytes = number;

export const cores = (n: number): Millicores => Math.round(n * 1000);
export const gib = (n: number): Mebibytes => Math.round(n * 1024);

/** "2" for 2000, "250m" for 250. */
export function formatCpu(millicores: Millicores): string {
  assertNonNegativeInteger(millicores, "cpu");
  return millicores % 1000 === 0 ? String(millicores / 1000) : `${millicores}m`;
}

/** "4Gi" for 4096, "300Mi" for 300. */
export function formatMemory(mebibytes: Mebibytes): string {
  assertNonNegativeInteger(mebibytes, "memory");
  return mebibytes % 1024 === 0 ? `${mebibytes / 1024}Gi` : `${mebibytes}Mi`;
}

export function formatStorage(gibibytes: Gibibytes): string {
  assertNonNegativeInteger(gibibytes, "storage");
  return `${gibibytes}Gi`;
}

/**
 * A quantity read back from someone else's object, for a message or a report: as the formatter
 * writes it when it is a whole number of units, else to two decimals of the unit ("953.67Mi" for
 * a "1G" memory quota). Never throws, unlike the formatters, which guard our own arithmetic.
 */
function shown(format: (n: number) => string, unit: string): (n: number) => string {
  return (n) => (Number.isInteger(n) && n >= 0 ? format(n) : `${Number(n.toFixed(2))}${unit}`);
}
export const showCpu = shown(formatCpu, "m");
export const showMemory = shown(formatMemory, "Mi");
export const showStorage = shown(formatStorage, "Gi");

const SUFFIX: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
/** Kubernetes' quantity grammar: signed decimal, then a binary or decimal SI suffix or a decimal exponent. */
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE]([+-]?\d+))?$/;

/**
 * Any quantity Kubernetes accepts ("2", "1.5", "250m", "2e3", "4Gi", "1G", "+.5", "-1"), in base
 * units (cores, bytes). Throws on anything else, naming the quantity.
 */
export function parseQuantity(quantity: string | number, what = "Kubernetes quantity"): number {
  if (typeof quantity === "number") return quantity;
  const m = QUANTITY.exec(String(quantity).trim());
  if (!m) throw new Error(`not a ${what}: "${quantity}"`);
  const exponent = m[3] === undefined ? 1 : 10 ** Number(m[3]);
  return Number(m[1]) * (m[3] === undefined ? SUFFIX[m[2] ?? ""]! : exponent);
}

/** A CPU quantity in millicores, rounded up to a whole millicore as Kubernetes does. */
export const parseCpu = (quantity: string | number): Millicores =>
  Math.ceil(Number((parseQuantity(quantity, "CPU quantity") * 1000).toPrecision(12)));

/** A byte quantity ("4Gi", "512Mi", "1G", "1048576", "2e9") in bytes. */
export const parseBytes = (quantity: string | number): number =>
  Math.ceil(Number(parseQuantity(quantity, "byte quantity").toPrecision(15)));

export const parseMemory = (quantity: string | number): Mebibytes => parseBytes(quantity) / 2 ** 20;
export const parseStorage = (quantity: string | number): Gibibytes => parseBytes(quantity) / 2 ** 30;

function assertNonNegativeInteger(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${what} must be a non-negative integer, got ${value}`);
}

/** Object-storage quotas are in GB of 2^30 bytes, like every other size in the catalog. */
export const gbToBytes = (gb: number): number => gb * 2 ** 30;

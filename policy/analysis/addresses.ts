/**
 * Address space: CIDRs as ranges of integers, so peers are judged by what they cover, not by how
 * they are written (0.0.0.0/0 is the same as 0.0.0.0/1 + 128.0.0.0/1, or ::ffff:0:0/96).
 * IPv4 addresses live in the IPv4-mapped part of the IPv6 space (::ffff:a.b.c.d), so one range
 * type covers both families.
 */

/** An inclusive range of addresses in the IPv6 space (IPv4 mapped to ::ffff:0:0/96). */
export interface AddressRange {
  readonly start: bigint;
  readonly end: bigint;
}

const V4_MAPPED = 0xffffn << 32n;
const V6_BITS = 128n;

function ipv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255))
    return undefined;
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}

function ipv6(text: string): bigint | undefined {
  let tail: bigint[] = [];
  let body = text;
  const v4 = /:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const value = ipv4(v4[1]!);
    if (value === undefined) return undefined;
    tail = [value >> 16n, value & 0xffffn];
    body = `${text.slice(0, v4.index)}:`;
    if (body.endsWith("::")) body = body.slice(0, -1);
    else body = body.slice(0, -1);
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (![...head, ...rest].every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const missing = 8 - head.length - rest.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [
    ...head.map((g) => BigInt(`0x${g}`)),
    ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => 0n),
    ...rest.map((g) => BigInt(`0x${g}`)),
    ...tail,
  ];
  return all.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** A CIDR as a range (IPv4 mapped), or undefined when it is no CIDR (host bits set count as no CIDR). */
export function cidrRange(cidr: string): AddressRange | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
  if (!m) return undefined;
  const prefix = Number(m[2]);
  const four = ipv4(m[1]!);
  const address = four !== undefined ? V4_MAPPED | four : ipv6(m[1]!);
  const bits = four !== undefined ? prefix + 96 : prefix;
  if (address === undefined || prefix > (four !== undefined ? 32 : 128)) return undefined;
  const size = 1n << (V6_BITS - BigInt(bits));
  const start = address & ~(size - 1n) & ((1n << V6_BITS) - 1n);
  if (start !== address) return undefined;
  return { start, end: start + size - 1n };
}

/** Sorted, merged ranges. */
export function union(ranges: readonly AddressRange[]): AddressRange[] {
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: AddressRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end + 1n)
      out[out.length - 1] = { start: last.start, end: r.end > last.end ? r.end : last.end };
    else out.push(r);
  }
  return out;
}

/** `ranges` without `holes`. */
export function subtract(ranges: readonly AddressRange[], holes: readonly AddressRange[]): AddressRange[] {
  let current = union(ranges);
  for (const hole of holes) {
    current = current.flatMap((r) => {
      if (hole.end < r.start || hole.start > r.end) return [r];
      const pieces: AddressRange[] = [];
      if (hole.start > r.start) pieces.push({ start: r.start, end: hole.start - 1n });
      if (hole.end < r.end) pieces.push({ start: hole.end + 1n, end: r.end });
      return pieces;
    });
  }
  return current;
}

export function intersect(a: readonly AddressRange[], b: readonly AddressRange[]): AddressRange[] {
  const out: AddressRange[] = [];
  for (const x of union(a))
    for (const y of union(b)) {
      const start = x.start > y.start ? x.start : y.start;
      const end = x.end < y.end ? x.end : y.end;
      if (start <= end) out.push({ start, end });
    }
  return out;
}

export const sizeOf = (ranges: readonly AddressRange[]): bigint =>
  union(ranges).reduce((sum, r) => sum + (r.end - r.start + 1n), 0n);

const ranges = (cidrs: readonly string[]): AddressRange[] => cidrs.map((c) => cidrRange(c)!);

/** Addresses no public host has: private, shared, loopback, link-local, documentation, multicast and reserved, both families. */
const NOT_INTERNET = ranges([
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.2.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/3",
  "::/128",
  "::1/128",
  "fc00::/7",
  "fe80::/10",
  "ff00::/8",
  "2001:db8::/32",
]);
/** Internet addresses in IPv6 spellings other than the IPv4-mapped one (NAT64, 6to4, the deprecated IPv4-compatible form). */
const IPV4_ALIASES = ranges(["64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "::/96"]);

/** Public IPv4 addresses covered (the IPv4 internet is 2^32 minus the reserved blocks). */
export const internetCovered = (covered: readonly AddressRange[]): bigint =>
  sizeOf(subtract(intersect(covered, [{ start: V4_MAPPED, end: V4_MAPPED | 0xffffffffn }]), NOT_INTERNET));

/** Public IPv6 addresses covered, in /64 networks. */
export const ipv6NetworksCovered = (covered: readonly AddressRange[]): bigint =>
  sizeOf(subtract(subtract(covered, [{ start: V4_MAPPED, end: V4_MAPPED | 0xffffffffn }]), NOT_INTERNET)) >>
  64n;

export const coversIpv4Alias = (covered: readonly AddressRange[]): boolean =>
  intersect(covered, IPV4_ALIASES).length > 0;

export const overlaps = (a: readonly AddressRange[], b: readonly AddressRange[]): boolean =>
  intersect(a, b).length > 0;

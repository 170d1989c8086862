/**
 * Usage metering (docs/finops.md): every hour, what each tenant requested and used, read from
 * Prometheus at the hour's end over that hour, recorded in MySQL (one row per tenant and hour,
 * replaced when the hour is collected again), and each month's rows exported as CSV to the backup
 * bucket under `usage/<tenant>/<YYYY-MM>.csv` (outside `tenants/`: no backup lifecycle rule
 * expires billing records).
 *
 * Per tenant and hour: CPU and memory requested (kube-state-metrics) and used (cAdvisor) as
 * core-hours and GiB-hours, volume space used (kubelet) as GiB-hours, the bytes its Cloudflare
 * zone served, and, for tiers whose contract limits them, orders placed and the catalogue's size.
 */
import type { Connection } from "mysql2/promise";
import {
  databaseNamespace,
  getTier,
  NAMESPACE_PREFIX,
  tenantOfNamespace,
  USAGE_PREFIX,
  type TierName,
} from "../tiers";
import { PRODUCTS_METRIC } from "../components/operations/alertRules";
import type { BackupStore } from "./backupStore";

/** Counter the orders service exports on its metrics port: orders placed (the seed's monthly limit). */
export const ORDERS_METRIC = "orders_created_total";
/** Counter of the Cloudflare exporter: bytes a zone served (the CDN bandwidth alert's). */
export const EDGE_BYTES_METRIC = "cloudflare_zone_bandwidth_total";

export const USAGE_TABLE = "tenant_usage_hourly";
export const usageKey = (tenantId: string, month: string): string =>
  `${USAGE_PREFIX}${tenantId}/${month}.csv`;

export interface MeteredTenant {
  readonly tenantId: string;
  readonly tier: TierName;
  /** The tenant's Cloudflare zone (its edge bandwidth). Default none: no edge traffic counted. */
  readonly cdnZone?: string;
}

export interface UsageRow {
  readonly tenantId: string;
  readonly tier: TierName;
  /** The hour's start, UTC. */
  readonly hourStart: Date;
  readonly cpuRequestedCoreHours: number;
  readonly cpuUsedCoreHours: number;
  readonly memoryRequestedGibHours: number;
  readonly memoryUsedGibHours: number;
  readonly storageUsedGibHours: number;
  readonly edgeBandwidthGb: number;
  /** null where the tier has no limit on orders (products). */
  readonly orders: number | null;
  readonly products: number | null;
}

export class MeteringError extends Error {
  override readonly name = "MeteringError";
}

const GIB = 2 ** 30;
/** Every tenant namespace, core, sites and a dedicated database's. */
const NAMESPACES = `namespace=~"${NAMESPACE_PREFIX}.+|${databaseNamespace("")}.+"`;
/**
 * A gauge's average over the hour (its value each minute, h:01 to h+1:00), times one hour. The
 * range is 59m59s: Prometheus 2 includes a subquery's left end (61 points over 1h), 3 excludes it.
 */
const hours = (expr: string) => `avg_over_time((${expr})[59m59s:1m])`;

/** The hour's PromQL per quantity, grouped by namespace (by zone for the edge). */
export const USAGE_QUERIES = {
  cpuRequestedCoreHours: hours(
    `sum by (namespace) (kube_pod_container_resource_requests{resource="cpu",${NAMESPACES}})`,
  ),
  cpuUsedCoreHours: `sum by (namespace) (increase(container_cpu_usage_seconds_total{container!="",${NAMESPACES}}[1h])) / 3600`,
  memoryRequestedGibHours: `${hours(`sum by (namespace) (kube_pod_container_resource_requests{resource="memory",${NAMESPACES}})`)} / ${GIB}`,
  memoryUsedGibHours: `${hours(`sum by (namespace) (container_memory_working_set_bytes{container!="",${NAMESPACES}})`)} / ${GIB}`,
  storageUsedGibHours: `${hours(`sum by (namespace) (kubelet_volume_stats_used_bytes{${NAMESPACES}})`)} / ${GIB}`,
  edgeBandwidthGb: `sum by (zone) (increase(${EDGE_BYTES_METRIC}[1h])) / 1e9`,
  orders: `sum by (namespace) (increase(${ORDERS_METRIC}{${NAMESPACES}}[1h]))`,
  products: `max by (namespace) (max_over_time(${PRODUCTS_METRIC}{${NAMESPACES}}[1h]))`,
} as const;
type Quantity = keyof typeof USAGE_QUERIES;

/** The tenant a namespace belongs to (core, site or dedicated database namespace). */
function tenantOf(namespace: string): string | undefined {
  const db = databaseNamespace("");
  return namespace.startsWith(db) ? namespace.slice(db.length) || undefined : tenantOfNamespace(namespace);
}

type Vector = { metric: Record<string, string>; value: [number, string] }[];

/** An instant query at `at` (Prometheus HTTP API). */
export async function promQuery(prometheusUrl: string, query: string, at: Date): Promise<Vector> {
  const url = new URL("api/v1/query", prometheusUrl.endsWith("/") ? prometheusUrl : `${prometheusUrl}/`);
  url.searchParams.set("query", query);
  url.searchParams.set("time", String(at.getTime() / 1000));
  let body: { status?: string; error?: string; data?: { resultType?: string; result?: Vector } };
  try {
    body = (await (await fetch(url, { signal: AbortSignal.timeout(30_000) })).json()) as typeof body;
  } catch (error) {
    throw new MeteringError(`Prometheus at ${prometheusUrl} is unavailable: ${(error as Error).message}`);
  }
  if (body.status !== "success" || body.data?.resultType !== "vector")
    throw new MeteringError(`Prometheus rejected ${query}: ${body.error ?? "not a vector"}`);
  return body.data.result ?? [];
}

/** The start of the hour `at` falls in (UTC). */
export function hourStart(at: Date): Date {
  if (Number.isNaN(at.getTime())) throw new MeteringError("hour: not a time");
  return new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000);
}

/** Sums a vector's samples per tenant (by namespace) or per zone. */
function byKey(
  vector: Vector,
  key: (labels: Record<string, string>) => string | undefined,
): Map<string, number> {
  const sums = new Map<string, number>();
  for (const { metric, value } of vector) {
    const k = key(metric);
    const n = Number(value[1]);
    if (k === undefined || !Number.isFinite(n)) continue;
    sums.set(k, (sums.get(k) ?? 0) + n);
  }
  return sums;
}

/** Each tenant's usage over the hour starting at `hour` (its end must have passed). */
export async function collectHour(
  prometheusUrl: string,
  tenants: readonly MeteredTenant[],
  hour: Date,
  now: Date = new Date(),
): Promise<UsageRow[]> {
  const start = hourStart(hour);
  const end = new Date(start.getTime() + 3_600_000);
  if (end > now) throw new MeteringError(`hour ${start.toISOString()}: not over yet`);
  const results = new Map<Quantity, Map<string, number>>();
  for (const [quantity, query] of Object.entries(USAGE_QUERIES) as [Quantity, string][]) {
    const vector = await promQuery(prometheusUrl, query, end);
    results.set(
      quantity,
      byKey(vector, (m) =>
        quantity === "edgeBandwidthGb" ? m["zone"] : m["namespace"] && tenantOf(m["namespace"]),
      ),
    );
  }
  const of = (q: Quantity, key: string | undefined) =>
    key === undefined ? 0 : (results.get(q)?.get(key) ?? 0);
  return tenants.map((t) => {
    const limits = getTier(t.tier).usage;
    return {
      tenantId: t.tenantId,
      tier: t.tier,
      hourStart: start,
      cpuRequestedCoreHours: of("cpuRequestedCoreHours", t.tenantId),
      cpuUsedCoreHours: of("cpuUsedCoreHours", t.tenantId),
      memoryRequestedGibHours: of("memoryRequestedGibHours", t.tenantId),
      memoryUsedGibHours: of("memoryUsedGibHours", t.tenantId),
      storageUsedGibHours: of("storageUsedGibHours", t.tenantId),
      edgeBandwidthGb: of("edgeBandwidthGb", t.cdnZone),
      orders: limits.maxOrdersPerMonth === undefined ? null : Math.round(of("orders", t.tenantId)),
      products: limits.maxProducts === undefined ? null : Math.round(of("products", t.tenantId)),
    };
  });
}

const COLUMNS = [
  ["tenant_id", "VARCHAR(64) NOT NULL"],
  ["hour_start", "DATETIME NOT NULL"],
  ["tier", "VARCHAR(16) NOT NULL"],
  ["cpu_requested_core_hours", "DOUBLE NOT NULL"],
  ["cpu_used_core_hours", "DOUBLE NOT NULL"],
  ["memory_requested_gib_hours", "DOUBLE NOT NULL"],
  ["memory_used_gib_hours", "DOUBLE NOT NULL"],
  ["storage_used_gib_hours", "DOUBLE NOT NULL"],
  ["edge_bandwidth_gb", "DOUBLE NOT NULL"],
  ["orders", "BIGINT NULL"],
  ["products", "BIGINT NULL"],
] as const;
export const CSV_HEADER = COLUMNS.map(([name]) => name).join(",");

/** Creates the usage table when it is missing (in the connection's database). */
export async function ensureUsageTable(db: Connection): Promise<void> {
  await db.query(
    `CREATE TABLE IF NOT EXISTS \`${USAGE_TABLE}\` (${COLUMNS.map(([n, t]) => `\`${n}\` ${t}`).join(", ")}, collected_at DATETIME NOT NULL, PRIMARY KEY (tenant_id, hour_start))`,
  );
}

const sqlTime = (d: Date) => d.toISOString().slice(0, 19).replace("T", " ");

/** A row's measures in COLUMNS order (after tenant, hour and tier): the table's and the CSV's. */
const measures = (r: UsageRow): (number | null)[] => [
  r.cpuRequestedCoreHours,
  r.cpuUsedCoreHours,
  r.memoryRequestedGibHours,
  r.memoryUsedGibHours,
  r.storageUsedGibHours,
  r.edgeBandwidthGb,
  r.orders,
  r.products,
];

/** Records the rows, replacing an hour collected before (a rerun is idempotent). */
export async function recordUsage(
  db: Connection,
  rows: readonly UsageRow[],
  now: Date = new Date(),
): Promise<void> {
  if (rows.length === 0) return;
  const values = rows.map((r) => [r.tenantId, sqlTime(r.hourStart), r.tier, ...measures(r), sqlTime(now)]);
  const update = [...COLUMNS.slice(2).map(([n]) => n), "collected_at"].map(
    (n) => `\`${n}\` = VALUES(\`${n}\`)`,
  );
  await db.query(
    `INSERT INTO \`${USAGE_TABLE}\` (${[...COLUMNS.map(([n]) => n), "collected_at"].map((n) => `\`${n}\``).join(", ")}) VALUES ? ON DUPLICATE KEY UPDATE ${update.join(", ")}`,
    [values],
  );
}

/** The month's first instant and the next month's, UTC ("YYYY-MM"). */
export function monthRange(month: string): { from: Date; to: Date } {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new MeteringError(`--month: expected a month as YYYY-MM, got "${month}"`);
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  return { from: new Date(Date.UTC(year, index, 1)), to: new Date(Date.UTC(year, index + 1, 1)) };
}

type DbRow = Record<(typeof COLUMNS)[number][0], unknown>;

/** A tenant's rows of a month, by hour. */
export async function usageRows(db: Connection, tenantId: string, month: string): Promise<UsageRow[]> {
  const { from, to } = monthRange(month);
  const [rows] = await queryUsage(db, tenantId, from, to);
  const nullable = (v: unknown) => (v === null ? null : Number(v));
  return (rows as DbRow[]).map((r) => ({
    tenantId: String(r.tenant_id),
    tier: String(r.tier) as TierName,
    hourStart: new Date(String(r.hour_start)),
    cpuRequestedCoreHours: Number(r.cpu_requested_core_hours),
    cpuUsedCoreHours: Number(r.cpu_used_core_hours),
    memoryRequestedGibHours: Number(r.memory_requested_gib_hours),
    memoryUsedGibHours: Number(r.memory_used_gib_hours),
    storageUsedGibHours: Number(r.storage_used_gib_hours),
    edgeBandwidthGb: Number(r.edge_bandwidth_gb),
    orders: nullable(r.orders),
    products: nullable(r.products),
  }));
}

/** The rows' query; a database the meter never wrote is a MeteringError, not a SQL one. */
async function queryUsage(db: Connection, tenantId: string, from: Date, to: Date) {
  try {
    return await db.query(
      // The hour as text: a DATETIME read as a Date would take the client's time zone.
      `SELECT ${COLUMNS.map(([n]) => (n === "hour_start" ? `DATE_FORMAT(hour_start, '%Y-%m-%dT%H:%i:%sZ') AS hour_start` : `\`${n}\``)).join(", ")} FROM \`${USAGE_TABLE}\` WHERE tenant_id = ? AND hour_start >= ? AND hour_start < ? ORDER BY hour_start`,
      [tenantId, sqlTime(from), sqlTime(to)],
    );
  } catch (error) {
    if ((error as { code?: string }).code === "ER_NO_SUCH_TABLE")
      throw new MeteringError(`no usage recorded yet: the metering database has no ${USAGE_TABLE} table`);
    throw error;
  }
}

/** Rows as CSV (CSV_HEADER; times ISO 8601 UTC; an empty field for null). */
export function usageCsv(rows: readonly UsageRow[]): string {
  const line = (r: UsageRow) =>
    [r.tenantId, r.hourStart.toISOString(), r.tier, ...measures(r).map((v) => v ?? "")].join(",");
  return `${[CSV_HEADER, ...rows.map(line)].join("\n")}\n`;
}

/** Writes the tenant's month to the store (replacing the month's earlier export); returns the key. */
export async function exportMonth(
  db: Connection,
  store: BackupStore,
  tenantId: string,
  month: string,
): Promise<string> {
  const key = usageKey(tenantId, month);
  await store.putText(key, usageCsv(await usageRows(db, tenantId, month)));
  return key;
}

export interface UsageSummary {
  readonly tenantId: string;
  readonly month: string;
  /** Hours recorded, of the hours in the month. */
  readonly hoursRecorded: number;
  readonly hoursInMonth: number;
  readonly cpuRequestedCoreHours: number;
  readonly cpuUsedCoreHours: number;
  readonly memoryRequestedGibHours: number;
  readonly memoryUsedGibHours: number;
  /** GiB-hours over the hours recorded. */
  readonly averageStorageUsedGib: number;
  readonly edgeBandwidthGb: number;
  /** With the tier's limit where it has one (undefined: unlimited, not counted). */
  readonly orders?: { readonly count: number; readonly limitPerMonth: number };
  readonly products?: { readonly peak: number; readonly limit: number };
  /** The tier of the month's last recorded hour. */
  readonly tier?: TierName;
}

/** The month's totals of a tenant's hourly rows, against its tier's limits. */
export function summarizeUsage(tenantId: string, month: string, rows: readonly UsageRow[]): UsageSummary {
  const { from, to } = monthRange(month);
  const sum = (pick: (r: UsageRow) => number) => rows.reduce((total, r) => total + pick(r), 0);
  const last = rows.at(-1);
  const limits = last ? getTier(last.tier).usage : undefined;
  const counted = rows.filter((r) => r.orders !== null);
  return {
    tenantId,
    month,
    hoursRecorded: rows.length,
    hoursInMonth: (to.getTime() - from.getTime()) / 3_600_000,
    cpuRequestedCoreHours: sum((r) => r.cpuRequestedCoreHours),
    cpuUsedCoreHours: sum((r) => r.cpuUsedCoreHours),
    memoryRequestedGibHours: sum((r) => r.memoryRequestedGibHours),
    memoryUsedGibHours: sum((r) => r.memoryUsedGibHours),
    averageStorageUsedGib: rows.length === 0 ? 0 : sum((r) => r.storageUsedGibHours) / rows.length,
    edgeBandwidthGb: sum((r) => r.edgeBandwidthGb),
    ...(limits?.maxOrdersPerMonth !== undefined && counted.length > 0
      ? { orders: { count: sum((r) => r.orders ?? 0), limitPerMonth: limits.maxOrdersPerMonth } }
      : {}),
    ...(limits?.maxProducts !== undefined && rows.some((r) => r.products !== null)
      ? { products: { peak: Math.max(...rows.map((r) => r.products ?? 0)), limit: limits.maxProducts } }
      : {}),
    ...(last ? { tier: last.tier } : {}),
  };
}

/** The summary as text for the operator's terminal. */
export function usageText(s: UsageSummary): string {
  const n = (x: number) => x.toFixed(2);
  return [
    `${s.tenantId} ${s.month}${s.tier ? ` (${s.tier})` : ""}: ${s.hoursRecorded} of ${s.hoursInMonth} hours recorded`,
    `  CPU     requested ${n(s.cpuRequestedCoreHours)} core-hours, used ${n(s.cpuUsedCoreHours)}`,
    `  memory  requested ${n(s.memoryRequestedGibHours)} GiB-hours, used ${n(s.memoryUsedGibHours)}`,
    `  storage ${n(s.averageStorageUsedGib)} GiB on average`,
    `  edge    ${n(s.edgeBandwidthGb)} GB`,
    ...(s.orders ? [`  orders  ${s.orders.count} of ${s.orders.limitPerMonth} a month`] : []),
    ...(s.products ? [`  products peak ${s.products.peak} of ${s.products.limit}`] : []),
  ].join("\n");
}

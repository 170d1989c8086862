/**
 * Usage metering against a real Prometheus (backfilled series), the real MariaDB and a local
 * S3-compatible server (s3rver, through S3Store): the hourly rows recorded in MySQL and the
 * month's CSV export equal the series, computed here from the same generator; other tenants'
 * namespaces (a name that extends the tenant's), pod-level cgroup series and system namespaces
 * are not counted; a rerun replaces an hour.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import mysql, { type Connection } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  collectHour,
  CSV_HEADER,
  ensureUsageTable,
  exportMonth,
  MeteringError,
  recordUsage,
  summarizeUsage,
  usageKey,
  usageRows,
  type MeteredTenant,
  type UsageRow,
} from "../automation/metering";
import { S3Store } from "../automation/s3Store";
import { DEV_ADMIN_CREDENTIALS, DEV_CLOUDFLARE } from "../synth/programs";
import { getTier } from "../tiers";
import {
  prometheusAvailable,
  startBackfilledPrometheus,
  type RealPrometheus,
} from "./helpers/prometheusServer";
import { LocalS3 } from "./helpers/localS3";
import { ONE_SHOT_NODE_ARGS } from "../lib/typescriptNode";
import { offlineTenantCli } from "./helpers/tenantCli";

const START = Date.UTC(2026, 10, 30, 18); // 2026-11-30T18:00Z
const HOURS = 6;
const GIB = 2 ** 30;
const TENANTS: MeteredTenant[] = [
  { tenantId: "acme", tier: "premium", cdnZone: "acme.edge.collect-verything.test" },
  { tenantId: "globex", tier: "standard" },
  { tenantId: "initech", tier: "business", cdnZone: "initech.example" },
];
/** Namespaces with series; the last two belong to no metered tenant. */
const NAMESPACES: Record<string, string | undefined> = {
  "e-commerce-tenant-acme": "acme",
  "e-commerce-tenant-acme-site-2": "acme",
  "e-commerce-tenant-globex": "globex",
  "e-commerce-tenant-initech": "initech",
  "e-commerce-db-initech": "initech",
  "e-commerce-tenant-acmex": undefined,
  "kube-system": undefined,
};
const nsIndex = (ns: string) => Object.keys(NAMESPACES).indexOf(ns) + 1;

// Per namespace and hour h (0-based): piecewise-constant values, distinct everywhere.
const cpuRequested = (ns: string, h: number) => 0.25 * nsIndex(ns) + 0.05 * h;
const cpuUsed = (ns: string, h: number) => 0.1 * nsIndex(ns) + 0.01 * h;
const memRequested = (ns: string, h: number) => (nsIndex(ns) + 0.5 * h) * GIB;
const memUsed = (ns: string, h: number) => (0.5 * nsIndex(ns) + 0.25 * h) * GIB;
const storageUsed = (ns: string, h: number) => (10 * nsIndex(ns) + h) * GIB;
const ordersPerMinute = (ns: string, h: number) => nsIndex(ns) + h;
const products = (ns: string, h: number) => 100 * nsIndex(ns) + 7 * h;
const ZONES: Record<string, number> = {
  "acme.edge.collect-verything.test": 2e6,
  "initech.example": 5e6,
  "other.example": 9e6,
};
const edgeBytesPerSecond = (zone: string, h: number) => ZONES[zone]! * (1 + h);

/** Samples every minute at :30 from 10 minutes before the first hour to 10 after the last. */
const TIMES = Array.from({ length: HOURS * 60 + 20 }, (_, i) => START - 600_000 + 30_000 + i * 60_000);
const hourOf = (t: number) => Math.min(HOURS - 1, Math.max(0, Math.floor((t - START) / 3_600_000)));

function family(
  name: string,
  type: "gauge" | "counter",
  series: [string, (h: number) => number][],
): string[] {
  const lines = [`# TYPE ${name} ${type}`];
  const sample = type === "counter" ? `${name}_total` : name;
  for (const [labels, perSecondOrValue] of series) {
    let value = 1e6;
    for (const t of TIMES) {
      value = type === "counter" ? value + perSecondOrValue(hourOf(t)) * 60 : perSecondOrValue(hourOf(t));
      lines.push(`${sample}{${labels}} ${value} ${t / 1000}`);
    }
  }
  return lines;
}

function openMetrics(): string {
  const each = (labels: (ns: string) => string, f: (ns: string, h: number) => number) =>
    Object.keys(NAMESPACES).map((ns): [string, (h: number) => number] => [labels(ns), (h) => f(ns, h)]);
  const pod = (ns: string) => `namespace="${ns}",pod="app-1",container="app"`;
  return [
    ...family("kube_pod_container_resource_requests", "gauge", [
      ...each((ns) => `${pod(ns)},resource="cpu",unit="core"`, cpuRequested),
      ...each((ns) => `${pod(ns)},resource="memory",unit="byte"`, memRequested),
    ]),
    ...family("container_cpu_usage_seconds", "counter", [
      ...each(pod, cpuUsed),
      // The pod's own cgroup (container=""): the same usage again, never counted.
      ...each(
        (ns) => `namespace="${ns}",pod="app-1",container=""`,
        (ns, h) => 50 * cpuUsed(ns, h),
      ),
    ]),
    ...family("container_memory_working_set_bytes", "gauge", each(pod, memUsed)),
    ...family(
      "kubelet_volume_stats_used_bytes",
      "gauge",
      each((ns) => `namespace="${ns}",persistentvolumeclaim="data"`, storageUsed),
    ),
    ...family(
      "cloudflare_zone_bandwidth",
      "counter",
      Object.keys(ZONES).map((z): [string, (h: number) => number] => [
        `zone="${z}"`,
        (h) => edgeBytesPerSecond(z, h),
      ]),
    ),
    ...family(
      "orders_created",
      "counter",
      each(
        (ns) => `namespace="${ns}",service="orders"`,
        (ns, h) => ordersPerMinute(ns, h) / 60,
      ),
    ),
    ...family(
      "products_catalog_size",
      "gauge",
      each((ns) => `namespace="${ns}",service="products"`, products),
    ),
    "# EOF",
    "",
  ].join("\n");
}

/** What the rows must hold, from the generator. */
function expected(t: MeteredTenant, h: number): UsageRow {
  const mine = Object.keys(NAMESPACES).filter((ns) => NAMESPACES[ns] === t.tenantId);
  const sum = (f: (ns: string, h: number) => number) => mine.reduce((s, ns) => s + f(ns, h), 0);
  const limits = getTier(t.tier).usage;
  return {
    tenantId: t.tenantId,
    tier: t.tier,
    hourStart: new Date(START + h * 3_600_000),
    cpuRequestedCoreHours: sum(cpuRequested),
    cpuUsedCoreHours: sum(cpuUsed),
    memoryRequestedGibHours: sum(memRequested) / GIB,
    memoryUsedGibHours: sum(memUsed) / GIB,
    storageUsedGibHours: sum(storageUsed) / GIB,
    edgeBandwidthGb: t.cdnZone ? (edgeBytesPerSecond(t.cdnZone, h) * 3600) / 1e9 : 0,
    orders: limits.maxOrdersPerMonth === undefined ? null : sum(ordersPerMinute) * 60,
    products: limits.maxProducts === undefined ? null : sum(products),
  };
}

function expectRow(actual: UsageRow, wanted: UsageRow): void {
  const { hourStart, tenantId, tier, orders, products: p, ...numbers } = wanted;
  expect({ hourStart: actual.hourStart.toISOString(), tenantId: actual.tenantId, tier: actual.tier }).toEqual(
    {
      hourStart: hourStart.toISOString(),
      tenantId,
      tier,
    },
  );
  expect([actual.orders, actual.products]).toEqual([orders, p]);
  for (const [key, value] of Object.entries(numbers))
    expect(actual[key as keyof typeof numbers], `${tenantId} ${key}`).toBeCloseTo(value, 6);
}

const MYSQL = { host: "127.0.0.1", port: 3306, user: "root", password: "" };
const DATABASE = `finops_meter_${process.pid}`;

describe.runIf(prometheusAvailable())("usage metering (real Prometheus, MariaDB, S3)", () => {
  let prometheus: RealPrometheus;
  let db: Connection;
  const dir = mkdtempSync(join(tmpdir(), `metering-${process.pid}-`));
  const bucket = "cv-tenant-backups";
  const s3 = new LocalS3(join(dir, "s3"), [bucket]);
  let client: S3Client;

  beforeAll(async () => {
    prometheus = await startBackfilledPrometheus(openMetrics());
    const admin = await mysql.createConnection(MYSQL);
    await admin.query(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
    await admin.query(`CREATE DATABASE \`${DATABASE}\``);
    await admin.end();
    db = await mysql.createConnection({ ...MYSQL, database: DATABASE });
    await ensureUsageTable(db);
    ({ client } = await s3.start());
  }, 120_000);
  afterAll(async () => {
    await db?.query(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
    await db?.end();
    await prometheus?.stop();
    await s3.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("records each tenant's hours as the series say, in MySQL", async () => {
    for (let h = 0; h < HOURS; h++) {
      const rows = await collectHour(prometheus.url, TENANTS, new Date(START + h * 3_600_000));
      TENANTS.forEach((t, i) => expectRow(rows[i]!, expected(t, h)));
      await recordUsage(db, rows);
    }
    for (const t of TENANTS) {
      const stored = await usageRows(db, t.tenantId, "2026-11");
      expect(stored).toHaveLength(HOURS);
      stored.forEach((row, h) => expectRow(row, expected(t, h)));
    }
  }, 120_000);

  it("replaces an hour collected again, and refuses an hour not over yet", async () => {
    const hour = new Date(START + 2 * 3_600_000);
    const forged = { ...expected(TENANTS[0]!, 2), cpuUsedCoreHours: 999 };
    await recordUsage(db, [forged]);
    expect((await usageRows(db, "acme", "2026-11"))[2]!.cpuUsedCoreHours).toBe(999);
    await recordUsage(db, await collectHour(prometheus.url, TENANTS, hour));
    const again = await usageRows(db, "acme", "2026-11");
    expect(again).toHaveLength(HOURS);
    expectRow(again[2]!, expected(TENANTS[0]!, 2));
    await expect(
      collectHour(prometheus.url, TENANTS, new Date(START), new Date(START + 3_599_000)),
    ).rejects.toThrow(MeteringError);
    await expect(collectHour("http://127.0.0.1:9", TENANTS, new Date(START))).rejects.toThrow(/unavailable/);
    // A database the meter never wrote: a clear error, not SQL's.
    const admin = await mysql.createConnection(MYSQL);
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${DATABASE}_empty\``);
    const empty = await mysql.createConnection({ ...MYSQL, database: `${DATABASE}_empty` });
    try {
      await expect(usageRows(empty, "acme", "2026-11")).rejects.toThrow(/no usage recorded yet/);
    } finally {
      await empty.end();
      await admin.query(`DROP DATABASE \`${DATABASE}_empty\``);
      await admin.end();
    }
  }, 60_000);

  it("exports the month as CSV to the backup bucket, row for row the series", async () => {
    const store = new S3Store(client, bucket);
    for (const t of TENANTS) {
      const key = await exportMonth(db, store, t.tenantId, "2026-11");
      expect(key).toBe(usageKey(t.tenantId, "2026-11"));
      const [header, ...lines] = (await store.getText(key))!.trimEnd().split("\n");
      expect(header).toBe(CSV_HEADER);
      expect(lines).toHaveLength(HOURS);
      lines.forEach((line, h) => {
        const f = line.split(",");
        const nullable = (s: string) => (s === "" ? null : Number(s));
        expectRow(
          {
            tenantId: f[0]!,
            hourStart: new Date(f[1]!),
            tier: f[2] as MeteredTenant["tier"],
            cpuRequestedCoreHours: Number(f[3]),
            cpuUsedCoreHours: Number(f[4]),
            memoryRequestedGibHours: Number(f[5]),
            memoryUsedGibHours: Number(f[6]),
            storageUsedGibHours: Number(f[7]),
            edgeBandwidthGb: Number(f[8]),
            orders: nullable(f[9]!),
            products: nullable(f[10]!),
          },
          expected(t, h),
        );
      });
    }
    // Another month has no rows: its export is the header alone.
    await exportMonth(db, store, "acme", "2026-10");
    expect(await store.getText(usageKey("acme", "2026-10"))).toBe(`${CSV_HEADER}\n`);
  }, 60_000);

  it("meters every tenant stack with `npm run tenant -- meter`, as the CronJob runs it", async () => {
    const cli = (args: string[], env: Record<string, string> = {}) =>
      offlineTenantCli(join(dir, "state"), { PROMETHEUS_URL: "", ...env })(...args);
    for (const t of TENANTS.slice(0, 2)) {
      const file = join(dir, `${t.tenantId}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          tenantId: t.tenantId,
          tier: t.tier,
          images: { registry: "registry.example.com/cv", tag: "1.0.0" },
          adminCredentials: DEV_ADMIN_CREDENTIALS,
          cloudflare: { ...DEV_CLOUDFLARE, zoneName: `${t.tenantId}.edge.collect-verything.test` },
        }),
      );
      const provisioned = cli(["provision", "--request", file, "--json"]);
      expect(provisioned.status, provisioned.stderr).toBe(0);
    }
    // The hour's rows forged: the meter must put the series' values back.
    await db.query(
      "UPDATE tenant_usage_hourly SET cpu_used_core_hours = 999 WHERE hour_start = '2026-11-30 20:00:00'",
    );
    const env = {
      PROMETHEUS_URL: prometheus.url,
      MYSQL_HOST: MYSQL.host,
      MYSQL_PORT: String(MYSQL.port),
      MYSQL_USER: MYSQL.user,
      METERING_DATABASE: DATABASE,
      BACKUP_DIR: join(dir, "backups"),
    };
    const run = cli(["meter", "--hour", "2026-11-30T20:15:00Z", "--json"], env);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      hour: "2026-11-30T20:00:00.000Z",
      tenants: 2,
      exported: ["usage/acme/2026-11.csv", "usage/globex/2026-11.csv"],
    });
    for (const t of TENANTS.slice(0, 2)) {
      const rows = await usageRows(db, t.tenantId, "2026-11");
      expect(rows).toHaveLength(HOURS);
      // Premium has a CDN: its zone comes from its stack's config; Standard has none.
      expectRow(rows[2]!, expected(t, 2));
      const csv = readFileSync(join(dir, "backups", "usage", t.tenantId, "2026-11.csv"), "utf8");
      expect(csv.split("\n")).toHaveLength(HOURS + 2);
      expect(csv.split("\n")[3]).toMatch(new RegExp(`^${t.tenantId},2026-11-30T20:00:00.000Z,${t.tier},`));
    }
    const early = cli(["meter", "--hour", "2999-01-01T00:00:00Z"], env);
    expect(early.status).toBe(1);
    expect(early.stderr).toMatch(/not over yet/);
    expect(cli(["meter", "--hour", "yesterday"], env).status).toBe(2);
  }, 120_000);

  it("sums the month against the tier's limits, and `npm run tenant -- usage` prints it", async () => {
    const summary = summarizeUsage("acme", "2026-11", await usageRows(db, "acme", "2026-11"));
    const rows = Array.from({ length: HOURS }, (_, h) => expected(TENANTS[0]!, h));
    const total = (pick: (r: UsageRow) => number) => rows.reduce((s, r) => s + pick(r), 0);
    expect(summary).toMatchObject({ hoursRecorded: HOURS, hoursInMonth: 720, tier: "premium" });
    expect(summary.cpuUsedCoreHours).toBeCloseTo(
      total((r) => r.cpuUsedCoreHours),
      6,
    );
    expect(summary.averageStorageUsedGib).toBeCloseTo(total((r) => r.storageUsedGibHours) / HOURS, 6);
    expect(summary.orders).toEqual({ count: total((r) => r.orders!), limitPerMonth: 30000 });
    expect(summary.products).toEqual({ peak: Math.max(...rows.map((r) => r.products!)), limit: 15000 });
    expect(
      summarizeUsage("initech", "2026-11", await usageRows(db, "initech", "2026-11")).orders,
    ).toBeUndefined();

    const run = spawnSync(
      process.execPath,
      [
        ...ONE_SHOT_NODE_ARGS,
        "scripts/tenant.ts",
        "usage",
        "acme",
        "--month",
        "2026-11",
        "--json",
        "--engine",
        "offline",
      ],
      {
        cwd: resolve(__dirname, ".."),
        encoding: "utf8",
        env: {
          ...process.env,
          MYSQL_HOST: "127.0.0.1",
          MYSQL_PORT: "3306",
          MYSQL_USER: "root",
          METERING_DATABASE: DATABASE,
        },
      },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(JSON.parse(JSON.stringify(summary)));
    const bad = spawnSync(
      process.execPath,
      [...ONE_SHOT_NODE_ARGS, "scripts/tenant.ts", "usage", "acme", "--month", "2026-13"],
      {
        cwd: resolve(__dirname, ".."),
        encoding: "utf8",
      },
    );
    expect(bad.status).toBe(2);
  }, 60_000);
});

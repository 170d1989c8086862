/**
 * The monthly SLA report and the service credit: the credit rule (a started 0.1-point step counts
 * in full, at most the whole fee), the maintenance rules of each tier (notice, monthly cap), bad
 * input refused naming the field, and the report read from a REAL Prometheus server backfilled
 * with a month of gateway and probe series that make 99.87% for a Business tenant (0.08 point
 * below 99.95%: one step, 25% of the fee), through `npm run tenant -- sla` too.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { offlineTenantCli } from "./helpers/tenantCli";
import {
  availabilityQuery,
  computeSlaReport,
  parseMaintenance,
  parseMonth,
  readSlaPoints,
  runSlaCommand,
  type SlaSubject,
} from "../automation/slaReport";
import { excludedMaintenance, slaCredit, SlaInputError, type MaintenanceWindow } from "../tiers";
import { DEV_ADMIN_CREDENTIALS, DEV_CLOUDFLARE } from "../synth/programs";
import {
  openMetricsOf,
  prometheusAvailable,
  startBackfilledPrometheus,
  type RealPrometheus,
  type Sample,
} from "./helpers/prometheusServer";

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const at = (iso: string): Date => new Date(iso);

describe("slaCredit", () => {
  it("owes one full step for 99.87% against Business' 99.95% (0.08 point: a started step counts)", () => {
    expect(slaCredit({ tier: "business", availabilityPercent: 99.87, monthlyFeeEur: 149.99 })).toEqual({
      slaPercent: 99.95,
      availabilityPercent: 99.87,
      shortfallPoints: 0.08,
      steps: 1,
      creditPercent: 25,
      creditEur: 37.5,
    });
  });

  it("counts exact steps exactly, and the next started one", () => {
    const credit = (a: number) => slaCredit({ tier: "business", availabilityPercent: a, monthlyFeeEur: 100 });
    expect([99.95, 99.96, 99.9499, 99.85, 99.8499, 99.75, 99.7499].map((a) => credit(a).steps)).toEqual([
      0, 0, 1, 1, 2, 2, 3,
    ]);
    expect(credit(99.7499).creditPercent).toBe(75);
  });

  it("uses each tier's rate and never owes more than the fee", () => {
    const at99 = (tier: "standard" | "premium" | "business") =>
      slaCredit({ tier, availabilityPercent: 99.3, monthlyFeeEur: 124.99 });
    expect(at99("standard")).toMatchObject({ steps: 2, creditPercent: 10, creditEur: 12.5 });
    expect(at99("premium")).toMatchObject({ steps: 6, creditPercent: 60, creditEur: 74.99 });
    expect(at99("business")).toMatchObject({ steps: 7, creditPercent: 100, creditEur: 124.99 });
    expect(slaCredit({ tier: "standard", availabilityPercent: 0, monthlyFeeEur: 49.99 }).creditEur).toBe(
      49.99,
    );
  });

  it.each([
    [{ availabilityPercent: Number.NaN }, /availabilityPercent/],
    [{ availabilityPercent: 100.01 }, /availabilityPercent/],
    [{ availabilityPercent: -1 }, /availabilityPercent/],
    [{ monthlyFeeEur: -0.01 }, /monthlyFeeEur/],
    [{ monthlyFeeEur: Number.POSITIVE_INFINITY }, /monthlyFeeEur/],
  ])("refuses %o naming the field", (bad, message) => {
    expect(() => slaCredit({ tier: "premium", availabilityPercent: 99, monthlyFeeEur: 10, ...bad })).toThrow(
      message,
    );
  });
});

describe("excludedMaintenance", () => {
  const october = { start: at("2026-10-01T00:00:00Z"), end: at("2026-11-01T00:00:00Z") };
  const window = (start: string, minutes: number, noticeDays: number): MaintenanceWindow => ({
    start: at(start),
    end: new Date(at(start).getTime() + minutes * MIN),
    announcedAt: new Date(at(start).getTime() - noticeDays * DAY),
  });

  it("Premium: 7 days' notice, 2 hours a month, earliest windows first", () => {
    const r = excludedMaintenance(
      "premium",
      [
        window("2026-10-20T02:00:00Z", 60, 7),
        window("2026-10-05T02:00:00Z", 90, 8),
        window("2026-10-12T02:00:00Z", 30, 6.9),
      ],
      october,
    );
    expect(r.decisions.map((d) => [d.excludedMs / MIN, d.counted ?? null])).toEqual([
      [90, null],
      [0, "announced 6.9 days ahead; the tier requires 7"],
      [30, "beyond the tier's 120 minutes of maintenance a month"],
    ]);
    expect(r.excludedMs).toBe(120 * MIN);
  });

  it("Business: 14 days' notice, 1 hour; a window across the month's end counts only its part inside", () => {
    const r = excludedMaintenance("business", [window("2026-10-31T23:30:00Z", 60, 14)], october);
    expect(r.intervals).toEqual([[at("2026-10-31T23:30:00Z").getTime(), october.end.getTime()]]);
    expect(
      excludedMaintenance("business", [window("2026-10-10T00:00:00Z", 30, 13)], october).excludedMs,
    ).toBe(0);
  });

  it("Standard: no cap in the seed, the notice still applies", () => {
    expect(
      excludedMaintenance("standard", [window("2026-10-10T00:00:00Z", 600, 7)], october).excludedMs,
    ).toBe(600 * MIN);
  });

  it("refuses overlapping and inverted windows, naming the window", () => {
    expect(() =>
      excludedMaintenance(
        "premium",
        [window("2026-10-10T00:00:00Z", 60, 9), window("2026-10-10T00:30:00Z", 10, 9)],
        october,
      ),
    ).toThrow(/window 1 overlaps/);
    expect(() => excludedMaintenance("premium", [window("2026-10-10T00:00:00Z", 0, 9)], october)).toThrow(
      /window 1: end must be after start/,
    );
  });
});

describe("report input", () => {
  const now = at("2026-12-07T00:00:00Z");
  it("takes an ended UTC month, refuses others", () => {
    expect(parseMonth("2026-02", now)).toMatchObject({
      start: at("2026-02-01T00:00:00Z"),
      end: at("2026-03-01T00:00:00Z"),
    });
    for (const bad of ["2026-13", "2026-1", "26-11", "2026-11-01", ""])
      expect(() => parseMonth(bad, now), bad).toThrow(/--month: expected YYYY-MM/);
    expect(() => parseMonth("2026-12", now)).toThrow(/has not ended/);
  });

  it("reads maintenance windows strictly", () => {
    const ok = {
      start: "2026-10-05T02:00:00Z",
      end: "2026-10-05T03:00:00+02:00",
      announcedAt: "2026-09-01T00:00Z",
    };
    expect(parseMaintenance([ok])[0]!.end).toEqual(at("2026-10-05T01:00:00Z"));
    expect(() => parseMaintenance({})).toThrow(/JSON array/);
    expect(() => parseMaintenance([{ ...ok, note: "x" }])).toThrow(/--maintenance\[0\]/);
    expect(() => parseMaintenance([{ ...ok, end: "2026-10-05T03:00:00" }])).toThrow(
      /--maintenance\[0\]\.end/,
    );
    expect(() => parseMaintenance([{ ...ok, start: 1 }])).toThrow(/--maintenance\[0\]\.start/);
  });

  it("refuses a missing or credentialed Prometheus URL and a bad maintenance file before any query", async () => {
    const config = {
      tier: "business" as const,
      sites: [{ customDomains: [] }],
    };
    const run = (prometheusUrl: string | undefined, maintenance?: string) =>
      runSlaCommand(
        "acme",
        config,
        {
          month: "2026-10",
          now,
          ...(prometheusUrl ? { prometheusUrl } : {}),
          ...(maintenance ? { maintenance } : {}),
        },
        (path) => {
          if (path === "missing.json") throw new Error("ENOENT");
          return "[{]";
        },
      );
    await expect(run(undefined)).rejects.toThrow(/--prometheus \(or PROMETHEUS_URL\)/);
    await expect(run("http://user:pw@prometheus:9090")).rejects.toThrow(/without credentials/);
    await expect(run("http://127.0.0.1:1", "missing.json")).rejects.toThrow(
      /--maintenance: cannot read missing\.json/,
    );
    await expect(run("http://127.0.0.1:1", "bad.json")).rejects.toThrow(
      /--maintenance: cannot read bad\.json as JSON/,
    );
    // A good request reaching a Prometheus that is not there says so.
    await expect(run("http://127.0.0.1:1")).rejects.toThrow(
      /Prometheus at http:\/\/127\.0\.0\.1:1 is unavailable/,
    );
  });

  it("counts unmeasured time neither way, and refuses a month without any measurement", () => {
    const subject: SlaSubject = {
      tenantId: "acme",
      tier: "premium",
      sites: [{ customDomains: [] }],
      platformDomain: "shops.test",
    };
    const period = parseMonth("2026-11", now);
    const points = Array.from({ length: 288 }, (_, i) => ({
      at: period.start.getTime() + (i + 1) * 5 * MIN,
      errorRatio: i < 6 ? 0.5 : 0,
    }));
    const r = computeSlaReport(subject, period, points, []);
    expect(r).toMatchObject({ measuredMinutes: 1440, downtimeMinutes: 15, unmeasuredMinutes: 43200 - 1440 });
    expect(r.availabilityPercent).toBeCloseTo(100 * (1 - 15 / 1440), 4);
    expect(() => computeSlaReport(subject, period, [], [])).toThrow(/no availability measurement/);
  });
});

/** One minute's samples of the Business tenant's gateway (one hostname) and probe. */
const HOST = "acme.shops.collect-verything.com";
const NS = "e-commerce-tenant-acme";
const START = at("2026-10-01T00:00:00Z").getTime();
const END = at("2026-11-01T00:00:00Z").getTime();
const MAINTENANCE = { start: START + 2 * DAY, minutes: 60 };
const INCIDENT = { start: START + 10 * DAY, minutes: 40 };
const DARK = { start: START + 15 * DAY, minutes: 15 };
/** One slot at this error ratio: 40 + 15 + 5 x 0.5908 = 57.954 minutes down of 44580 eligible = 0.13%. */
const PARTIAL = { start: START + 20 * DAY, ratio: 0.5908 };

function* monthOfSamples(): Generator<Sample> {
  const per = 1000;
  const within = (t: number, w: { start: number; minutes: number }) =>
    t > w.start && t <= w.start + w.minutes * MIN;
  const errorRatio = (t: number): number => {
    if (within(t, MAINTENANCE) || within(t, INCIDENT)) return 1;
    if (within(t, { start: PARTIAL.start, minutes: 5 })) return PARTIAL.ratio;
    return 0;
  };
  const gateway = `namespace="${NS}",service="api-gateway",host="${HOST}",tenant="acme",tier="business"`;
  for (const status of ["200", "503"]) {
    let value = 0;
    for (let t = START - 10 * MIN; t <= END + 10 * MIN; t += MIN) {
      const bad = errorRatio(t);
      value += status === "503" ? per * bad : per * (1 - bad);
      // The gateway's pods are gone: no samples, the probes stand in.
      if (t > DARK.start && t < DARK.start + DARK.minutes * MIN) continue;
      yield { series: `http_requests_total{${gateway},status="${status}"}`, value, atMs: t };
    }
  }
  for (let t = START - 10 * MIN; t <= END + 10 * MIN; t += MIN) {
    const down = t >= DARK.start && t <= DARK.start + DARK.minutes * MIN;
    yield { series: `probe_success{tenant="acme",hostname="${HOST}"}`, value: down ? 0 : 1, atMs: t };
  }
}

describe("the SLA report against a real Prometheus", () => {
  let prometheus: RealPrometheus | undefined;
  const work = mkdtempSync(join(tmpdir(), "sla-report-"));
  const subject: SlaSubject = {
    tenantId: "acme",
    tier: "business",
    sites: [{ customDomains: [] }],
    platformDomain: "shops.collect-verything.com",
  };
  const maintenanceFile = join(work, "maintenance.json");
  writeFileSync(
    maintenanceFile,
    JSON.stringify([
      {
        start: new Date(MAINTENANCE.start).toISOString(),
        end: new Date(MAINTENANCE.start + MAINTENANCE.minutes * MIN).toISOString(),
        announcedAt: new Date(MAINTENANCE.start - 20 * DAY).toISOString(),
      },
    ]),
  );

  beforeAll(async () => {
    if (prometheusAvailable()) prometheus = await startBackfilledPrometheus(openMetricsOf(monthOfSamples()));
  }, 120_000);
  afterAll(async () => {
    await prometheus?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("measures 99.87% for a Business tenant: 0.08 point below, one step, 25% of its 1545.99 EUR monthly fee", async (context) => {
    if (!prometheus) return context.skip();
    const report = await runSlaCommand(
      "acme",
      { tier: "business", sites: subject.sites },
      {
        month: "2026-10",
        maintenance: maintenanceFile,
        prometheusUrl: prometheus.url,
        now: new Date(END + DAY),
      },
      (path) => readFileSync(path, "utf8"),
    );
    expect(report).toMatchObject({
      monthMinutes: 44640,
      excludedMinutes: 60,
      measuredMinutes: 44580,
      unmeasuredMinutes: 0,
      availabilityPercent: 99.87,
      slaMet: false,
      // Its invoiced fee: 149.99 EUR base raised to the capacity floor (docs/finops.md).
      monthlyFeeEur: 1545.99,
      credit: { shortfallPoints: 0.08, steps: 1, creditPercent: 25, creditEur: 386.5 },
    });
    expect(report.downtimeMinutes).toBeCloseTo(57.954, 3);
    expect(report.allowanceMinutes).toBeCloseTo(22.29, 3);
  });

  it("without the maintenance window, its hour of 5xx counts: 99.7358%, three steps", async (context) => {
    if (!prometheus) return context.skip();
    const period = parseMonth("2026-10", new Date(END + DAY));
    const points = await readSlaPoints(prometheus.url, availabilityQuery(subject), period);
    expect(points).toHaveLength(44640 / 5);
    const report = computeSlaReport(subject, period, points, []);
    expect(report.downtimeMinutes).toBeCloseTo(117.954, 3);
    expect(report.availabilityPercent).toBe(99.7358);
    expect(report.credit).toMatchObject({ steps: 3, creditPercent: 75, creditEur: 1159.49 });
    // Announced 13 days ahead: Business needs 14, so the window is service time.
    const late = computeSlaReport(subject, period, points, [
      {
        start: new Date(MAINTENANCE.start),
        end: new Date(MAINTENANCE.start + MAINTENANCE.minutes * MIN),
        announcedAt: new Date(MAINTENANCE.start - 13 * DAY),
      },
    ]);
    expect(late.availabilityPercent).toBe(99.7358);
    expect(late.maintenance[0]!.counted).toMatch(/requires 14/);
  });

  it("answers `npm run tenant -- sla` as a table and as JSON; bad input exits 2 before any query", async (context) => {
    if (!prometheus) return context.skip();
    const tenant = offlineTenantCli(join(work, "state"), {
      PROMETHEUS_URL: prometheus!.url,
      TENANT_CONFIG_TAG_KEY: "sla-test-key",
    });
    const request = join(work, "acme.json");
    writeFileSync(
      request,
      JSON.stringify({
        tenantId: "acme",
        tier: "business",
        images: { registry: "registry.example.com/cv", tag: "1.0.0" },
        adminCredentials: DEV_ADMIN_CREDENTIALS,
        cloudflare: DEV_CLOUDFLARE,
      }),
    );
    expect(tenant("provision", "--request", request, "--json").status).toBe(0);
    const json = tenant("sla", "acme", "--month", "2026-10", "--maintenance", maintenanceFile, "--json");
    expect(json.stderr).toBe("");
    expect(JSON.parse(json.stdout)).toMatchObject({
      availabilityPercent: 99.87,
      credit: { creditEur: 386.5 },
    });
    // The invoice takes its SLA credit from the same report, never recomputing it.
    const invoice = tenant(
      "invoice",
      "acme",
      "--month",
      "2026-10",
      "--prometheus",
      prometheus!.url,
      "--maintenance",
      maintenanceFile,
      "--json",
    );
    expect(invoice.stderr).toBe("");
    const billed = JSON.parse(invoice.stdout) as {
      lines: { code: string; amount: number }[];
      total_charges: { credits: number };
      performance_metrics: { uptime_percentage: number };
    };
    expect(billed.lines.filter((l) => l.code === "sla-credit").map((l) => l.amount)).toEqual([-386.5]);
    expect(billed.total_charges.credits).toBe(-386.5);
    expect(billed.performance_metrics.uptime_percentage).toBe(99.87);
    const table = tenant("sla", "acme", "--month", "2026-10", "--maintenance", maintenanceFile);
    expect(table.stdout).toMatch(/Availability\s+99\.8700% \(SLA 99\.95%\)/);
    expect(table.stdout).toMatch(/Credit\s+25% of 1545\.99 EUR = 386\.50 EUR/);
    const future = tenant("sla", "acme", "--month", "2999-01");
    expect([future.status, future.stderr]).toEqual([
      2,
      expect.stringMatching(/--month: 2999-01 has not ended/),
    ]);
    writeFileSync(join(work, "bad.json"), JSON.stringify([{ start: "yesterday" }]));
    const bad = tenant("sla", "acme", "--month", "2026-10", "--maintenance", join(work, "bad.json"));
    expect([bad.status, bad.stderr]).toEqual([2, expect.stringMatching(/--maintenance\[0\]\.start/)]);
  }, 120_000);
});

it("SlaInputError is what bad report input raises", () => {
  expect(() => parseMonth("x")).toThrow(SlaInputError);
});

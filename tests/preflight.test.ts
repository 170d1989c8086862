/**
 * Downgrade pre-flight against the real MariaDB (a seeded products table) and a
 * Prometheus-compatible endpoint started by the test: pass, refuse with each reason, warn.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { downgradePreflight, LiveUsage, UsageError } from "../automation/preflight";
import { parseStackConfig } from "../stacks/config";
import { databaseName } from "../tiers";
import { startPrometheus, type FakePrometheus } from "./helpers/prometheus";
import { MYSQL, mysqlQuery, serverAvailable } from "./helpers/servers";
import { tenantConfig } from "./helpers/synth";

const TENANT = "preflt";
const DB = databaseName(TENANT, "products");

/** The tenant's typed config from the same path the stack takes. */
function tenant(tier: string, sites: number, overrides: Record<string, unknown> = {}) {
  return parseStackConfig(tenantConfig(TENANT, tier, sites, overrides).config);
}

describe("downgrade pre-flight (real MySQL, Prometheus API)", () => {
  let up = false;
  let prometheus: FakePrometheus;
  const metrics = { storageGi: 40, users: 150 };

  const seedProducts = async (n: number) => {
    await mysqlQuery(
      `DROP DATABASE IF EXISTS \`${DB}\`; CREATE DATABASE \`${DB}\`; CREATE TABLE \`${DB}\`.products (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(64));`,
    );
    if (n > 0)
      await mysqlQuery(
        `INSERT INTO \`${DB}\`.products (name) VALUES ${Array.from({ length: n }, (_, i) => `('p${i}')`).join(",")};`,
      );
  };

  beforeAll(async () => {
    up = await serverAvailable("MySQL", MYSQL.host, MYSQL.port);
    prometheus = await startPrometheus((q) =>
      q.includes("kubelet_volume_stats_used_bytes")
        ? metrics.storageGi
        : q.includes("cv_active_users")
          ? metrics.users
          : undefined,
    );
  });
  beforeEach((context) => {
    if (!up) context.skip();
    metrics.storageGi = 40;
    metrics.users = 150;
  });
  afterAll(async () => {
    await prometheus.close();
    if (up) await mysqlQuery(`DROP DATABASE IF EXISTS \`${DB}\``);
  });

  const usage = () => new LiveUsage(MYSQL, prometheus.url);

  it("passes a Premium tenant that fits Standard, reading products from MySQL and usage from Prometheus", async () => {
    await seedProducts(1500);
    const report = await downgradePreflight(tenant("premium", 1), "standard", usage());
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => [c.name, c.status, c.actual])).toEqual([
      ["sites", "pass", 1],
      ["domains", "pass", 0],
      ["products", "pass", 1500],
      ["storage", "pass", 40],
      ["concurrent-users", "pass", 150],
      ["business-options", "pass", "none"],
    ]);
    expect(
      prometheus.queries.some((q) => q.includes('namespace=~"e-commerce-tenant-preflt(-site-[0-9]+)?"')),
    ).toBe(true);
  });

  it("refuses too many products", async () => {
    await seedProducts(2001);
    const report = await downgradePreflight(tenant("premium", 1), "standard", usage());
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.status === "fail")).toMatchObject({
      name: "products",
      actual: 2001,
      limit: 2000,
    });
  });

  it("refuses too many sites and domains", async () => {
    await seedProducts(10);
    const report = await downgradePreflight(
      tenant("premium", 2, {
        sites: [{ customDomains: ["a.example.com"] }, { customDomains: ["b.example.com"] }],
      }),
      "standard",
      usage(),
    );
    expect(report.checks.filter((c) => c.status === "fail").map((c) => c.name)).toEqual(["sites", "domains"]);
  });

  it("checks the sites the tenant keeps when the same request removes the others", async () => {
    await seedProducts(10);
    const current = tenant("premium", 3, {
      sites: [
        { customDomains: ["a.example.com"] },
        { customDomains: ["b.example.com"] },
        { customDomains: [] },
      ],
    });
    const kept = [{ customDomains: ["a.example.com"] }];
    const report = await downgradePreflight(current, "standard", usage(), kept);
    expect(report.ok).toBe(true);
    expect(report.checks.slice(0, 2).map((c) => [c.name, c.status, c.actual])).toEqual([
      ["sites", "pass", 1],
      ["domains", "pass", 1],
    ]);
  });

  it("refuses more storage used than the target tier holds", async () => {
    await seedProducts(10);
    metrics.storageGi = 60.5;
    const report = await downgradePreflight(tenant("premium", 1), "standard", usage());
    expect(report.checks.find((c) => c.name === "storage")).toMatchObject({
      status: "fail",
      actual: 60.5,
      limit: 50,
    });
  });

  it("refuses leaving Business with a dedicated MySQL cluster", async () => {
    await seedProducts(10);
    const report = await downgradePreflight(
      tenant("business", 1, { dataServices: { dedicatedMysqlCluster: true } }),
      "premium",
      usage(),
    );
    expect(report.checks.find((c) => c.name === "business-options")?.status).toBe("fail");
  });

  it("only warns about concurrent users", async () => {
    await seedProducts(10);
    metrics.users = 250;
    const report = await downgradePreflight(tenant("premium", 1), "standard", usage());
    expect(report.ok).toBe(true);
    expect(report.checks.find((c) => c.name === "concurrent-users")).toMatchObject({
      status: "warn",
      actual: 250,
      limit: 200,
    });
  });

  it("fails clearly when Prometheus or the products database is unavailable", async () => {
    await expect(new LiveUsage(MYSQL, "http://127.0.0.1:1").storageUsedGi(TENANT)).rejects.toThrow(
      UsageError,
    );
    await mysqlQuery(`DROP DATABASE IF EXISTS \`${DB}\``);
    await expect(usage().productCount(TENANT)).rejects.toThrow(/cannot count products of preflt/);
    await expect(new LiveUsage({ ...MYSQL, port: 1 }, prometheus.url).productCount(TENANT)).rejects.toThrow(
      /MySQL at 127\.0\.0\.1:1 is unavailable/,
    );
  });
});

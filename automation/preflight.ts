/**
 * Downgrade pre-flight (seed 000, "Validation Pre-Retrogradation"): does the tenant's real usage
 * fit the target tier? Sites and domains come from its config, products from its products
 * database, storage used and average concurrent users from Prometheus. Users only warn.
 */
import type { TenantConfig } from "../stacks/config";
import { coreNamespace, databaseName, getTier, type TierName } from "../tiers";

export type CheckStatus = "pass" | "fail" | "warn";

export interface PreflightCheck {
  readonly name: "sites" | "domains" | "products" | "storage" | "concurrent-users" | "business-options";
  readonly status: CheckStatus;
  readonly actual: number | string;
  readonly limit: number | string;
  readonly message: string;
}

export interface PreflightReport {
  readonly tenantId: string;
  readonly from: TierName;
  readonly target: TierName;
  /** True when no check failed (warnings allowed). */
  readonly ok: boolean;
  readonly checks: readonly PreflightCheck[];
}

/** Where real usage comes from. */
export interface UsageSource {
  productCount(tenantId: string): Promise<number>;
  storageUsedGi(tenantId: string): Promise<number>;
  averageConcurrentUsers(tenantId: string): Promise<number>;
}

export interface MysqlUsageConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

/** PromQL of the usage the checks read; `{tenant}` and `{namespaces}` are filled in. */
export const DEFAULT_USAGE_QUERIES = {
  storageUsedGi: 'sum(kubelet_volume_stats_used_bytes{namespace=~"{namespaces}"}) / 1024^3',
  averageConcurrentUsers: 'avg_over_time(sum(cv_active_users{tenant="{tenant}"})[7d:5m])',
} as const;

export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * Products from the tenant's products database (MySQL), storage and users from Prometheus'
 * HTTP API (`/api/v1/query`).
 */
export class LiveUsage implements UsageSource {
  constructor(
    private readonly mysql: MysqlUsageConnection,
    private readonly prometheusUrl: string,
    private readonly queries: {
      readonly storageUsedGi: string;
      readonly averageConcurrentUsers: string;
    } = DEFAULT_USAGE_QUERIES,
  ) {}

  async productCount(tenantId: string): Promise<number> {
    const mysql = await import("mysql2/promise");
    let db;
    try {
      db = await mysql.createConnection({ ...this.mysql, connectTimeout: 5000 });
    } catch (error) {
      throw new UsageError(
        `cannot count products: MySQL at ${this.mysql.host}:${this.mysql.port} is unavailable (${(error as { code?: string }).code ?? error})`,
      );
    }
    try {
      const [rows] = await db.query(
        `SELECT COUNT(*) AS n FROM \`${databaseName(tenantId, "products")}\`.\`products\``,
      );
      return Number((rows as { n: number }[])[0]!.n);
    } catch (error) {
      throw new UsageError(`cannot count products of ${tenantId}: ${(error as Error).message}`);
    } finally {
      await db.end();
    }
  }

  private async query(template: string, tenantId: string): Promise<number> {
    const promql = template
      .replaceAll("{tenant}", tenantId)
      .replaceAll("{namespaces}", `${coreNamespace(tenantId)}(-site-[0-9]+)?`);
    const url = `${this.prometheusUrl.replace(/\/+$/, "")}/api/v1/query?query=${encodeURIComponent(promql)}`;
    let body: { status?: string; error?: string; data?: { result?: { value?: [number, string] }[] } };
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      body = (await response.json()) as typeof body;
    } catch (error) {
      throw new UsageError(`Prometheus at ${this.prometheusUrl} is unavailable: ${(error as Error).message}`);
    }
    if (body.status !== "success")
      throw new UsageError(`Prometheus rejected ${promql}: ${body.error ?? "unknown error"}`);
    const sample = body.data?.result?.[0]?.value?.[1];
    // No series: nothing measured (no volume, no traffic).
    return sample === undefined ? 0 : Number(sample);
  }

  storageUsedGi(tenantId: string): Promise<number> {
    return this.query(this.queries.storageUsedGi, tenantId);
  }

  averageConcurrentUsers(tenantId: string): Promise<number> {
    return this.query(this.queries.averageConcurrentUsers, tenantId);
  }
}

const check = (
  name: PreflightCheck["name"],
  ok: boolean,
  actual: number | string,
  limit: number | string,
  message: string,
  failAs: CheckStatus = "fail",
): PreflightCheck => ({
  name,
  status: ok ? "pass" : failAs,
  actual,
  limit,
  message,
});

/**
 * Whether the tenant fits `target`. `sites` are the sites it keeps: its current ones by default
 * (a tier change), the request's when the same request also removes sites.
 */
export async function downgradePreflight(
  current: TenantConfig,
  target: TierName,
  usage: UsageSource,
  sites: TenantConfig["sites"] = current.sites,
): Promise<PreflightReport> {
  const tier = getTier(target);
  const id = current.tenantId;
  const [products, storage, users] = await Promise.all([
    usage.productCount(id),
    usage.storageUsedGi(id),
    usage.averageConcurrentUsers(id),
  ]);
  const domains = sites.reduce((n, s) => n + s.customDomains.length, 0);
  const businessOptions = [
    ...(current.dataServices.dedicatedMysqlCluster
      ? ["a dedicated MySQL cluster (migrate its data first)"]
      : []),
    ...(current.dataServices.federationUpstreams.length > 0 ? ["RabbitMQ federation upstreams"] : []),
  ];
  const checks: PreflightCheck[] = [
    check(
      "sites",
      sites.length <= tier.maxSites,
      sites.length,
      tier.maxSites,
      `${sites.length} site(s); ${tier.displayName} allows ${tier.maxSites}: remove sites first`,
    ),
    check(
      "domains",
      domains <= tier.maxCustomDomains,
      domains,
      tier.maxCustomDomains,
      `${domains} custom domain(s); ${tier.displayName} allows ${tier.maxCustomDomains}`,
    ),
    check(
      "products",
      tier.usage.maxProducts === undefined || products <= tier.usage.maxProducts,
      products,
      tier.usage.maxProducts ?? "unlimited",
      `${products} products; ${tier.displayName} allows ${tier.usage.maxProducts}: reduce the catalog first`,
    ),
    check(
      "storage",
      storage <= tier.quota.requestsStorage,
      Number(storage.toFixed(2)),
      tier.quota.requestsStorage,
      `${storage.toFixed(1)} GiB of volumes used; ${tier.displayName} allows ${tier.quota.requestsStorage} GiB`,
    ),
    check(
      "concurrent-users",
      users <= tier.usage.maxConcurrentUsers,
      Math.round(users),
      tier.usage.maxConcurrentUsers,
      `${Math.round(users)} concurrent users on average over 7 days; ${tier.displayName} is sized for ${tier.usage.maxConcurrentUsers}: performance may degrade`,
      "warn",
    ),
    check(
      "business-options",
      businessOptions.length === 0 || target === "business",
      businessOptions.join(", ") || "none",
      "none",
      `uses ${businessOptions.join(" and ")}, which ${tier.displayName} does not include`,
    ),
  ];
  return { tenantId: id, from: current.tier, target, ok: checks.every((c) => c.status !== "fail"), checks };
}

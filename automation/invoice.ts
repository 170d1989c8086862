/**
 * A tenant's invoice for a billing period, from the catalog's prices (tiers/pricing.ts) and its
 * applied config: base fee, sites beyond the included ones, add-ons, the custom-price capacity
 * floor, the yearly discount, SLA credits. The structure follows seed 000's monthly invoice
 * example ("Exemple Rapport Facturation Mensuel": snake_case keys, base_charges, total_charges,
 * invoice_number, next_billing_date). Payment status and method belong to the payment system and
 * are not here; `overage_charges` is always 0, since quotas are hard limits and nothing is sold
 * beyond them. The invoice prices the config it is given (no proration within the period).
 */
import type { TenantConfig } from "../stacks/config";
import { getTier, monthlyPrice, effectiveProfile, TenantRequestError, type TierName } from "../tiers";

/**
 * The SLA credit of the period, as the SLA report states it: measured availability and the
 * credit it earns, as a share of the period's charges (the credit schedule is the SLA report's).
 */
export interface SlaCreditInput {
  /** Measured availability over the period, percent (0-100). */
  readonly availabilityPercent: number;
  /** Credit, percent of the period's charges after discounts (0-100). */
  readonly creditPercent: number;
}

export type BillingCycle = "monthly" | "yearly";

export interface InvoiceOptions {
  /** "YYYY-MM": the month billed (a yearly invoice covers the 12 months from it). */
  readonly month: string;
  /** Default "monthly". "yearly" needs a tier with a yearly price. */
  readonly billing?: BillingCycle;
  /** Default: no credit (and no performance figures). */
  readonly sla?: SlaCreditInput;
}

export type InvoiceLineCode =
  | "base"
  | "extra-cpu"
  | "extra-memory"
  | "extra-storage"
  | "extra-sites"
  | "capacity-floor"
  | "yearly-discount"
  | "sla-credit";

export interface InvoiceLine {
  readonly code: InvoiceLineCode;
  readonly label: string;
  /** Months the line covers (12 on a yearly invoice, except the discount and the credit). */
  readonly quantity: number;
  readonly unit_price: number;
  readonly amount: number;
}

export interface Invoice {
  readonly tenant_id: string;
  readonly billing_period: string;
  readonly billing_cycle: BillingCycle;
  readonly period_start: string;
  readonly period_end: string;
  readonly tier: TierName;
  readonly sites_count: number;
  readonly regions: readonly string[];
  readonly base_charges: { readonly monthly_fee: number; readonly currency: "EUR" };
  readonly lines: readonly InvoiceLine[];
  readonly performance_metrics?: {
    readonly uptime_percentage: number;
    readonly sla_target_percentage: number;
    readonly sla_compliance: boolean;
  };
  readonly total_charges: {
    readonly base_fee: number;
    readonly add_ons: number;
    readonly discounts: number;
    readonly credits: number;
    readonly overage_charges: number;
    readonly total: number;
    readonly currency: "EUR";
  };
  readonly invoice_number: string;
  readonly next_billing_date: string;
}

const cents = (eur: number): number => Math.round(eur * 100) / 100;

/** The month named by `value` ("YYYY-MM"), or a TenantRequestError naming `field`. */
export function parseMonth(value: string, field = "--month"): { year: number; month: number } {
  const m = /^(\d{4})-(\d{2})$/.exec(value);
  const month = m ? Number(m[2]) : 0;
  if (!m || month < 1 || month > 12)
    throw new TenantRequestError([{ field, message: `expected a month as YYYY-MM, got "${value}"` }]);
  return { year: Number(m[1]), month };
}

const percentProblem = (value: number): string | undefined =>
  Number.isFinite(value) && value >= 0 && value <= 100
    ? undefined
    : `must be a percentage from 0 to 100, got ${value}`;

function validate(config: Pick<TenantConfig, "tier">, options: InvoiceOptions): void {
  const problems: { field: string; message: string }[] = [];
  const tier = getTier(config.tier);
  if (options.billing === "yearly" && tier.pricing.yearlyEur === undefined)
    problems.push({ field: "--billing", message: `${tier.displayName} has no yearly price (custom)` });
  if (options.sla) {
    for (const key of ["availabilityPercent", "creditPercent"] as const) {
      const problem = percentProblem(options.sla[key]);
      if (problem) problems.push({ field: `sla.${key}`, message: problem });
    }
  }
  if (problems.length > 0) throw new TenantRequestError(problems);
}

const LINE_CODES: readonly [RegExp, InvoiceLineCode][] = [
  [/ base$/, "base"],
  [/extra CPU/, "extra-cpu"],
  [/extra memory/, "extra-memory"],
  [/extra storage/, "extra-storage"],
  [/site\(s\) beyond/, "extra-sites"],
  [/capacity floor/, "capacity-floor"],
];

function codeOf(label: string): InvoiceLineCode {
  const found = LINE_CODES.find(([pattern]) => pattern.test(label));
  if (!found) throw new Error(`invoice: no line code for the price line "${label}"`);
  return found[1];
}

/** The invoice of a tenant's applied config for the period. */
export function invoiceFor(
  config: Pick<TenantConfig, "tenantId" | "tier" | "sites" | "addOns" | "regions" | "dataServices">,
  options: InvoiceOptions,
): Invoice {
  const { year, month } = parseMonth(options.month);
  validate(config, options);
  const billing = options.billing ?? "monthly";
  const months = billing === "yearly" ? 12 : 1;
  const tier = getTier(config.tier);
  const price = monthlyPrice(effectiveProfile(config.tier, config.addOns), config.sites.length, {
    regions: config.regions,
    dedicatedMysqlCluster: config.dataServices.dedicatedMysqlCluster,
  });
  const lines: InvoiceLine[] = price.lines.map((l) => ({
    code: codeOf(l.label),
    label: l.label,
    quantity: months,
    unit_price: l.eur,
    amount: cents(l.eur * months),
  }));
  const listed = cents(lines.reduce((sum, l) => sum + l.amount, 0));
  // Seed 000: a year costs the yearly price instead of 12 months (499 instead of 599.88).
  const discount = billing === "yearly" ? cents((tier.pricing.yearlyEur ?? listed) - listed) : 0;
  if (discount !== 0)
    lines.push({
      code: "yearly-discount",
      label: "yearly billing",
      quantity: 1,
      unit_price: discount,
      amount: discount,
    });
  const credit = options.sla ? -cents(((listed + discount) * options.sla.creditPercent) / 100) : 0;
  if (credit !== 0)
    lines.push({
      code: "sla-credit",
      label: `SLA credit: ${options.sla!.availabilityPercent}% available (target ${tier.sla.availabilityPercent}%), ${options.sla!.creditPercent}% of the charges`,
      quantity: 1,
      unit_price: credit,
      amount: credit,
    });
  const base = lines.find((l) => l.code === "base")!.amount;
  const start = new Date(Date.UTC(year, month - 1, 1));
  const next = new Date(Date.UTC(year, month - 1 + months, 1));
  return {
    tenant_id: config.tenantId,
    billing_period: billing === "yearly" ? `${options.month}/P1Y` : options.month,
    billing_cycle: billing,
    period_start: start.toISOString().replace(".000Z", "Z"),
    period_end: new Date(next.getTime() - 1000).toISOString().replace(".000Z", "Z"),
    tier: config.tier,
    sites_count: config.sites.length,
    regions: config.regions,
    base_charges: { monthly_fee: price.baseEur, currency: "EUR" },
    lines,
    ...(options.sla
      ? {
          performance_metrics: {
            uptime_percentage: options.sla.availabilityPercent,
            sla_target_percentage: tier.sla.availabilityPercent,
            sla_compliance: options.sla.availabilityPercent >= tier.sla.availabilityPercent,
          },
        }
      : {}),
    total_charges: {
      base_fee: base,
      add_ons: cents(listed - base),
      discounts: discount,
      credits: credit,
      overage_charges: 0,
      total: cents(listed + discount + credit),
      currency: "EUR",
    },
    invoice_number: `INV-${options.month}-${config.tenantId.toUpperCase()}`,
    next_billing_date: next.toISOString().slice(0, 10),
  };
}

/** The invoice as text for the operator's terminal. */
export function invoiceText(invoice: Invoice): string {
  const eur = (n: number) => `${n.toFixed(2).padStart(10)} EUR`;
  return [
    `${invoice.invoice_number}  ${invoice.tenant_id} (${invoice.tier}, ${invoice.sites_count} site(s), ${invoice.regions.join(", ")})`,
    `period ${invoice.period_start} .. ${invoice.period_end} (${invoice.billing_cycle})`,
    ...invoice.lines.map(
      (l) => `  ${`${l.label}${l.quantity > 1 ? ` x ${l.quantity}` : ""}`.padEnd(70)}${eur(l.amount)}`,
    ),
    `  ${"total".padEnd(70)}${eur(invoice.total_charges.total)}`,
    `next billing date ${invoice.next_billing_date}`,
  ].join("\n");
}

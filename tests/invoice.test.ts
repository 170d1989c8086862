/**
 * Invoices (automation/invoice.ts) against hand-computed ones: the catalog's list prices, the
 * Business capacity floor (the documented rule over the modelled cost), the seed's yearly
 * discount, SLA credits; and the input it refuses.
 */
import { describe, expect, it } from "vitest";
import { invoiceFor, type InvoiceOptions } from "../automation/invoice";
import { effectiveProfile, monthlyCost, TenantRequestError, type RegionName, type TierName } from "../tiers";
import type { AddOns } from "../tiers/profile";

function config(tier: TierName, sites: number, addOns: AddOns = {}, regions: RegionName[] = ["eu-west-3"]) {
  return {
    tenantId: "acme",
    tier,
    sites: Array.from({ length: sites }, () => ({ customDomains: [] })),
    addOns,
    regions,
    dataServices: { dedicatedMysqlCluster: false, federationUpstreams: [] },
  };
}

const refused = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof TenantRequestError) return error.problems.map((p) => p.field);
    throw error;
  }
  throw new Error("not refused");
};

describe("invoice", () => {
  it("bills a Business tenant with 3 sites and add-ons as computed by hand", () => {
    const addOns = { extraCpuCores: 2, extraMemoryGi: 4, extraStorageGi: 50 };
    const invoice = invoiceFor(config("business", 3, addOns), {
      month: "2025-02",
      sla: { availabilityPercent: 99.9, creditPercent: 10 },
    });
    // List (tiers/pricing.ts): 149.99 + 2 x 20 + 4 x 5 + 50 x 0.10; 3 sites are included.
    const list = 149.99 + 40 + 20 + 5;
    // Capacity floor (docs/finops.md): the modelled cost at a 40% margin, rounded up to x.99.
    const cost = monthlyCost(effectiveProfile("business", addOns), { sites: 3 }).eur;
    const floor = Math.ceil(cost / 0.6 + 0.01) - 0.01;
    expect(floor).toBeGreaterThan(list);
    const credit = -Math.round(floor * 10) / 100;
    expect(invoice.lines).toEqual([
      { code: "base", label: "Business base", quantity: 1, unit_price: 149.99, amount: 149.99 },
      { code: "extra-cpu", label: "2 extra CPU core(s)", quantity: 1, unit_price: 40, amount: 40 },
      { code: "extra-memory", label: "4 GiB extra memory", quantity: 1, unit_price: 20, amount: 20 },
      { code: "extra-storage", label: "50 GiB extra storage", quantity: 1, unit_price: 5, amount: 5 },
      {
        code: "capacity-floor",
        label: "custom pricing: capacity floor (modelled cost at 40% margin)",
        quantity: 1,
        unit_price: expect.closeTo(floor - list, 2),
        amount: expect.closeTo(floor - list, 2),
      },
      {
        code: "sla-credit",
        label: "SLA credit: 99.9% available (target 99.95%), 10% of the charges",
        quantity: 1,
        unit_price: expect.closeTo(credit, 2),
        amount: expect.closeTo(credit, 2),
      },
    ]);
    expect(invoice).toMatchObject({
      tenant_id: "acme",
      billing_period: "2025-02",
      period_start: "2025-02-01T00:00:00Z",
      period_end: "2025-02-28T23:59:59Z",
      tier: "business",
      sites_count: 3,
      base_charges: { monthly_fee: 149.99, currency: "EUR" },
      performance_metrics: { uptime_percentage: 99.9, sla_target_percentage: 99.95, sla_compliance: false },
      invoice_number: "INV-2025-02-ACME",
      next_billing_date: "2025-03-01",
    });
    expect(invoice.total_charges).toEqual({
      base_fee: 149.99,
      add_ons: expect.closeTo(floor - 149.99, 2),
      discounts: 0,
      credits: expect.closeTo(credit, 2),
      overage_charges: 0,
      total: expect.closeTo(floor + credit, 2),
      currency: "EUR",
    });
  });

  it("charges sites beyond the third, and the floor for every region the tenant runs in", () => {
    const one = invoiceFor(config("business", 5), { month: "2026-01" });
    const three = invoiceFor(config("business", 5, {}, ["eu-west-3", "eu-central-1", "us-east-1"]), {
      month: "2026-01",
    });
    expect(one.lines.find((l) => l.code === "extra-sites")).toMatchObject({ amount: 20 });
    expect(three.total_charges.total).toBeGreaterThan(2 * one.total_charges.total);
  });

  it("bills a yearly Standard tenant the seed's 499 EUR: 12 x 49.99 less 100.88", () => {
    const invoice = invoiceFor(config("standard", 1), { month: "2024-03", billing: "yearly" });
    expect(invoice.lines).toEqual([
      { code: "base", label: "Standard base", quantity: 12, unit_price: 49.99, amount: 599.88 },
      { code: "yearly-discount", label: "yearly billing", quantity: 1, unit_price: -100.88, amount: -100.88 },
    ]);
    expect(invoice.total_charges).toMatchObject({ total: 499, discounts: -100.88, credits: 0 });
    expect(invoice).toMatchObject({
      billing_period: "2024-03/P1Y",
      period_end: "2025-02-28T23:59:59Z",
      next_billing_date: "2025-03-01",
    });
  });

  it("credits a yearly Premium invoice on the discounted charges", () => {
    const invoice = invoiceFor(config("premium", 2), {
      month: "2025-12",
      billing: "yearly",
      sla: { availabilityPercent: 99.5, creditPercent: 25 },
    });
    expect(invoice.total_charges).toMatchObject({ discounts: -250.88, credits: -312.25, total: 936.75 });
    expect(invoice.next_billing_date).toBe("2026-12-01");
  });

  it("keeps a month without credit at its list, with no performance figures", () => {
    const invoice = invoiceFor(config("premium", 3), { month: "2024-02", sla: undefined } as InvoiceOptions);
    expect(invoice.total_charges.total).toBe(124.99);
    expect(invoice.period_end).toBe("2024-02-29T23:59:59Z");
    expect(invoice.performance_metrics).toBeUndefined();
    const met = invoiceFor(config("premium", 3), {
      month: "2024-02",
      sla: { availabilityPercent: 99.95, creditPercent: 0 },
    });
    expect(met.lines.map((l) => l.code)).toEqual(["base"]);
    expect(met.performance_metrics?.sla_compliance).toBe(true);
  });

  it("refuses a malformed month, a yearly custom price and percentages out of range, naming the field", () => {
    for (const month of ["2025-13", "2025-2", "25-02", "2025-00", "2025-02-01", ""])
      expect(refused(() => invoiceFor(config("standard", 1), { month }))).toEqual(["--month"]);
    expect(refused(() => invoiceFor(config("business", 1), { month: "2025-02", billing: "yearly" }))).toEqual(
      ["--billing"],
    );
    expect(
      refused(() =>
        invoiceFor(config("standard", 1), {
          month: "2025-02",
          sla: { availabilityPercent: Number.NaN, creditPercent: 120 },
        }),
      ),
    ).toEqual(["sla.availabilityPercent", "sla.creditPercent"]);
  });
});

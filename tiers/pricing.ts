/**
 * Monthly and yearly prices derived from the catalog. Business is "from 149.99 EUR, custom"
 * in the seed, without a price list for its add-ons; the list below is this project's
 * published default and lives here, next to the numbers it prices.
 *
 * A custom-priced tier is never sold below its modelled cost (costModel.ts): when the list
 * (base, add-ons, sites) is below the cost at CUSTOM_PRICE_MARGIN, a "capacity floor" line
 * raises it to that price (docs/finops.md: the seed prices Business "custom, for profitability").
 */
import { monthlyCost, type Deployment } from "./costModel";
import type { EffectiveProfile } from "./profile";

/** Gross margin a custom-priced tier keeps over its modelled monthly cost. */
export const CUSTOM_PRICE_MARGIN = 0.4;

/** Business add-on prices, EUR per month. */
export const BUSINESS_ADD_ON_PRICES_EUR = Object.freeze({
  /** Per extra guaranteed CPU core. */
  cpuCore: 20,
  /** Per extra GiB of guaranteed memory. */
  memoryGi: 5,
  /** Per extra GiB of persistent storage. */
  storageGi: 0.1,
  /** Per site beyond the sites included in the base price. */
  site: 10,
});

/** Sites included in the Business base price (the Premium allowance). */
export const BUSINESS_INCLUDED_SITES = 3;

export interface PriceBreakdown {
  readonly baseEur: number;
  readonly addOnsEur: number;
  /** What the capacity floor adds to the list (custom-priced tiers; 0 when the list covers the cost). */
  readonly customFloorEur: number;
  readonly monthlyEur: number;
  /** undefined where yearly pricing is custom. */
  readonly yearlyEur?: number;
  readonly lines: readonly { readonly label: string; readonly eur: number }[];
}

const cents = (eur: number): number => Math.round(eur * 100) / 100;

/** The smallest x.99 price that keeps CUSTOM_PRICE_MARGIN over the modelled cost of the deployment. */
export function customPriceFloor(profile: EffectiveProfile, deployment: Deployment): number {
  const atMargin = monthlyCost(profile, { ...deployment, scale: "minimum" }).eur / (1 - CUSTOM_PRICE_MARGIN);
  return cents(Math.ceil(atMargin + 0.01) - 0.01);
}

/** Where the tenant runs, for a custom price (default: the primary region, the shared database). */
export type PricedDeployment = Omit<Deployment, "sites" | "scale">;

export function monthlyPrice(
  profile: EffectiveProfile,
  sites: number,
  deployment: PricedDeployment = {},
): PriceBreakdown {
  const { tier, addOns } = profile;
  const lines: { label: string; eur: number }[] = [
    { label: `${tier.displayName} base`, eur: tier.pricing.monthlyEur },
  ];
  if (tier.acceptsAddOns) {
    const p = BUSINESS_ADD_ON_PRICES_EUR;
    const extraSites = Math.max(0, sites - BUSINESS_INCLUDED_SITES);
    const candidates = [
      { label: `${addOns.extraCpuCores} extra CPU core(s)`, eur: addOns.extraCpuCores * p.cpuCore },
      { label: `${addOns.extraMemoryGi} GiB extra memory`, eur: addOns.extraMemoryGi * p.memoryGi },
      { label: `${addOns.extraStorageGi} GiB extra storage`, eur: addOns.extraStorageGi * p.storageGi },
      { label: `${extraSites} site(s) beyond ${BUSINESS_INCLUDED_SITES}`, eur: extraSites * p.site },
    ];
    lines.push(...candidates.filter((l) => l.eur > 0).map((l) => ({ ...l, eur: cents(l.eur) })));
  }
  const addOnsEur = cents(lines.slice(1).reduce((sum, l) => sum + l.eur, 0));
  const list = cents(tier.pricing.monthlyEur + addOnsEur);
  const floor = tier.pricing.custom ? customPriceFloor(profile, { ...deployment, sites }) : 0;
  const customFloorEur = floor > list ? cents(floor - list) : 0;
  if (customFloorEur > 0)
    lines.push({
      label: `custom pricing: capacity floor (modelled cost at ${CUSTOM_PRICE_MARGIN * 100}% margin)`,
      eur: customFloorEur,
    });
  return {
    baseEur: tier.pricing.monthlyEur,
    addOnsEur,
    customFloorEur,
    monthlyEur: cents(list + customFloorEur),
    ...(tier.pricing.yearlyEur !== undefined ? { yearlyEur: tier.pricing.yearlyEur } : {}),
    lines,
  };
}

/**
 * Monthly and yearly prices derived from the catalog. Business is "from 149.99 EUR, custom"
 * in the seed, without a price list for its add-ons; the list below is this project's
 * published default and lives here, next to the numbers it prices.
 */
import type { EffectiveProfile } from "./profile";

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
  readonly monthlyEur: number;
  /** undefined where yearly pricing is custom. */
  readonly yearlyEur?: number;
  readonly lines: readonly { readonly label: string; readonly eur: number }[];
}

const cents = (eur: number): number => Math.round(eur * 100) / 100;

export function monthlyPrice(profile: EffectiveProfile, sites: number): PriceBreakdown {
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
  const monthlyEur = cents(tier.pricing.monthlyEur + addOnsEur);
  return {
    baseEur: tier.pricing.monthlyEur,
    addOnsEur,
    monthlyEur,
    ...(tier.pricing.yearlyEur !== undefined ? { yearlyEur: tier.pricing.yearlyEur } : {}),
    lines,
  };
}

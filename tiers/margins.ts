/**
 * The guard on the catalog's prices: every shape the catalog allows (tier, sites, home region and
 * regions, add-ons, dedicated database) priced by pricing.ts against its cost from costModel.ts.
 * A shape sold below its cost is a problem, except within the loss the product has accepted for a
 * tier whose price is contractual (seed 000 fixes Standard and Premium prices; docs/finops.md
 * explains the figures). A custom-priced tier may accept no loss: its price is ours to set.
 */
import { TIER_NAMES, type TierDefinition, type TierName } from "./catalog";
import { COST_ASSUMPTIONS, monthlyCost, type CostAssumptions } from "./costModel";
import { PRICE_TABLE, type PriceTable } from "./priceTable";
import { monthlyPrice } from "./pricing";
import { ADD_ON_MAXIMUMS, profileOf, type AddOns } from "./profile";
import { REGION_NAMES, type RegionName } from "./regions";

/**
 * Monthly loss per tenant (EUR) accepted on a contractual price: the worst shape of the tier at
 * on-demand list prices, rounded up to 5 EUR. A catalog or price-table change that deepens a loss
 * beyond it is refused; one that shrinks it by 5 EUR or more must lower it (tests/costModel.test.ts).
 */
export const ACCEPTED_MONTHLY_LOSS_EUR: Readonly<Partial<Record<TierName, number>>> = Object.freeze({
  standard: 55,
  // 330 until Premium's request path lost its single points of failure (two gateways per site
  // over two zones, docs/monitoring-sla.md): the availability it sells costs about 50 EUR more.
  premium: 380,
});

export interface Shape {
  readonly tier: TierName;
  readonly sites: number;
  /** Home first. */
  readonly regions: readonly RegionName[];
  readonly addOns: AddOns;
  readonly dedicatedMysqlCluster: boolean;
}

export interface ShapeMargin {
  readonly shape: Shape;
  readonly priceEur: number;
  readonly costEur: number;
  readonly marginEur: number;
}

/** The shapes a tier allows: every site count in each region alone and, multi-region, in all regions with each home. */
export function allowedShapes(tier: TierDefinition): Shape[] {
  const regionSets: RegionName[][] = REGION_NAMES.map((r) => [r]);
  if (tier.multiRegion)
    regionSets.push(...REGION_NAMES.map((home) => [home, ...REGION_NAMES.filter((r) => r !== home)]));
  const addOnSets: AddOns[] = tier.acceptsAddOns ? [{}, ADD_ON_MAXIMUMS] : [{}];
  const dedicated = tier.database.dedicatedCluster ? [false, true] : [false];
  const shapes: Shape[] = [];
  for (let sites = 1; sites <= tier.maxSites; sites++)
    for (const regions of regionSets)
      for (const addOns of addOnSets)
        for (const dedicatedMysqlCluster of dedicated)
          shapes.push({ tier: tier.name, sites, regions, addOns, dedicatedMysqlCluster });
  return shapes;
}

const cents = (eur: number): number => Math.round(eur * 100) / 100;

/** A shape's list price (with the custom floor where the tier has one) against its modelled cost. */
export function shapeMargin(
  tier: TierDefinition,
  shape: Shape,
  prices: PriceTable = PRICE_TABLE,
  assumptions: CostAssumptions = COST_ASSUMPTIONS,
): ShapeMargin {
  const profile = profileOf(tier, shape.addOns);
  const deployment = { regions: shape.regions, dedicatedMysqlCluster: shape.dedicatedMysqlCluster };
  const priceEur = monthlyPrice(profile, shape.sites, deployment).monthlyEur;
  const costEur = cents(monthlyCost(profile, { sites: shape.sites, ...deployment }, prices, assumptions).eur);
  return { shape, priceEur, costEur, marginEur: cents(priceEur - costEur) };
}

export interface MarginProblem {
  readonly tier: TierName;
  readonly message: string;
}

const describe = (s: Shape): string =>
  `${s.sites} site(s) in ${s.regions.join("+")}${Object.keys(s.addOns).length > 0 ? " with maximum add-ons" : ""}${s.dedicatedMysqlCluster ? ", dedicated MySQL" : ""}`;

/** Every allowed shape of `tiers` sold below cost beyond the accepted loss (empty = the catalog holds). */
export function marginProblems(
  tiers: Readonly<Record<TierName, TierDefinition>>,
  accepted: Readonly<Partial<Record<TierName, number>>> = ACCEPTED_MONTHLY_LOSS_EUR,
  prices: PriceTable = PRICE_TABLE,
): MarginProblem[] {
  const problems: MarginProblem[] = [];
  for (const name of TIER_NAMES) {
    const tier = tiers[name];
    const allowed = accepted[name] ?? 0;
    if (allowed > 0 && tier.pricing.custom) {
      problems.push({ tier: name, message: `${tier.displayName} is custom-priced: it accepts no loss` });
      continue;
    }
    for (const shape of allowedShapes(tier)) {
      const m = shapeMargin(tier, shape, prices);
      if (m.marginEur < -allowed)
        problems.push({
          tier: name,
          message: `${tier.displayName}, ${describe(shape)}: price ${m.priceEur} EUR, cost ${m.costEur} EUR (margin ${m.marginEur}, accepted loss ${allowed})`,
        });
    }
  }
  return problems;
}

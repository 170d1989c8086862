/**
 * Cost allocation: the tags the tenant program puts on every AWS resource of a tenant (its AWS
 * provider's default tags, stacks/tenant.ts), which the platform activates for cost allocation
 * and each tenant's budget filters on; and the budget's limit and thresholds from the cost model.
 */
import { monthlyCost, type Deployment } from "./costModel";
import type { EffectiveProfile } from "./profile";

export const TENANT_COST_TAG = "collect-verything:tenant";
export const TIER_COST_TAG = "collect-verything:tier";
export const COST_ALLOCATION_TAGS = [TENANT_COST_TAG, TIER_COST_TAG] as const;

/** Budget notifications, percent of the limit (the modelled cost). */
export const BUDGET_THRESHOLDS_PERCENT = [80, 100] as const;

/** The AWS Budgets cost filter value of a user-defined tag: `user:<key>$<value>`. */
export const budgetTagFilterValue = (tenantId: string): string => `user:${TENANT_COST_TAG}$${tenantId}`;

/** Budget names are unique per account. */
export const budgetName = (tenantId: string): string => `cv-tenant-${tenantId}`;

/**
 * What AWS bills for the tenant per month in the model (USD, AWS lines only: Cloudflare is not on
 * the AWS bill), rounded up to the cent: the tenant budget's limit.
 */
export function modelledAwsCostUsd(profile: EffectiveProfile, deployment: Deployment): number {
  const aws = monthlyCost(profile, deployment).lines.filter((l) => l.category !== "edge");
  return Math.ceil(aws.reduce((sum, l) => sum + l.usd, 0) * 100) / 100;
}

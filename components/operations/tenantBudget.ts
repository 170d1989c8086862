import { Budget } from "@pulumi/aws/budgets/budget";
import * as pulumi from "@pulumi/pulumi";
import {
  BUDGET_THRESHOLDS_PERCENT,
  budgetName,
  budgetTagFilterValue,
  TenantRequestError,
  tenantIdProblems,
} from "../../tiers";
import type { TenantIdentity } from "../shared/labels";

export interface TenantBudgetArgs {
  readonly identity: TenantIdentity;
  /** The tenant's modelled AWS cost per month, USD (tiers/costAllocation.ts modelledAwsCostUsd). */
  readonly monthlyLimitUsd: number;
  /** SNS topic the notifications go to (the home region platform's `budgetAlertsTopicArn`). */
  readonly snsTopicArn: pulumi.Input<string>;
}

/**
 * A monthly AWS cost budget on the tenant's cost-allocation tag, notifying at 80% and 100% of its
 * modelled cost, actual and forecast. Created through the tenant's AWS provider (opts).
 */
export class TenantBudget extends pulumi.ComponentResource {
  readonly budgetName: string;

  constructor(name: string, args: TenantBudgetArgs, opts?: pulumi.ComponentResourceOptions) {
    const problems = [
      ...tenantIdProblems(args.identity.tenantId).map((message) => ({ field: "tenantId", message })),
      ...(Number.isFinite(args.monthlyLimitUsd) && args.monthlyLimitUsd > 0
        ? []
        : [{ field: "monthlyLimitUsd", message: `must be a positive amount, got ${args.monthlyLimitUsd}` }]),
    ];
    if (problems.length > 0) throw new TenantRequestError(problems);
    super("collect-verything:tenant:TenantBudget", name, {}, opts);
    this.budgetName = budgetName(args.identity.tenantId);
    new Budget(
      `${name}-cost`,
      {
        name: this.budgetName,
        budgetType: "COST",
        timeUnit: "MONTHLY",
        limitAmount: args.monthlyLimitUsd.toFixed(2),
        limitUnit: "USD",
        costFilters: [{ name: "TagKeyValue", values: [budgetTagFilterValue(args.identity.tenantId)] }],
        notifications: BUDGET_THRESHOLDS_PERCENT.flatMap((threshold) =>
          (["ACTUAL", "FORECASTED"] as const).map((notificationType) => ({
            comparisonOperator: "GREATER_THAN",
            threshold,
            thresholdType: "PERCENTAGE",
            notificationType,
            subscriberSnsTopicArns: [args.snsTopicArn],
          })),
        ),
      },
      { parent: this },
    );
    this.registerOutputs({ budgetName: this.budgetName });
  }
}

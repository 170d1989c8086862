/**
 * The tenant program's FinOps resources (docs/finops.md): the tenant's budget, through its AWS
 * provider, notifying the SNS topic its home region's platform stack exports.
 */
import type { Provider as AwsProvider } from "@pulumi/aws/provider";
import * as pulumi from "@pulumi/pulumi";
import { TenantBudget } from "../components/operations/tenantBudget";
import type { TenantStack } from "../components/tenant/tenantStack";
import { DEFAULT_PLATFORM_ORGANIZATION, modelledAwsCostUsd, platformStackName } from "../tiers";
import type { TenantConfig } from "./config";

/** The platform output the budgets notify (stacks/platform.ts). */
export const BUDGET_TOPIC_OUTPUT = "budgetAlertsTopicArn";

/** `platform`: the home region's platform stack (stacks/regionProviders.ts regionPlatform). */
export function tenantBudget(
  config: TenantConfig,
  tenant: TenantStack,
  aws: AwsProvider,
  platform: pulumi.StackReference,
): TenantBudget {
  const stack = platformStackName(DEFAULT_PLATFORM_ORGANIZATION, config.regions[0]!);
  const topic = platform.requireOutput(BUDGET_TOPIC_OUTPUT).apply((value) => {
    if (typeof value !== "string" || !value.startsWith("arn:aws:sns:"))
      throw new Error(`platform stack ${stack} exports no ${BUDGET_TOPIC_OUTPUT}`);
    return value;
  });
  return new TenantBudget(
    `${config.tenantId}-budget`,
    {
      identity: { tenantId: config.tenantId, tier: config.tier },
      monthlyLimitUsd: modelledAwsCostUsd(tenant.profile, {
        sites: config.sites.length,
        regions: config.regions,
        dedicatedMysqlCluster: config.dataServices.dedicatedMysqlCluster,
      }),
      snsTopicArn: topic,
    },
    { provider: aws },
  );
}

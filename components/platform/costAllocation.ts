import * as costexplorer from "@pulumi/aws/costexplorer";
import type { PolicyDocument } from "@pulumi/aws/iam";
import * as sns from "@pulumi/aws/sns";
import * as pulumi from "@pulumi/pulumi";
import { COST_ALLOCATION_TAGS } from "../../tiers";

export interface CostAllocationArgs {
  /**
   * Activate the cost-allocation tags. They are account-wide (the payer account's Billing
   * settings): exactly one platform stack activates them, the primary region's. Default false.
   */
  readonly activateTags?: boolean;
}

/**
 * The platform's side of the tenants' budgets (components/operations/tenantBudget.ts): the tags
 * the tenants' AWS resources carry, activated for cost allocation (AWS lists a tag for
 * activation only once a tagged resource has appeared in the bill, up to a day after), and the
 * region's SNS topic the budgets notify, which only AWS Budgets may publish to.
 */
export class CostAllocation extends pulumi.ComponentResource {
  readonly budgetAlertsTopicArn: pulumi.Output<string>;

  constructor(name: string, args: CostAllocationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:platform:CostAllocation", name, {}, opts);
    if (args.activateTags) {
      for (const tagKey of COST_ALLOCATION_TAGS)
        new costexplorer.CostAllocationTag(
          `${name}-${tagKey.replace(/[^a-z0-9]+/g, "-")}`,
          { tagKey, status: "Active" },
          { parent: this },
        );
    }
    const topic = new sns.Topic(
      `${name}-budget-alerts`,
      { name: "cv-tenant-budget-alerts" },
      { parent: this },
    );
    new sns.TopicPolicy(
      `${name}-budget-alerts`,
      {
        arn: topic.arn,
        policy: topic.arn.apply((arn) => JSON.stringify(budgetTopicPolicy(arn))),
      },
      { parent: this },
    );
    this.budgetAlertsTopicArn = topic.arn;
    this.registerOutputs({ budgetAlertsTopicArn: this.budgetAlertsTopicArn });
  }
}

/** Only AWS Budgets may publish to the topic (the AWS Budgets user guide's SNS topic policy). */
export function budgetTopicPolicy(topicArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AWSBudgetsPublish",
        Effect: "Allow",
        Principal: { Service: "budgets.amazonaws.com" },
        Action: "SNS:Publish",
        Resource: topicArn,
      },
    ],
  };
}

/**
 * Budgets and cost allocation in the synth: a Budget per tenant on its cost-allocation tag, its
 * limit the modelled AWS cost, through the tenant's AWS provider, notifying the home platform's
 * topic; the platform activating the tags (once, in the primary region) and owning that topic.
 */
import { describe, expect, it } from "vitest";
import { TenantBudget } from "../components/operations/tenantBudget";
import { budgetTopicPolicy } from "../components/platform/costAllocation";
import type { RecordedResource, SynthResult } from "../synth/engine";
import { offlinePlatformStack, synthPlatform } from "../synth/programs";
import {
  COST_ALLOCATION_TAGS,
  effectiveProfile,
  modelledAwsCostUsd,
  monthlyCost,
  REGION_NAMES,
  TenantRequestError,
} from "../tiers";
import { synthShape } from "./helpers/synth";
import { mandatory, runPack } from "./helpers/policy";
import { TIER_POLICIES } from "../policy/policies";
import { localResources } from "../synth/policyCheck";

const BUDGET = "aws:budgets/budget:Budget";
const ofType = (result: SynthResult, type: string): RecordedResource[] =>
  result.resources.filter((r) => r.type === type);

interface BudgetInputs {
  name: string;
  budgetType: string;
  timeUnit: string;
  limitAmount: string;
  limitUnit: string;
  costFilters: { name: string; values: string[] }[];
  notifications: {
    threshold: number;
    thresholdType: string;
    notificationType: string;
    comparisonOperator: string;
    subscriberSnsTopicArns: string[];
  }[];
}

describe("tenant budget", () => {
  it("gives a Standard tenant one budget at its modelled AWS cost, on its tag, through its AWS provider", async () => {
    const { result } = await synthShape("standard", 1, "budgeted");
    const budgets = ofType(result, BUDGET);
    expect(budgets).toHaveLength(1);
    const budget = budgets[0]!;
    const inputs = budget.inputs as unknown as BudgetInputs;
    const limit = modelledAwsCostUsd(effectiveProfile("standard"), { sites: 1 });
    expect(inputs).toMatchObject({
      name: "cv-tenant-budgeted",
      budgetType: "COST",
      timeUnit: "MONTHLY",
      limitAmount: limit.toFixed(2),
      limitUnit: "USD",
      costFilters: [{ name: "TagKeyValue", values: ["user:collect-verything:tenant$budgeted"] }],
    });
    // The AWS part of the model: everything but Cloudflare, at least the model's total less the edge.
    const cost = monthlyCost(effectiveProfile("standard"), { sites: 1 });
    expect(Number(inputs.limitAmount)).toBeCloseTo(cost.usd, 1);
    expect(
      inputs.notifications.map((n) => [
        n.threshold,
        n.notificationType,
        n.thresholdType,
        n.comparisonOperator,
      ]),
    ).toEqual([
      [80, "ACTUAL", "PERCENTAGE", "GREATER_THAN"],
      [80, "FORECASTED", "PERCENTAGE", "GREATER_THAN"],
      [100, "ACTUAL", "PERCENTAGE", "GREATER_THAN"],
      [100, "FORECASTED", "PERCENTAGE", "GREATER_THAN"],
    ]);
    for (const n of inputs.notifications)
      expect(n.subscriberSnsTopicArns).toEqual([
        "arn:aws:sns:eu-west-3:111122223333:cv-tenant-budget-alerts",
      ]);
    // Through the tenant's AWS provider, whose default tags are the cost-allocation tags.
    const provider = result.resources.find((r) => r.urn === budget.provider);
    expect(provider?.type).toBe("pulumi:providers:aws");
    // Provider inputs reach the engine as JSON strings.
    const tags = (JSON.parse(provider?.inputs["defaultTags"] as string) as { tags?: Record<string, string> })
      .tags;
    expect(Object.keys(tags ?? {}).sort()).toEqual([...COST_ALLOCATION_TAGS].sort());
    expect(tags?.["collect-verything:tenant"]).toBe("budgeted");
  });

  it("derives a Business tenant's limit from its regions, sites and database, notifying its home region", async () => {
    const overrides = { regions: ["eu-central-1", "eu-west-3", "us-east-1"] };
    const { result } = await synthShape("business", 4, "bigspender", overrides);
    const inputs = ofType(result, BUDGET)[0]!.inputs as unknown as BudgetInputs;
    const limit = modelledAwsCostUsd(effectiveProfile("business"), {
      sites: 4,
      regions: overrides.regions as never,
    });
    expect(inputs.limitAmount).toBe(limit.toFixed(2));
    expect(limit).toBeGreaterThan(
      2 * modelledAwsCostUsd(effectiveProfile("business"), { sites: 4, regions: ["eu-central-1"] }),
    );
    expect(inputs.notifications[0]!.subscriberSnsTopicArns[0]).toMatch(/^arn:aws:sns:eu-central-1:/);
  });

  it("is refused by the pack when it watches another tenant's tag or takes another tenant's name", async () => {
    const { result } = await synthShape("standard", 1, "acme");
    const forged = (change: (inputs: Record<string, unknown>) => Record<string, unknown>) =>
      localResources(
        result.resources.map((r) => (r.type === BUDGET ? { ...r, inputs: change(r.inputs) } : r)),
      );
    const run = async (change: (inputs: Record<string, unknown>) => Record<string, unknown>) =>
      mandatory(
        await runPack(TIER_POLICIES, forged(change), { tier: "standard", regions: ["eu-west-3"] }),
      ).map((v) => v.message);
    expect(await run((i) => i)).toEqual([]);
    const other = await run((i) => ({
      ...i,
      costFilters: [{ name: "TagKeyValue", values: ["user:collect-verything:tenant$globex"] }],
    }));
    expect(other).toHaveLength(1);
    expect(other[0]).toMatch(/filters .*globex.*its own tag only \(user:collect-verything:tenant\$acme\)/);
    expect(await run((i) => ({ ...i, costFilters: undefined }))).toHaveLength(1);
    expect(await run((i) => ({ ...i, name: "cv-tenant-globex" }))).toEqual([
      expect.stringMatching(/is named cv-tenant-globex, not tenant acme's cv-tenant-acme/),
    ]);
  });

  it("notifies the topic the platform creates, by the name the offline stand-in publishes", () => {
    for (const region of REGION_NAMES)
      expect(
        offlinePlatformStack(`collect-verything/platform/${region}`)!.outputs["budgetAlertsTopicArn"],
      ).toMatch(new RegExp(`^arn:aws:sns:${region}:\\d{12}:cv-tenant-budget-alerts$`));
  });

  it("refuses a limit it cannot judge and a malformed tenant before anything is registered", () => {
    const make = (monthlyLimitUsd: number, tenantId = "acme") => {
      try {
        new TenantBudget("b", {
          identity: { tenantId, tier: "standard" },
          monthlyLimitUsd,
          snsTopicArn: "arn",
        });
      } catch (error) {
        if (error instanceof TenantRequestError) return error.problems.map((p) => p.field);
        throw error;
      }
      return [];
    };
    expect(make(0)).toEqual(["monthlyLimitUsd"]);
    expect(make(Number.NaN)).toEqual(["monthlyLimitUsd"]);
    expect(make(-5)).toEqual(["monthlyLimitUsd"]);
    expect(make(10, "Bad_Id")).toEqual(["tenantId"]);
  });
});

describe("platform cost allocation", () => {
  it("activates the tenant and tier tags once (primary region) and exports the budgets' topic, publishable by AWS Budgets only", async () => {
    const tags = new Map<string, string[]>();
    for (const region of REGION_NAMES) {
      const result = await synthPlatform(region);
      tags.set(
        region,
        ofType(result, "aws:costexplorer/costAllocationTag:CostAllocationTag").map((r) => {
          expect(r.inputs["status"]).toBe("Active");
          return r.inputs["tagKey"] as string;
        }),
      );
      const topic = ofType(result, "aws:sns/topic:Topic");
      expect(topic.map((t) => t.inputs["name"])).toEqual(["cv-tenant-budget-alerts"]);
      expect(ofType(result, "aws:sns/topicPolicy:TopicPolicy")).toHaveLength(1);
      // (The topic's ARN is unknown offline, so the output is not in result.outputs.)
    }
    expect(tags.get("eu-west-3")?.sort()).toEqual([...COST_ALLOCATION_TAGS].sort());
    expect(tags.get("eu-central-1")).toEqual([]);
    expect(tags.get("us-east-1")).toEqual([]);
    expect(budgetTopicPolicy("arn:aws:sns:eu-west-3:1:t")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AWSBudgetsPublish",
          Effect: "Allow",
          Principal: { Service: "budgets.amazonaws.com" },
          Action: "SNS:Publish",
          Resource: "arn:aws:sns:eu-west-3:1:t",
        },
      ],
    });
  });
});

/**
 * The tenant program's stack outputs, typed for the signup service, and checked when they come
 * back from an engine (a program change that breaks the contract fails loudly here).
 */
import * as v from "valibot";
import { TIER_NAMES } from "../tiers";

export const tenantOutputsSchema = v.object({
  tenantId: v.string(),
  tier: v.picklist(TIER_NAMES),
  addOns: v.object({ extraCpuCores: v.number(), extraMemoryGi: v.number(), extraStorageGi: v.number() }),
  namespaces: v.array(v.string()),
  hostnames: v.array(v.array(v.string())),
  databases: v.array(v.string()),
  vhost: v.string(),
  buckets: v.object({ products: v.string(), sav: v.string(), newsletters: v.string() }),
  quota: v.object({
    requestsCpu: v.string(),
    requestsMemory: v.string(),
    limitsCpu: v.string(),
    limitsMemory: v.string(),
    pods: v.number(),
    requestsStorage: v.string(),
  }),
  monthlyPriceEur: v.number(),
});

export type TenantOutputs = v.InferOutput<typeof tenantOutputsSchema>;

export class OutputsContractError extends Error {
  override readonly name = "OutputsContractError";
}

export function toTenantOutputs(tenantId: string, outputs: Readonly<Record<string, unknown>>): TenantOutputs {
  const parsed = v.safeParse(tenantOutputsSchema, outputs);
  if (!parsed.success) {
    const where = parsed.issues
      .map((i) => `${(i.path ?? []).map((p) => String(p.key)).join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new OutputsContractError(
      `stack ${tenantId} returned outputs the signup service cannot read: ${where}`,
    );
  }
  return parsed.output;
}

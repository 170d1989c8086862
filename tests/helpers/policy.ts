/**
 * Calls CrossGuard policies directly with hand-built arguments, as the Pulumi engine would
 * (without the engine): typed fake resources on top of the pack's own local runner, which
 * awaits every validation.
 */
import type { ChildProcess } from "node:child_process";
import type { Policies, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type { ContextConfig } from "../../policy/context";
import { policyConfigOf } from "../../synth/policyCheck";
import { tenantConfig } from "./synth";
import {
  resourceArgs as localArgs,
  resourceViolations,
  runPolicies,
  stackViolations,
  type LocalResource,
  type Violation,
} from "../../policy/localRun";

export type { Violation };

export const TEST_TENANT = "acme";

const factsCache = new Map<string, ContextConfig>();

/**
 * The platform facts CI gives the pack for a tenant of the offline synth's defaults (its
 * Cloudflare zone, the platform's zone, account, endpoints and backup account): what a test's
 * config gets unless it sets `cloudflare` or `platform` itself (to undefined: unknown).
 */
export function platformFactsOf(tenant = TEST_TENANT): ContextConfig {
  let facts = factsCache.get(tenant);
  if (!facts) {
    const config = policyConfigOf(tenantConfig(tenant, "standard", 1))!;
    facts = { cloudflare: config.cloudflare!, platform: config.platform! };
    factsCache.set(tenant, facts);
  }
  return facts;
}

/** A test's policy config with the platform facts of its tenant (config `tenant`, else the tag, else acme). */
export const withFacts = (config: ContextConfig, tags: Record<string, string> = {}): ContextConfig => ({
  ...platformFactsOf(config.tenant ?? tags["collect-verything:tenant"] ?? TEST_TENANT),
  ...config,
});

export interface FakeResource {
  readonly type: string;
  readonly props: Record<string, unknown>;
  readonly name?: string;
  readonly protect?: boolean;
  /** Default: a URN of stack "acme" (the tenant) in the tenant project. */
  readonly urn?: string;
  /** The explicit provider; default none (the package's default provider). */
  readonly provider?: LocalResource["provider"];
  /** URNs of the resources it depends on. Default none. */
  readonly dependencies?: readonly string[];
}

export const urnOf = (type: string, name: string, stack = TEST_TENANT, project = "tenant") =>
  `urn:pulumi:${stack}::${project}::${type}::${name}`;

function nameOf(r: FakeResource): string {
  const meta = (r.props["metadata"] ?? {}) as { name?: string; namespace?: string };
  return r.name ?? ([meta.namespace, meta.name].filter(Boolean).join("-") || "resource");
}

export function local(r: FakeResource): LocalResource {
  const name = nameOf(r);
  return {
    type: r.type,
    props: r.props,
    name,
    urn: r.urn ?? urnOf(r.type, name),
    ...(r.protect !== undefined ? { protect: r.protect } : {}),
    ...(r.provider ? { provider: r.provider } : {}),
    ...(r.dependencies ? { dependencies: r.dependencies } : {}),
  };
}

export const resourceArgs = (
  r: FakeResource,
  config: ContextConfig = {},
  tags: Record<string, string> = {},
) => localArgs(local(r), { config: withFacts(config, tags), stackTags: tags });

export const violationsOf = (
  policy: ResourceValidationPolicy,
  r: FakeResource,
  config: ContextConfig,
  tags: Record<string, string> = {},
): Promise<string[]> =>
  resourceViolations(policy, local(r), { config: withFacts(config, tags), stackTags: tags });

export const stackViolationsOf = async (
  policy: StackValidationPolicy,
  resources: readonly FakeResource[],
  config: ContextConfig,
  tags: Record<string, string> = {},
): Promise<string[]> =>
  (
    await stackViolations(policy, resources.map(local), { config: withFacts(config, tags), stackTags: tags })
  ).map((v) => v.message);

/** Runs every policy of the pack over a stack's resources. */
export const runPack = (
  policies: Policies,
  resources: readonly FakeResource[],
  config: ContextConfig,
  tags: Record<string, string> = {},
): Promise<Violation[]> =>
  runPolicies(policies, resources.map(local), { config: withFacts(config, tags), stackTags: tags });

export const mandatory = (violations: readonly Violation[]): Violation[] =>
  violations.filter((v) => v.level === "mandatory");

/** The gRPC port a started policy pack prints (Pulumi reads it the same way); rejects on stderr output or exit. */
export function analyzerPort(child: ChildProcess): Promise<number> {
  return new Promise<number>((done, fail) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^(\d+)\s*$/m.exec(out);
      if (match) done(Number(match[1]));
    });
    child.stderr?.on("data", (chunk: Buffer) => fail(new Error(chunk.toString())));
    child.on("exit", (code) => fail(new Error(`policy pack exited with ${code}: ${out}`)));
  });
}

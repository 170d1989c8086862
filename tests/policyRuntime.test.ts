/**
 * The pack's machinery beneath the policies: quantities in every form Kubernetes accepts, what a
 * pod costs as admission computes it, whose tenant and role a stack is, unreadable objects
 * reported instead of thrown, and async validations awaited by the local runner.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { podCost } from "../policy/analysis/pods";
import { resolveTierContext, stackOfUrn, stackRole } from "../policy/context";
import { runPolicies } from "../policy/localRun";
import { TIER_POLICIES } from "../policy/policies";
import { parseCpu, parseMemory, parseQuantity, parseStorage } from "../lib/units";
import { local, stackViolationsOf, urnOf, violationsOf } from "./helpers/policy";

describe("Kubernetes quantities", () => {
  it.each([
    ["2", 2000],
    ["250m", 250],
    ["1.5", 1500],
    [".5", 500],
    ["+1", 1000],
    ["2e3", 2_000_000],
    ["1E-1", 100],
    ["100u", 1], // rounded up to a whole millicore, as Kubernetes does
    ["0.0001", 1],
  ])("reads CPU %s as %i millicores", (quantity, millicores) => {
    expect(parseCpu(quantity)).toBe(millicores);
  });

  it("reads memory and storage with binary, decimal and exponent suffixes", () => {
    expect(parseMemory("4Gi")).toBe(4096);
    expect(parseMemory("1e9")).toBeCloseTo(953.67, 2);
    expect(parseMemory("1G")).toBeCloseTo(953.67, 2);
    expect(parseStorage("1Ti")).toBe(1024);
    expect(parseStorage("0.5Pi")).toBe(512 * 1024);
    expect(parseQuantity("1Ki")).toBe(1024);
    expect(parseQuantity("3k")).toBe(3000);
  });

  it("refuses what Kubernetes refuses, naming the quantity", () => {
    for (const bad of ["two", "1.5.5", "4GB", "1 Gi", "e3", ""])
      expect(() => parseQuantity(bad)).toThrow(/not a Kubernetes quantity/);
    expect(() => parseCpu("2 cores")).toThrow('not a CPU quantity: "2 cores"');
  });

  it("reports an unreadable quantity in a quota as a violation instead of throwing", async () => {
    const policy = TIER_POLICIES.find(
      (p) => p.name === "tenant-quota-within-tier",
    ) as ResourceValidationPolicy;
    const quota = {
      type: "kubernetes:core/v1:ResourceQuota",
      props: {
        apiVersion: "v1",
        kind: "ResourceQuota",
        metadata: { name: "tenant-quota", namespace: "e-commerce-tenant-acme" },
        spec: { hard: { "requests.cpu": "lots" } },
      },
    };
    expect(await violationsOf(policy, quota, { tier: "standard" })).toEqual([
      'ResourceQuota e-commerce-tenant-acme/tenant-quota cannot be judged: not a CPU quantity: "lots"',
    ]);
  });
});

describe("what a pod costs, as admission computes it", () => {
  const sized = (name: string, cpu: string, memory: string, extra: Record<string, unknown> = {}) => ({
    name,
    resources: { requests: { cpu, memory }, limits: { cpu, memory } },
    ...extra,
  });

  it("charges the larger of the largest init container and the app containers", () => {
    expect(
      podCost({
        initContainers: [sized("migrate", "3", "64Mi")],
        containers: [sized("a", "500m", "256Mi"), sized("b", "500m", "256Mi")],
      }),
    ).toMatchObject({
      requestsCpu: 3000,
      requestsMemory: 512,
    });
  });

  it("adds sidecars (init containers that keep running) to the app containers and to later init containers", () => {
    const cost = podCost({
      initContainers: [
        sized("proxy", "200m", "128Mi", { restartPolicy: "Always" }),
        sized("migrate", "1", "64Mi"),
      ],
      containers: [sized("app", "500m", "256Mi")],
    });
    expect(cost.requestsCpu).toBe(1200); // migrate 1000 + proxy 200 > app 500 + proxy 200
    expect(cost.requestsMemory).toBe(384); // app 256 + proxy 128 > migrate 64 + proxy 128
  });

  it("adds the runtime overhead, fills a missing request from the limit or the LimitRange default, and counts ephemeral volumes", () => {
    const cost = podCost(
      {
        overhead: { cpu: "100m", memory: "32Mi" },
        containers: [{ name: "a", resources: { limits: { cpu: "400m", memory: "512Mi" } } }, { name: "b" }],
        volumes: [
          {
            name: "scratch",
            ephemeral: { volumeClaimTemplate: { spec: { resources: { requests: { storage: "20Gi" } } } } },
          },
        ],
      },
      { default: { cpu: "300m", memory: "256Mi" }, defaultRequest: { cpu: "100m", memory: "128Mi" } },
    );
    expect(cost).toEqual({
      requestsCpu: 400 + 100 + 100,
      requestsMemory: 512 + 128 + 32,
      limitsCpu: 400 + 300 + 100,
      limitsMemory: 512 + 256 + 32,
      persistentVolumeClaims: 1,
      requestsStorage: 20,
    });
  });
});

describe("whose stack it is", () => {
  it("reads the tenant from config, then the tenant tag, then the stack name, and refuses an id that is not a tenant id", () => {
    const resolve = (config: object, tags: Record<string, string>, stack?: string) => {
      const r = resolveTierContext({ tier: "standard", ...config }, new Map(Object.entries(tags)), stack);
      return r.ok ? r.context.tenant : r.reason;
    };
    expect(resolve({ tenant: "acme" }, { "collect-verything:tenant": "beta" }, "gamma")).toBe("acme");
    expect(resolve({}, { "collect-verything:tenant": "beta" }, "gamma")).toBe("beta");
    expect(resolve({}, {}, "gamma")).toBe("gamma");
    expect(resolve({}, {})).toMatch(/the stack's tenant is unknown/);
    expect(resolve({}, {}, "Dev_Stack")).toMatch(
      /tenant "Dev_Stack" from the stack name is not a tenant id: it must be a lowercase DNS label/,
    );
  });

  it("tells the platform project's stacks from tenant stacks by the URN", () => {
    expect(stackOfUrn("urn:pulumi:acme::tenant::kubernetes:core/v1:Namespace::acme-core")).toEqual({
      stack: "acme",
      project: "tenant",
    });
    expect(stackRole("urn:pulumi:prod::platform::pulumi:pulumi:Stack::platform-prod")).toBe("platform");
    expect(stackRole("urn:pulumi:acme::tenant::pulumi:pulumi:Stack::tenant-acme")).toBe("tenant");
    expect(stackRole(undefined)).toBe("tenant");
  });

  it("judges another stack name as another tenant: acme's objects are outside tenant beta's namespaces", async () => {
    const policy = TIER_POLICIES.find((p) => p.name === "namespace-of-tenant") as ResourceValidationPolicy;
    const ns = {
      type: "kubernetes:core/v1:Namespace",
      props: {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: "e-commerce-tenant-acme", labels: { tenant: "acme" } },
      },
    };
    expect(await violationsOf(policy, ns, { tier: "standard" })).toEqual([]);
    expect(
      await violationsOf(policy, { ...ns, urn: urnOf(ns.type, "ns", "beta") }, { tier: "standard" }),
    ).toContain(
      "Namespace e-commerce-tenant-acme is not one of tenant beta's namespaces (e-commerce-tenant-beta, its -site-<n> namespaces)",
    );
  });

  it("requires a tenant stack to name its tenant when nothing else does", async () => {
    const tierKnown = TIER_POLICIES.find((p) => p.name === "tier-known") as StackValidationPolicy;
    expect(await stackViolationsOf(tierKnown, [], { tier: "standard" })).toEqual([
      'the stack\'s tenant is unknown: set policy config "tenant" or the stack tag "collect-verything:tenant"',
    ]);
  });
});

describe("local runner", () => {
  it("awaits async validations of resource and stack policies (they were silently dropped before)", async () => {
    const later = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), 5));
    const resourcePolicy: ResourceValidationPolicy = {
      name: "async-resource",
      description: "reports after a tick",
      enforcementLevel: "mandatory",
      validateResource: async (args, report) => report(await later(`late ${args.name}`)),
    };
    const stackPolicy: StackValidationPolicy = {
      name: "async-stack",
      description: "reports after a tick",
      enforcementLevel: "advisory",
      validateStack: async (args, report) => report(await later(`late stack of ${args.resources.length}`)),
    };
    const resource = local({ type: "random:index/randomPassword:RandomPassword", name: "pw", props: {} });
    expect(await runPolicies([resourcePolicy, stackPolicy], [resource])).toEqual([
      { policy: "async-resource", level: "mandatory", message: "late pw", urn: resource.urn },
      { policy: "async-stack", level: "advisory", message: "late stack of 1" },
    ]);
  });
});

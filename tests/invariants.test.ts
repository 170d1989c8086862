/**
 * docs/product.md, invariants 1, 2, 4 (Kubernetes part) and 7, for every tier and every
 * allowed site count, judged on the synthesized objects (not on the sizing code).
 */
import { describe, expect, it } from "vitest";
import { podCost } from "../policy/analysis/pods";
import {
  autoscalerBounds,
  emptyTotals,
  parseQuotaHard,
  quotaHardOf,
  scaleKey,
  surgePods,
  type ResourceTotals,
} from "../policy/analysis/usage";
import type { Container, DeploymentSpec, KubeObject, PodSpec } from "../policy/analysis/objects";
import { coreNamespace, effectiveProfile, siteNamespace } from "../tiers";
import { ALL_SHAPES, ofKind, synthOf, synthShape, type Shape } from "./helpers/synth";

const POD_KEYS = ["pods", "requestsCpu", "requestsMemory", "limitsCpu", "limitsMemory"] as const;
type PodTotals = Pick<ResourceTotals, (typeof POD_KEYS)[number]>;

interface Rollout {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Pods one rollout adds at minimum scale. */
  readonly surge: number;
  readonly strategy: DeploymentSpec["strategy"];
  readonly claimsVolume: boolean;
  readonly perPod: ReturnType<typeof podCost>;
}

/** Every Deployment of a namespace as its autoscaler bounds, rollout and pod size (read from objects only). */
function rolloutsIn(objects: readonly KubeObject[], namespace: string): Rollout[] {
  const bounds = autoscalerBounds(objects);
  return ofKind(objects, "Deployment")
    .filter((d) => d.metadata?.namespace === namespace)
    .map((d) => {
      const spec = d.spec as DeploymentSpec;
      const scale = bounds.get(scaleKey(namespace, "Deployment", d.metadata?.name ?? "")) ?? {
        min: spec.replicas ?? 1,
        max: spec.replicas ?? 1,
      };
      const volumes = (spec.template?.spec?.volumes ?? []) as readonly { persistentVolumeClaim?: unknown }[];
      return {
        name: d.metadata?.name ?? "",
        min: scale.min,
        max: scale.max,
        surge: surgePods(spec, scale.min),
        strategy: spec.strategy,
        claimsVolume: volumes.some((v) => v.persistentVolumeClaim !== undefined),
        perPod: podCost(spec.template?.spec ?? {}),
      };
    });
}

/** Every Job of a namespace (bucket replication): one pod each, present at any scale. */
function jobsIn(objects: readonly KubeObject[], namespace: string): ReturnType<typeof podCost>[] {
  return ofKind(objects, "Job")
    .filter((j) => j.metadata?.namespace === namespace)
    .map((j) => podCost((j.spec as { template?: { spec?: PodSpec } }).template?.spec ?? {}));
}

function podTotals(
  rollouts: readonly Rollout[],
  pods: (r: Rollout) => number,
  jobs: readonly ReturnType<typeof podCost>[] = [],
): PodTotals {
  const t: PodTotals = { pods: 0, requestsCpu: 0, requestsMemory: 0, limitsCpu: 0, limitsMemory: 0 };
  for (const job of jobs) for (const key of POD_KEYS) t[key] += key === "pods" ? 1 : job[key];
  for (const r of rollouts) {
    const n = pods(r);
    t.pods += n;
    t.requestsCpu += n * r.perPod.requestsCpu;
    t.requestsMemory += n * r.perPod.requestsMemory;
    t.limitsCpu += n * r.perPod.limitsCpu;
    t.limitsMemory += n * r.perPod.limitsMemory;
  }
  return t;
}

/** Each region of each shape: a region's cluster holds the tenant's whole share (its quota is the tier's). */
const REGION_CASES = ALL_SHAPES.flatMap((shape) =>
  shape.regions.map((region) => ({ ...shape, count: shape.regions.length, region })),
);

/** The objects of one region's cluster. */
async function inRegion(shape: Shape, region: string, tenantId = "acme") {
  const objects = (await synthOf(shape, tenantId)).clusters.get(region);
  if (!objects) throw new Error(`no objects in ${region}`);
  return objects;
}

describe.each(REGION_CASES)(
  "$tier tenant with $sites site(s) in $count region(s): $region",
  ({ tier, sites, regions, region }) => {
    const shape: Shape = { tier, sites, regions };
    it("fits every namespace quota at maximum scale, and at minimum scale with a rollout surge (invariant 1)", async () => {
      const objects = await inRegion(shape, region);
      const quotas = ofKind(objects, "ResourceQuota");
      expect(quotas).toHaveLength(sites);
      for (const q of quotas) {
        const ns = q.metadata!.namespace!;
        const quota = parseQuotaHard(quotaHardOf(q));
        const rollouts = rolloutsIn(objects, ns);
        const jobs = jobsIn(objects, ns);
        const atMaximum = podTotals(rollouts, (r) => r.max, jobs);
        const atMinimum = podTotals(rollouts, (r) => r.min, jobs);
        const everySurge = podTotals(rollouts, (r) => r.min + r.surge, jobs);
        expect(atMaximum.pods, ns).toBeGreaterThan(0);
        for (const key of POD_KEYS)
          expect(atMaximum[key], `${ns} ${key} at maximum`).toBeLessThanOrEqual(quota[key]);
        for (const r of rollouts.filter((x) => x.surge > 0)) {
          for (const key of POD_KEYS) {
            const one = key === "pods" ? r.surge : r.surge * r.perPod[key];
            expect(atMinimum[key] + one, `${ns} ${key} at minimum while ${r.name} rolls`).toBeLessThanOrEqual(
              quota[key],
            );
          }
        }
        // Where the pod quota holds every surge at once (all but Standard), so do CPU and memory.
        if (everySurge.pods <= quota.pods) {
          for (const key of POD_KEYS)
            expect(everySurge[key], `${ns} ${key} at minimum, every deployment rolling`).toBeLessThanOrEqual(
              quota[key],
            );
        }
      }
    });

    it("never takes a single-replica deployment to zero ready pods during a rollout (invariant 1)", async () => {
      const objects = await inRegion(shape, region);
      for (const ns of ofKind(objects, "Namespace")) {
        for (const r of rolloutsIn(objects, ns.metadata!.name!)) {
          if (r.strategy?.type === "Recreate") {
            // Only a single-writer volume's owner recreates (Redis); everything else rolls.
            expect(r.claimsVolume, `${r.name} recreates without a volume`).toBe(true);
            continue;
          }
          expect(r.strategy?.type, r.name).toBe("RollingUpdate");
          const { maxSurge, maxUnavailable } = r.strategy?.rollingUpdate ?? {};
          if (r.min === 1) {
            expect(maxUnavailable, `${r.name} maxUnavailable`).toBe(0);
            expect(maxSurge, `${r.name} maxSurge`).toBeGreaterThanOrEqual(1);
          } else {
            expect(maxUnavailable, `${r.name} maxUnavailable`).toBeLessThan(r.min);
          }
        }
      }
    });

    it("splits the tier quota across namespaces so they sum to exactly the tenant's total (invariant 2)", async () => {
      const objects = await inRegion(shape, region);
      const sum: ResourceTotals = emptyTotals();
      for (const quota of ofKind(objects, "ResourceQuota")) {
        const hard = parseQuotaHard(quotaHardOf(quota));
        for (const key of Object.keys(sum) as (keyof ResourceTotals)[]) sum[key] += hard[key];
      }
      const q = effectiveProfile(tier).quota;
      expect(sum).toEqual({
        requestsCpu: q.requestsCpu,
        requestsMemory: q.requestsMemory,
        limitsCpu: q.limitsCpu,
        limitsMemory: q.limitsMemory,
        pods: q.pods,
        persistentVolumeClaims: q.persistentVolumeClaims,
        requestsStorage: q.requestsStorage,
        loadBalancers: q.loadBalancers,
      });
    });

    it("labels every object with tenant and tier and references no other tenant (invariant 4)", async () => {
      const objects = await inRegion(shape, region, "acme");
      for (const o of objects) {
        expect(o.metadata?.labels?.tenant, `${o.kind} ${o.metadata?.name}`).toBe("acme");
        expect(o.metadata?.labels?.tier).toBe(tier);
      }
      const namespaces = new Set(ofKind(objects, "Namespace").map((n) => n.metadata?.name));
      expect([...namespaces].sort()).toEqual(
        Array.from({ length: sites }, (_, i) => siteNamespace("acme", i + 1)).sort(),
      );
      // Every tenant-looking name in any string is one of this tenant's namespaces.
      const mentioned = JSON.stringify(objects).match(/e-commerce-tenant-[a-z0-9-]+/g) ?? [];
      for (const name of mentioned) expect(namespaces.has(name), name).toBe(true);
      for (const o of objects) {
        if (o.kind !== "Namespace")
          expect(namespaces.has(o.metadata?.namespace), `${o.kind} ${o.metadata?.name}`).toBe(true);
      }
    });

    it("enforces Pod Security restricted and a default-deny network policy in every namespace (invariant 4)", async () => {
      const objects = await inRegion(shape, region);
      for (const ns of ofKind(objects, "Namespace")) {
        const labels = ns.metadata?.labels ?? {};
        expect(labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
        const policies = ofKind(objects, "NetworkPolicy").filter(
          (p) => p.metadata?.namespace === ns.metadata?.name,
        );
        const denyAll = policies.find((p) => {
          const spec = p.spec as {
            podSelector?: object;
            policyTypes?: string[];
            ingress?: unknown;
            egress?: unknown;
          };
          return (
            Object.keys(spec.podSelector ?? {}).length === 0 &&
            spec.policyTypes?.includes("Ingress") &&
            spec.policyTypes.includes("Egress") &&
            spec.ingress === undefined &&
            spec.egress === undefined
          );
        });
        expect(denyAll, `default-deny in ${ns.metadata?.name}`).toBeDefined();
        expect(ofKind(objects, "LimitRange").some((l) => l.metadata?.namespace === ns.metadata?.name)).toBe(
          true,
        );
      }
    });

    it("creates every Secret and ConfigMap a workload or trigger references, in the workload's namespace", async () => {
      const objects = await inRegion(shape, region);
      const have = new Set(
        objects
          .filter((o) => o.kind === "Secret" || o.kind === "ConfigMap")
          .map((o) => `${o.kind}/${o.metadata?.namespace}/${o.metadata?.name}`),
      );
      const wanted: string[] = [];
      for (const d of ofKind(objects, "Deployment")) {
        const ns = d.metadata?.namespace;
        const pod = (d.spec as DeploymentSpec).template?.spec as PodSpec & {
          containers: { envFrom?: { secretRef?: { name: string }; configMapRef?: { name: string } }[] }[];
        };
        for (const c of pod.containers) {
          for (const e of c.envFrom ?? []) {
            if (e.secretRef) wanted.push(`Secret/${ns}/${e.secretRef.name}`);
            if (e.configMapRef) wanted.push(`ConfigMap/${ns}/${e.configMapRef.name}`);
          }
        }
      }
      for (const t of ofKind(objects, "TriggerAuthentication")) {
        for (const ref of (t.spec as { secretTargetRef: { name: string }[] }).secretTargetRef)
          wanted.push(`Secret/${t.metadata?.namespace}/${ref.name}`);
      }
      expect(wanted.length).toBeGreaterThan(0);
      expect(wanted.filter((w) => !have.has(w))).toEqual([]);
    });

    it("runs every container non-root, read-only, without privilege, with requests and limits (invariant 4)", async () => {
      const objects = await inRegion(shape, region);
      for (const d of ofKind(objects, "Deployment")) {
        const pod = (d.spec as DeploymentSpec).template?.spec as PodSpec;
        expect(pod.securityContext?.runAsNonRoot).toBe(true);
        expect(pod.securityContext?.seccompProfile?.type).toBe("RuntimeDefault");
        expect(pod.hostNetwork ?? false).toBe(false);
        expect(pod.volumes?.some((v) => v.hostPath !== undefined) ?? false).toBe(false);
        for (const c of pod.containers as Container[]) {
          expect(c.securityContext?.readOnlyRootFilesystem, `${d.metadata?.name}`).toBe(true);
          expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
          expect(c.resources?.requests?.cpu).toBeDefined();
          expect(c.resources?.limits?.memory).toBeDefined();
        }
      }
    });
  },
);

describe("determinism (invariant 7)", () => {
  it("gives the same graph and names for the same config, run after run", async () => {
    const { synthTenant } = await import("../synth/programs");
    const { tenantConfig } = await import("./helpers/synth");
    const first = await synthTenant("acme", tenantConfig("acme", "business", 4));
    const other = await synthTenant("other", tenantConfig("other", "premium", 2));
    const second = await synthTenant("acme", tenantConfig("acme", "business", 4));
    expect(other.resources.length).toBeGreaterThan(0);
    const key = (r: { urn: string }) => r.urn;
    expect([...second.resources].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      [...first.resources].sort((a, b) => key(a).localeCompare(key(b))),
    );
  });

  it("names Kubernetes objects without random suffixes", async () => {
    const { objects } = await synthShape("premium", 3);
    for (const o of objects) expect(o.metadata?.name).toMatch(/^[a-z0-9.-]+$/);
    expect(ofKind(objects, "Namespace").map((n) => n.metadata?.name)).toContain(coreNamespace("acme"));
    expect(new Set(objects.map((o) => `${o.kind}/${o.metadata?.namespace}/${o.metadata?.name}`)).size).toBe(
      objects.length,
    );
  });
});

/**
 * No single point of failure on the request path of Premium and Business (issue 24): in every
 * synthesized shape, each Deployment but the dedicated Redis (a single writer on a ReadWriteOnce
 * volume, docs/monitoring-sla.md) runs at least two replicas at minimum scale, spread over zones
 * with a hard rule, and has a PodDisruptionBudget selecting exactly its pods. Standard keeps its
 * single replicas (its 15-pod quota holds 12 services and 3 gateways), its gateway pair spread.
 */
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../policy/analysis/objects";
import { ALL_SHAPES, ofKind, synthOf } from "./helpers/synth";

interface Spread {
  topologyKey: string;
  whenUnsatisfiable: string;
  maxSkew: number;
  labelSelector: { matchLabels: Record<string, string> };
}

const specOf = <T>(o: KubeObject): T => o.spec as T;
const key = (o: KubeObject): string => `${o.metadata?.namespace}/${o.metadata?.name}`;

/** Each Deployment's replicas at minimum scale: its own, or its autoscaler's minimum. */
function minimumReplicas(objects: KubeObject[]): Map<string, number> {
  const min = new Map<string, number>();
  for (const d of ofKind(objects, "Deployment")) {
    const replicas = specOf<{ replicas?: number }>(d).replicas;
    if (replicas !== undefined) min.set(key(d), replicas);
  }
  for (const s of ofKind(objects, "ScaledObject")) {
    const spec = specOf<{ scaleTargetRef: { name: string }; minReplicaCount: number }>(s);
    min.set(`${s.metadata?.namespace}/${spec.scaleTargetRef.name}`, spec.minReplicaCount);
  }
  for (const h of ofKind(objects, "HorizontalPodAutoscaler")) {
    const spec = specOf<{ scaleTargetRef: { name: string }; minReplicas: number }>(h);
    min.set(`${h.metadata?.namespace}/${spec.scaleTargetRef.name}`, spec.minReplicas);
  }
  return min;
}

/** Every Deployment but Redis: 2+ replicas at minimum, a hard zone spread, one PDB of maxUnavailable 1. */
function judge(objects: KubeObject[]): void {
  const min = minimumReplicas(objects);
  const pdbs = ofKind(objects, "PodDisruptionBudget");
  const deployments = ofKind(objects, "Deployment").filter((d) => d.metadata?.name !== "redis");
  expect(deployments.length).toBeGreaterThanOrEqual(13);
  for (const d of deployments) {
    expect(min.get(key(d)), key(d)).toBeGreaterThanOrEqual(2);
    const template = specOf<{
      selector: { matchLabels: Record<string, string> };
      template: { spec: { topologySpreadConstraints?: Spread[] } };
    }>(d);
    const zone = template.template.spec.topologySpreadConstraints?.find(
      (c) => c.topologyKey === "topology.kubernetes.io/zone",
    );
    expect(zone, key(d)).toMatchObject({
      maxSkew: 1,
      whenUnsatisfiable: "DoNotSchedule",
      labelSelector: { matchLabels: template.selector.matchLabels },
    });
    const pdb = pdbs.filter(
      (p) =>
        p.metadata?.namespace === d.metadata?.namespace &&
        JSON.stringify(specOf<{ selector: unknown }>(p).selector) ===
          JSON.stringify({ matchLabels: template.selector.matchLabels }),
    );
    expect(
      pdb.map((p) => specOf<{ maxUnavailable: number }>(p).maxUnavailable),
      key(d),
    ).toEqual([1]);
  }
}

describe("no single point of failure", () => {
  it.for(ALL_SHAPES.filter((s) => s.tier !== "standard"))(
    "$tier, $sites site(s), $regions.length region(s): every request-path Deployment has 2+ replicas over zones and a PDB",
    async (shape) => {
      // Each region's cluster on its own: namespace names repeat across regions.
      const { clusters } = await synthOf(shape);
      expect(clusters.size).toBe(shape.regions.length);
      for (const objects of clusters.values()) judge(objects);
    },
  );

  it("Standard: the gateway pair is spread and guarded; single-replica services have neither", async () => {
    const { objects } = await synthOf(ALL_SHAPES.find((s) => s.tier === "standard")!);
    const min = minimumReplicas(objects);
    for (const d of ofKind(objects, "Deployment")) {
      const spread =
        specOf<{ template: { spec: { topologySpreadConstraints?: Spread[] } } }>(d).template.spec
          .topologySpreadConstraints ?? [];
      const guarded = ofKind(objects, "PodDisruptionBudget").some(
        (p) => p.metadata?.name === d.metadata?.name,
      );
      const replicated = (min.get(key(d)) ?? 1) >= 2;
      expect([spread.length > 0, guarded], key(d)).toEqual([replicated, replicated]);
    }
    expect(min.get("e-commerce-tenant-acme/api-gateway")).toBe(2);
  });
});

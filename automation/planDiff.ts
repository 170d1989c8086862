/**
 * The plan between two synthesized graphs of the same stack, as the engine would compute it:
 * create, update, replace (an input the provider cannot change in place changed), delete, same.
 */
import type { RecordedResource } from "../synth/engine";
import type { ResourceStep, StepOp } from "./engine";

/** Inputs whose change forces the provider to replace the resource, by type. */
export const REPLACE_ON_CHANGE: Readonly<Record<string, readonly string[]>> = {
  "mysql:index/database:Database": ["name"],
  "mysql:index/user:User": ["user", "host"],
  "mysql:index/grant:Grant": ["user", "host", "database"],
  "rabbitmq:index/vHost:VHost": ["name"],
  "rabbitmq:index/user:User": ["name"],
  "rabbitmq:index/queue:Queue": ["name", "vhost", "settings"],
  "minio:index/s3Bucket:S3Bucket": ["bucket"],
  "minio:index/iamUser:IamUser": ["name"],
  "kubernetes:core/v1:Namespace": ["metadata.name"],
  "kubernetes:core/v1:PersistentVolumeClaim": [
    "metadata.name",
    "metadata.namespace",
    "spec.storageClassName",
    "spec.accessModes",
  ],
  "kubernetes:apps/v1:Deployment": ["metadata.name", "metadata.namespace", "spec.selector"],
};

const at = (value: unknown, path: string): unknown =>
  path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], value);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function stepFor(before: RecordedResource | undefined, after: RecordedResource): StepOp {
  if (!before) return "create";
  const replaceKeys = (REPLACE_ON_CHANGE[after.type] ?? []).filter((k) => !after.ignoreChanges.includes(k));
  if (replaceKeys.some((k) => !same(at(before.inputs, k), at(after.inputs, k)))) return "replace";
  const visible = (r: RecordedResource) => {
    const copy: Record<string, unknown> = { ...r.inputs };
    for (const k of r.ignoreChanges) if (!k.includes(".")) delete copy[k];
    return copy;
  };
  return same(visible(before), visible(after)) ? "same" : "update";
}

export function planBetween(
  before: readonly RecordedResource[],
  after: readonly RecordedResource[],
): ResourceStep[] {
  const old = new Map(before.map((r) => [r.urn, r]));
  const next = new Set(after.map((r) => r.urn));
  const steps: ResourceStep[] = after.map((r) => ({
    op: stepFor(old.get(r.urn), r),
    urn: r.urn,
    type: r.type,
    name: r.name,
  }));
  for (const r of before) {
    if (!next.has(r.urn))
      steps.push({
        op: "delete",
        urn: r.urn,
        type: r.type,
        name: r.name,
        ...(r.retainOnDelete ? { retained: true } : {}),
      });
  }
  return steps;
}

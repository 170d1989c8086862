/**
 * KEDA objects act with the operator's privileges, not the tenant's: a TriggerAuthentication's
 * pod identity is the operator's cloud role, and a trigger is a request the operator makes
 * (components/tenant/workloadAutoscaler.ts). A tenant's scalers are the ones it builds: CPU and
 * memory, its requests through the platform's Prometheus, its queue on its own vhost with
 * credentials from its own Secret. Any other trigger, key or identity is refused.
 */
import { specOf, type KubeObject } from "../analysis/objects";
import type { TierContext } from "../context";
import { prometheusFact } from "../platformFacts";
import { tenantScope } from "../scope";

interface Trigger {
  readonly type?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly authenticationRef?: { readonly kind?: string; readonly name?: string };
}

/** Each trigger type's metadata keys; for rabbitmq the host comes only from the authentication's Secret. */
const TRIGGER_METADATA: Readonly<Record<string, readonly string[]>> = {
  cpu: ["value"],
  memory: ["value"],
  prometheus: ["serverAddress", "query", "threshold", "activationThreshold"],
  rabbitmq: ["protocol", "queueName", "mode", "value", "activationValue", "vhostName"],
};
const TRIGGER_KEYS = new Set(["type", "metadata", "metricType", "authenticationRef", "name"]);

function triggerProblems(t: Trigger, context: TierContext): string[] {
  const type = String(t.type);
  const keys = TRIGGER_METADATA[type];
  if (!keys)
    return [
      `trigger ${type} is not one a tenant's scaler uses (${Object.keys(TRIGGER_METADATA).join(", ")}): the operator would make that request with its own identity`,
    ];
  const problems = Object.keys(t)
    .filter((k) => !TRIGGER_KEYS.has(k))
    .map((k) => `trigger ${type} sets ${k}, which the pack cannot judge`);
  const metadata = t.metadata ?? {};
  for (const key of Object.keys(metadata).filter((k) => !keys.includes(k)))
    problems.push(`trigger ${type} sets metadata ${key}; it may set only ${keys.join(", ")}`);
  if (t.authenticationRef?.kind === "ClusterTriggerAuthentication")
    problems.push(
      `trigger ${type} authenticates with ClusterTriggerAuthentication ${t.authenticationRef.name}, credentials shared by every tenant; use a TriggerAuthentication in the tenant's namespace`,
    );
  if (type === "prometheus") {
    const fact = prometheusFact(context);
    if (typeof fact === "string") problems.push(`trigger prometheus cannot be judged: ${fact}`);
    else if (metadata["serverAddress"] !== fact.url)
      problems.push(
        `trigger prometheus queries ${String(metadata["serverAddress"])}; the operator queries only the platform's Prometheus ${fact.url}`,
      );
  }
  // Without vhostName the vhost is the one in the Secret's URL, the tenant's own credentials'.
  const vhost = metadata["vhostName"];
  if (type === "rabbitmq" && vhost !== undefined && vhost !== tenantScope(context).vhost)
    problems.push(
      `trigger rabbitmq reads vhost ${String(vhost)}, not tenant ${context.tenant}'s ${tenantScope(context).vhost}`,
    );
  return problems;
}

/** Problems of a ScaledObject's or ScaledJob's triggers, or of a TriggerAuthentication. */
export function autoscalerProblems(o: KubeObject, context: TierContext): string[] {
  if (o.kind === "TriggerAuthentication") {
    const spec = specOf<Record<string, unknown>>(o);
    return Object.keys(spec)
      .filter((k) => k !== "secretTargetRef")
      .map(
        (k) =>
          `sets ${k}; a tenant's TriggerAuthentication reads only its own Secrets (secretTargetRef), never the operator's identity or another store`,
      );
  }
  if (o.kind !== "ScaledObject" && o.kind !== "ScaledJob") return [];
  return (specOf<{ triggers?: readonly Trigger[] }>(o).triggers ?? []).flatMap((t) =>
    triggerProblems(t, context),
  );
}

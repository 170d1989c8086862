/** Isolation: Pod Security, tenant and tier labels, guardrails in every namespace, no secrets in ConfigMaps. */
import { isTenantNamespace, tenantOfNamespace } from "../../tiers";
import type { KubeObject } from "../analysis/objects";
import { describe, objectsOf, tierResourcePolicy, tierStackPolicy, type ResourceView } from "../define";

const tenantNamespaceOf = (o: KubeObject): string | undefined => {
  const ns = o.kind === "Namespace" ? o.metadata?.name : o.metadata?.namespace;
  return isTenantNamespace(ns) ? ns : undefined;
};

export const podSecurityRestricted = tierResourcePolicy({
  name: "pod-security-restricted",
  description: "Tenant namespaces enforce Pod Security Admission `restricted`.",
  enforcementLevel: "mandatory",
  validate: (_context, view, report) => {
    const o = view.object;
    if (o?.kind !== "Namespace" || !tenantNamespaceOf(o)) return;
    const level = o.metadata?.labels?.["pod-security.kubernetes.io/enforce"];
    if (level !== "restricted") report(`${describe(view)}: pod-security.kubernetes.io/enforce is ${level ?? "unset"}, must be restricted`);
  },
});

function missingLabels(view: ResourceView): string[] {
  const labels = view.object?.metadata?.labels ?? {};
  return ["tenant", "tier"].filter((k) => !labels[k]);
}

export const tenantLabels = tierResourcePolicy({
  name: "tenant-labels",
  description: "Every object in a tenant namespace carries `tenant` and `tier` labels (remediated: added from the namespace and the stack's tier).",
  enforcementLevel: "remediate",
  validate: (_context, view, report) => {
    const o = view.object;
    if (!o || !tenantNamespaceOf(o)) return;
    const missing = missingLabels(view);
    if (missing.length > 0) report(`${describe(view)} lacks the label(s) ${missing.join(", ")}`);
  },
  remediate: ({ tier }, view) => {
    const o = view.object;
    const ns = o && tenantNamespaceOf(o);
    const tenant = ns && tenantOfNamespace(ns);
    if (!o || !tenant || missingLabels(view).length === 0) return undefined;
    return { ...view.props, metadata: { ...o.metadata, labels: { tenant, tier, ...o.metadata?.labels } } };
  },
});

export const tierLabelMatchesStack = tierResourcePolicy({
  name: "tier-label-matches-stack",
  description: "A `tier` label on a tenant object names the stack's tier: a program cannot claim another tier.",
  enforcementLevel: "mandatory",
  validate: ({ tier }, view, report) => {
    const o = view.object;
    const label = o?.metadata?.labels?.["tier"];
    if (!o || !tenantNamespaceOf(o) || label === undefined) return;
    if (label !== tier) report(`${describe(view)} is labelled tier=${label} but the stack's tier is ${tier}`);
  },
});

/** Keys that name a credential, and values that look like one. */
const SECRET_KEY = /(pass(word)?|secret|token|api[_-]?key|private[_-]?key|credential)s?$/i;
const SECRET_VALUE = [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, /\bAKIA[0-9A-Z]{16}\b/, /:\/\/[^/\s:@]+:[^/\s@]+@/];

export const noSecretsInConfigMaps = tierResourcePolicy({
  name: "no-secrets-in-configmaps",
  description: "No credential in a ConfigMap: secret-named keys with a value, private keys, access keys or passwords in URLs belong in Secrets.",
  enforcementLevel: "mandatory",
  validate: (_context, view, report) => {
    const o = view.object;
    if (o?.kind !== "ConfigMap") return;
    for (const [key, value] of Object.entries(o.data ?? {})) {
      if (SECRET_KEY.test(key) && value !== "") report(`${describe(view)}: key ${key} looks like a credential; put it in a Secret`);
      else if (SECRET_VALUE.some((p) => p.test(value))) report(`${describe(view)}: the value of ${key} looks like a credential; put it in a Secret`);
    }
  },
});

const isDefaultDeny = (o: KubeObject): boolean => {
  const spec = (o.spec ?? {}) as { podSelector?: object; policyTypes?: string[]; ingress?: unknown[]; egress?: unknown[] };
  return (
    Object.keys(spec.podSelector ?? {}).length === 0 &&
    (spec.policyTypes ?? []).includes("Ingress") &&
    (spec.policyTypes ?? []).includes("Egress") &&
    (spec.ingress ?? []).length === 0 &&
    (spec.egress ?? []).length === 0
  );
};

export const namespaceGuardrailsPresent = tierStackPolicy({
  name: "namespace-guardrails-present",
  description: "Every tenant namespace has a ResourceQuota, a LimitRange and a default-deny NetworkPolicy.",
  enforcementLevel: "mandatory",
  validate: (_context, resources, report) => {
    const objects = objectsOf(resources);
    const namespaces = objects.filter((o) => o.kind === "Namespace" && tenantNamespaceOf(o)).map((o) => o.metadata!.name!);
    for (const ns of namespaces) {
      const inNs = objects.filter((o) => o.metadata?.namespace === ns);
      if (!inNs.some((o) => o.kind === "ResourceQuota")) report(`namespace ${ns} has no ResourceQuota`);
      if (!inNs.some((o) => o.kind === "LimitRange")) report(`namespace ${ns} has no LimitRange`);
      if (!inNs.some((o) => o.kind === "NetworkPolicy" && isDefaultDeny(o))) report(`namespace ${ns} has no default-deny NetworkPolicy`);
    }
  },
});

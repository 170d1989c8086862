/** Isolation: Pod Security, tenant and tier labels, guardrails in every namespace, no secrets in ConfigMaps. */
import { isTenantNamespace, tenantOfNamespace } from "../../tiers";
import type { KubeObject } from "../analysis/objects";
import { allContainers, podSpecOf } from "../analysis/pods";
import { describe, objectsOf, tierResourcePolicy, tierStackPolicy, type ResourceView } from "../define";
import { tenantScope } from "../scope";

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
    if (level !== "restricted")
      report(
        `${describe(view)}: pod-security.kubernetes.io/enforce is ${level ?? "unset"}, must be restricted`,
      );
  },
});

function missingLabels(view: ResourceView): string[] {
  const labels = view.object?.metadata?.labels ?? {};
  return ["tenant", "tier"].filter((k) => !labels[k]);
}

export const tenantLabels = tierResourcePolicy({
  name: "tenant-labels",
  description:
    "Every object in a tenant namespace carries `tenant` and `tier` labels (remediated: added from the namespace and the stack's tier).",
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
  description:
    "A `tier` label on a tenant object names the stack's tier: a program cannot claim another tier.",
  enforcementLevel: "mandatory",
  validate: ({ tier }, view, report) => {
    const o = view.object;
    const label = o?.metadata?.labels?.["tier"];
    if (!o || !tenantNamespaceOf(o) || label === undefined) return;
    if (label !== tier) report(`${describe(view)} is labelled tier=${label} but the stack's tier is ${tier}`);
  },
});

/** Words that, as a key's last word (or anywhere for the strongest), name a credential. */
const SECRET_LAST_WORDS = new Set([
  "password",
  "passwd",
  "pass",
  "pwd",
  "passphrase",
  "secret",
  "token",
  "key",
  "credential",
  "credentials",
  "apikey",
]);
const SECRET_ANY_WORDS = new Set(["password", "passwd", "secret"]);

/** Whether a key ("DB_PASSWORD", "APP_KEY", "jwtSecretKey", "MYSQL_PWD") names a credential. */
export function isSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.replace(/s$/, ""));
  const last = words.at(-1);
  return (last !== undefined && SECRET_LAST_WORDS.has(last)) || words.some((w) => SECRET_ANY_WORDS.has(w));
}

/** Values that look like a credential whatever their key. */
const SECRET_VALUE = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\bAKIA[0-9A-Z]{16}\b/,
  /:\/\/[^/\s:@]+:[^/\s@]+@/,
];

/** Secret-named keys with a non-empty value inside a JSON document (nested objects and arrays). */
function secretKeysInJson(value: string): string[] {
  const text = value.trim();
  if (!text.startsWith("{") && !text.startsWith("[")) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  const found: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (node !== null && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        if (isSecretKey(k) && typeof v === "string" && v !== "") found.push(`${path}.${k}`);
        else walk(v, `${path}.${k}`);
      }
    }
  };
  walk(parsed, "");
  return found;
}

/** Why a key and its (decoded) value are a credential in plain text, or undefined. */
function plaintextCredential(key: string, value: string): string | undefined {
  if (isSecretKey(key) && value !== "") return `key ${key} looks like a credential`;
  if (SECRET_VALUE.some((p) => p.test(value))) return `the value of ${key} looks like a credential`;
  const nested = secretKeysInJson(value);
  if (nested.length > 0) return `the JSON value of ${key} holds ${nested.map((n) => n.slice(1)).join(", ")}`;
  return undefined;
}

export const noSecretsInConfigMaps = tierResourcePolicy({
  name: "no-secrets-in-configmaps",
  description:
    "No credential in a ConfigMap (data or binaryData): secret-named keys with a value, private keys, access keys, passwords in URLs or inside JSON values belong in Secrets.",
  enforcementLevel: "mandatory",
  validate: (_context, view, report) => {
    const o = view.object;
    if (o?.kind !== "ConfigMap") return;
    const entries: [string, string][] = [
      ...Object.entries(o.data ?? {}),
      ...Object.entries(o.binaryData ?? {}).map(([k, v]): [string, string] => [
        k,
        Buffer.from(v, "base64").toString("utf8"),
      ]),
    ];
    for (const [key, value] of entries) {
      const problem = plaintextCredential(key, value);
      if (problem) report(`${describe(view)}: ${problem}; put it in a Secret`);
    }
  },
});

export const noSecretsInEnv = tierResourcePolicy({
  name: "no-secrets-in-env",
  description:
    "No container (init and ephemeral included) gets a credential as a plain env value: secret-named variables come from a Secret (valueFrom.secretKeyRef).",
  enforcementLevel: "mandatory",
  validate: (_context, view, report) => {
    const pod = view.object ? podSpecOf(view.object) : undefined;
    if (!pod) return;
    for (const c of allContainers(pod)) {
      for (const e of c.env ?? []) {
        const problem = e.value === undefined ? undefined : plaintextCredential(e.name, e.value);
        if (problem)
          report(`${describe(view)} container ${c.name}: env ${problem}; use valueFrom.secretKeyRef`);
      }
    }
  },
});

const isDefaultDeny = (o: KubeObject): boolean => {
  const spec = (o.spec ?? {}) as {
    podSelector?: object;
    policyTypes?: string[];
    ingress?: unknown[];
    egress?: unknown[];
  };
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
  perCluster: true,
  description:
    "Every tenant namespace (the dedicated database's included) has a ResourceQuota, a LimitRange and a default-deny NetworkPolicy.",
  enforcementLevel: "mandatory",
  validate: (context, resources, report) => {
    const objects = objectsOf(resources);
    const scope = tenantScope(context).namespaces;
    const namespaces = objects
      .filter((o) => o.kind === "Namespace" && scope.has(o.metadata?.name ?? ""))
      .map((o) => o.metadata!.name!);
    for (const ns of namespaces) {
      const inNs = objects.filter((o) => o.metadata?.namespace === ns);
      if (!inNs.some((o) => o.kind === "ResourceQuota")) report(`namespace ${ns} has no ResourceQuota`);
      if (!inNs.some((o) => o.kind === "LimitRange")) report(`namespace ${ns} has no LimitRange`);
      if (!inNs.some((o) => o.kind === "NetworkPolicy" && isDefaultDeny(o)))
        report(`namespace ${ns} has no default-deny NetworkPolicy`);
    }
  },
});

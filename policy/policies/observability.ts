/**
 * Observability within the tenant: the `tenant` and `tier` labels of its metrics and alerts are
 * what the long-term store's retention and every tenant's dashboards select on
 * (components/platform/metricsRetention.ts), so nothing the tenant deploys may forge them; its
 * ServiceMonitors scrape only its namespaces; its alert receivers are the tier's channels only.
 */
import type { AlertChannel } from "../../tiers";
import { specOf, type KubeObject } from "../analysis/objects";
import type { TierContext } from "../context";
import { describe, tierResourcePolicy } from "../define";
import { tenantScope } from "../scope";

const GUARDED = ["tenant", "tier"] as const;
type Guarded = (typeof GUARDED)[number];

interface Relabeling {
  readonly action?: string;
  readonly targetLabel?: string;
  readonly sourceLabels?: readonly string[];
  readonly replacement?: string;
  readonly regex?: string;
}

const ownValue = (label: Guarded, context: TierContext): string =>
  label === "tenant" ? context.tenant : context.tier;

function matches(regex: string | undefined, label: string): boolean {
  try {
    return new RegExp(`^(?:${regex ?? "(.*)"})$`).test(label);
  } catch {
    return true;
  }
}

const REPLACING = new Set(["replace", "lowercase", "uppercase", "hashmod"]);
const FILTERING = new Set(["keep", "drop", "keepequal", "dropequal"]);

function relabelingProblem(r: Relabeling, context: TierContext): string | undefined {
  const action = (r.action ?? "replace").toLowerCase();
  const target = r.targetLabel;
  if (action === "labelmap")
    return `a labelmap relabeling can write any label, ${GUARDED.join(" and ")} included`;
  if (action === "labeldrop" && GUARDED.some((l) => matches(r.regex, l)))
    return `labeldrop ${r.regex} drops the ${GUARDED.join("/")} labels`;
  if (action === "labelkeep" && !GUARDED.every((l) => matches(r.regex, l)))
    return `labelkeep ${r.regex} drops the ${GUARDED.join("/")} labels`;
  if (FILTERING.has(action) || action === "labeldrop" || action === "labelkeep") return undefined;
  if (!REPLACING.has(action)) return `relabeling action ${action} is not one the pack can judge`;
  if (target === undefined) return undefined;
  if (target.includes("$")) return `targetLabel ${target} is computed, so it may be ${GUARDED.join(" or ")}`;
  const guarded = GUARDED.find((l) => l === target);
  if (guarded === undefined) return undefined;
  const own = ownValue(guarded, context);
  if (action !== "replace" || (r.sourceLabels ?? []).length > 0 || r.replacement !== own)
    return `sets ${guarded} to ${r.replacement ?? "a value from the target"}; this stack's ${guarded} is ${own}, set as a fixed replacement`;
  return undefined;
}

/**
 * What a tenant's ServiceMonitor may say (components/operations/tenantMonitoring.ts): which of its
 * Services and how often. Prometheus reads files (bearerTokenFile, tlsConfig's certFile and
 * keyFile: its own service-account token and client keys), follows a proxyUrl, and applies a
 * scrapeClass's settings with its own privileges, so those are refused with every other key.
 */
const MONITOR_KEYS = new Set([
  "selector",
  "namespaceSelector",
  "endpoints",
  "jobLabel",
  "targetLabels",
  "podTargetLabels",
]);
const ENDPOINT_KEYS = new Set([
  "port",
  "targetPort",
  "path",
  "scheme",
  "interval",
  "scrapeTimeout",
  "honorLabels",
  "honorTimestamps",
  "relabelings",
  "metricRelabelings",
]);

interface Endpoint {
  readonly honorLabels?: boolean;
  readonly relabelings?: readonly Relabeling[];
  readonly metricRelabelings?: readonly Relabeling[];
}

function serviceMonitorProblems(o: KubeObject, context: TierContext): string[] {
  const scope = tenantScope(context);
  const spec = specOf<{
    namespaceSelector?: { any?: boolean; matchNames?: readonly string[] };
    endpoints?: readonly Endpoint[];
    targetLabels?: readonly string[];
    podTargetLabels?: readonly string[];
  }>(o);
  const problems: string[] = [];
  const selector = spec.namespaceSelector;
  if (selector?.any === true)
    problems.push("scrapes every namespace (namespaceSelector.any); a tenant scrapes only its own");
  for (const ns of selector?.matchNames ?? [])
    if (!scope.namespaces.has(ns))
      problems.push(`scrapes namespace ${ns}, which is not tenant ${scope.tenant}'s`);
  for (const label of [...(spec.targetLabels ?? []), ...(spec.podTargetLabels ?? [])])
    if ((GUARDED as readonly string[]).includes(label))
      problems.push(`copies the ${label} label from the target, which the target would choose`);
  for (const key of Object.keys(spec).filter((k) => !MONITOR_KEYS.has(k)))
    problems.push(
      `sets spec.${key}, which the pack cannot judge (it may set only ${[...MONITOR_KEYS].join(", ")})`,
    );
  (spec.endpoints ?? []).forEach((e, i) => {
    for (const key of Object.keys(e).filter((k) => !ENDPOINT_KEYS.has(k)))
      problems.push(
        `endpoint ${i + 1} sets ${key}: a scrape's credentials, TLS files, proxy and scrape class are Prometheus's own, so it may set only ${[...ENDPOINT_KEYS].join(", ")}`,
      );
    if (e.honorLabels === true)
      problems.push(
        `endpoint ${i + 1} sets honorLabels, so the target's own ${GUARDED.join(" and ")} labels would win`,
      );
    for (const r of [...(e.relabelings ?? []), ...(e.metricRelabelings ?? [])]) {
      const problem = relabelingProblem(r, context);
      if (problem) problems.push(`endpoint ${i + 1}: ${problem}`);
    }
  });
  return problems;
}

/** The top-level arguments of the call whose "(" is at `open`, as written (undefined when unbalanced). */
function callArguments(expr: string, open: number): string[] | undefined {
  const args: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = open + 1;
  for (let i = open; i < expr.length; i++) {
    const c = expr[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) return [...args, expr.slice(start, i).trim()];
    } else if (c === "," && depth === 1) {
      args.push(expr.slice(start, i).trim());
      start = i + 1;
    }
  }
  return undefined;
}

/**
 * label_replace and label_join write the label named by their second argument: a rule's result
 * could carry another tenant or tier whatever its `labels` say. Only a literal other label is judged.
 */
function labelWriteProblems(expr: unknown): string[] {
  if (typeof expr !== "string") return expr === undefined ? [] : ["has an expression that is not text"];
  const problems: string[] = [];
  for (const call of expr.matchAll(/\b(label_replace|label_join)\s*\(/g)) {
    const args = callArguments(expr, call.index + call[0].length - 1);
    const target = /^"([a-zA-Z_][a-zA-Z0-9_]*)"$|^'([a-zA-Z_][a-zA-Z0-9_]*)'$/.exec(args?.[1] ?? "");
    const label = target?.[1] ?? target?.[2];
    if (label === undefined) problems.push(`calls ${call[1]} with a destination label the pack cannot read`);
    else if ((GUARDED as readonly string[]).includes(label))
      problems.push(`writes the ${label} label with ${call[1]}, which would forge it`);
  }
  return problems;
}

function ruleLabelProblems(o: KubeObject, context: TierContext): string[] {
  const groups =
    specOf<{
      groups?: readonly {
        rules?: readonly {
          alert?: string;
          record?: string;
          expr?: unknown;
          labels?: Record<string, string>;
        }[];
      }[];
    }>(o).groups ?? [];
  return groups.flatMap((g) =>
    (g.rules ?? []).flatMap((rule) => [
      ...labelWriteProblems(rule.expr).map((p) => `rule ${rule.alert ?? rule.record ?? "?"} ${p}`),
      ...GUARDED.flatMap((label) => {
        const value = rule.labels?.[label];
        return value === undefined || value === ownValue(label, context)
          ? []
          : [
              `rule ${rule.alert ?? rule.record ?? "?"} labels its results ${label}=${value}; this stack's ${label} is ${ownValue(label, context)}`,
            ];
      }),
    ]),
  );
}

/** Alertmanager receiver configs per tier channel (components/operations/tenantMonitoring.ts). */
const CHANNEL_CONFIGS: Readonly<Record<AlertChannel, string>> = {
  email: "emailConfigs",
  slack: "slackConfigs",
  pagerduty: "pagerdutyConfigs",
  sms: "webhookConfigs",
};

function receiverProblems(o: KubeObject, context: TierContext): string[] {
  const routes = context.profile.tier.monitoring.routes;
  const allowed = new Set(
    (Object.keys(CHANNEL_CONFIGS) as AlertChannel[])
      .filter((c) => (routes[c] ?? []).length > 0)
      .map((c) => CHANNEL_CONFIGS[c]),
  );
  const receivers = specOf<{ receivers?: readonly Record<string, unknown>[] }>(o).receivers ?? [];
  return receivers.flatMap((receiver) => [
    ...Object.keys(receiver)
      .filter((key) => key !== "name" && !allowed.has(key))
      .map(
        (key) =>
          `receiver ${String(receiver["name"])} uses ${key}; the ${context.profile.tier.displayName} tier's channels are ${[...allowed].join(", ") || "none"}`,
      ),
    ...channelConfigProblems(receiver),
  ]);
}

/**
 * What each channel's config may set (components/operations/tenantMonitoring.ts): addresses and
 * credentials from the tenant's own Secret. Alertmanager sends from the monitoring namespace, so
 * a literal URL, an HTTP config (proxy, credential files) or an SMTP host would make it reach
 * whatever the tenant names from there: the node's metadata, other tenants' services.
 */
const CONFIG_KEYS: Readonly<Record<string, readonly string[]>> = {
  emailConfigs: ["to", "sendResolved"],
  slackConfigs: ["apiURL", "sendResolved", "channel", "title", "text"],
  pagerdutyConfigs: ["routingKey", "sendResolved", "severity", "description"],
  webhookConfigs: ["urlSecret", "sendResolved", "maxAlerts"],
};

function channelConfigProblems(receiver: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(CONFIG_KEYS).flatMap(([channel, keys]) => {
    const configs = receiver[channel];
    if (configs === undefined) return [];
    if (!Array.isArray(configs)) return [`receiver ${String(receiver["name"])} ${channel} is not a list`];
    return configs.flatMap((config: unknown) =>
      Object.keys(config !== null && typeof config === "object" ? config : {})
        .filter((key) => !keys.includes(key))
        .map(
          (key) =>
            `receiver ${String(receiver["name"])} ${channel} sets ${key}; Alertmanager would reach what it names from the monitoring namespace (it may set only ${keys.join(", ")})`,
        ),
    );
  });
}

export const observabilityWithinTenant = tierResourcePolicy({
  name: "observability-within-tenant",
  description:
    "Metrics and alerts keep this stack's tenant and tier labels (no relabeling, honorLabels or copied label forges them), ServiceMonitors scrape only the tenant's namespaces, and alert receivers are only the tier's channels.",
  enforcementLevel: "mandatory",
  validate: (context, view, report) => {
    const o = view.object;
    const problems =
      o?.kind === "ServiceMonitor"
        ? serviceMonitorProblems(o, context)
        : o?.kind === "PrometheusRule"
          ? ruleLabelProblems(o, context)
          : o?.kind === "AlertmanagerConfig"
            ? receiverProblems(o, context)
            : [];
    for (const problem of problems) report(`${describe(view)} ${problem}`);
  },
});

import { autoscalerBounds, namespaceUsage, scaleKey } from "../policy/analysis/usage";
import { getTier, isTierName, monthlyPrice, effectiveProfile, QUOTA_FIELDS, type AddOns } from "../tiers";
import type { KubeObject } from "../policy/analysis/objects";
import type { SynthResult } from "./engine";

const percent = (used: number, total: number): string => (total === 0 ? (used === 0 ? "-" : "over") : `${Math.round((100 * used) / total)}%`);

function countByType(result: SynthResult): string[] {
  const counts = new Map<string, number>();
  for (const r of result.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([t, n]) => `| \`${t}\` | ${n} |`);
}

/** The human summary of a tenant synth: tier, namespaces and how full they get, services, price. */
export function tenantSummary(result: SynthResult, objects: readonly KubeObject[]): string {
  const outputs = result.outputs as {
    tenantId?: string;
    tier?: string;
    hostnames?: string[][];
    addOns?: AddOns;
    databases?: string[];
    vhost?: string;
    buckets?: Record<string, string>;
  };
  const lines: string[] = [];
  const tierName = outputs.tier;
  if (!isTierName(tierName)) throw new Error("tenant synth produced no tier output");
  const tier = getTier(tierName);
  const sites = outputs.hostnames ?? [];
  const price = monthlyPrice(effectiveProfile(tierName, outputs.addOns), sites.length);

  lines.push(`# Tenant \`${outputs.tenantId}\` (stack \`${result.stack}\`)`, "");
  lines.push(`- Tier: **${tier.displayName}**`);
  lines.push(`- Sites: ${sites.length} of ${tier.maxSites}`);
  sites.forEach((hosts, i) => lines.push(`  - site ${i + 1}: ${hosts.join(", ")}`));
  lines.push(
    `- Monthly price: ${price.monthlyEur.toFixed(2)} EUR (${price.lines.map((l) => `${l.label} ${l.eur.toFixed(2)}`).join(" + ")})` +
      (price.yearlyEur !== undefined ? `; yearly ${price.yearlyEur} EUR` : "; yearly: custom"),
  );
  lines.push(`- Rate limit: ${tier.rateLimit.requestsPerMinute} req/min per tenant, ${tier.rateLimit.maxConnections} connections, burst x${tier.rateLimit.burstMultiplier}`);
  lines.push(`- Resources: ${result.resources.length} (${objects.length} Kubernetes objects)`, "");

  const db = tier.database;
  const storage = tier.objectStorage;
  lines.push("## Data services", "");
  lines.push(
    `- MySQL databases (${outputs.databases?.length ?? 0}, one user each, ${db.maxConnectionsPerService} connections per user): ${(outputs.databases ?? []).join(", ")}`,
  );
  lines.push(`- RabbitMQ vhost: \`${outputs.vhost}\` (max length ${tier.messaging.maxLength ?? "unlimited"}, TTL ${tier.messaging.messageTtlMs} ms)`);
  lines.push(
    `- Buckets: ${Object.entries(outputs.buckets ?? {})
      .map(([kind, name]) => `\`${name}\` (${storage.buckets[kind as keyof typeof storage.buckets].quotaGb} GB)`)
      .join(", ")}${storage.versioning ? ", versioned" : ""}`,
    "",
  );

  lines.push("## Namespaces: quota, and how full the minimum and maximum deployment make it", "");
  lines.push("Maximum = every autoscaler at its maximum plus one rolling-update surge.", "");
  for (const ns of namespaceUsage(objects)) {
    if (!ns.quota) continue;
    lines.push(`### \`${ns.namespace}\``, "", "| | quota | minimum | maximum |", "|---|---|---|---|");
    for (const { key, hardKey, show } of QUOTA_FIELDS) {
      const q = ns.quota[key];
      const min = ns.atMinimum[key];
      const max = ns.atMaximum[key];
      lines.push(`| ${hardKey} | ${show(q)} | ${show(min)} (${percent(min, q)}) | ${show(max)} (${percent(max, q)}) |`);
    }
    lines.push("");
  }

  lines.push("## Workloads", "", "| namespace | deployment | replicas | requests | limits |", "|---|---|---|---|---|");
  const scale = autoscalerBounds(objects);
  for (const o of objects.filter((x) => x.kind === "Deployment")) {
    const spec = o.spec as { replicas?: number; template?: { spec?: { containers?: { resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }[] } } };
    const r = spec.template?.spec?.containers?.[0]?.resources ?? {};
    const bounds = scale.get(scaleKey(o.metadata?.namespace ?? "", "Deployment", o.metadata?.name ?? ""));
    lines.push(
      `| ${o.metadata?.namespace} | ${o.metadata?.name} | ${bounds ? `${bounds.min}-${bounds.max} (${bounds.autoscaler})` : (spec.replicas ?? 1)} | ${r.requests?.cpu} / ${r.requests?.memory} | ${r.limits?.cpu} / ${r.limits?.memory} |`,
    );
  }
  lines.push("", "## Resources by type", "", "| type | count |", "|---|---|", ...countByType(result), "");
  return lines.join("\n");
}

/** The summary of a platform synth. */
export function platformSummary(result: SynthResult, objects: readonly KubeObject[]): string {
  return [
    `# Platform (stack \`${result.stack}\`)`,
    "",
    `- Resources: ${result.resources.length} (${objects.length} Kubernetes objects)`,
    "",
    "| kind | name |",
    "|---|---|",
    ...objects.map((o) => `| ${o.kind} | ${o.metadata?.name} |`),
    "",
  ].join("\n");
}

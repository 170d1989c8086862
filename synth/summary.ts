import { autoscalerBounds, namespaceUsage, scaleKey } from "../policy/analysis/usage";
import {
  getTier,
  isRegionName,
  isTierName,
  monthlyCost,
  monthlyPrice,
  effectiveProfile,
  QUOTA_FIELDS,
  type AddOns,
  type TierDefinition,
} from "../tiers";
import type { KubeObject } from "../policy/analysis/objects";
import type { SynthResult } from "./engine";
import { objectsPerCluster } from "./manifests";

const percent = (used: number, total: number): string =>
  total === 0 ? (used === 0 ? "-" : "over") : `${Math.round((100 * used) / total)}%`;

function countByType(result: SynthResult): string[] {
  const counts = new Map<string, number>();
  for (const r of result.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([t, n]) => `| \`${t}\` | ${n} |`);
}

interface EdgeRule {
  action?: string;
  actionParameters?: { cache?: boolean; edgeTtl?: { default?: number }; id?: string };
  ratelimit?: { period?: number; requestsPerPeriod?: number };
}

/** Each hostname with its DNS, TLS and edge treatment (zone-wide rules apply to every hostname of the tenant's zone). */
export function edgeSummary(result: SynthResult, objects: readonly KubeObject[]): string[] {
  const of = (type: string) => result.resources.filter((r) => r.type === `cloudflare:index/${type}`);
  const rules = (phase: string): EdgeRule[] =>
    of("ruleset:Ruleset").flatMap((r) =>
      (r.inputs as { phase?: string }).phase === phase
        ? ((r.inputs as { rules?: EdgeRule[] }).rules ?? [])
        : [],
    );
  const cname = new Map(
    of("dnsRecord:DnsRecord").map((r) => {
      const i = r.inputs as { name: string; content: string; proxied: boolean };
      return [i.name, i] as const;
    }),
  );
  const cached = rules("http_request_cache_settings").find((r) => r.actionParameters?.cache === true);
  const cache = cached
    ? `/static/ ${cached.actionParameters?.edgeTtl?.default}s${of("tieredCache:TieredCache").length > 0 ? ", tiered" : ""}`
    : "none (bypass)";
  const security = [
    rules("http_request_firewall_managed").length > 0 ? "WAF (Cloudflare Managed, OWASP)" : "",
    rules("http_request_firewall_custom").length > 0
      ? `${rules("http_request_firewall_custom").length} custom rules`
      : "",
    ...rules("http_ratelimit").map(
      (r) => `${r.ratelimit?.requestsPerPeriod}/${r.ratelimit?.period}s per client`,
    ),
    rules("ddos_l7").length > 0 ? "DDoS L7 override" : "",
    of("argoSmartRouting:ArgoSmartRouting").length > 0 ? "Argo" : "",
  ].filter(Boolean);
  const connections = objects.find((o) => o.kind === "ClientTrafficPolicy")?.spec as
    { connection?: { connectionLimit?: { value?: number } } } | undefined;
  const lines = [
    "## Edge (Cloudflare)",
    "",
    "| hostname | DNS | TLS | cache | security |",
    "|---|---|---|---|---|",
  ];
  for (const h of of("customHostname:CustomHostname")) {
    const i = h.inputs as {
      hostname: string;
      ssl?: { type?: string; method?: string; settings?: { minTlsVersion?: string } };
    };
    const record = cname.get(i.hostname);
    const dns = record
      ? `CNAME ${record.content} (platform zone, DNS-only)`
      : "customer's CNAME + ownership TXT (stack output)";
    lines.push(
      `| ${i.hostname} | ${dns} | ${i.ssl?.type?.toUpperCase()} certificate (${i.ssl?.method} validation), TLS ${i.ssl?.settings?.minTlsVersion}+ | ${cache} | ${security.join(", ") || "none"} |`,
    );
  }
  lines.push(
    "",
    `Connection cap: ${connections?.connection?.connectionLimit?.value ?? "not applied (no listener of the tenant's own, \`tenant-<id>\`)"}.`,
    "",
  );
  return lines;
}

/** The tenant outputs the summary reads (stacks/tenant.ts exports them). */
interface TenantOutputs {
  tenantId?: string;
  tier?: string;
  hostnames?: string[][];
  addOns?: AddOns;
  databases?: string[];
  vhost?: string;
  buckets?: Record<string, string>;
  regions?: string[];
}

/** The human summary of a tenant synth: tier, namespaces and how full they get, services, price. */
export function tenantSummary(result: SynthResult, objects: readonly KubeObject[]): string {
  const outputs = result.outputs as TenantOutputs;
  const tierName = outputs.tier;
  if (!isTierName(tierName)) throw new Error("tenant synth produced no tier output");
  const tier = getTier(tierName);
  const regions = outputs.regions ?? [];
  const clusters = objectsPerCluster(result);
  return [
    ...overviewLines(result, objects, outputs, tier),
    ...dataServiceLines(outputs, tier),
    ...edgeSummary(result, objects),
    ...namespaceLines(clusters),
    ...workloadLines(clusters, objects, regions),
    ...["", "## Resources by type", "", "| type | count |", "|---|---|", ...countByType(result), ""],
  ].join("\n");
}

/** Tier, sites, price and cost, regions, rate limit, resource count. */
function overviewLines(
  result: SynthResult,
  objects: readonly KubeObject[],
  outputs: TenantOutputs,
  tier: TierDefinition,
): string[] {
  const lines: string[] = [];
  const sites = outputs.hostnames ?? [];
  const profile = effectiveProfile(tier.name, outputs.addOns);
  const deployment = {
    regions: (outputs.regions ?? []).filter(isRegionName),
    dedicatedMysqlCluster: objects.some((o) => o.kind === "InnoDBCluster"),
  };
  if (deployment.regions.length === 0) throw new Error("tenant synth produced no regions output");
  const price = monthlyPrice(profile, sites.length, deployment);
  const cost = monthlyCost(profile, { sites: sites.length, ...deployment });

  lines.push(`# Tenant \`${outputs.tenantId}\` (stack \`${result.stack}\`)`, "");
  lines.push(`- Tier: **${tier.displayName}**`);
  lines.push(`- Sites: ${sites.length} of ${tier.maxSites}`);
  sites.forEach((hosts, i) => lines.push(`  - site ${i + 1}: ${hosts.join(", ")}`));
  lines.push(
    `- Monthly price: ${price.monthlyEur.toFixed(2)} EUR (${price.lines.map((l) => `${l.label} ${l.eur.toFixed(2)}`).join(" + ")})` +
      (price.yearlyEur !== undefined ? `; yearly ${price.yearlyEur} EUR` : "; yearly: custom"),
  );
  lines.push(
    `- Monthly cost (model, list prices of ${cost.pricesAsOf}, docs/finops.md): ${cost.eur.toFixed(2)} EUR; margin ${(price.monthlyEur - cost.eur).toFixed(2)} EUR (${Math.round((100 * (price.monthlyEur - cost.eur)) / price.monthlyEur)}%)`,
  );
  const regions = outputs.regions ?? [];
  if (regions.length > 1)
    lines.push(
      `- Regions: ${regions[0]} (home: databases, backups, fallback pool), ${regions.slice(1).join(", ")}; each region holds the tier's whole quota and rate limit`,
    );
  else if (regions.length === 1) lines.push(`- Region: ${regions[0]}`);
  lines.push(
    `- Rate limit: ${tier.rateLimit.requestsPerMinute} req/min per tenant, ${tier.rateLimit.maxConnections} connections, burst x${tier.rateLimit.burstMultiplier}`,
  );
  lines.push(`- Resources: ${result.resources.length} (${objects.length} Kubernetes objects)`, "");
  return lines;
}

/** MySQL databases, the RabbitMQ vhost, the buckets, with the tier's limits. */
function dataServiceLines(outputs: TenantOutputs, tier: TierDefinition): string[] {
  const lines: string[] = [];
  const db = tier.database;
  const storage = tier.objectStorage;
  lines.push("## Data services", "");
  lines.push(
    `- MySQL databases (${outputs.databases?.length ?? 0}, one user each, ${db.maxConnectionsPerService} connections per user): ${(outputs.databases ?? []).join(", ")}`,
  );
  lines.push(
    `- RabbitMQ vhost: \`${outputs.vhost}\` (max length ${tier.messaging.maxLength ?? "unlimited"}, TTL ${tier.messaging.messageTtlMs} ms)`,
  );
  lines.push(
    `- Buckets: ${Object.entries(outputs.buckets ?? {})
      .map(
        ([kind, name]) => `\`${name}\` (${storage.buckets[kind as keyof typeof storage.buckets].quotaGb} GB)`,
      )
      .join(", ")}${storage.versioning ? ", versioned" : ""}`,
    "",
  );
  return lines;
}

/** Each namespace's quota and how full the minimum, rolling and maximum deployments make it, per cluster. */
function namespaceLines(clusters: ReadonlyMap<string, KubeObject[]>): string[] {
  const lines: string[] = [];
  lines.push("## Namespaces: quota, and how full the minimum and maximum deployment make it", "");
  // Per cluster: a tenant's namespaces have the same names in each of its regions.
  lines.push(
    "Rolling = minimum scale while the largest deployment surges one pod; maximum = every autoscaler at its maximum (a rollout there waits on the quota).",
    "",
  );
  for (const [cluster, clusterObjects] of clusters) {
    for (const ns of namespaceUsage(clusterObjects)) {
      if (!ns.quota) continue;
      lines.push(
        `### \`${ns.namespace}\`${cluster ? ` (${cluster})` : ""}`,
        "",
        "| | quota | minimum | rolling | maximum |",
        "|---|---|---|---|---|",
      );
      for (const { key, hardKey, show } of QUOTA_FIELDS) {
        const q = ns.quota[key];
        const min = ns.atMinimum[key];
        const rolling = ns.atMinimumRolling[key];
        const max = ns.atMaximum[key];
        lines.push(
          `| ${hardKey} | ${show(q)} | ${show(min)} (${percent(min, q)}) | ${show(rolling)} (${percent(rolling, q)}) | ${show(max)} (${percent(max, q)}) |`,
        );
      }
      lines.push("");
    }
  }
  return lines;
}

/** The deployments of the home region (every region runs the same): replicas or autoscaler bounds, resources. */
function workloadLines(
  clusters: ReadonlyMap<string, KubeObject[]>,
  objects: readonly KubeObject[],
  regions: readonly string[],
): string[] {
  const lines: string[] = [];
  // Every region runs the same deployments: the home region's stand for all.
  const home = clusters.get(regions[0] ?? "") ?? objects;
  lines.push(
    `## Workloads${clusters.size > 1 ? ` (each region; ${regions[0]} shown)` : ""}`,
    "",
    "| namespace | deployment | replicas | requests | limits |",
    "|---|---|---|---|---|",
  );
  const scale = autoscalerBounds(home);
  for (const o of home.filter((x) => x.kind === "Deployment")) {
    const spec = o.spec as {
      replicas?: number;
      template?: {
        spec?: {
          containers?: {
            resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
          }[];
        };
      };
    };
    const r = spec.template?.spec?.containers?.[0]?.resources ?? {};
    const bounds = scale.get(scaleKey(o.metadata?.namespace ?? "", "Deployment", o.metadata?.name ?? ""));
    lines.push(
      `| ${o.metadata?.namespace} | ${o.metadata?.name} | ${bounds ? `${bounds.min}-${bounds.max} (${bounds.autoscaler})` : (spec.replicas ?? 1)} | ${r.requests?.cpu} / ${r.requests?.memory} | ${r.limits?.cpu} / ${r.limits?.memory} |`,
    );
  }
  return lines;
}

/** The summary of a platform synth. */
export function platformSummary(result: SynthResult, objects: readonly KubeObject[]): string {
  return [
    `# Platform (stack \`${result.stack}\`)`,
    "",
    `- Resources: ${result.resources.length} (${objects.length} Kubernetes objects)`,
    "",
    ...sharedServicesSection(result),
    "| kind | name |",
    "|---|---|",
    ...objects.map((o) => `| ${o.kind} | ${o.metadata?.name} |`),
    "",
  ].join("\n");
}

/** The platform's Helm releases (chart, pinned version, namespace) and its node pools (labels, taints). */
function sharedServicesSection(result: SynthResult): string[] {
  const releases = result.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
  const pools = result.resources.filter((r) => r.type === "aws:eks/nodeGroup:NodeGroup");
  const inputs = (r: { inputs: Record<string, unknown> }) =>
    r.inputs as {
      chart?: string;
      version?: string;
      namespace?: string;
      name?: string;
      nodeGroupName?: string;
      instanceTypes?: string[];
      scalingConfig?: { minSize?: number; maxSize?: number };
      labels?: Record<string, string>;
      taints?: { key: string; value: string; effect: string }[];
    };
  return [
    "## Shared services (Helm releases)",
    "",
    "| release | chart | version | namespace |",
    "|---|---|---|---|",
    ...releases.map((r) => {
      const i = inputs(r);
      return `| ${i.name} | ${i.chart} | ${i.version} | ${i.namespace} |`;
    }),
    "",
    "## Node pools",
    "",
    "| pool | instances | nodes | labels | taints |",
    "|---|---|---|---|---|",
    ...pools.map((r) => {
      const i = inputs(r);
      const labels = Object.entries(i.labels ?? {}).map(([k, v]) => `${k}=${v}`);
      const taints = (i.taints ?? []).map((t) => `${t.key}=${t.value}:${t.effect}`);
      return `| ${i.nodeGroupName} | ${(i.instanceTypes ?? []).join(", ")} | ${i.scalingConfig?.minSize}-${i.scalingConfig?.maxSize} | ${labels.join(", ")} | ${taints.join(", ") || "none"} |`;
    }),
    "",
    "## Kubernetes objects",
    "",
  ];
}

type Inputs = Readonly<Record<string, unknown>>;
const inputsOfType = (result: SynthResult, type: string): Inputs[] =>
  result.resources.filter((r) => r.type === type).map((r) => r.inputs);

/**
 * A region's side of the cross-region connectivity: its endpoints (the internal load balancer's
 * ports, who may reach them, the private DNS records) from its platform synth, and the peerings,
 * routes and zone associations the connectivity stack makes for it.
 */
export function connectivitySummary(
  platform: SynthResult,
  connectivity: SynthResult,
  region: string,
): string {
  const ingress = inputsOfType(platform, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
    (r) => typeof r["cidrIpv4"] === "string",
  );
  const records = inputsOfType(platform, "aws:route53/record:Record");
  const peerings = connectivity.resources.filter(
    (r) =>
      r.type === "aws:ec2/vpcPeeringConnection:VpcPeeringConnection" &&
      (r.name.startsWith(`${region}-`) || r.name.endsWith(`-${region}-request`)),
  );
  const routes = inputsOfType(connectivity, "aws:ec2/route:Route");
  const ownTables = new Set(
    (platform.outputs["connectivity"] as { privateRouteTableIds?: string[] } | undefined)
      ?.privateRouteTableIds ?? [],
  );
  return [
    `## Cross-region connectivity (${region}; peerings from stack \`${connectivity.project}/${connectivity.stack}\`)`,
    "",
    "| admitted from | port |",
    "|---|---|",
    ...ingress.map((r) => `| ${String(r["cidrIpv4"])} | ${String(r["fromPort"])}/tcp |`),
    "",
    "| private DNS name | type |",
    "|---|---|",
    ...records.map(
      (r) => `| ${String(r["name"])} | ${String(r["type"])} alias to the internal load balancer |`,
    ),
    "",
    "| peering (requester -> accepter) | routes in this region |",
    "|---|---|",
    ...peerings.map((p) => {
      const pair = p.name.replace(/-request$/, "");
      const mine = routes.filter((r) => ownTables.has(String(r["routeTableId"])));
      const viaPair = mine.filter((r) => String(r["vpcPeeringConnectionId"]).startsWith(`${pair}-`));
      return `| ${pair} | ${viaPair.map((r) => `${String(r["routeTableId"])} -> ${String(r["destinationCidrBlock"])}`).join(", ") || "none"} |`;
    }),
    "",
  ].join("\n");
}

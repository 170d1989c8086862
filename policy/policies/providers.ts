/**
 * Every data-service and cloud provider of a tenant stack is the platform's: its endpoint one of
 * the platform's (policy/platformFacts.ts: the home endpoint or a declared region's cross-region
 * host), its account the platform's, and no input that would send it elsewhere (other endpoints,
 * assumed roles, profiles, base URLs). Inputs are an allow-list: one the pack does not know is
 * refused. A second provider pointing somewhere else is a second server, so providers are counted.
 */
import type { CrossRegionService } from "../../tiers";
import type { TierContext } from "../context";
import { tierStackPolicy, type ResourceView } from "../define";
import { platformFacts, serviceEndpointAllowed, type PlatformFacts } from "../platformFacts";

/** Inputs every provider may carry: the engine's own. */
const ENGINE_KEYS = ["id", "version", "pluginDownloadURL"];

interface ProviderRule {
  /** Inputs it may set. */
  readonly keys: readonly string[];
  /** How many the stack may have (by its regions). */
  readonly most: (context: TierContext) => number;
  /** Why its endpoint or account is not the platform's. */
  readonly problem?: (
    props: Readonly<Record<string, unknown>>,
    context: TierContext,
    facts: PlatformFacts,
  ) => string | undefined;
}

const str = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

function hostPortProblem(
  service: CrossRegionService,
  value: unknown,
  context: TierContext,
  facts: PlatformFacts,
): string | undefined {
  const m = typeof value === "string" ? /^([a-z0-9.-]+):(\d{1,5})$/i.exec(value) : null;
  if (m && serviceEndpointAllowed(context, facts, service, m[1]!.toLowerCase(), Number(m[2])))
    return undefined;
  return `endpoint ${str(value)} is not the platform's ${service} (${facts.endpoints[service].host}:${facts.endpoints[service].port} or a declared region's)`;
}

function managementUrlProblem(
  value: unknown,
  context: TierContext,
  facts: PlatformFacts,
): string | undefined {
  let url: URL | undefined;
  try {
    url = typeof value === "string" ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (
    url &&
    (url.protocol === "http:" || url.protocol === "https:") &&
    !url.username &&
    serviceEndpointAllowed(context, facts, "rabbitmq", url.hostname, undefined)
  )
    return undefined;
  return `endpoint ${str(value)} is not the platform's RabbitMQ (${facts.endpoints.rabbitmq.host} or a declared region's)`;
}

const RULES: Readonly<Record<string, ProviderRule>> = {
  "pulumi:providers:mysql": {
    // proxy: the SDK fills it from ALL_PROXY; it changes the path, not the server (the endpoint).
    keys: ["endpoint", "username", "password", "tls", "proxy"],
    most: () => 1,
    problem: (p, c, f) => hostPortProblem("mysql", p["endpoint"], c, f),
  },
  "pulumi:providers:rabbitmq": {
    // cacertFile: the SDK fills it from RABBITMQ_CACERT; it changes how the server is verified, not which.
    keys: ["endpoint", "username", "password", "cacertFile"],
    most: (c) => c.regions.length,
    problem: (p, c, f) => managementUrlProblem(p["endpoint"], c, f),
  },
  "pulumi:providers:minio": {
    keys: ["minioServer", "minioSsl", "minioUser", "minioPassword"],
    most: (c) => c.regions.length,
    problem: (p, c, f) => hostPortProblem("objectStorage", p["minioServer"], c, f),
  },
  "pulumi:providers:aws": {
    keys: ["region", "defaultTags", "skipCredentialsValidation", "skipRegionValidation", "allowedAccountIds"],
    most: () => 1,
    problem: (p, _c, f) => {
      if (p["region"] !== f.backups.region)
        return `region ${str(p["region"])} is not the platform's backup region ${f.backups.region}`;
      const allowed = p["allowedAccountIds"];
      if (allowed !== undefined && JSON.stringify(allowed) !== JSON.stringify([f.awsAccount]))
        return `allowedAccountIds ${str(allowed)} is not the platform's account ${f.awsAccount}`;
      return undefined;
    },
  },
  // Its cluster is its kubeconfig's (regions.ts judges where that comes from); context, cluster
  // and namespace would pick another identity, cluster or default namespace inside or beside it.
  // The rest are the SDK's environment switches (PULUMI_K8S_*), which change how, not where.
  "pulumi:providers:kubernetes": {
    keys: [
      "kubeconfig",
      "deleteUnreachable",
      "enableConfigMapMutable",
      "enableSecretMutable",
      "enableServerSideApply",
      "skipUpdateUnreachable",
      "suppressDeprecationWarnings",
      "suppressHelmHookWarnings",
      "kubeClientSettings",
    ],
    most: (c) => c.regions.length,
  },
  // Its account is judged on each object (edge-objects-in-tenant-zone); no base URL, no global key.
  "pulumi:providers:cloudflare": { keys: ["apiToken"], most: () => 1 },
  "pulumi:providers:random": { keys: [], most: () => 1 },
};

function providerProblems(
  view: ResourceView,
  rule: ProviderRule,
  context: TierContext,
  facts: PlatformFacts | string,
): string[] {
  const allowed = new Set([...rule.keys, ...ENGINE_KEYS]);
  const problems = Object.keys(view.props)
    .filter((key) => !allowed.has(key))
    .map(
      (key) =>
        `sets ${key}, which could send it elsewhere than the platform; it may set only ${rule.keys.join(", ") || "nothing"}`,
    );
  if (rule.problem) {
    if (typeof facts === "string") problems.push(`cannot be judged: ${facts}`);
    else {
      const problem = rule.problem(view.props, context, facts);
      if (problem) problems.push(problem);
    }
  }
  return problems;
}

export const providersOfPlatform = tierStackPolicy({
  name: "providers-of-platform",
  description:
    "Every MySQL, RabbitMQ, MinIO, AWS and Cloudflare provider of a tenant stack is the platform's: its endpoint, region and account are the platform's, it sets no input that would send it elsewhere, and there are no more of each than the stack's regions need.",
  enforcementLevel: "mandatory",
  validate: (context, resources, report) => {
    const facts = platformFacts(context);
    const counts = new Map<string, number>();
    for (const view of resources) {
      const rule = RULES[view.type];
      if (!rule) continue;
      counts.set(view.type, (counts.get(view.type) ?? 0) + 1);
      for (const problem of providerProblems(view, rule, context, facts))
        report(`${view.type.split(":").pop()} provider ${view.name} ${problem}`, view.urn);
    }
    for (const [type, count] of counts) {
      const most = RULES[type]!.most(context);
      if (count > most)
        report(
          `the stack has ${count} ${type.split(":").pop()} providers; its ${context.regions.length} region(s) need at most ${most}, each the platform's`,
        );
    }
  },
});

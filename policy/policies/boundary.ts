/**
 * The closed world: a tenant stack may create only the resource types the pack knows how to
 * judge (an allow-list per tier), only in its own namespaces, and every name it references
 * (labels, selectors, hostnames, grants, vhost, databases, buckets) stays inside its tenant.
 * Whatever the pack cannot see into is refused with the way to make it judgeable.
 */
import type { KubeObject } from "../analysis/objects";
import { specOf } from "../analysis/objects";
import type { TierContext } from "../context";
import { describe, tierResourcePolicy, type ResourceView } from "../define";
import { isAnyTenantNamespace, tenantScope, type TenantScope } from "../scope";
import { budgetName, budgetTagFilterValue, ORIGIN_PULL, tenantListenerName } from "../../tiers";
import { autoscalerProblems } from "./autoscalers";
import { addressPeerProblems, parentRefProblems, serviceProblems } from "./network";
import {
  backupRolePolicyProblems,
  backupRoleProblems,
  brokerProblems,
  bucketAclProblems,
  minioPolicyProblems,
  mysqlGrantProblems,
} from "./identities";
import { isPinnedChart } from "../../tiers/chartPins";

/** `kubernetes:<group>/<version>:<Kind>` as "group/Kind" ("core/Namespace"), any version. */
const kubernetesKind = (type: string): string | undefined => {
  const m = /^kubernetes:([^:]+)\/[^/:]+:([^:]+)$/.exec(type);
  return m ? `${m[1]}/${m[2]}` : undefined;
};

/**
 * Why a typed Kubernetes resource's manifest is not what its type says: the policies judge the
 * manifest's kind (a RoleBinding typed as a ConfigMap would be allowed as a ConfigMap and judged
 * as neither), and a manifest without apiVersion and kind is judged as no object at all.
 */
function manifestMismatch(view: ResourceView): string | undefined {
  const m = /^kubernetes:([^:]+)\/([^/:]+):([^:]+)$/.exec(view.type)!;
  const apiVersion = m[1] === "core" ? m[2] : `${m[1]}/${m[2]}`;
  const { apiVersion: actualVersion, kind } = view.props as { apiVersion?: unknown; kind?: unknown };
  return actualVersion === apiVersion && kind === m[3]
    ? undefined
    : `its manifest is ${String(actualVersion)} ${String(kind)}, not the ${apiVersion} ${m[3]} its type ${view.type} says`;
}

/** Kubernetes kinds every tenant stack may create: what the pack judges, pods accounted for. */
const TENANT_KINDS = [
  "core/Namespace",
  "core/ResourceQuota",
  "core/LimitRange",
  "core/ConfigMap",
  "core/Secret",
  "core/Service",
  "core/PersistentVolumeClaim",
  "core/Pod",
  "apps/Deployment",
  "apps/StatefulSet",
  "apps/ReplicaSet",
  "batch/Job",
  "batch/CronJob",
  "autoscaling/HorizontalPodAutoscaler",
  "autoscaling.k8s.io/VerticalPodAutoscaler",
  "policy/PodDisruptionBudget",
  "networking.k8s.io/NetworkPolicy",
  "networking.k8s.io/Ingress",
  "keda.sh/ScaledObject",
  "keda.sh/ScaledJob",
  "keda.sh/TriggerAuthentication",
  "gateway.networking.k8s.io/HTTPRoute",
  "gateway.networking.k8s.io/ReferenceGrant",
  "gateway.envoyproxy.io/BackendTrafficPolicy",
  "gateway.envoyproxy.io/ClientTrafficPolicy",
  // A suspended tenant's maintenance response (hostnames-of-tenant judges it and the routes using it).
  "gateway.envoyproxy.io/HTTPRouteFilter",
  "monitoring.coreos.com/PrometheusRule",
  "monitoring.coreos.com/ServiceMonitor",
  "monitoring.coreos.com/AlertmanagerConfig",
  // Outside-in probes of the tenant's hostnames (hostnames-of-tenant judges their targets).
  "monitoring.coreos.com/Probe",
];

const TENANT_TYPES = [
  "pulumi:pulumi:Stack",
  // The regions' platform stacks (stack-references-platform-only judges which).
  "pulumi:pulumi:StackReference",
  "pulumi:providers:kubernetes",
  "pulumi:providers:mysql",
  "pulumi:providers:rabbitmq",
  "pulumi:providers:minio",
  "pulumi:providers:random",
  "random:index/randomPassword:RandomPassword",
  "mysql:index/database:Database",
  "mysql:index/user:User",
  "mysql:index/grant:Grant",
  "rabbitmq:index/vHost:VHost",
  "rabbitmq:index/user:User",
  "rabbitmq:index/permissions:Permissions",
  "rabbitmq:index/exchange:Exchange",
  "rabbitmq:index/queue:Queue",
  "rabbitmq:index/binding:Binding",
  "rabbitmq:index/policy:Policy",
  "minio:index/s3Bucket:S3Bucket",
  "minio:index/s3BucketVersioning:S3BucketVersioning",
  "minio:index/ilmPolicy:IlmPolicy",
  "minio:index/iamUser:IamUser",
  "minio:index/iamPolicy:IamPolicy",
  "minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment",
  "pulumi-nodejs:dynamic/collect-verything:RabbitVhostLimits",
  "pulumi-nodejs:dynamic/collect-verything:MysqlUserLimits",
  // The tenant's backup role (components/operations/tenantBackups.ts); data-services-of-tenant judges its policy.
  "pulumi:providers:aws",
  "aws:iam/role:Role",
  "aws:iam/rolePolicy:RolePolicy",
  // The tenant's budget (components/operations/tenantBudget.ts); data-services-of-tenant judges its name and filter.
  "aws:budgets/budget:Budget",
];

/** Cloudflare resources every tier's edge has: DNS, custom hostnames with TLS, zone settings, rulesets (edge.ts judges their phases and numbers). */
const EDGE_TYPES = [
  "pulumi:providers:cloudflare",
  // Origin lockdown, judged by origin-locked-to-edge and origin-lockdown-present (policy/policies/originLockdown.ts).
  "cloudflare:index/authenticatedOriginPullsSettings:AuthenticatedOriginPullsSettings",
  "cloudflare:index/authenticatedOriginPullsCertificate:AuthenticatedOriginPullsCertificate",
  "cloudflare:index/dnsRecord:DnsRecord",
  "cloudflare:index/ruleset:Ruleset",
  "cloudflare:index/customHostname:CustomHostname",
  "cloudflare:index/customHostnameFallbackOrigin:CustomHostnameFallbackOrigin",
  "cloudflare:index/zoneSetting:ZoneSetting",
];

/** Cloudflare CDN resources (CDN tiers only; Argo and load balancing further limited by business-only-features). */
const CDN_TYPES = [
  "cloudflare:index/tieredCache:TieredCache",
  "cloudflare:index/argoSmartRouting:ArgoSmartRouting",
  "cloudflare:index/loadBalancer:LoadBalancer",
  "cloudflare:index/loadBalancerPool:LoadBalancerPool",
  "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor",
];

const FEDERATION_TYPES = [
  "rabbitmq:index/federationUpstream:FederationUpstream",
  "rabbitmq:index/shovel:Shovel",
];
const DEDICATED_CLUSTER_KINDS = ["mysql.oracle.com/InnoDBCluster"];

/** The platform program's types: the per-tier cluster objects of TierProfile. */
const PLATFORM_TYPES = new Set([
  "pulumi:pulumi:Stack",
  "pulumi:providers:kubernetes",
  // The backup bucket and its key (components/platform/backupBucket.ts).
  "pulumi:providers:aws",
  "aws:kms/key:Key",
  "aws:s3/bucket:Bucket",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketVersioning:BucketVersioning",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  // The region's network, cluster and keys (components/platform/regionNetwork.ts, components/platform/eksCluster.ts, stacks/platform.ts).
  "aws:ec2/vpc:Vpc",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/internetGateway:InternetGateway",
  "aws:ec2/eip:Eip",
  "aws:ec2/natGateway:NatGateway",
  "aws:ec2/routeTable:RouteTable",
  "aws:ec2/routeTableAssociation:RouteTableAssociation",
  "aws:ec2/launchTemplate:LaunchTemplate",
  "aws:ebs/encryptionByDefault:EncryptionByDefault",
  "aws:eks/cluster:Cluster",
  "aws:eks/nodeGroup:NodeGroup",
  "aws:eks/addon:Addon",
  "aws:iam/role:Role",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  // The cluster autoscaler's role, granted through EKS Pod Identity (components/platform/nodePools.ts).
  "aws:eks/podIdentityAssociation:PodIdentityAssociation",
  // The origin-pull PKI of the primary region (components/platform/originPullPki.ts).
  "pulumi:providers:tls",
  "tls:index/privateKey:PrivateKey",
  "tls:index/selfSignedCert:SelfSignedCert",
  "tls:index/certRequest:CertRequest",
  "tls:index/locallySignedCert:LocallySignedCert",
  // The cluster's IAM OIDC provider: the identity the backup roles trust (IRSA).
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
  "aws:kms/alias:Alias",
  // The binlog archiver's role policy (IRSA), writing binlogs/ only.
  "aws:iam/rolePolicy:RolePolicy",
  // Cost allocation: the tags activated, the tenant budgets' topic (components/platform/costAllocation.ts).
  "aws:costexplorer/costAllocationTag:CostAllocationTag",
  "aws:sns/topic:Topic",
  "aws:sns/topicPolicy:TopicPolicy",
  // Cross-region endpoints (components/platform/crossRegionEndpoints.ts) and the connectivity
  // stack's peerings (components/platform/regionPeering.ts): judged by platform-network-closed.
  "aws:ec2/route:Route",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  "aws:lb/loadBalancer:LoadBalancer",
  "aws:lb/targetGroup:TargetGroup",
  "aws:lb/listener:Listener",
  "aws:autoscaling/attachment:Attachment",
  "aws:route53/zone:Zone",
  "aws:route53/record:Record",
  "aws:route53/zoneAssociation:ZoneAssociation",
  "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
  "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter",
  "pulumi:pulumi:StackReference",
]);
const PLATFORM_KINDS = new Set([
  // The backup runners' namespace, quota, account, read access to backup plans and CronJobs.
  "core/Namespace",
  "core/ResourceQuota",
  "core/ServiceAccount",
  "batch/CronJob",
  // The binlog archiver's egress (DNS, MySQL servers, HTTPS).
  "networking.k8s.io/NetworkPolicy",
  "rbac.authorization.k8s.io/ClusterRole",
  "rbac.authorization.k8s.io/ClusterRoleBinding",
  "storage.k8s.io/StorageClass",
  "storage.k8s.io/VolumeAttributesClass",
  "scheduling.k8s.io/PriorityClass",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
  // Metrics retention per tier (components/platform/metricsRetention.ts): Mimir's tier overrides and the platform Prometheus.
  "core/ConfigMap",
  "monitoring.coreos.com/Prometheus",
  // The blackbox exporter, the tenants' Probes' prober (components/platform/blackboxExporter.ts).
  "apps/Deployment",
  "core/Service",
  "policy/PodDisruptionBudget",
  // The shared services (components/platform/sharedServices.ts): the Gateway, the shared InnoDB
  // and RabbitMQ clusters, the shared Redis and the MySQL read endpoint.
  "gateway.networking.k8s.io/GatewayClass",
  "gateway.networking.k8s.io/Gateway",
  // The Gateway's origin lockdown (judged by origin-locked-to-edge).
  "gateway.envoyproxy.io/ClientTrafficPolicy",
  "mysql.oracle.com/InnoDBCluster",
  "rabbitmq.com/RabbitmqCluster",
  "apps/Deployment",
  "core/Service",
]);
const COMPONENT_PREFIX = {
  tenant: "collect-verything:tenant:",
  platform: "collect-verything:platform:",
} as const;

/** Resources whose contents the pack cannot see, and how to make them judgeable. */
const OPAQUE: readonly [RegExp, string][] = [
  [
    /^kubernetes:helm\.sh\//,
    "a Helm chart's objects are rendered by the cluster-side tooling, out of the pack's sight; render it (`helm template`) into typed kubernetes resources",
  ],
  [
    /^kubernetes:yaml(\/v2)?:/,
    "a YAML ConfigGroup/ConfigFile expands remotely, out of the pack's sight; declare its objects as typed kubernetes resources",
  ],
  [
    /^kubernetes:kustomize(\/v2)?:/,
    "a kustomize Directory expands remotely, out of the pack's sight; build it (`kustomize build`) into typed kubernetes resources",
  ],
  [
    /^pulumi-nodejs:dynamic/,
    "a dynamic provider's code runs with the stack's credentials and cannot be judged; only the project's own dynamic resources are allowed",
  ],
];

interface Allowed {
  readonly types: ReadonlySet<string>;
  readonly kinds: ReadonlySet<string>;
}

const allowedByTier = new Map<string, Allowed>();

function allowedFor({ profile }: TierContext): Allowed {
  const tier = profile.tier;
  let allowed = allowedByTier.get(tier.name);
  if (!allowed) {
    allowed = {
      types: new Set([
        ...TENANT_TYPES,
        ...EDGE_TYPES,
        ...(tier.cdn.enabled ? CDN_TYPES : []),
        ...(tier.messaging.federation ? FEDERATION_TYPES : []),
      ]),
      kinds: new Set([...TENANT_KINDS, ...(tier.database.dedicatedCluster ? DEDICATED_CLUSTER_KINDS : [])]),
    };
    allowedByTier.set(tier.name, allowed);
  }
  return allowed;
}

function refusal(view: ResourceView, where: string): string {
  const opaque = OPAQUE.find(([pattern]) => pattern.test(view.type));
  if (opaque) return `${describe(view)} (${view.type}) cannot be judged: ${opaque[1]}`;
  return `${describe(view)}: ${view.type} is not a resource type ${where} may create; the pack judges only the types it knows (policy/policies/boundary.ts)`;
}

export const resourceTypeAllowed = tierResourcePolicy({
  name: "resource-type-allowed",
  description:
    "A tenant stack creates only resource types the pack can judge, per tier (an allow-list); the platform stack only the tier objects.",
  enforcementLevel: "mandatory",
  validate: (context, view, report) => {
    if (view.type.startsWith(COMPONENT_PREFIX.tenant)) return;
    const allowed = allowedFor(context);
    const kind = kubernetesKind(view.type);
    if (allowed.types.has(view.type)) return;
    if (kind !== undefined && allowed.kinds.has(kind)) {
      const mismatch = manifestMismatch(view);
      if (mismatch) report(`${describe(view)}: ${mismatch}`);
      return;
    }
    report(refusal(view, `a ${context.profile.tier.displayName} tenant stack`));
  },
  validatePlatform: (view, report) => {
    if (view.type.startsWith(COMPONENT_PREFIX.platform)) return;
    const kind = kubernetesKind(view.type);
    // The platform binds only the roles it defines: never cluster-admin or a system role.
    const roleRef =
      kind === "rbac.authorization.k8s.io/ClusterRoleBinding"
        ? (view.object as { roleRef?: { name?: string } }).roleRef?.name
        : undefined;
    if (roleRef !== undefined && (roleRef === "cluster-admin" || roleRef.startsWith("system:"))) {
      report(`${describe(view)} binds ${roleRef}; the platform program grants only its own roles`);
      return;
    }
    if (PLATFORM_TYPES.has(view.type) || (kind !== undefined && PLATFORM_KINDS.has(kind))) return;
    // One Secret only: the origin-pull CA's certificate in the Gateway's namespace (nothing secret in it).
    if (kind === "core/Secret" && isOriginPullCaSecret(view)) return;
    // A shared service's chart: only a pinned chart at its pinned version (tiers/chartPins.ts).
    const release = view.props as { chart?: unknown; version?: unknown };
    if (view.type === "kubernetes:helm.sh/v3:Release" && isPinnedChart(release.chart, release.version))
      return;
    report(refusal(view, "the platform stack"));
  },
});

/** The origin-pull CA Secret (tiers/edge.ts ORIGIN_PULL), holding its certificate and nothing else. */
function isOriginPullCaSecret(view: ResourceView): boolean {
  const secret = view.object as
    { metadata?: { name?: string }; stringData?: object; data?: object } | undefined;
  if (!secret) return false;
  const keys = [...Object.keys(secret.stringData ?? {}), ...Object.keys(secret.data ?? {})];
  return secret.metadata?.name === ORIGIN_PULL.caSecret && keys.length === 1 && keys[0] === "ca.crt";
}

/** The `tenant` labels an object carries: its own and its pod template's. */
function tenantLabelValues(o: KubeObject): string[] {
  const template = specOf<{ template?: { metadata?: { labels?: Record<string, string> } } }>(o).template;
  return [o.metadata?.labels?.["tenant"], template?.metadata?.labels?.["tenant"]].filter(
    (v): v is string => v !== undefined,
  );
}

export const namespaceOfTenant = tierResourcePolicy({
  name: "namespace-of-tenant",
  description:
    "Every Kubernetes object of a tenant stack lives in one of the tenant's namespaces (never default or another tenant's), and no `tenant` label names another tenant.",
  enforcementLevel: "mandatory",
  validate: (context, view, report) => {
    const o = view.object;
    if (!o) return;
    const scope = tenantScope(context);
    const where = describe(view);
    if (o.kind === "Namespace") {
      const name = o.metadata?.name ?? "";
      if (!scope.namespaces.has(name))
        report(`${where} is not one of tenant ${scope.tenant}'s namespaces (${describeScope(scope)})`);
      if (o.metadata?.labels?.["tenant"] !== scope.tenant)
        report(
          `${where} must be labelled tenant=${scope.tenant}: network policies admit namespaces by that label`,
        );
    } else if (o.kind === "ClientTrafficPolicy") {
      // It must sit beside the Gateway it targets: allowed there only on the tenant's own listener.
      for (const problem of listenerPolicyProblems(o, scope, context.profile.tier.rateLimit.maxConnections))
        report(`${where} ${problem}`);
    } else {
      const ns = o.metadata?.namespace;
      if (ns === undefined || ns === "")
        report(
          `${where} names no namespace (it would land in the provider's default); set metadata.namespace to one of tenant ${scope.tenant}'s`,
        );
      else if (!scope.namespaces.has(ns))
        report(
          `${where} is in namespace ${ns}, which is not tenant ${scope.tenant}'s (${describeScope(scope)})`,
        );
    }
    for (const value of tenantLabelValues(o))
      if (value !== scope.tenant)
        report(`${where} is labelled tenant=${value}; this stack's tenant is ${scope.tenant}`);
  },
});

/**
 * A ClientTrafficPolicy applies to every client of the listeners it targets, so a tenant stack may
 * only target its own listener (`tenant-<id>`) and only to cap connections within its tier.
 */
function listenerPolicyProblems(o: KubeObject, scope: TenantScope, maxConnections: number): string[] {
  const spec = specOf<{
    targetRefs?: { kind?: string; sectionName?: string }[];
    targetRef?: unknown;
    targetSelectors?: unknown;
    connection?: { connectionLimit?: { value?: number } };
  }>(o);
  const own = tenantListenerName(scope.tenant);
  const problems: string[] = [];
  if (spec.targetRef !== undefined || spec.targetSelectors !== undefined || !spec.targetRefs?.length)
    problems.push(
      `must target Gateway listeners by targetRefs (only listener ${own} is tenant ${scope.tenant}'s)`,
    );
  for (const ref of spec.targetRefs ?? []) {
    if (ref.kind !== "Gateway" || ref.sectionName !== own)
      problems.push(
        `targets ${ref.kind ?? "?"} listener ${ref.sectionName ?? "(every listener)"}; only listener ${own} is tenant ${scope.tenant}'s`,
      );
  }
  const limit = spec.connection?.connectionLimit?.value;
  if (typeof limit !== "number" || limit > maxConnections)
    problems.push(`caps connections at ${limit ?? "nothing"}; the tier allows at most ${maxConnections}`);
  return problems;
}

const describeScope = (scope: TenantScope): string =>
  `e-commerce-tenant-${scope.tenant}, its -site-<n> namespaces${scope.databaseNamespace ? ` and ${scope.databaseNamespace}` : ""}`;

const isUnder = (hostname: string, domain: string): boolean =>
  hostname === domain || hostname.endsWith(`.${domain}`);

/**
 * A hostname in the one spelling the pack compares: resolvers and Cloudflare treat case, a
 * trailing dot and IDNA-mapped characters (U+3002 for a dot) as the same name, so any other
 * spelling could be another tenant's hostname under a name the pack would not recognise.
 */
const CANONICAL_HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Problems of one hostname a tenant route serves. */
export function hostnameProblem(
  hostname: string,
  context: TierContext,
  scope: TenantScope,
): string | undefined {
  if (hostname.includes("*")) return `wildcard hostname ${hostname} would capture other tenants' traffic`;
  if (!CANONICAL_HOSTNAME.test(hostname))
    return `hostname ${JSON.stringify(hostname)} is not written canonically (lower-case ASCII labels of letters, digits and hyphens, no trailing dot; punycode for other scripts), so it cannot be told apart from another tenant's`;
  if (isUnder(hostname, context.platformDomain) && !scope.platformHostnames.has(hostname)) {
    return `hostname ${hostname} is a platform hostname that is not tenant ${scope.tenant}'s`;
  }
  return undefined;
}

/**
 * A Probe feeds the tenant's availability SLI (labels tenant and hostname): it probes static
 * https URLs only (no ingress or service discovery, which reach beyond its hostnames), labelled
 * as its own tenant's.
 */
function probeProblems(o: KubeObject, scope: TenantScope): string[] {
  const spec = specOf<{
    targets?: { staticConfig?: { static?: string[]; labels?: Record<string, string> }; ingress?: unknown };
  }>(o);
  const config = spec.targets?.staticConfig;
  const problems: string[] = [];
  if (spec.targets?.ingress !== undefined || !config || (config.static ?? []).length === 0)
    problems.push("probes no static targets; list the tenant's hostnames' URLs");
  for (const target of config?.static ?? [])
    if (!/^https?:\/\/[^/:?#]+/.test(target)) problems.push(`target ${target} is not an http(s) URL`);
  if (config?.labels?.["tenant"] !== scope.tenant)
    problems.push(
      `its series must be labelled tenant=${scope.tenant}, got ${config?.labels?.["tenant"] ?? "none"}`,
    );
  return problems;
}

interface RouteFilter {
  readonly type?: string;
  readonly extensionRef?: { readonly group?: string; readonly kind?: string; readonly name?: string };
}

/**
 * A tenant route's rule filters: only a reference to an Envoy Gateway HTTPRouteFilter (the
 * maintenance response of a suspended tenant), which is local to the route's namespace. The
 * other filters (redirects and rewrites naming a host, mirrors to a backend) are refused: the
 * pack does not judge where they send a hostname's requests.
 */
function routeRuleFilterProblems(filter: RouteFilter): string[] {
  const ref = filter.extensionRef;
  if (
    filter.type === "ExtensionRef" &&
    ref?.group === "gateway.envoyproxy.io" &&
    ref.kind === "HTTPRouteFilter"
  )
    return [];
  return [
    `a rule filter of type ${String(filter.type)}${ref ? ` (${String(ref.group)}/${String(ref.kind)})` : ""}: a tenant's route may only reference its own HTTPRouteFilter (gateway.envoyproxy.io), the maintenance response`,
  ];
}

/**
 * A tenant's HTTPRouteFilter answers directly with an inline body, nothing else: a URL rewrite
 * could send a hostname's requests to another host, credential injection adds credentials, and
 * a body from a ConfigMap is content the pack cannot see.
 */
function routeFilterProblems(o: KubeObject): string[] {
  const spec = specOf<{ directResponse?: { body?: { type?: string; valueRef?: unknown } } }>(o);
  const problems = Object.keys(spec)
    .filter((key) => key !== "directResponse")
    .map((key) => `sets ${key}; a tenant's HTTPRouteFilter only answers directly (directResponse)`);
  if (!spec.directResponse) problems.push("has no directResponse, the only filter a tenant may declare");
  const body = spec.directResponse?.body;
  if (body && (body.type !== "Inline" || body.valueRef !== undefined))
    problems.push("its direct response's body is not inline; the pack judges only an inline body");
  return problems;
}

export const hostnamesOfTenant = tierResourcePolicy({
  name: "hostnames-of-tenant",
  description:
    "Routes, ingress rules and Probes name their hosts: the tenant's own platform hostnames or its custom domains, never a wildcard or another tenant's; backends stay in the tenant's namespaces; a route's only filter is its own HTTPRouteFilter, a direct response (a suspended tenant's maintenance page).",
  enforcementLevel: "mandatory",
  validate: (context, view, report) => {
    const o = view.object;
    if (o?.kind === "HTTPRouteFilter") {
      for (const problem of routeFilterProblems(o)) report(`${describe(view)}: ${problem}`);
      return;
    }
    if (o?.kind !== "HTTPRoute" && o?.kind !== "Ingress" && o?.kind !== "Probe") return;
    const scope = tenantScope(context);
    const where = describe(view);
    const check = (hostname: string) => {
      const problem = hostnameProblem(hostname, context, scope);
      if (problem) report(`${where}: ${problem}`);
    };
    if (o.kind === "Probe") {
      probeProblems(o, scope).forEach((p) => report(`${where}: ${p}`));
      const targets = specOf<{ targets?: { staticConfig?: { static?: string[] } } }>(o).targets;
      for (const target of targets?.staticConfig?.static ?? []) {
        const host = /^https?:\/\/([^/:?#]+)/.exec(target)?.[1];
        if (host) check(host);
      }
      return;
    }
    if (o.kind === "HTTPRoute") {
      for (const problem of parentRefProblems(o, context)) report(`${where}: ${problem}`);
      const spec = specOf<{
        hostnames?: string[];
        rules?: { backendRefs?: { namespace?: string; name?: string }[]; filters?: RouteFilter[] }[];
      }>(o);
      for (const filter of (spec.rules ?? []).flatMap((r) => r.filters ?? []))
        for (const problem of routeRuleFilterProblems(filter)) report(`${where}: ${problem}`);
      if ((spec.hostnames ?? []).length === 0)
        report(
          `${where} has no hostnames, so it matches every host of its gateway; list the tenant's hostnames`,
        );
      for (const h of spec.hostnames ?? []) check(h);
      for (const ref of (spec.rules ?? []).flatMap((r) => r.backendRefs ?? [])) {
        if (ref.namespace !== undefined && !scope.namespaces.has(ref.namespace))
          report(
            `${where}: backend ${ref.namespace}/${ref.name} is outside tenant ${scope.tenant}'s namespaces`,
          );
      }
    } else {
      const spec = specOf<{
        rules?: { host?: string }[];
        tls?: { hosts?: string[] }[];
        defaultBackend?: unknown;
      }>(o);
      if (spec.defaultBackend !== undefined)
        report(`${where} has a default backend, which serves every host; route by host instead`);
      for (const rule of spec.rules ?? []) {
        if (!rule.host)
          report(
            `${where} has a rule without a host, which matches every host; give each rule the tenant's hostname`,
          );
        else check(rule.host);
      }
      for (const h of (spec.tls ?? []).flatMap((t) => t.hosts ?? [])) check(h);
    }
  },
});

interface Peer {
  namespaceSelector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  podSelector?: object;
  ipBlock?: { cidr?: string };
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: unknown[];
}

const METADATA_NAME = "kubernetes.io/metadata.name";

/** The Kubernetes API's ports: its endpoints are the control plane's addresses, which the platform facts do not name. */
const API_SERVER_PORTS = [
  { protocol: "TCP", port: 443 },
  { protocol: "TCP", port: 6443 },
];

/**
 * The one peerless rule a tenant stack builds: the dedicated MySQL cluster's operator sidecar to
 * the Kubernetes API (components/data/dedicatedMysqlCluster.ts), egress from the tenant's database
 * namespace on the API's ports only.
 */
function isApiServerEgress(o: KubeObject, direction: string, rule: Rule, scope: TenantScope): boolean {
  return (
    direction === "egress" &&
    scope.databaseNamespace !== undefined &&
    o.metadata?.namespace === scope.databaseNamespace &&
    JSON.stringify(rule.ports) === JSON.stringify(API_SERVER_PORTS)
  );
}

/** Why a peer reaches beyond the tenant (undefined when it does not). */
function peerProblem(peer: Peer, scope: TenantScope): string | undefined {
  const selector = peer.namespaceSelector;
  if (selector === undefined) return undefined;
  if ((selector.matchExpressions ?? []).length > 0)
    return "a namespaceSelector with matchExpressions cannot be judged; use matchLabels with tenant or kubernetes.io/metadata.name";
  const labels = selector.matchLabels ?? {};
  const named = labels[METADATA_NAME];
  if (named !== undefined)
    return isAnyTenantNamespace(named) && !scope.namespaces.has(named)
      ? `namespace ${named} belongs to another tenant`
      : undefined;
  if (labels["tenant"] === undefined)
    return "a namespaceSelector without tenant or kubernetes.io/metadata.name selects other tenants' namespaces";
  if (labels["tenant"] !== scope.tenant) return `it selects tenant=${labels["tenant"]}'s namespaces`;
  return undefined;
}

export const networkPolicyWithinTenant = tierResourcePolicy({
  name: "network-policy-within-tenant",
  description:
    "A tenant NetworkPolicy allows traffic only within the tenant and to named platform namespaces: no rule that allows everything, no other tenant's namespaces, address peers judged by what they cover (network.ts); Services claim no external addresses and alias no other name.",
  enforcementLevel: "mandatory",
  validate: (context, view, report) => {
    const o = view.object;
    if (o?.kind === "Service")
      for (const problem of serviceProblems(o)) report(`${describe(view)} ${problem}`);
    if (o?.kind !== "NetworkPolicy") return;
    for (const problem of addressPeerProblems(o, context)) report(`${describe(view)}: ${problem}`);
    const scope = tenantScope(context);
    const spec = specOf<{ ingress?: Rule[]; egress?: Rule[] }>(o);
    const rules: [string, Rule, Peer[] | undefined][] = [
      ...(spec.ingress ?? []).map((r): [string, Rule, Peer[] | undefined] => ["ingress", r, r.from]),
      ...(spec.egress ?? []).map((r): [string, Rule, Peer[] | undefined] => ["egress", r, r.to]),
    ];
    for (const [direction, rule, peers] of rules) {
      if ((peers ?? []).length === 0 && (rule.ports ?? []).length === 0) {
        report(
          `${describe(view)}: an ${direction} rule without peers or ports allows all traffic, which undoes default-deny`,
        );
      } else if ((peers ?? []).length === 0 && !isApiServerEgress(o, direction, rule, scope)) {
        report(
          `${describe(view)}: an ${direction} rule with ports but no peers allows every address on those ports (the internet, the node's metadata and other tenants' pods included); name its peers`,
        );
      }
      for (const peer of peers ?? []) {
        const problem = peerProblem(peer, scope);
        if (problem) report(`${describe(view)}: ${direction} ${problem}`);
      }
    }
  },
});

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** The names a data-service resource uses, with the set each must belong to. */
function dataServiceNames(
  view: ResourceView,
  scope: TenantScope,
): [string, string | undefined, (name: string) => boolean][] {
  const p = view.props;
  const inSet = (set: ReadonlySet<string>) => (name: string) => set.has(name);
  const equal = (expected: string) => (name: string) => name === expected;
  const names: [string, string | undefined, (name: string) => boolean][] = [];
  if (view.type.startsWith("rabbitmq:") && p["vhost"] !== undefined)
    names.push(["vhost", str(p["vhost"]), equal(scope.vhost)]);
  switch (view.type) {
    case "rabbitmq:index/vHost:VHost":
      names.push(["vhost", str(p["name"]), equal(scope.vhost)]);
      break;
    case "rabbitmq:index/user:User":
    case "rabbitmq:index/permissions:Permissions":
      names.push(["user", str(p["user"] ?? p["name"]), equal(scope.rabbitUser)]);
      break;
    case "mysql:index/database:Database":
      names.push(["database", str(p["name"]), inSet(scope.databases)]);
      break;
    case "mysql:index/user:User":
      names.push(["user", str(p["user"]), inSet(scope.databaseUsers)]);
      break;
    case "mysql:index/grant:Grant":
      names.push(
        ["user", str(p["user"]), inSet(scope.databaseUsers)],
        ["database", str(p["database"]), inSet(scope.databases)],
      );
      break;
    case "minio:index/s3Bucket:S3Bucket":
    case "minio:index/s3BucketVersioning:S3BucketVersioning":
    case "minio:index/ilmPolicy:IlmPolicy":
      names.push(["bucket", str(p["bucket"]), inSet(scope.buckets)]);
      break;
    case "minio:index/iamUser:IamUser":
      names.push(["user", str(p["name"]), objectStorageUserOf(scope)]);
      break;
    case "minio:index/iamPolicy:IamPolicy":
      names.push(["policy", str(p["name"]), objectStoragePolicyOf(scope)]);
      break;
    case "minio:index/iamUserPolicyAttachment:IamUserPolicyAttachment":
      names.push(
        ["user", str(p["userName"]), objectStorageUserOf(scope)],
        ["policy", str(p["policyName"]), objectStoragePolicyOf(scope)],
      );
      break;
    case "pulumi-nodejs:dynamic/collect-verything:RabbitVhostLimits":
      names.push(["vhost", str(p["vhost"]), equal(scope.vhost)]);
      break;
    case "pulumi-nodejs:dynamic/collect-verything:MysqlUserLimits":
      names.push(["user", str(p["user"]), inSet(scope.databaseUsers)]);
      break;
  }
  return names;
}

/** The tenant's object-storage users: its services' and, where the tier replicates, its replicator. */
const objectStorageUserOf =
  (scope: TenantScope) =>
  (name: string): boolean =>
    name === scope.objectStorageUser || name === scope.objectStorageReplicator;
/** Its policies: `<user>-*` for the services', the replicator's own name for the replicator's. */
const objectStoragePolicyOf =
  (scope: TenantScope) =>
  (name: string): boolean =>
    name.startsWith(`${scope.objectStorageUser}-`) || name === scope.objectStorageReplicator;

/** A tenant's budget watches its own cost-allocation tag only, under its own name (tiers/costAllocation.ts). */
function budgetProblems(props: Readonly<Record<string, unknown>>, tenant: string): string[] {
  const problems: string[] = [];
  if (props["name"] !== budgetName(tenant))
    problems.push(`is named ${String(props["name"])}, not tenant ${tenant}'s ${budgetName(tenant)}`);
  const filters = props["costFilters"];
  const own = [{ name: "TagKeyValue", values: [budgetTagFilterValue(tenant)] }];
  if (JSON.stringify(filters) !== JSON.stringify(own))
    problems.push(
      `filters ${JSON.stringify(filters ?? null)}; a tenant's budget filters on its own tag only (${budgetTagFilterValue(tenant)})`,
    );
  return problems;
}

export const dataServicesOfTenant = tierResourcePolicy({
  name: "data-services-of-tenant",
  description:
    "Databases, database users and grants, the vhost and its user, buckets, the object-storage user and policy, route grants and autoscaler credentials are the tenant's own (tiers/naming); IAM and MinIO documents and the backup role's trust policy are judged on meaning, the broker user has no tags, shovels and upstreams read only the tenant's vhost on the platform's brokers, buckets are private (identities.ts).",
  enforcementLevel: "mandatory",
  validate: (context, view, report) => {
    const scope = tenantScope(context);
    for (const [what, name, allowed] of dataServiceNames(view, scope)) {
      if (name === undefined) continue;
      if (!allowed(name)) report(`${describe(view)}: ${what} ${name} is not tenant ${scope.tenant}'s`);
    }
    const identity =
      view.type === "minio:index/iamPolicy:IamPolicy"
        ? minioPolicyProblems(view, context)
        : view.type === "aws:iam/rolePolicy:RolePolicy"
          ? backupRolePolicyProblems(view, context)
          : view.type === "aws:iam/role:Role"
            ? backupRoleProblems(view, context)
            : view.type === "minio:index/s3Bucket:S3Bucket"
              ? bucketAclProblems(view)
              : view.type === "mysql:index/grant:Grant"
                ? mysqlGrantProblems(view)
                : view.type.startsWith("rabbitmq:")
                  ? brokerProblems(view, context)
                  : [];
    for (const problem of identity) report(`${describe(view)}: ${problem}`);
    if (view.type === "aws:budgets/budget:Budget") {
      for (const problem of budgetProblems(view.props, scope.tenant)) report(`${describe(view)}: ${problem}`);
    }
    const o = view.object;
    if (o) for (const problem of autoscalerProblems(o, context)) report(`${describe(view)}: ${problem}`);
    if (o?.kind === "ReferenceGrant") {
      for (const from of specOf<{ from?: { namespace?: string }[] }>(o).from ?? []) {
        if (!from.namespace || !scope.namespaces.has(from.namespace))
          report(
            `${describe(view)} grants access to namespace ${from.namespace ?? "(none)"}, outside tenant ${scope.tenant}`,
          );
      }
    }
  },
});

/**
 * Every policy with one passing and at least one failing case, on hand-built arguments: a
 * happy-path fixture changed one field per case. The failing message must name the resource,
 * the value and the tier limit.
 */
import { offlinePlatformFacts } from "../synth/platformStandIn";
import { originLockdownSpec } from "../tiers/edge";
import {
  unknownCheckingProxy,
  type Policies,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import type { ContextConfig } from "../policy/context";
import { TIER_POLICIES } from "../policy/policies";
import { resourceArgs, stackViolationsOf, violationsOf, type FakeResource, urnOf } from "./helpers/policy";

const NS = "e-commerce-tenant-acme";
const labels = { tenant: "acme", tier: "standard" };
const k8s = (
  apiVersion: string,
  kind: string,
  name: string,
  body: Record<string, unknown>,
  namespace: string | null = NS,
): FakeResource => ({
  type: `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`,
  props: { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}), labels }, ...body },
});

const quotaHard = {
  "requests.cpu": "2",
  "requests.memory": "4Gi",
  "limits.cpu": "4",
  "limits.memory": "8Gi",
  pods: "15",
  persistentvolumeclaims: "3",
  "services.loadbalancers": "1",
  "requests.storage": "50Gi",
  "tier-premium-storage.storageclass.storage.k8s.io/requests.storage": "0Gi",
  "tier-business-storage.storageclass.storage.k8s.io/requests.storage": "0Gi",
};
const quota = (hard: Record<string, string> = quotaHard) =>
  k8s("v1", "ResourceQuota", "tenant-quota", { spec: { hard } });
const limitRange = (containerDefaultCpu = "265m") =>
  k8s("v1", "LimitRange", "tenant-limits", {
    spec: {
      limits: [
        {
          type: "Container",
          max: { cpu: "2", memory: "4Gi" },
          default: { cpu: containerDefaultCpu, memory: "512Mi" },
          defaultRequest: { cpu: "130m", memory: "256Mi" },
        },
        { type: "Pod", max: { cpu: "4", memory: "8Gi" } },
        { type: "PersistentVolumeClaim", max: { storage: "50Gi" } },
      ],
    },
  });
const container = (overrides: Record<string, unknown> = {}) => ({
  name: "app",
  resources: { requests: { cpu: "130m", memory: "256Mi" }, limits: { cpu: "265m", memory: "512Mi" } },
  securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true },
  ...overrides,
});
const podSpec = (c = container(), pod: Record<string, unknown> = {}) => ({
  priorityClassName: "tier-standard",
  containers: [c],
  ...pod,
});
const deployment = (c = container(), pod: Record<string, unknown> = {}, replicas = 1) =>
  k8s("apps/v1", "Deployment", "orders-service", {
    spec: {
      replicas,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      template: { spec: podSpec(c, pod) },
    },
  });
const hpa = (max = 3, min = 2) =>
  k8s("autoscaling/v2", "HorizontalPodAutoscaler", "api-gateway", {
    spec: { scaleTargetRef: { kind: "Deployment", name: "api-gateway" }, minReplicas: min, maxReplicas: max },
  });
const scaledObject = (max?: number) =>
  k8s("keda.sh/v1alpha1", "ScaledObject", "api-gateway", {
    spec: {
      scaleTargetRef: { name: "api-gateway" },
      minReplicaCount: 1,
      ...(max ? { maxReplicaCount: max } : {}),
    },
  });
const pvc = (storage = "20Gi", storageClassName = "tier-standard-storage", protect = true): FakeResource => ({
  ...k8s("v1", "PersistentVolumeClaim", "redis-data", {
    spec: {
      storageClassName,
      volumeAttributesClassName: storageClassName.replace("storage", "iops"),
      resources: { requests: { storage } },
    },
  }),
  protect,
});
const storageClass = (iops = "3000") =>
  k8s(
    "storage.k8s.io/v1",
    "StorageClass",
    "tier-standard-storage",
    {
      provisioner: "ebs.csi.aws.com",
      parameters: { type: "gp3", iops, throughput: "125", encrypted: "true" },
    },
    null,
  );
const namespace = (
  name = NS,
  extra: Record<string, string> = { "pod-security.kubernetes.io/enforce": "restricted" },
  protect = true,
): FakeResource => ({
  type: "kubernetes:core/v1:Namespace",
  props: { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { ...labels, ...extra } } },
  protect,
});
const configMap = (data: Record<string, string>) => k8s("v1", "ConfigMap", "tenant-runtime", { data });
const denyAll = (ns = NS) =>
  k8s(
    "networking.k8s.io/v1",
    "NetworkPolicy",
    "default-deny",
    { spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
    ns,
  );
const route = (hostnames: string[], ns = NS) =>
  k8s("gateway.networking.k8s.io/v1", "HTTPRoute", `site-${hostnames.length}`, { spec: { hostnames } }, ns);
const bucket = (name: string, quotaGb: number | undefined, protect = true): FakeResource => ({
  type: "minio:index/s3Bucket:S3Bucket",
  name,
  props: { bucket: name, ...(quotaGb !== undefined ? { quota: quotaGb * 2 ** 30 } : {}) },
  protect,
});
/** The Standard tier's queue limits (seed 000: 5000 messages, 24 h TTL, 30 min consumer timeout). */
const STANDARD_QUEUE_LIMITS = {
  "max-length": "5000",
  "message-ttl": "86400000",
  "consumer-timeout": "1800000",
};
const rabbitPolicy = (definition: Record<string, string> = STANDARD_QUEUE_LIMITS, pattern = ".*") => ({
  type: "rabbitmq:index/policy:Policy",
  name: "tenant-limits",
  props: {
    name: "tenant-limits",
    vhost: NS,
    policy: { pattern, priority: 0, applyTo: "queues", definition },
  },
});

const ruleset = (phase: string, rules: object[]): FakeResource => ({
  type: "cloudflare:index/ruleset:Ruleset",
  name: "edge",
  props: { kind: "zone", phase, rules },
});
const cacheRule = (cache: boolean, edgeTtl?: number, expression = "true") => ({
  ref: "r",
  expression,
  action: "set_cache_settings",
  actionParameters: { cache, ...(edgeTtl ? { edgeTtl: { mode: "override_origin", default: edgeTtl } } : {}) },
});
const rateRule = (period: number, requestsPerPeriod: number) => ({
  ref: "r",
  expression: "true",
  action: "block",
  ratelimit: { characteristics: ["cf.colo.id", "ip.src"], period, requestsPerPeriod },
});
const zoneSetting = (settingId: string, value: string): FakeResource => ({
  type: "cloudflare:index/zoneSetting:ZoneSetting",
  name: settingId,
  props: { settingId, value },
});

const STANDARD: ContextConfig = { tier: "standard" };
const providerOf = (pkg: string, name: string) => ({
  type: `pulumi:providers:${pkg}`,
  name,
  urn: urnOf(`pulumi:providers:${pkg}`, name),
  props: pkg === "kubernetes" ? { kubeconfig: "apiVersion: v1\nkind: Config\n" } : {},
});
/** The Kubernetes provider of a region, as the tenant program declares it. */
const regionalProvider = (region: string): FakeResource => ({
  type: "pulumi:providers:kubernetes",
  name: `kubernetes-${region}`,
  props: { kubeconfig: "apiVersion: v1\nkind: Config\n" },
  dependencies: [urnOf("pulumi:pulumi:StackReference", `platform-${region}`)],
});
/** A region as the tenant program declares it: its platform stack's reference and the provider built from it. */
const regional = (region: string): FakeResource[] => [
  {
    type: "pulumi:pulumi:StackReference",
    name: `platform-${region}`,
    props: { name: `collect-verything/platform/${region}` },
  },
  regionalProvider(region),
];
const inRegion = (r: FakeResource, region: string): FakeResource => ({
  ...r,
  provider: providerOf("kubernetes", `kubernetes-${region}`),
});
const minioOf = (region: string) => providerOf("minio", `acme-${region}-object-storage-minio`);
const stackReference = (name: string): FakeResource => ({
  type: "pulumi:pulumi:StackReference",
  name: "platform",
  props: { name },
});
const PREMIUM: ContextConfig = { tier: "premium" };

// Closed world: fixtures of the bypasses an adversarial review found (issue 12), each failing with
// the pack's own policies, next to the legitimate object it was derived from.
const OTHER = "e-commerce-tenant-other";
const BUSINESS: ContextConfig = { tier: "business" };
const inNs = (r: FakeResource, namespace: string | null): FakeResource => {
  const metadata = { ...(r.props["metadata"] as Record<string, unknown>) };
  if (namespace === null) delete metadata["namespace"];
  else metadata["namespace"] = namespace;
  return { ...r, props: { ...r.props, metadata } };
};
const withSpec = (r: FakeResource, spec: Record<string, unknown>): FakeResource => ({
  ...r,
  props: { ...r.props, spec: { ...(r.props["spec"] as object), ...spec } },
});
const loadBalancer = (ns = NS) =>
  k8s("v1", "Service", "edge", { spec: { type: "LoadBalancer", ports: [{ port: 443 }] } }, ns);
const clusterIp = (extra: Record<string, unknown> = {}) =>
  k8s("v1", "Service", "orders", { spec: { type: "ClusterIP", ports: [{ port: 8003 }], ...extra } });
const opaque = (type: string): FakeResource => ({ type, name: "extras", props: {} });
const clientTraffic = (sectionName: string, connections: number): FakeResource =>
  k8s(
    "gateway.envoyproxy.io/v1alpha1",
    "ClientTrafficPolicy",
    "tenant-acme-connections",
    {
      spec: {
        targetRefs: [
          { group: "gateway.networking.k8s.io", kind: "Gateway", name: "platform-gateway", sectionName },
        ],
        connection: { connectionLimit: { value: connections } },
      },
    },
    "gateway-system",
  );
const rolePolicy = (statements: object[]): FakeResource => ({
  type: "aws:iam/rolePolicy:RolePolicy",
  name: "acme-backups-policy",
  props: { policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) },
});
const cluster = (apiVersion: string, kind: string, name: string, body: Record<string, unknown> = {}) =>
  k8s(apiVersion, kind, name, body, null);
const allowTenant = (
  peer: Record<string, unknown> = {
    namespaceSelector: { matchLabels: { tenant: "acme", "app.kubernetes.io/part-of": "collect-verything" } },
  },
  direction: "ingress" | "egress" = "egress",
) =>
  k8s("networking.k8s.io/v1", "NetworkPolicy", "allow-tenant", {
    spec: {
      podSelector: {},
      policyTypes: [direction === "ingress" ? "Ingress" : "Egress"],
      [direction]: [{ [direction === "ingress" ? "from" : "to"]: [peer] }],
    },
  });
const httpRoute = (hostnames: string[] | undefined, backendNamespace = NS) =>
  k8s("gateway.networking.k8s.io/v1", "HTTPRoute", "site-1", {
    spec: {
      ...(hostnames ? { hostnames } : {}),
      rules: [{ backendRefs: [{ name: "api-gateway", namespace: backendNamespace, port: 8100 }] }],
    },
  });
/** A suspended tenant's route: its one rule answers with the HTTPRouteFilter `filter` points at. */
const MAINTENANCE_FILTER = {
  type: "ExtensionRef",
  extensionRef: { group: "gateway.envoyproxy.io", kind: "HTTPRouteFilter", name: "site-1-maintenance" },
};
const maintenanceRoute = (hostnames: string[], filter: Record<string, unknown> = MAINTENANCE_FILTER) =>
  k8s("gateway.networking.k8s.io/v1", "HTTPRoute", "site-1", {
    spec: {
      hostnames,
      rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], filters: [filter] }],
    },
  });
const DIRECT_RESPONSE = {
  statusCode: 503,
  contentType: "text/html",
  body: { type: "Inline", inline: "<h1>unavailable</h1>" },
  header: { set: [{ name: "Retry-After", value: "3600" }] },
};
const routeFilter = (spec: Record<string, unknown>) =>
  k8s("gateway.envoyproxy.io/v1alpha1", "HTTPRouteFilter", "site-1-maintenance", { spec });
const ingress = (rules: Record<string, unknown>[]) =>
  k8s("networking.k8s.io/v1", "Ingress", "site-1", { spec: { rules } });
const grant = (database: string) => ({
  type: "mysql:index/grant:Grant",
  name: "grant",
  props: { user: "acme_auth", host: "%", database, privileges: ["ALL"] },
});
const permissions = (vhost: string) => ({
  type: "rabbitmq:index/permissions:Permissions",
  name: "perms",
  props: { user: "tenant-acme", vhost, permissions: { configure: ".*", write: ".*", read: ".*" } },
});
const iamPolicy = (buckets: string[]) => ({
  type: "minio:index/iamPolicy:IamPolicy",
  name: "iam",
  props: {
    name: "tenant-acme-buckets",
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["s3:GetObject"], Resource: buckets.map((b) => `arn:aws:s3:::${b}/*`) },
      ],
    }),
  },
});
const referenceGrant = (from: string) =>
  k8s(
    "gateway.networking.k8s.io/v1beta1",
    "ReferenceGrant",
    "routes",
    {
      spec: {
        from: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: from }],
        to: [{ group: "", kind: "Service" }],
      },
    },
    `${NS}-site-2`,
  );
/** The Business dedicated cluster's quota as the program writes it (tiers dedicatedClusterQuota). */
const DB_NS = "e-commerce-db-acme";
const dbQuotaHard = {
  "requests.cpu": "6350m",
  "requests.memory": "11776Mi",
  "limits.cpu": "13",
  "limits.memory": "23Gi",
  pods: "9",
  persistentvolumeclaims: "6",
  "requests.storage": "600Gi",
  "services.loadbalancers": "0",
};
const dbQuota = (hard: Record<string, string> = dbQuotaHard) =>
  inNs(k8s("v1", "ResourceQuota", "database-quota", { spec: { hard } }), DB_NS);
const statefulSet = (templateClass = "tier-standard-storage", replicas = 1) =>
  k8s("apps/v1", "StatefulSet", "search", {
    spec: {
      replicas,
      template: { spec: podSpec() },
      volumeClaimTemplates: [
        {
          metadata: { name: "data" },
          spec: { storageClassName: templateClass, resources: { requests: { storage: "20Gi" } } },
        },
      ],
    },
  });
const withEphemeral = (storageClassName: string) =>
  deployment(container(), {
    volumes: [
      {
        name: "scratch",
        ephemeral: {
          volumeClaimTemplate: { spec: { storageClassName, resources: { requests: { storage: "20Gi" } } } },
        },
      },
    ],
  });
const secured = { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true };
const withEnv = (env: Record<string, unknown>[]) => deployment(container({ env }));
const queue = (name: string, args: Record<string, unknown> = { "x-queue-type": "quorum" }, vhost = NS) => ({
  type: "rabbitmq:index/queue:Queue",
  name: `queue-${name}`,
  props: { name, vhost, settings: { durable: true, autoDelete: false, argumentsJson: JSON.stringify(args) } },
});
const vhost = (name = NS) => ({ type: "rabbitmq:index/vHost:VHost", name: `vhost-${name}`, props: { name } });
/** Limits of a vhost depend on it (vhost()'s URN): that is how the pack knows which server they limit. */
const vhostLimits = (maxConnections = 30, maxQueues = 52, name = NS) => ({
  type: "pulumi-nodejs:dynamic/collect-verything:RabbitVhostLimits",
  name: `limits-${name}`,
  props: { vhost: name, maxConnections, maxQueues },
  dependencies: [urnOf("rabbitmq:index/vHost:VHost", `vhost-${name}`)],
});
const mysqlUser = () => ({
  type: "mysql:index/user:User",
  name: "user",
  props: { user: "acme_auth", host: "%" },
});
const userLimits = (maxUserConnections = 10) => ({
  type: "pulumi-nodejs:dynamic/collect-verything:MysqlUserLimits",
  name: "user-limits",
  props: { user: "acme_auth", host: "%", maxUserConnections },
});
const messaging = (policy = rabbitPolicy()) => [vhost(), vhostLimits(), queue("messages-broker"), policy];
const vpa = (updateMode: string) =>
  k8s("autoscaling.k8s.io/v1", "VerticalPodAutoscaler", "orders", {
    spec: {
      targetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "orders-service" },
      updatePolicy: { updateMode },
    },
  });
const job = (parallelism: number) =>
  k8s("batch/v1", "Job", "import", { spec: { parallelism, template: { spec: podSpec() } } });
const cronJob = (concurrencyPolicy: string | undefined, parallelism = 1) =>
  k8s("batch/v1", "CronJob", "report", {
    spec: {
      schedule: "0 * * * *",
      ...(concurrencyPolicy ? { concurrencyPolicy } : {}),
      jobTemplate: { spec: { parallelism, template: { spec: podSpec() } } },
    },
  });
const replicaSet = (replicas: number) =>
  k8s("apps/v1", "ReplicaSet", "orders-rs", { spec: { replicas, template: { spec: podSpec() } } });
const pod = (c = container(), extra: Record<string, unknown> = {}) =>
  k8s("v1", "Pod", "debug", { spec: podSpec(c, extra) });
const scaledJob = (maxReplicaCount?: number) =>
  k8s("keda.sh/v1alpha1", "ScaledJob", "exports", {
    spec: {
      jobTargetRef: { template: { spec: podSpec() } },
      ...(maxReplicaCount ? { maxReplicaCount } : {}),
    },
  });
const daemonSet = () => k8s("apps/v1", "DaemonSet", "agent", { spec: { template: { spec: podSpec() } } });
const withInit = (initCpu: string) =>
  deployment(container(), {
    initContainers: [
      {
        ...container({ name: "migrate" }),
        resources: { requests: { cpu: initCpu, memory: "256Mi" }, limits: { cpu: initCpu, memory: "512Mi" } },
      },
    ],
  });
const stackOf = (...workloads: FakeResource[]) => [
  namespace(),
  quota(),
  limitRange(),
  denyAll(),
  ...workloads,
];
/** Global load balancing as the edge builds it: a monitor, a pool per region, a load balancer over them (ids as the engine reports them). */
const LB_TYPE = {
  lb: "cloudflare:index/loadBalancer:LoadBalancer",
  pool: "cloudflare:index/loadBalancerPool:LoadBalancerPool",
  monitor: "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor",
} as const;
const lbMonitor = (id = "monitor-id"): FakeResource => ({
  type: LB_TYPE.monitor,
  name: "monitor",
  props: { id, type: "https", path: "/ready" },
});
const lbPool = (region: string, name = `acme-${region}`, monitor = "monitor-id"): FakeResource => ({
  type: LB_TYPE.pool,
  name: `pool-${region}`,
  props: {
    id: `pool-${region}-id`,
    name,
    monitor,
    minimumOrigins: 1,
    origins: [{ name: region, address: `gateway.${region}.example.com` }],
  },
});
const lbOver = (defaultPools: string[], extra: Record<string, unknown> = {}): FakeResource => ({
  type: LB_TYPE.lb,
  name: "origin",
  props: {
    name: "origin.acme.edge.example",
    defaultPools,
    fallbackPool: defaultPools[0],
    proxied: true,
    steeringPolicy: "dynamic_latency",
    ...extra,
  },
});
/** Business in the two regions balanced() has pools for. */
const TWO_REGIONS: ContextConfig = { tier: "business", regions: ["eu-west-3", "us-east-1"] };
const balanced = (
  lb = lbOver(["pool-eu-west-3-id", "pool-us-east-1-id"]),
  pools = [lbPool("eu-west-3"), lbPool("us-east-1")],
) => [lbMonitor(), ...pools, lb];

const platformRecord = (name: string): FakeResource => ({
  type: "cloudflare:index/dnsRecord:DnsRecord",
  name,
  props: {
    zoneId: "2123456789abcdef0123456789abcdef",
    name,
    type: "CNAME",
    content: "origin.acme.edge.collect-verything.test",
    proxied: false,
  },
});
const serviceMonitor = (tenant: string) =>
  k8s("monitoring.coreos.com/v1", "ServiceMonitor", "tenant-services", {
    spec: {
      selector: { matchLabels: { tenant: "acme" } },
      endpoints: [
        {
          port: "metrics",
          relabelings: [
            { action: "replace", targetLabel: "tenant", replacement: tenant },
            { action: "replace", targetLabel: "tier", replacement: "standard" },
          ],
        },
      ],
    },
  });
const originRateLimit = (perMinute: number) =>
  k8s("gateway.envoyproxy.io/v1alpha1", "BackendTrafficPolicy", "tenant-rate-limit", {
    spec: {
      targetSelectors: [
        { group: "gateway.networking.k8s.io", kind: "HTTPRoute", matchLabels: { tenant: "acme" } },
      ],
      rateLimit: {
        type: "Global",
        global: {
          rules: [
            { limit: { requests: perMinute, unit: "Minute" }, shared: true },
            { limit: { requests: Math.ceil((perMinute * 2) / 60), unit: "Second" }, shared: true },
          ],
        },
      },
    },
  });
const mysqlProvider = (endpoint: string): FakeResource => ({
  type: "pulumi:providers:mysql",
  name: "mysql",
  props: { endpoint, username: "root", password: "x" },
});

/** A resource of the platform stack (its URN's project is the platform's). */
const onPlatform = (r: FakeResource, project = "platform"): FakeResource => ({
  ...r,
  urn: urnOf(r.type, r.name ?? "x", "eu-west-3", project),
});
const sgIngress = (props: Record<string, unknown>): FakeResource =>
  onPlatform({
    type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    name: "in",
    props: { securityGroupId: "sg-1", ipProtocol: "tcp", ...props },
  });
const TENANT_ZONE = "1123456789abcdef0123456789abcdef";
const originPulls = (enabled: boolean): FakeResource => ({
  type: "cloudflare:index/authenticatedOriginPullsSettings:AuthenticatedOriginPullsSettings",
  name: "acme-edge-origin-pulls",
  props: { zoneId: TENANT_ZONE, enabled },
});
const originPullCertificate = (): FakeResource => ({
  type: "cloudflare:index/authenticatedOriginPullsCertificate:AuthenticatedOriginPullsCertificate",
  name: "acme-edge-origin-pull-certificate",
  props: { zoneId: TENANT_ZONE, certificate: "-----BEGIN CERTIFICATE-----", privateKey: "[secret]" },
});
const zoneRuleset = (): FakeResource => ({
  type: "cloudflare:index/ruleset:Ruleset",
  name: "acme-edge-cache",
  props: { zoneId: TENANT_ZONE, kind: "zone", phase: "http_request_cache_settings", rules: [] },
});
const platformGateway = (): FakeResource =>
  onPlatform({
    ...k8s("gateway.networking.k8s.io/v1", "Gateway", "platform-gateway", { spec: {} }, "gateway-system"),
    name: "envoy-gateway-gateway",
  });
const lockdownPolicy = (optional: boolean): FakeResource =>
  onPlatform({
    ...k8s(
      "gateway.envoyproxy.io/v1alpha1",
      "ClientTrafficPolicy",
      "platform-gateway-origin-lockdown",
      {
        spec: {
          targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "platform-gateway" }],
          ...originLockdownSpec(),
          tls: { clientValidation: { ...originLockdownSpec().tls.clientValidation, optional } },
        },
      },
      "gateway-system",
    ),
    name: "envoy-gateway-origin-lockdown",
  });

interface ResourceCase {
  policy: string;
  /** Tier of the passing case (and of the failing one unless failConfig says otherwise). Default Standard. */
  config?: ContextConfig;
  failConfig?: ContextConfig;
  pass: FakeResource;
  fail: FakeResource;
  message: RegExp;
}

const RESOURCE_CASES: ResourceCase[] = [
  // The platform's network (issue 22): one TCP port from a region's block per rule; internal load balancers.
  {
    policy: "platform-network-closed",
    pass: sgIngress({ fromPort: 3306, toPort: 3306, cidrIpv4: "10.31.0.0/16" }),
    fail: sgIngress({ fromPort: 0, toPort: 65535, cidrIpv4: "0.0.0.0/0" }),
    message: /ports 0-65535 \(one port per rule\).*|ingress from\/to 0\.0\.0\.0\/0/,
  },
  {
    policy: "platform-network-closed",
    pass: onPlatform({ type: "aws:lb/loadBalancer:LoadBalancer", name: "nlb", props: { internal: true } }),
    fail: onPlatform({ type: "aws:lb/loadBalancer:LoadBalancer", name: "nlb", props: { internal: false } }),
    message: /is not internal/,
  },
  {
    policy: "platform-network-closed",
    pass: onPlatform(
      {
        type: "aws:ec2/route:Route",
        name: "peer",
        props: { routeTableId: "rt", destinationCidrBlock: "10.40.0.0/16", vpcPeeringConnectionId: "pcx" },
      },
      "connectivity",
    ),
    fail: onPlatform(
      {
        type: "aws:ec2/route:Route",
        name: "peer",
        props: { routeTableId: "rt", destinationCidrBlock: "0.0.0.0/0", vpcPeeringConnectionId: "pcx" },
      },
      "connectivity",
    ),
    message: /sends 0\.0\.0\.0\/0 over a peering/,
  },
  // Origin lockdown: the edge's client certificate required; Authenticated Origin Pulls never off.
  {
    policy: "origin-locked-to-edge",
    pass: lockdownPolicy(false),
    fail: lockdownPolicy(true),
    message: /makes the client certificate optional/,
  },
  {
    policy: "origin-locked-to-edge",
    pass: originPulls(true),
    fail: originPulls(false),
    message: /turns Authenticated Origin Pulls off/,
  },
  // Every Kubernetes object through a declared region's provider: none through the ambient kubeconfig.
  {
    policy: "kubernetes-through-regional-provider",
    pass: inRegion(namespace(), "eu-west-3"),
    fail: namespace(),
    message: /goes through the default Kubernetes provider/,
  },
  {
    policy: "kubernetes-through-regional-provider",
    pass: inRegion(quota(), "eu-west-3"),
    fail: inRegion(quota(), "us-east-1"),
    message:
      /goes through kubernetes-us-east-1, which is not one of the stack's regional providers \(kubernetes-eu-west-3\)/,
  },
  {
    policy: "kubernetes-through-regional-provider",
    config: { ...BUSINESS, regions: ["eu-west-3", "us-east-1"] },
    pass: inRegion(quota(), "us-east-1"),
    fail: { ...quota(), provider: providerOf("kubernetes", "ambient") },
    message: /goes through ambient/,
  },
  {
    policy: "kubernetes-through-regional-provider",
    pass: regionalProvider("eu-west-3"),
    fail: regionalProvider("eu-central-1"),
    message: /provider kubernetes-eu-central-1 is not one of the stack's regions/,
  },
  // A tenant stack reads its regions' platform stacks, nothing else (another stack's outputs may hold another tenant's credentials).
  {
    policy: "stack-references-platform-only",
    pass: stackReference("collect-verything/platform/eu-west-3"),
    fail: stackReference("collect-verything/tenant/other"),
    message:
      /reads stack "collect-verything\/tenant\/other"; a tenant stack reads only its regions' platform stacks/,
  },
  {
    policy: "stack-references-platform-only",
    pass: stackReference("collect-verything/platform/eu-west-3"),
    fail: stackReference("collect-verything/platform/us-east-1"),
    message: /reads stack "collect-verything\/platform\/us-east-1"/,
  },
  {
    policy: "tenant-quota-within-tier",
    pass: quota(),
    fail: quota({ ...quotaHard, "limits.memory": "16Gi" }),
    message:
      /^ResourceQuota e-commerce-tenant-acme\/tenant-quota: limits.memory 16Gi exceeds the Standard tier's 8Gi$/,
  },
  // Decimal-suffix quantities are valid Kubernetes but not whole catalog units: reported, not a crash.
  {
    policy: "tenant-quota-within-tier",
    pass: quota(),
    fail: quota({ ...quotaHard, "requests.memory": "100G" }),
    message: /: requests.memory 95367.43Mi exceeds the Standard tier's 4Gi$/,
  },
  {
    policy: "tenant-quota-within-tier",
    pass: quota(),
    fail: quota({
      ...quotaHard,
      "tier-business-storage.storageclass.storage.k8s.io/requests.storage": "100Gi",
    }),
    message: /tier-business-storage.*100Gi; a Standard tenant gets 0/,
  },
  {
    policy: "limit-range-within-tier",
    pass: limitRange(),
    fail: limitRange("1"),
    message:
      /LimitRange e-commerce-tenant-acme\/tenant-limits: container default cpu 1 exceeds the Standard tier's 400m/,
  },
  {
    policy: "autoscaler-within-tier",
    pass: hpa(),
    fail: hpa(4),
    message:
      /HorizontalPodAutoscaler e-commerce-tenant-acme\/api-gateway: max replicas 4 exceeds the Standard tier's 3/,
  },
  {
    policy: "autoscaler-within-tier",
    config: PREMIUM,
    pass: scaledObject(6),
    fail: scaledObject(),
    message: /ScaledObject .*max replicas unset \(KEDA default 100\) exceeds the Premium tier's 6/,
  },
  {
    policy: "autoscaler-within-tier",
    pass: hpa(3, 2),
    fail: hpa(3, 0),
    message: /min replicas 0 would scale the service to zero/,
  },
  {
    policy: "container-resources-within-tier",
    pass: deployment(),
    fail: deployment(
      container({
        resources: { requests: { cpu: "1", memory: "256Mi" }, limits: { cpu: "2", memory: "512Mi" } },
      }),
    ),
    message:
      /Deployment e-commerce-tenant-acme\/orders-service container app: requests.cpu 1 exceeds the Standard tier's 200m/,
  },
  {
    policy: "container-resources-within-tier",
    pass: deployment(),
    fail: deployment(container({ resources: { requests: { cpu: "100m", memory: "128Mi" } } })),
    message: /sets no limits.cpu; the Standard tier's ceiling is 400m/,
  },
  {
    policy: "workload-security",
    pass: deployment(),
    fail: deployment(
      container({
        securityContext: {
          privileged: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          runAsNonRoot: true,
        },
      }),
    ),
    message: /container app is privileged/,
  },
  {
    policy: "workload-security",
    pass: deployment(),
    fail: deployment(container(), { hostNetwork: true }),
    message: /uses the host network/,
  },
  {
    policy: "workload-security",
    pass: deployment(),
    fail: deployment(container({ securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true } })),
    message: /writable root filesystem/,
  },
  {
    policy: "workload-security",
    pass: deployment(),
    fail: deployment(container(), { volumes: [{ name: "host", hostPath: { path: "/" } }] }),
    message: /mounts hostPath volume host/,
  },
  {
    policy: "image-tag-pinned",
    pass: deployment(container({ image: "registry.example.com/cv/orders:1.4.2" })),
    fail: deployment(container({ image: "registry.example.com:5000/cv/orders:latest" })),
    message: /container app runs registry.example.com:5000\/cv\/orders:latest: pin a tag or digest/,
  },
  {
    policy: "image-tag-pinned",
    pass: deployment(container({ image: "registry.example.com/cv/orders@sha256:abc" })),
    fail: deployment(container({ image: "registry.example.com:5000/cv/orders" })),
    message: /runs registry.example.com:5000\/cv\/orders: pin/,
  },
  {
    policy: "storage-class-of-tier",
    pass: pvc(),
    fail: pvc("20Gi", "tier-business-storage"),
    message:
      /PersistentVolumeClaim e-commerce-tenant-acme\/redis-data: storage class tier-business-storage is not the Standard tier's tier-standard-storage/,
  },
  {
    policy: "volume-size-for-tier-iops",
    config: PREMIUM,
    pass: pvc("20Gi", "tier-premium-storage"),
    fail: pvc("10Gi", "tier-premium-storage"),
    message: /redis-data: 10Gi cannot reach the Premium tier's 10000 IOPS; at least 20Gi/,
  },
  {
    policy: "tier-storage-class-parameters",
    pass: storageClass(),
    fail: storageClass("16000"),
    message: /StorageClass tier-standard-storage: iops is 16000; the Standard tier's is 3000/,
  },
  {
    policy: "pod-security-restricted",
    pass: namespace(),
    fail: namespace(NS, { "pod-security.kubernetes.io/enforce": "baseline" }),
    message:
      /Namespace e-commerce-tenant-acme: pod-security.kubernetes.io\/enforce is baseline, must be restricted/,
  },
  {
    policy: "tenant-labels",
    pass: configMap({}),
    fail: {
      type: "kubernetes:core/v1:ConfigMap",
      props: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: NS }, data: {} },
    },
    message: /ConfigMap e-commerce-tenant-acme\/x lacks the label\(s\) tenant, tier/,
  },
  {
    policy: "tier-label-matches-stack",
    config: STANDARD,
    pass: configMap({}),
    fail: {
      ...configMap({}),
      props: {
        ...configMap({}).props,
        metadata: { name: "tenant-runtime", namespace: NS, labels: { tenant: "acme", tier: "business" } },
      },
    },
    message: /labelled tier=business but the stack's tier is standard/,
  },
  {
    policy: "no-secrets-in-configmaps",
    pass: configMap({ REDIS_HOST: "redis" }),
    fail: configMap({ DB_PASSWORD: "hunter2" }),
    message: /ConfigMap e-commerce-tenant-acme\/tenant-runtime: key DB_PASSWORD looks like a credential/,
  },
  {
    policy: "no-secrets-in-configmaps",
    pass: configMap({ AMQP: "amqp://rabbitmq:5672" }),
    fail: configMap({ AMQP: "amqp://user:pw@rabbitmq:5672" }),
    message: /the value of AMQP looks like a credential/,
  },
  {
    policy: "cdn-from-premium",
    config: PREMIUM,
    failConfig: STANDARD,
    pass: { type: "cloudflare:index/tieredCache:TieredCache", name: "cache", props: { value: "on" } },
    fail: { type: "cloudflare:index/tieredCache:TieredCache", name: "cache", props: { value: "on" } },
    message: /TieredCache cache: the Standard tier has no CDN/,
  },
  {
    policy: "business-only-features",
    config: { tier: "business" },
    failConfig: PREMIUM,
    pass: {
      type: "cloudflare:index/ruleset:Ruleset",
      name: "waf",
      props: { phase: "http_request_firewall_managed" },
    },
    fail: {
      type: "cloudflare:index/ruleset:Ruleset",
      name: "waf",
      props: { phase: "http_request_firewall_managed" },
    },
    message: /Ruleset waf: a http_request_firewall_managed ruleset \(WAF\) is not part of the Premium tier/,
  },
  {
    policy: "edge-resources-of-tier",
    pass: ruleset("http_request_cache_settings", [cacheRule(false)]),
    fail: { type: "cloudflare:index/workersScript:WorkersScript", name: "worker", props: {} },
    message:
      /WorkersScript worker: cloudflare:index\/workersScript:WorkersScript is not part of any tier's edge/,
  },
  {
    policy: "edge-resources-of-tier",
    config: PREMIUM,
    failConfig: STANDARD,
    pass: ruleset("http_response_headers_transform", []),
    fail: ruleset("http_response_headers_transform", []),
    message: /Ruleset edge: a http_response_headers_transform ruleset is not part of the Standard tier/,
  },
  {
    policy: "edge-resources-of-tier",
    config: { tier: "business" },
    failConfig: PREMIUM,
    pass: {
      type: "cloudflare:index/argoSmartRouting:ArgoSmartRouting",
      name: "argo",
      props: { value: "on" },
    },
    fail: {
      type: "cloudflare:index/argoSmartRouting:ArgoSmartRouting",
      name: "argo",
      props: { value: "on" },
    },
    message: /Argo Smart Routing is not part of the Premium tier/,
  },
  {
    policy: "edge-numbers-within-tier",
    config: { tier: "business" },
    pass: ruleset("http_ratelimit", [rateRule(60, 15000)]),
    fail: ruleset("http_ratelimit", [rateRule(60, 15001)]),
    message: /Ruleset edge rule r: 15001 requests per 60s exceeds the Business tier's 15000/,
  },
  {
    policy: "edge-numbers-within-tier",
    config: { tier: "business" },
    pass: ruleset("http_ratelimit", [rateRule(10, 12500)]),
    fail: ruleset("http_ratelimit", [rateRule(30, 100)]),
    message: /period 30s is not one Cloudflare allows/,
  },
  {
    policy: "edge-numbers-within-tier",
    config: PREMIUM,
    pass: ruleset("http_request_cache_settings", [cacheRule(true, 86400)]),
    fail: ruleset("http_request_cache_settings", [cacheRule(true, 86401)]),
    message: /edge TTL 86401s exceeds the Premium tier's 86400s/,
  },
  {
    policy: "edge-numbers-within-tier",
    pass: zoneSetting("ssl", "strict"),
    fail: zoneSetting("ssl", "flexible"),
    message: /ZoneSetting ssl: ssl flexible; every tier's edge uses strict/,
  },
  {
    policy: "edge-rule-expressions-valid",
    pass: ruleset("http_request_cache_settings", [
      cacheRule(false, undefined, 'starts_with(http.request.uri.path, "/static/")'),
    ]),
    fail: ruleset("http_request_cache_settings", [cacheRule(false, undefined, 'http.request.path eq "/"')]),
    message: /Ruleset edge rule r: unknown field "http.request.path" at 0/,
  },
  {
    policy: "bucket-quota-within-tier",
    pass: bucket("tenant-acme-products", 15),
    fail: bucket("tenant-acme-products", 60),
    message: /S3Bucket tenant-acme-products: quota 60 GB exceeds the Standard tier's 15 GB for products/,
  },
  {
    policy: "bucket-quota-within-tier",
    pass: bucket("tenant-acme-sav", 5),
    fail: bucket("tenant-acme-sav", undefined),
    message: /has no quota; the Standard tier's sav bucket holds 5 GB/,
  },
  {
    policy: "rabbitmq-policy-within-tier",
    pass: rabbitPolicy(),
    fail: rabbitPolicy({ ...STANDARD_QUEUE_LIMITS, "max-length": "30000" }),
    message: /Policy tenant-limits: max-length 30000 exceeds the Standard tier's 5000/,
  },
  {
    policy: "rabbitmq-policy-within-tier",
    pass: rabbitPolicy(),
    fail: rabbitPolicy({ ...STANDARD_QUEUE_LIMITS, "dead-letter-exchange": "dlx" }),
    message: /dead-lettering is not part of the Standard tier/,
  },
  {
    policy: "stateful-resources-protected",
    pass: pvc(),
    fail: pvc("20Gi", "tier-standard-storage", false),
    message: /PersistentVolumeClaim e-commerce-tenant-acme\/redis-data holds data and is not protected/,
  },
  {
    policy: "stateful-resources-protected",
    pass: namespace(),
    fail: namespace(NS, { "pod-security.kubernetes.io/enforce": "restricted" }, false),
    message: /Namespace e-commerce-tenant-acme holds data and is not protected/,
  },
  // A site namespace holds no data of its own (the core one holds the shared services' volumes).
  {
    policy: "stateful-resources-protected",
    pass: namespace(`${NS}-site-2`, undefined, false),
    fail: namespace(NS, undefined, false),
    message: /Namespace e-commerce-tenant-acme holds data and is not protected/,
  },
  // resource-type-allowed: an allow-list per tier; opaque resources say how to become judgeable.
  {
    policy: "resource-type-allowed",
    pass: deployment(),
    fail: daemonSet(),
    message:
      /DaemonSet e-commerce-tenant-acme\/agent: kubernetes:apps\/v1:DaemonSet is not a resource type a Standard tenant stack may create/,
  },
  {
    policy: "resource-type-allowed",
    pass: deployment(),
    fail: opaque("kubernetes:helm.sh/v3:Release"),
    message:
      /Release extras \(kubernetes:helm.sh\/v3:Release\) cannot be judged: .*render it \(`helm template`\)/,
  },
  {
    policy: "resource-type-allowed",
    pass: deployment(),
    fail: opaque("kubernetes:yaml/v2:ConfigGroup"),
    message: /ConfigGroup extras .*cannot be judged: a YAML ConfigGroup/,
  },
  {
    policy: "resource-type-allowed",
    pass: deployment(),
    fail: opaque("kubernetes:kustomize/v2:Directory"),
    message: /Directory extras .*cannot be judged: .*kustomize build/,
  },
  {
    policy: "resource-type-allowed",
    pass: deployment(),
    fail: cluster("storage.k8s.io/v1", "StorageClass", "fast"),
    message: /StorageClass fast: .* is not a resource type a Standard tenant stack may create/,
  },
  {
    policy: "resource-type-allowed",
    pass: deployment(),
    fail: cluster("scheduling.k8s.io/v1", "PriorityClass", "vip", { value: 1000000 }),
    message: /PriorityClass vip: .*not a resource type/,
  },
  {
    policy: "resource-type-allowed",
    pass: deployment(),
    fail: cluster("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "acme-admin", {
      roleRef: { kind: "ClusterRole", name: "cluster-admin" },
    }),
    message: /ClusterRoleBinding acme-admin: .*not a resource type/,
  },
  {
    policy: "resource-type-allowed",
    config: PREMIUM,
    pass: { type: "cloudflare:index/dnsRecord:DnsRecord", name: "shop", props: {} },
    fail: opaque("aws:cloudfront/distribution:Distribution"),
    message:
      /Distribution extras: aws:cloudfront\/distribution:Distribution is not a resource type a Premium tenant stack may create/,
  },
  {
    policy: "resource-type-allowed",
    config: PREMIUM,
    pass: {
      type: "cloudflare:index/ruleset:Ruleset",
      name: "cache",
      props: { phase: "http_request_cache_settings" },
    },
    fail: opaque("aws:wafv2/webAcl:WebAcl"),
    message: /WebAcl extras: aws:wafv2\/webAcl:WebAcl is not a resource type a Premium/,
  },
  {
    policy: "resource-type-allowed",
    config: BUSINESS,
    pass: deployment(),
    fail: opaque("aws:rds/instance:Instance"),
    message: /aws:rds\/instance:Instance is not a resource type a Business tenant stack/,
  },
  {
    policy: "resource-type-allowed",
    config: BUSINESS,
    pass: deployment(),
    fail: opaque("aws:s3/bucketV2:BucketV2"),
    message: /aws:s3\/bucketV2:BucketV2 is not a resource type/,
  },
  {
    policy: "resource-type-allowed",
    config: BUSINESS,
    pass: deployment(),
    fail: opaque("aws:eks/cluster:Cluster"),
    message: /aws:eks\/cluster:Cluster is not a resource type/,
  },
  {
    policy: "resource-type-allowed",
    config: BUSINESS,
    failConfig: PREMIUM,
    pass: opaque("rabbitmq:index/shovel:Shovel"),
    fail: opaque("rabbitmq:index/shovel:Shovel"),
    message: /rabbitmq:index\/shovel:Shovel is not a resource type a Premium tenant stack may create/,
  },
  {
    policy: "resource-type-allowed",
    pass: {
      ...k8s(
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        "plan-reader",
        { roleRef: { kind: "ClusterRole", name: "tenant-backup-plan-reader" } },
        null,
      ),
      urn: "urn:pulumi:platform::platform::kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding::x",
    },
    fail: {
      ...k8s(
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        "admin",
        { roleRef: { kind: "ClusterRole", name: "cluster-admin" } },
        null,
      ),
      urn: "urn:pulumi:platform::platform::kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding::x",
    },
    message: /ClusterRoleBinding admin binds cluster-admin/,
  },
  // A connection cap sits beside the Gateway, outside the tenant's namespaces: only on the tenant's own listener, within the tier.
  ...[
    [
      "another listener",
      "https",
      50,
      /targets Gateway listener https; only listener tenant-acme is tenant acme's/,
    ],
    ["a cap above the tier", "tenant-acme", 5000, /caps connections at 5000; the tier allows at most 50/],
  ].map(([what, section, limit, message]) => ({
    policy: "namespace-of-tenant",
    pass: clientTraffic("tenant-acme", 50),
    fail: { ...clientTraffic(section as string, limit as number), name: String(what) },
    message: message as RegExp,
  })),
  // The tenant's backup role reaches its own prefix of the backup bucket and the bucket key, nothing else.
  ...[
    [
      "another tenant's prefix",
      [
        {
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: ["arn:aws:s3:::cv-tenant-backups/tenants/other/*"],
        },
      ],
      /outside tenant acme's prefix tenants\/acme\//,
    ],
    [
      "the whole bucket",
      [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::cv-tenant-backups/*"] }],
      /cv-tenant-backups\/\*, outside tenant acme's prefix/,
    ],
    [
      "listing without a prefix",
      [{ Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::cv-tenant-backups"] }],
      /lists arn:aws:s3:::cv-tenant-backups beyond tenant acme's prefix/,
    ],
    [
      "another service",
      [{ Effect: "Allow", Action: ["iam:PassRole"], Resource: ["*"] }],
      /grants iam:PassRole/,
    ],
  ].map(([what, statements, message]) => ({
    policy: "data-services-of-tenant",
    pass: rolePolicy([
      {
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:GetObject"],
        Resource: ["arn:aws:s3:::cv-tenant-backups/tenants/acme/*"],
      },
      {
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: ["arn:aws:s3:::cv-tenant-backups"],
        Condition: { StringLike: { "s3:prefix": ["tenants/acme/*"] } },
      },
      {
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [offlinePlatformFacts("eu-west-3").backups.kmsKeyArn],
      },
    ]),
    fail: { ...rolePolicy(statements as object[]), name: String(what) },
    message: message as RegExp,
  })),
  {
    policy: "resource-type-allowed",
    pass: {
      ...storageClass(),
      urn: "urn:pulumi:platform::platform::kubernetes:storage.k8s.io/v1:StorageClass::x",
    },
    // A Deployment is the platform's own (the blackbox exporter); a DaemonSet is not.
    fail: {
      ...k8s("apps/v1", "DaemonSet", "x", { spec: { template: { spec: podSpec(container()) } } }),
      urn: "urn:pulumi:platform::platform::kubernetes:apps/v1:DaemonSet::x",
    },
    message: /kubernetes:apps\/v1:DaemonSet is not a resource type the platform stack may create/,
  },
  // namespace-of-tenant: every namespaced object in one of the tenant's namespaces.
  {
    policy: "namespace-of-tenant",
    pass: deployment(),
    fail: inNs(deployment(), "default"),
    message: /Deployment default\/orders-service is in namespace default, which is not tenant acme's/,
  },
  {
    policy: "namespace-of-tenant",
    pass: pvc(),
    fail: inNs(pvc(), "shop"),
    message: /PersistentVolumeClaim shop\/redis-data is in namespace shop, which is not tenant acme's/,
  },
  {
    policy: "namespace-of-tenant",
    pass: loadBalancer(),
    fail: loadBalancer(OTHER),
    message: /Service e-commerce-tenant-other\/edge is in namespace e-commerce-tenant-other/,
  },
  {
    policy: "namespace-of-tenant",
    pass: quota(),
    fail: inNs(quota(), OTHER),
    message: /ResourceQuota e-commerce-tenant-other\/tenant-quota is in namespace e-commerce-tenant-other/,
  },
  {
    policy: "namespace-of-tenant",
    pass: denyAll(),
    fail: denyAll(OTHER),
    message: /NetworkPolicy e-commerce-tenant-other\/default-deny is in namespace e-commerce-tenant-other/,
  },
  {
    policy: "namespace-of-tenant",
    pass: deployment(),
    fail: inNs(deployment(), null),
    message: /Deployment orders-service names no namespace/,
  },
  {
    policy: "namespace-of-tenant",
    pass: namespace(),
    fail: {
      ...namespace(),
      props: { ...namespace().props, metadata: { name: NS, labels: { tenant: "other", tier: "standard" } } },
    },
    message:
      /Namespace e-commerce-tenant-acme must be labelled tenant=acme.*|labelled tenant=other; this stack's tenant is acme/,
  },
  {
    policy: "namespace-of-tenant",
    pass: namespace(),
    fail: namespace("e-commerce-tenant-other-site-2"),
    message: /Namespace e-commerce-tenant-other-site-2 is not one of tenant acme's namespaces/,
  },
  {
    policy: "namespace-of-tenant",
    config: BUSINESS,
    failConfig: PREMIUM,
    pass: namespace(DB_NS),
    fail: namespace(DB_NS),
    message: /Namespace e-commerce-db-acme is not one of tenant acme's namespaces/,
  },
  // hostnames-of-tenant: hosts named, the tenant's own, no wildcard.
  {
    policy: "hostnames-of-tenant",
    pass: httpRoute(["acme.shops.collect-verything.com"]),
    fail: httpRoute(["other.shops.collect-verything.com"]),
    message:
      /HTTPRoute e-commerce-tenant-acme\/site-1: hostname other.shops.collect-verything.com is a platform hostname that is not tenant acme's/,
  },
  {
    policy: "hostnames-of-tenant",
    pass: httpRoute(["shop.acme.example"]),
    fail: httpRoute(["*.acme.example"]),
    message: /wildcard hostname \*.acme.example/,
  },
  {
    policy: "hostnames-of-tenant",
    pass: httpRoute(["shop.acme.example"]),
    fail: httpRoute(undefined),
    message: /HTTPRoute e-commerce-tenant-acme\/site-1 has no hostnames, so it matches every host/,
  },
  {
    policy: "hostnames-of-tenant",
    pass: httpRoute(["shop.acme.example"]),
    fail: httpRoute(["shop.acme.example"], OTHER),
    message: /backend e-commerce-tenant-other\/api-gateway is outside tenant acme's namespaces/,
  },
  // A suspended tenant's maintenance route is judged like its normal route, and its filter too.
  {
    policy: "hostnames-of-tenant",
    pass: maintenanceRoute(["acme.shops.collect-verything.com", "shop.acme.example"]),
    fail: maintenanceRoute(["acme.shops.collect-verything.com", "other.shops.collect-verything.com"]),
    message: /hostname other.shops.collect-verything.com is a platform hostname that is not tenant acme's/,
  },
  {
    policy: "hostnames-of-tenant",
    pass: maintenanceRoute(["shop.acme.example"]),
    fail: maintenanceRoute(["shop.acme.example"], {
      type: "URLRewrite",
      urlRewrite: { hostname: "other.shops.collect-verything.com" },
    }),
    message: /a rule filter of type URLRewrite: a tenant's route may only reference its own HTTPRouteFilter/,
  },
  {
    policy: "hostnames-of-tenant",
    pass: routeFilter({ directResponse: DIRECT_RESPONSE }),
    fail: routeFilter({ urlRewrite: { hostname: { type: "Header", header: "x-target" } } }),
    message: /sets urlRewrite; a tenant's HTTPRouteFilter only answers directly \(directResponse\)/,
  },
  {
    policy: "hostnames-of-tenant",
    pass: routeFilter({ directResponse: DIRECT_RESPONSE }),
    fail: routeFilter({
      directResponse: {
        ...DIRECT_RESPONSE,
        body: { type: "ValueRef", valueRef: { group: "", kind: "ConfigMap", name: "x" } },
      },
    }),
    message: /its direct response's body is not inline/,
  },
  {
    policy: "hostnames-of-tenant",
    pass: ingress([{ host: "acme.shops.collect-verything.com" }]),
    fail: ingress([{ http: { paths: [] } }]),
    message: /Ingress e-commerce-tenant-acme\/site-1 has a rule without a host/,
  },
  // network-policy-within-tenant: nothing that undoes default-deny or reaches another tenant.
  {
    policy: "network-policy-within-tenant",
    pass: allowTenant(),
    fail: k8s("networking.k8s.io/v1", "NetworkPolicy", "allow-all", {
      spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{}] },
    }),
    message:
      /NetworkPolicy e-commerce-tenant-acme\/allow-all: an ingress rule without peers or ports allows all traffic/,
  },
  {
    policy: "network-policy-within-tenant",
    pass: allowTenant(),
    fail: allowTenant({ namespaceSelector: { matchLabels: { tenant: "other" } } }),
    message: /egress it selects tenant=other's namespaces/,
  },
  {
    policy: "network-policy-within-tenant",
    pass: allowTenant({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "rabbitmq" } } }),
    fail: allowTenant({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": OTHER } } }),
    message: /egress namespace e-commerce-tenant-other belongs to another tenant/,
  },
  {
    policy: "network-policy-within-tenant",
    pass: allowTenant(),
    fail: allowTenant({ namespaceSelector: {} }, "ingress"),
    message:
      /ingress a namespaceSelector without tenant or kubernetes.io\/metadata.name selects other tenants' namespaces/,
  },
  {
    policy: "network-policy-within-tenant",
    pass: allowTenant({ ipBlock: { cidr: "203.0.113.0/24" } }),
    fail: allowTenant({ ipBlock: { cidr: "0.0.0.0/0" } }),
    message: /ipBlock 0.0.0.0\/0 reaches addresses of the regions' VPCs|covers \d+ internet addresses/,
  },
  // Cloudflare objects in the tenant's zone; in the platform zone only its own hostnames' CNAMEs.
  {
    policy: "edge-objects-in-tenant-zone",
    pass: platformRecord("acme.shops.collect-verything.com"),
    fail: platformRecord("other.shops.collect-verything.com"),
    message: /record other\.shops\.collect-verything\.com in the platform zone is not tenant acme's/,
  },
  {
    policy: "observability-within-tenant",
    pass: serviceMonitor("acme"),
    fail: serviceMonitor("other"),
    message:
      /ServiceMonitor e-commerce-tenant-acme\/tenant-services endpoint 1: sets tenant to other; this stack's tenant is acme/,
  },
  // data-services-of-tenant: grants, vhost, buckets and route grants name the tenant's own.
  {
    policy: "data-services-of-tenant",
    pass: grant("acme_auth"),
    fail: grant("other_auth"),
    message: /Grant grant: database other_auth is not tenant acme's/,
  },
  {
    policy: "data-services-of-tenant",
    pass: grant("acme_auth"),
    fail: grant("*"),
    message: /database \* is not tenant acme's/,
  },
  {
    policy: "data-services-of-tenant",
    pass: permissions(NS),
    fail: permissions(OTHER),
    message: /Permissions perms: vhost e-commerce-tenant-other is not tenant acme's/,
  },
  {
    policy: "data-services-of-tenant",
    pass: iamPolicy(["tenant-acme-products"]),
    fail: iamPolicy(["tenant-acme-products", "tenant-other-products"]),
    message:
      /IamPolicy iam: statement 1: grants arn:aws:s3:::tenant-other-products\/\*, outside tenant acme's buckets/,
  },
  {
    policy: "data-services-of-tenant",
    pass: withSpec(scaledObject(3), {
      triggers: [{ type: "rabbitmq", authenticationRef: { name: "messages-broker-rabbitmq" } }],
    }),
    fail: withSpec(scaledObject(3), {
      triggers: [
        {
          type: "rabbitmq",
          authenticationRef: { kind: "ClusterTriggerAuthentication", name: "platform-rabbitmq" },
        },
      ],
    }),
    message:
      /trigger rabbitmq authenticates with ClusterTriggerAuthentication platform-rabbitmq, credentials shared by every tenant/,
  },
  {
    policy: "data-services-of-tenant",
    pass: referenceGrant(NS),
    fail: referenceGrant(OTHER),
    message: /ReferenceGrant .* grants access to namespace e-commerce-tenant-other, outside tenant acme/,
  },
  // Quotas: no scopes, the dedicated database namespace capped by its cluster, every quantity form judged.
  {
    policy: "tenant-quota-within-tier",
    pass: quota(),
    fail: withSpec(quota(), { scopes: ["BestEffort"] }),
    message: /tenant-quota has scopes or a scopeSelector, so it limits only some pods/,
  },
  {
    policy: "tenant-quota-within-tier",
    pass: quota(),
    fail: withSpec(quota(), {
      scopeSelector: {
        matchExpressions: [{ scopeName: "PriorityClass", operator: "In", values: ["tier-standard"] }],
      },
    }),
    message: /has scopes or a scopeSelector/,
  },
  {
    policy: "tenant-quota-within-tier",
    config: BUSINESS,
    pass: dbQuota(),
    fail: dbQuota({ ...dbQuotaHard, "requests.cpu": "1000" }),
    message:
      /ResourceQuota e-commerce-db-acme\/database-quota: requests.cpu 1000 exceeds the Business tier's dedicated cluster's 6350m/,
  },
  {
    policy: "tenant-quota-within-tier",
    pass: quota({ ...quotaHard, "requests.cpu": "2e0" }),
    fail: quota({ ...quotaHard, "requests.cpu": "2e3" }),
    message: /requests.cpu 2000 exceeds the Standard tier's 2$/,
  },
  {
    policy: "limit-range-within-tier",
    pass: limitRange(),
    fail: k8s("v1", "LimitRange", "tenant-limits", {
      spec: { limits: [{ type: "Container", default: { cpu: "200m", memory: "256Mi" } }] },
    }),
    message: /LimitRange e-commerce-tenant-acme\/tenant-limits sets no Container max cpu/,
  },
  // Pods as admission charges them.
  {
    policy: "container-resources-within-tier",
    pass: deployment(),
    fail: deployment(container(), {
      containers: [
        container({
          name: "a",
          resources: { requests: { cpu: "200m", memory: "256Mi" }, limits: { cpu: "400m", memory: "512Mi" } },
        }),
        container({
          name: "b",
          resources: { requests: { cpu: "200m", memory: "256Mi" }, limits: { cpu: "400m", memory: "512Mi" } },
        }),
      ],
    }),
    message: /each pod charges requests.cpu 400m, over the Standard tier's per-service ceiling 200m/,
  },
  {
    policy: "container-resources-within-tier",
    pass: withInit("200m"),
    fail: withInit("3"),
    message: /container migrate: requests.cpu 3 exceeds the Standard tier's 200m/,
  },
  // Storage outside the tier.
  {
    policy: "storage-class-of-tier",
    pass: statefulSet(),
    fail: statefulSet("tier-business-storage"),
    message:
      /StatefulSet e-commerce-tenant-acme\/search volume claim template data: storage class tier-business-storage is not the Standard tier's/,
  },
  {
    policy: "storage-class-of-tier",
    pass: withEphemeral("tier-standard-storage"),
    fail: withEphemeral("gp2"),
    message:
      /Deployment e-commerce-tenant-acme\/orders-service ephemeral volume: storage class gp2 is not the Standard tier's/,
  },
  // Security.
  {
    policy: "no-node-ports",
    pass: clusterIp(),
    fail: clusterIp({ type: "NodePort" }),
    message: /Service e-commerce-tenant-acme\/orders is of type NodePort/,
  },
  {
    policy: "no-node-ports",
    pass: loadBalancer(),
    fail: withSpec(loadBalancer(), { ports: [{ port: 443, nodePort: 30443 }] }),
    message: /claims node port 30443/,
  },
  {
    policy: "workload-security",
    pass: deployment(),
    fail: deployment(container({ ports: [{ containerPort: 8003, hostPort: 80 }] })),
    message: /container app binds host port 80/,
  },
  {
    policy: "workload-security",
    pass: deployment(
      container({
        securityContext: { ...secured, capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } },
      }),
    ),
    fail: deployment(container({ securityContext: { ...secured, capabilities: { add: ["SYS_ADMIN"] } } })),
    message: /container app adds capabilities SYS_ADMIN/,
  },
  {
    policy: "workload-security",
    pass: deployment(),
    fail: deployment(container(), { priorityClassName: "tier-business" }),
    message: /priorityClassName tier-business is not the standard tier's tier-standard/,
  },
  {
    policy: "workload-security",
    pass: deployment(),
    fail: deployment(container(), { priorityClassName: "system-cluster-critical" }),
    message: /priorityClassName system-cluster-critical is not/,
  },
  {
    policy: "workload-security",
    pass: withInit("200m"),
    fail: deployment(container(), {
      initContainers: [
        container({
          name: "migrate",
          securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true },
        }),
      ],
    }),
    message: /container migrate has a writable root filesystem/,
  },
  {
    policy: "workload-security",
    pass: pod(),
    fail: pod(container(), {
      ephemeralContainers: [{ name: "debugger", securityContext: { privileged: true } }],
    }),
    message: /container debugger is privileged/,
  },
  // Secrets in ConfigMaps and env.
  {
    policy: "no-secrets-in-configmaps",
    pass: configMap({ APP_ENV: "production" }),
    fail: configMap({ APP_KEY: "base64:abc" }),
    message: /key APP_KEY looks like a credential/,
  },
  {
    policy: "no-secrets-in-configmaps",
    pass: configMap({ AWS_REGION: "eu-west-3" }),
    fail: configMap({ AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI" }),
    message: /key AWS_SECRET_ACCESS_KEY looks like a credential/,
  },
  {
    policy: "no-secrets-in-configmaps",
    pass: configMap({ JWT_TTL: "3600" }),
    fail: configMap({ JWT_SECRET_KEY: "s3cr3t" }),
    message: /key JWT_SECRET_KEY looks like a credential/,
  },
  {
    policy: "no-secrets-in-configmaps",
    pass: configMap({ MYSQL_HOST: "mysql" }),
    fail: configMap({ MYSQL_PWD: "hunter2" }),
    message: /key MYSQL_PWD looks like a credential/,
  },
  {
    policy: "no-secrets-in-configmaps",
    pass: {
      ...configMap({}),
      props: {
        ...configMap({}).props,
        binaryData: { "logo.png": Buffer.from("PNG data").toString("base64") },
      },
    },
    fail: {
      ...configMap({}),
      props: {
        ...configMap({}).props,
        binaryData: { "tls.bin": Buffer.from("-----BEGIN RSA PRIVATE KEY-----\nMII...").toString("base64") },
      },
    },
    message: /the value of tls.bin looks like a credential/,
  },
  {
    policy: "no-secrets-in-configmaps",
    pass: configMap({ "app.json": JSON.stringify({ db: { host: "mysql", user: "acme" } }) }),
    fail: configMap({ "app.json": JSON.stringify({ db: { host: "mysql", password: "hunter2" } }) }),
    message: /the JSON value of app.json holds db.password/,
  },
  {
    policy: "no-secrets-in-env",
    pass: withEnv([
      { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "orders-db", key: "DB_PASSWORD" } } },
    ]),
    fail: withEnv([{ name: "DB_PASSWORD", value: "hunter2" }]),
    message: /container app: env key DB_PASSWORD looks like a credential; use valueFrom.secretKeyRef/,
  },
  // Data services.
  {
    policy: "rabbitmq-policy-within-tier",
    pass: rabbitPolicy(),
    fail: rabbitPolicy({ "max-length": "5000", "consumer-timeout": "1800000" }),
    message: /message-ttl unset exceeds the Standard tier's 86400000 ms/,
  },
  {
    policy: "rabbitmq-policy-within-tier",
    pass: rabbitPolicy(),
    fail: rabbitPolicy(STANDARD_QUEUE_LIMITS, "(unclosed"),
    message: /pattern \(unclosed is not a regular expression/,
  },
  // The priority queue is declared alike on every tier (255, so a tier change never replaces it); what a tier caps is the priority its services publish with.
  {
    policy: "data-service-limits-within-tier",
    pass: queue("prio", { "x-max-priority": 255 }),
    fail: queue("prio", { "x-max-priority": 1000 }),
    message: /Queue queue-prio: x-max-priority 1000 is outside the Standard tier's 1..255/,
  },
  {
    policy: "data-service-limits-within-tier",
    config: BUSINESS,
    failConfig: STANDARD,
    pass: configMap({ RABBITMQ_MAX_PRIORITY: "255" }),
    fail: configMap({ RABBITMQ_MAX_PRIORITY: "255" }),
    message: /RABBITMQ_MAX_PRIORITY 255 is outside the Standard tier's 1..10/,
  },
  {
    policy: "data-service-limits-within-tier",
    pass: vhostLimits(),
    fail: vhostLimits(10_000),
    message:
      /RabbitVhostLimits limits-e-commerce-tenant-acme: maxConnections 10000 is outside the Standard tier's 0..30/,
  },
  {
    policy: "data-service-limits-within-tier",
    pass: userLimits(),
    fail: userLimits(500),
    message: /MysqlUserLimits user-limits: maxUserConnections 500 is outside the Standard tier's 1..10/,
  },
  {
    policy: "data-service-limits-within-tier",
    pass: userLimits(),
    fail: userLimits(0),
    message: /maxUserConnections 0 is outside the Standard tier's 1..10/,
  },
  {
    policy: "bucket-quota-within-tier",
    pass: bucket("tenant-acme-products", 15),
    fail: bucket("tenant-acme-products", 0),
    message: /quota 0 is no quota at all/,
  },
  {
    policy: "bucket-quota-within-tier",
    pass: bucket("tenant-acme-products", 15),
    fail: bucket("tenant-acme-products", -1),
    message: /quota -1073741824 is no quota at all/,
  },
  {
    policy: "business-only-features",
    config: BUSINESS,
    failConfig: PREMIUM,
    pass: opaque("rabbitmq:index/shovel:Shovel"),
    fail: opaque("rabbitmq:index/shovel:Shovel"),
    message: /a RabbitMQ shovel \(cross-region messaging\) is not part of the Premium tier/,
  },
  // Load balancing across regions: Business only (catalog cdn.loadBalancing); Standard may not even create the types.
  {
    policy: "business-only-features",
    config: BUSINESS,
    failConfig: PREMIUM,
    pass: lbOver(["p"]),
    fail: lbOver(["p"]),
    message: /^LoadBalancer origin: Cloudflare load balancing is not part of the Premium tier$/,
  },
  {
    policy: "business-only-features",
    config: BUSINESS,
    failConfig: PREMIUM,
    pass: lbPool("eu-west-3"),
    fail: lbPool("eu-west-3"),
    message: /^LoadBalancerPool pool-eu-west-3: Cloudflare load balancing is not part of the Premium tier$/,
  },
  {
    policy: "business-only-features",
    config: BUSINESS,
    failConfig: PREMIUM,
    pass: lbMonitor(),
    fail: lbMonitor(),
    message: /^LoadBalancerMonitor monitor: Cloudflare load balancing is not part of the Premium tier$/,
  },
  {
    policy: "resource-type-allowed",
    config: BUSINESS,
    failConfig: STANDARD,
    pass: lbPool("eu-west-3"),
    fail: lbPool("eu-west-3"),
    message:
      /LoadBalancerPool pool-eu-west-3: cloudflare:index\/loadBalancerPool:LoadBalancerPool is not a resource type a Standard tenant stack may create/,
  },
];

interface StackCase {
  policy: string;
  config?: ContextConfig;
  failConfig?: ContextConfig;
  tags?: Record<string, string>;
  failTags?: Record<string, string>;
  pass: FakeResource[];
  fail: FakeResource[];
  message: RegExp;
}

const site2 = `${NS}-site-2`;
const STACK_CASES: StackCase[] = [
  {
    policy: "origin-lockdown-present",
    pass: [zoneRuleset(), originPulls(true), originPullCertificate()],
    fail: [zoneRuleset(), originPullCertificate()],
    message: /zone 1123456789abcdef0123456789abcdef serves the tenant without Authenticated Origin Pulls/,
  },
  {
    // Pulls enabled but no client certificate uploaded: the gateway would refuse the edge.
    policy: "origin-lockdown-present",
    pass: [zoneRuleset(), originPulls(true), originPullCertificate()],
    fail: [zoneRuleset(), originPulls(true)],
    message: /zone 1123456789abcdef0123456789abcdef has no origin-pull client certificate/,
  },
  {
    policy: "origin-lockdown-present",
    pass: [platformGateway(), lockdownPolicy(false)],
    fail: [platformGateway(), lockdownPolicy(true)],
    message: /Gateway gateway-system\/platform-gateway .*has no Gateway-wide ClientTrafficPolicy/,
  },
  {
    policy: "security-floors-of-tier",
    pass: [httpRoute(["acme.shops.collect-verything.com"]), originRateLimit(500)],
    fail: [httpRoute(["acme.shops.collect-verything.com"]), originRateLimit(5000)],
    message: /is not the Standard tier's: exactly 500 requests per minute and 17 per second/,
  },
  {
    policy: "network-address-space-of-tenant",
    pass: [allowTenant({ ipBlock: { cidr: "192.0.2.0/24" } })],
    fail: [
      allowTenant({ ipBlock: { cidr: "0.0.0.0/1" } }),
      { ...allowTenant({ ipBlock: { cidr: "128.0.0.0/1" } }), name: "second-half" },
    ],
    message:
      /the egress of namespace e-commerce-tenant-acme's NetworkPolicies together covers \d+ internet addresses/,
  },
  {
    policy: "providers-of-platform",
    pass: [mysqlProvider("mysql.mysql.svc.cluster.local:3306")],
    fail: [mysqlProvider("mysql.example.org:3306")],
    message: /mysql provider mysql endpoint mysql\.example\.org:3306 is not the platform's mysql/,
  },
  {
    policy: "tier-known",
    config: {},
    tags: { "collect-verything:tier": "standard" },
    failTags: {},
    pass: [namespace()],
    fail: [],
    message:
      /^the stack's tier is unknown: set policy config "tier" or the stack tag "collect-verything:tier"$/,
  },
  {
    policy: "quota-sum-equals-tier",
    pass: [quota()],
    fail: [
      quota(),
      {
        ...quota(),
        props: { ...quota().props, metadata: { name: "tenant-quota", namespace: site2, labels } },
      },
    ],
    message: /2 namespace quotas add up to requests.cpu 4; the Standard tier's total is 2/,
  },
  {
    policy: "fits-quota-at-max-scale",
    pass: [namespace(), quota(), deployment()],
    fail: [namespace(), quota(), deployment(container(), {}, 16)],
    message:
      /namespace e-commerce-tenant-acme needs pods 16 at maximum scale but its quota is 15 \(Standard\)/,
  },
  {
    policy: "namespace-guardrails-present",
    pass: [namespace(), quota(), limitRange(), denyAll()],
    fail: [namespace(), quota(), limitRange()],
    message: /namespace e-commerce-tenant-acme has no default-deny NetworkPolicy/,
  },
  {
    policy: "sites-and-domains-within-tier",
    pass: [namespace()],
    fail: [namespace(), namespace(site2)],
    message: /2 site namespaces; the Standard tier allows 1/,
  },
  // A retired site keeps its namespace (and data) under a quota of 0 pods: not a site any more.
  {
    policy: "sites-and-domains-within-tier",
    pass: [namespace(), namespace(site2), inNs(quota({ ...quotaHard, pods: "0" }), site2)],
    fail: [namespace(), namespace(site2), inNs(quota({ ...quotaHard, pods: "1" }), site2)],
    message: /2 site namespaces; the Standard tier allows 1/,
  },
  {
    policy: "sites-and-domains-within-tier",
    pass: [route(["acme.shops.collect-verything.com", "shop.acme.example"])],
    fail: [route(["shop.acme.example", "outlet.acme.example"])],
    message: /serves 2 custom domains \(shop.acme.example, outlet.acme.example\); the Standard tier allows 1/,
  },
  {
    policy: "multi-region-business-only",
    pass: regional("eu-west-3"),
    fail: [...regional("eu-west-3"), ...regional("us-east-1")],
    message: /deploys to 2 regions \(eu-west-3\); multi-region is not part of the Standard tier/,
  },
  // A provider built from another region's platform stack is that region's cluster again.
  {
    policy: "multi-region-business-only",
    config: { ...BUSINESS, regions: ["eu-west-3", "us-east-1"] },
    pass: ["eu-west-3", "us-east-1"].flatMap(regional),
    fail: [
      ...regional("eu-west-3"),
      { ...regionalProvider("us-east-1"), dependencies: regionalProvider("eu-west-3").dependencies! },
    ],
    message:
      /Kubernetes provider kubernetes-us-east-1 is not built from its region's platform stack \(it reads no StackReference named collect-verything\/platform\/us-east-1\)/,
  },
  // Declared regions count too, whatever the stack holds.
  {
    policy: "multi-region-business-only",
    config: PREMIUM,
    pass: regional("eu-west-3"),
    fail: regional("eu-west-3"),
    failConfig: { ...PREMIUM, regions: ["eu-west-3", "eu-central-1"] },
    message: /2 regions \(eu-west-3, eu-central-1\); multi-region is not part of the Premium tier/,
  },
  {
    policy: "multi-region-business-only",
    config: { ...BUSINESS, regions: ["eu-west-3", "eu-central-1", "us-east-1"] },
    pass: ["eu-west-3", "eu-central-1", "us-east-1"].flatMap(regional),
    fail: [...regional("eu-west-3"), ...regional("eu-central-1")],
    failConfig: STANDARD,
    message: /multi-region is not part of the Standard tier/,
  },
  // Per cluster: a tenant's namespaces have the same names in every region, so a region judged
  // with another one's objects would let it go without a quota or guardrails.
  {
    policy: "quota-sum-equals-tier",
    pass: [inRegion(quota(), "eu-west-3"), inRegion(quota(), "us-east-1")],
    fail: [
      inRegion(quota(), "eu-west-3"),
      inRegion(quota(), "us-east-1"),
      inRegion(inNs(quota(), site2), "us-east-1"),
    ],
    message:
      /^in cluster kubernetes-us-east-1: the tenant's 2 namespace quotas add up to requests.cpu 4; the Standard tier's total is 2/,
  },
  {
    policy: "namespace-guardrails-present",
    pass: [namespace(), quota(), limitRange(), denyAll()].flatMap((r) => [
      inRegion(r, "eu-west-3"),
      inRegion(r, "eu-central-1"),
    ]),
    fail: [
      ...[namespace(), quota(), limitRange(), denyAll()].map((r) => inRegion(r, "eu-west-3")),
      inRegion(namespace(), "eu-central-1"),
    ],
    message: /^in cluster kubernetes-eu-central-1: namespace e-commerce-tenant-acme has no ResourceQuota/,
  },
  {
    policy: "bucket-quota-sum-within-tier",
    // Two regions declared (the pack counts object storage servers against them).
    config: { ...STANDARD, regions: ["eu-west-3", "us-east-1"] },
    pass: [
      bucket("tenant-acme-products", 15),
      { ...bucket("tenant-acme-products", 15), provider: minioOf("us-east-1") },
    ],
    fail: [
      bucket("tenant-acme-products", 15),
      { ...bucket("tenant-acme-products", 15), provider: minioOf("us-east-1") },
      { ...bucket("tenant-acme-sav", 15), provider: minioOf("us-east-1") },
    ],
    message:
      /buckets on acme-us-east-1-object-storage-minio total 30 GB; the Standard tier's object storage is 25 GB/,
  },
  {
    policy: "bucket-quota-sum-within-tier",
    pass: [
      bucket("tenant-acme-products", 15),
      bucket("tenant-acme-sav", 5),
      bucket("tenant-acme-newsletters", 5),
    ],
    fail: [bucket("tenant-acme-products", 15), bucket("tenant-acme-sav", 15)],
    message: /buckets total 30 GB; the Standard tier's object storage is 25 GB/,
  },
  // Pods of every kind, as admission charges them, against the Standard quota (15 pods, 2 CPU requested).
  {
    policy: "fits-quota-at-max-scale",
    pass: stackOf(job(3)),
    fail: stackOf(job(16)),
    message: /namespace e-commerce-tenant-acme needs pods 16 at maximum scale but its quota is 15/,
  },
  {
    policy: "fits-quota-at-max-scale",
    pass: stackOf(cronJob("Forbid", 2)),
    fail: stackOf(cronJob("Forbid", 16)),
    message: /needs pods 16 at maximum scale/,
  },
  {
    policy: "fits-quota-at-max-scale",
    pass: stackOf(cronJob("Forbid")),
    fail: stackOf(cronJob(undefined)),
    message:
      /cannot count the pods of CronJob report: concurrencyPolicy Allow lets its runs overlap without bound/,
  },
  {
    policy: "fits-quota-at-max-scale",
    pass: stackOf(replicaSet(2)),
    fail: stackOf(replicaSet(16)),
    message: /needs pods 16 at maximum scale/,
  },
  {
    policy: "fits-quota-at-max-scale",
    pass: stackOf(pod()),
    fail: stackOf(
      ...Array.from({ length: 16 }, (_, i) => ({
        ...pod(),
        props: { ...pod().props, metadata: { name: `debug-${i}`, namespace: NS, labels } },
      })),
    ),
    message: /needs pods 16 at maximum scale/,
  },
  {
    policy: "fits-quota-at-max-scale",
    pass: stackOf(scaledJob(10)),
    fail: stackOf(scaledJob()),
    message: /needs pods 100 at maximum scale but its quota is 15/,
  },
  {
    policy: "fits-quota-at-max-scale",
    pass: stackOf(deployment()),
    fail: stackOf(daemonSet()),
    message: /cannot count the pods of DaemonSet agent: a DaemonSet runs one pod per node/,
  },
  {
    policy: "fits-quota-at-max-scale",
    pass: stackOf(deployment(), vpa("Off")),
    fail: stackOf(deployment(), vpa("Auto")),
    message:
      /Deployment orders-service: VerticalPodAutoscaler orders \(updateMode Auto\) rewrites its pods' sizes/,
  },
  {
    policy: "fits-quota-at-max-scale",
    pass: stackOf(withInit("200m")),
    fail: stackOf(withInit("3")),
    message: /needs requests.cpu 3 at maximum scale but its quota is 2/,
  },
  {
    policy: "fits-quota-at-max-scale",
    pass: stackOf(statefulSet()),
    fail: stackOf(statefulSet("tier-standard-storage", 4)),
    message: /needs persistentvolumeclaims 4 at maximum scale but its quota is 3/,
  },
  {
    policy: "fits-quota-at-max-scale",
    pass: stackOf(deployment()),
    fail: [...stackOf(), inNs(deployment(), `${NS}-site-5`)],
    message: /namespace e-commerce-tenant-acme-site-5 uses .*pods.* but this stack gives it no ResourceQuota/,
  },
  // The tenant's messaging: every queue under a tier policy, every vhost and database user limited.
  {
    policy: "data-service-limits-present",
    pass: messaging(),
    fail: messaging().filter((r) => r.type !== "rabbitmq:index/policy:Policy"),
    message: /queue messages-broker in vhost e-commerce-tenant-acme falls under no queue policy/,
  },
  {
    policy: "data-service-limits-present",
    pass: messaging(),
    fail: messaging(rabbitPolicy(STANDARD_QUEUE_LIMITS, "^$")),
    message: /queue messages-broker in vhost e-commerce-tenant-acme falls under no queue policy/,
  },
  {
    policy: "data-service-limits-present",
    pass: messaging(),
    fail: messaging(rabbitPolicy(STANDARD_QUEUE_LIMITS, "^messages-broker$")),
    message: /queue orders.created in vhost .* falls under no queue policy/,
  },
  {
    policy: "data-service-limits-present",
    pass: messaging(),
    fail: [...messaging(), vhost(`${NS}-2`)],
    message: /vhost e-commerce-tenant-acme-2 has no connection and queue limits/,
  },
  {
    policy: "data-service-limits-present",
    pass: [mysqlUser(), userLimits()],
    fail: [mysqlUser()],
    message: /database user acme_auth has no connection limit/,
  },
  // A load balancer over another tenant's pool (an id from elsewhere in the account), by default, fallback or steering.
  {
    policy: "load-balancer-pools-of-stack",
    config: TWO_REGIONS,
    pass: balanced(),
    fail: balanced(lbOver(["pool-eu-west-3-id", "pool-other-id"])),
    message:
      /^LoadBalancer origin: pool pool-other-id is not one of this stack's pools; a load balancer of tenant acme uses only its own$/,
  },
  {
    policy: "load-balancer-pools-of-stack",
    config: TWO_REGIONS,
    pass: balanced(),
    fail: balanced(lbOver(["pool-eu-west-3-id"], { fallbackPool: "pool-other-id" })),
    message: /pool pool-other-id is not one of this stack's pools/,
  },
  {
    policy: "load-balancer-pools-of-stack",
    config: TWO_REGIONS,
    pass: balanced(),
    fail: balanced(lbOver(["pool-eu-west-3-id"], { regionPools: { WNAM: ["pool-other-id"] } })),
    message: /pool pool-other-id is not one of this stack's pools/,
  },
  {
    policy: "load-balancer-pools-of-stack",
    config: TWO_REGIONS,
    pass: balanced(),
    fail: balanced(lbOver([], { fallbackPool: undefined })),
    message: /^LoadBalancer origin names no pools$/,
  },
  {
    policy: "load-balancer-pools-of-stack",
    config: TWO_REGIONS,
    pass: balanced(),
    fail: balanced(undefined, [lbPool("eu-west-3", "other-eu-west-3"), lbPool("us-east-1")]),
    message:
      /^LoadBalancerPool pool-eu-west-3: pool name other-eu-west-3 is not tenant acme's \(acme-<region>\)$/,
  },
  {
    policy: "load-balancer-pools-of-stack",
    config: TWO_REGIONS,
    pass: balanced(),
    fail: balanced(undefined, [
      lbPool("eu-west-3", "acme-eu-west-3", "monitor-of-other"),
      lbPool("us-east-1"),
    ]),
    message:
      /^LoadBalancerPool pool-eu-west-3: monitor monitor-of-other is not one of this stack's monitors$/,
  },
];

const byName = (policies: Policies, name: string) => {
  const policy = policies.find((p) => p.name === name);
  if (!policy) throw new Error(`no policy ${name}`);
  return policy;
};

/** @pulumi/policy's sentinels for values the engine does not know during a preview (proxy.ts). */
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const UNKNOWN_ARRAY = "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2";

describe("load-balancer-pools-of-stack in a preview that creates the pools", () => {
  // As the engine hands them to the pack: reading an unknown value throws UnknownValueError.
  const preview = (defaultPools: unknown): FakeResource[] => [
    {
      ...lbMonitor(),
      props: unknownCheckingProxy({ id: UNKNOWN_STRING, type: "https", path: "/ready" }) as Record<
        string,
        unknown
      >,
    },
    {
      ...lbPool("eu-west-3"),
      props: unknownCheckingProxy({
        id: UNKNOWN_STRING,
        name: "acme-eu-west-3",
        monitor: UNKNOWN_STRING,
      }) as Record<string, unknown>,
    },
    {
      ...lbOver([]),
      props: unknownCheckingProxy({
        name: "origin.acme.edge.example",
        defaultPools,
        fallbackPool: UNKNOWN_STRING,
      }) as Record<string, unknown>,
    },
  ];
  const policy = () => byName(TIER_POLICIES, "load-balancer-pools-of-stack") as StackValidationPolicy;

  it("skips the ids not known yet instead of failing the stack", async () => {
    expect(await stackViolationsOf(policy(), preview([UNKNOWN_STRING, UNKNOWN_STRING]), BUSINESS)).toEqual(
      [],
    );
    expect(await stackViolationsOf(policy(), preview(UNKNOWN_ARRAY), BUSINESS)).toEqual([]);
  });

  it("still refuses a known id that is no pool of the stack", async () => {
    expect(await stackViolationsOf(policy(), preview([UNKNOWN_STRING, "pool-of-globex"]), BUSINESS)).toEqual([
      "LoadBalancer origin: pool pool-of-globex is not one of this stack's pools; a load balancer of tenant acme uses only its own",
    ]);
  });
});

describe("every policy is tested", () => {
  it("has a passing and a failing case for each policy of the pack", () => {
    const covered = new Set([...RESOURCE_CASES, ...STACK_CASES].map((c) => c.policy));
    expect([...covered].sort()).toEqual(TIER_POLICIES.map((p) => p.name).sort());
  });
});

describe.each(RESOURCE_CASES)("$policy", (c) => {
  const policy = byName(TIER_POLICIES, c.policy) as ResourceValidationPolicy;
  it("passes the happy path", async () => {
    expect(await violationsOf(policy, c.pass, c.config ?? STANDARD)).toEqual([]);
  });
  it(`fails with ${c.message}`, async () => {
    const found = await violationsOf(policy, c.fail, c.failConfig ?? c.config ?? STANDARD);
    expect(found.length).toBeGreaterThan(0);
    expect(
      found.some((m) => c.message.test(m)),
      found.join("\n"),
    ).toBe(true);
  });
});

describe.each(STACK_CASES)("$policy (stack)", (c) => {
  const policy = byName(TIER_POLICIES, c.policy) as StackValidationPolicy;
  it("passes the happy path", async () => {
    expect(await stackViolationsOf(policy, c.pass, c.config ?? STANDARD, c.tags)).toEqual([]);
  });
  it(`fails with ${c.message}`, async () => {
    const found = await stackViolationsOf(
      policy,
      c.fail,
      c.failConfig ?? c.config ?? STANDARD,
      c.failTags ?? c.tags,
    );
    expect(found.length).toBeGreaterThan(0);
    expect(
      found.some((m) => c.message.test(m)),
      found.join("\n"),
    ).toBe(true);
  });
});

describe("tier resolution", () => {
  const policy = byName(TIER_POLICIES, "tier-known") as StackValidationPolicy;
  it("prefers the policy config over the stack tag, and rejects unknown tiers and add-ons below Business", async () => {
    expect(
      await stackViolationsOf(
        policy,
        [],
        { tier: "premium", tenant: "acme" },
        { "collect-verything:tier": "gold" },
      ),
    ).toEqual([]);
    expect(
      await stackViolationsOf(policy, [], { tenant: "acme" }, { "collect-verything:tier": "gold" }),
    ).toEqual(['unknown tier "gold" from stack tag collect-verything:tier']);
    expect(
      (
        await stackViolationsOf(policy, [], { tier: "premium", tenant: "acme", addOns: { extraCpuCores: 2 } })
      )[0],
    ).toMatch(/Premium tier has no add-ons/);
  });
});

describe("tenant-labels remediation", () => {
  it("adds the missing tenant and tier labels from the namespace and the stack's tier", async () => {
    const policy = byName(TIER_POLICIES, "tenant-labels") as ResourceValidationPolicy;
    const bare: FakeResource = {
      type: "kubernetes:core/v1:ConfigMap",
      props: {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "x", namespace: `${NS}-site-3` },
        data: {},
      },
    };
    const fixed = (await policy.remediateResource!(resourceArgs(bare, PREMIUM))) as {
      metadata: { labels: Record<string, string> };
    };
    expect(fixed.metadata.labels).toEqual({ tenant: "acme", tier: "premium" });
    expect(await policy.remediateResource!(resourceArgs(configMap({}), PREMIUM))).toBeUndefined();
  });
});

describe("rabbitmq-policy-within-tier on exchange policies", () => {
  it("leaves a federation policy on exchanges alone", async () => {
    const policy = byName(TIER_POLICIES, "rabbitmq-policy-within-tier") as ResourceValidationPolicy;
    const federation = {
      type: "rabbitmq:index/policy:Policy",
      name: "federate",
      props: { policy: { applyTo: "exchanges", definition: { "federation-upstream-set": "all" } } },
    };
    expect(await violationsOf(policy, federation, { tier: "business" })).toEqual([]);
    expect(
      (
        await violationsOf(
          policy,
          { ...federation, props: { policy: { applyTo: "queues", definition: {} } } },
          STANDARD,
        )
      )[0],
    ).toMatch(/max-length unset exceeds the Standard tier's 5000/);
  });
});

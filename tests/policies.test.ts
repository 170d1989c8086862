/**
 * Every policy with one passing and at least one failing case, on hand-built arguments: a
 * happy-path fixture changed one field per case. The failing message must name the resource,
 * the value and the tier limit.
 */
import type { Policies, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import type { ContextConfig } from "../policy/context";
import { TIER_POLICIES } from "../policy/policies";
import { resourceArgs, stackViolationsOf, violationsOf, type FakeResource } from "./helpers/policy";

const NS = "e-commerce-tenant-acme";
const labels = { tenant: "acme", tier: "standard" };
const k8s = (apiVersion: string, kind: string, name: string, body: Record<string, unknown>, namespace: string | null = NS): FakeResource => ({
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
const quota = (hard: Record<string, string> = quotaHard) => k8s("v1", "ResourceQuota", "tenant-quota", { spec: { hard } });
const limitRange = (containerDefaultCpu = "265m") =>
  k8s("v1", "LimitRange", "tenant-limits", {
    spec: {
      limits: [
        { type: "Container", max: { cpu: "2", memory: "4Gi" }, default: { cpu: containerDefaultCpu, memory: "512Mi" }, defaultRequest: { cpu: "130m", memory: "256Mi" } },
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
const deployment = (c = container(), pod: Record<string, unknown> = {}, replicas = 1) =>
  k8s("apps/v1", "Deployment", "orders-service", { spec: { replicas, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } }, template: { spec: { containers: [c], ...pod } } } });
const hpa = (max = 3, min = 2) => k8s("autoscaling/v2", "HorizontalPodAutoscaler", "api-gateway", { spec: { scaleTargetRef: { kind: "Deployment", name: "api-gateway" }, minReplicas: min, maxReplicas: max } });
const scaledObject = (max?: number) =>
  k8s("keda.sh/v1alpha1", "ScaledObject", "api-gateway", { spec: { scaleTargetRef: { name: "api-gateway" }, minReplicaCount: 1, ...(max ? { maxReplicaCount: max } : {}) } });
const pvc = (storage = "20Gi", storageClassName = "tier-standard-storage", protect = true): FakeResource => ({
  ...k8s("v1", "PersistentVolumeClaim", "redis-data", { spec: { storageClassName, volumeAttributesClassName: storageClassName.replace("storage", "iops"), resources: { requests: { storage } } } }),
  protect,
});
const storageClass = (iops = "3000") => k8s("storage.k8s.io/v1", "StorageClass", "tier-standard-storage", { provisioner: "ebs.csi.aws.com", parameters: { type: "gp3", iops, throughput: "125", encrypted: "true" } }, null);
const namespace = (name = NS, extra: Record<string, string> = { "pod-security.kubernetes.io/enforce": "restricted" }, protect = true): FakeResource => ({
  type: "kubernetes:core/v1:Namespace",
  props: { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { ...labels, ...extra } } },
  protect,
});
const configMap = (data: Record<string, string>) => k8s("v1", "ConfigMap", "tenant-runtime", { data });
const denyAll = (ns = NS) => k8s("networking.k8s.io/v1", "NetworkPolicy", "default-deny", { spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } }, ns);
const route = (hostnames: string[], ns = NS) => k8s("gateway.networking.k8s.io/v1", "HTTPRoute", `site-${hostnames.length}`, { spec: { hostnames } }, ns);
const bucket = (name: string, quotaGb: number | undefined, protect = true): FakeResource => ({
  type: "minio:index/s3Bucket:S3Bucket",
  name,
  props: { bucket: name, ...(quotaGb !== undefined ? { quota: quotaGb * 2 ** 30 } : {}) },
  protect,
});
const rabbitPolicy = (definition: Record<string, string>) => ({ type: "rabbitmq:index/policy:Policy", name: "tenant-limits", props: { name: "tenant-limits", vhost: NS, policy: { pattern: ".*", priority: 0, applyTo: "queues", definition } } });

const ruleset = (phase: string, rules: object[]): FakeResource => ({ type: "cloudflare:index/ruleset:Ruleset", name: "edge", props: { kind: "zone", phase, rules } });
const cacheRule = (cache: boolean, edgeTtl?: number, expression = "true") => ({ ref: "r", expression, action: "set_cache_settings", actionParameters: { cache, ...(edgeTtl ? { edgeTtl: { mode: "override_origin", default: edgeTtl } } : {}) } });
const rateRule = (period: number, requestsPerPeriod: number) => ({ ref: "r", expression: "true", action: "block", ratelimit: { characteristics: ["cf.colo.id", "ip.src"], period, requestsPerPeriod } });
const zoneSetting = (settingId: string, value: string): FakeResource => ({ type: "cloudflare:index/zoneSetting:ZoneSetting", name: settingId, props: { settingId, value } });

const STANDARD: ContextConfig = { tier: "standard" };
const PREMIUM: ContextConfig = { tier: "premium" };

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
  { policy: "tenant-quota-within-tier", pass: quota(), fail: quota({ ...quotaHard, "limits.memory": "16Gi" }), message: /^ResourceQuota e-commerce-tenant-acme\/tenant-quota: limits.memory 16Gi exceeds the Standard tier's 8Gi$/ },
  // Decimal-suffix quantities are valid Kubernetes but not whole catalog units: reported, not a crash.
  { policy: "tenant-quota-within-tier", pass: quota(), fail: quota({ ...quotaHard, "requests.memory": "100G" }), message: /: requests.memory 95367.43Mi exceeds the Standard tier's 4Gi$/ },
  { policy: "tenant-quota-within-tier", pass: quota(), fail: quota({ ...quotaHard, "tier-business-storage.storageclass.storage.k8s.io/requests.storage": "100Gi" }), message: /tier-business-storage.*100Gi; a Standard tenant gets 0/ },
  { policy: "limit-range-within-tier", pass: limitRange(), fail: limitRange("1"), message: /LimitRange e-commerce-tenant-acme\/tenant-limits: container default cpu 1 exceeds the Standard tier's 400m/ },
  { policy: "autoscaler-within-tier", pass: hpa(), fail: hpa(4), message: /HorizontalPodAutoscaler e-commerce-tenant-acme\/api-gateway: max replicas 4 exceeds the Standard tier's 3/ },
  { policy: "autoscaler-within-tier", config: PREMIUM, pass: scaledObject(6), fail: scaledObject(), message: /ScaledObject .*max replicas unset \(KEDA default 100\) exceeds the Premium tier's 6/ },
  { policy: "autoscaler-within-tier", pass: hpa(3, 2), fail: hpa(3, 0), message: /min replicas 0 would scale the service to zero/ },
  { policy: "container-resources-within-tier", pass: deployment(), fail: deployment(container({ resources: { requests: { cpu: "1", memory: "256Mi" }, limits: { cpu: "2", memory: "512Mi" } } })), message: /Deployment e-commerce-tenant-acme\/orders-service container app: requests.cpu 1 exceeds the Standard tier's 200m/ },
  { policy: "container-resources-within-tier", pass: deployment(), fail: deployment(container({ resources: { requests: { cpu: "100m", memory: "128Mi" } } })), message: /sets no limits.cpu; the Standard tier's ceiling is 400m/ },
  { policy: "workload-security", pass: deployment(), fail: deployment(container({ securityContext: { privileged: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true } })), message: /container app is privileged/ },
  { policy: "workload-security", pass: deployment(), fail: deployment(container(), { hostNetwork: true }), message: /uses the host network/ },
  { policy: "workload-security", pass: deployment(), fail: deployment(container({ securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true } })), message: /writable root filesystem/ },
  { policy: "workload-security", pass: deployment(), fail: deployment(container(), { volumes: [{ name: "host", hostPath: { path: "/" } }] }), message: /mounts hostPath volume host/ },
  { policy: "image-tag-pinned", pass: deployment(container({ image: "registry.example.com/cv/orders:1.4.2" })), fail: deployment(container({ image: "registry.example.com:5000/cv/orders:latest" })), message: /container app runs registry.example.com:5000\/cv\/orders:latest: pin a tag or digest/ },
  { policy: "image-tag-pinned", pass: deployment(container({ image: "registry.example.com/cv/orders@sha256:abc" })), fail: deployment(container({ image: "registry.example.com:5000/cv/orders" })), message: /runs registry.example.com:5000\/cv\/orders: pin/ },
  { policy: "storage-class-of-tier", pass: pvc(), fail: pvc("20Gi", "tier-business-storage"), message: /PersistentVolumeClaim e-commerce-tenant-acme\/redis-data: storage class tier-business-storage is not the Standard tier's tier-standard-storage/ },
  { policy: "volume-size-for-tier-iops", config: PREMIUM, pass: pvc("20Gi", "tier-premium-storage"), fail: pvc("10Gi", "tier-premium-storage"), message: /redis-data: 10Gi cannot reach the Premium tier's 10000 IOPS; at least 20Gi/ },
  { policy: "tier-storage-class-parameters", pass: storageClass(), fail: storageClass("16000"), message: /StorageClass tier-standard-storage: iops is 16000; the Standard tier's is 3000/ },
  { policy: "pod-security-restricted", pass: namespace(), fail: namespace(NS, { "pod-security.kubernetes.io/enforce": "baseline" }), message: /Namespace e-commerce-tenant-acme: pod-security.kubernetes.io\/enforce is baseline, must be restricted/ },
  {
    policy: "tenant-labels",
    pass: configMap({}),
    fail: { type: "kubernetes:core/v1:ConfigMap", props: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: NS }, data: {} } },
    message: /ConfigMap e-commerce-tenant-acme\/x lacks the label\(s\) tenant, tier/,
  },
  { policy: "tier-label-matches-stack", config: STANDARD, pass: configMap({}), fail: { ...configMap({}), props: { ...configMap({}).props, metadata: { name: "tenant-runtime", namespace: NS, labels: { tenant: "acme", tier: "business" } } } }, message: /labelled tier=business but the stack's tier is standard/ },
  { policy: "no-secrets-in-configmaps", pass: configMap({ REDIS_HOST: "redis" }), fail: configMap({ DB_PASSWORD: "hunter2" }), message: /ConfigMap e-commerce-tenant-acme\/tenant-runtime: key DB_PASSWORD looks like a credential/ },
  { policy: "no-secrets-in-configmaps", pass: configMap({ AMQP: "amqp://rabbitmq:5672" }), fail: configMap({ AMQP: "amqp://user:pw@rabbitmq:5672" }), message: /the value of AMQP looks like a credential/ },
  { policy: "cdn-from-premium", config: PREMIUM, failConfig: STANDARD, pass: { type: "cloudflare:index/tieredCache:TieredCache", name: "cache", props: { value: "on" } }, fail: { type: "cloudflare:index/tieredCache:TieredCache", name: "cache", props: { value: "on" } }, message: /TieredCache cache: the Standard tier has no CDN/ },
  { policy: "business-only-features", config: { tier: "business" }, failConfig: PREMIUM, pass: { type: "cloudflare:index/ruleset:Ruleset", name: "waf", props: { phase: "http_request_firewall_managed" } }, fail: { type: "cloudflare:index/ruleset:Ruleset", name: "waf", props: { phase: "http_request_firewall_managed" } }, message: /Ruleset waf: a http_request_firewall_managed ruleset \(WAF\) is not part of the Premium tier/ },
  { policy: "edge-resources-of-tier", pass: ruleset("http_request_cache_settings", [cacheRule(false)]), fail: { type: "cloudflare:index/workersScript:WorkersScript", name: "worker", props: {} }, message: /WorkersScript worker: cloudflare:index\/workersScript:WorkersScript is not part of any tier's edge/ },
  { policy: "edge-resources-of-tier", config: PREMIUM, failConfig: STANDARD, pass: ruleset("http_response_headers_transform", []), fail: ruleset("http_response_headers_transform", []), message: /Ruleset edge: a http_response_headers_transform ruleset is not part of the Standard tier/ },
  { policy: "edge-resources-of-tier", config: { tier: "business" }, failConfig: PREMIUM, pass: { type: "cloudflare:index/argoSmartRouting:ArgoSmartRouting", name: "argo", props: { value: "on" } }, fail: { type: "cloudflare:index/argoSmartRouting:ArgoSmartRouting", name: "argo", props: { value: "on" } }, message: /Argo Smart Routing is not part of the Premium tier/ },
  { policy: "edge-numbers-within-tier", config: { tier: "business" }, pass: ruleset("http_ratelimit", [rateRule(60, 15000)]), fail: ruleset("http_ratelimit", [rateRule(60, 15001)]), message: /Ruleset edge rule r: 15001 requests per 60s exceeds the Business tier's 15000/ },
  { policy: "edge-numbers-within-tier", config: { tier: "business" }, pass: ruleset("http_ratelimit", [rateRule(10, 12500)]), fail: ruleset("http_ratelimit", [rateRule(30, 100)]), message: /period 30s is not one Cloudflare allows/ },
  { policy: "edge-numbers-within-tier", config: PREMIUM, pass: ruleset("http_request_cache_settings", [cacheRule(true, 86400)]), fail: ruleset("http_request_cache_settings", [cacheRule(true, 86401)]), message: /edge TTL 86401s exceeds the Premium tier's 86400s/ },
  { policy: "edge-numbers-within-tier", pass: zoneSetting("ssl", "strict"), fail: zoneSetting("ssl", "flexible"), message: /ZoneSetting ssl: ssl flexible; every tier's edge uses strict/ },
  { policy: "edge-rule-expressions-valid", pass: ruleset("http_request_cache_settings", [cacheRule(false, undefined, 'starts_with(http.request.uri.path, "/static/")')]), fail: ruleset("http_request_cache_settings", [cacheRule(false, undefined, 'http.request.path eq "/"')]), message: /Ruleset edge rule r: unknown field "http.request.path" at 0/ },
  { policy: "bucket-quota-within-tier", pass: bucket("tenant-acme-products", 15), fail: bucket("tenant-acme-products", 60), message: /S3Bucket tenant-acme-products: quota 60 GB exceeds the Standard tier's 15 GB for products/ },
  { policy: "bucket-quota-within-tier", pass: bucket("tenant-acme-sav", 5), fail: bucket("tenant-acme-sav", undefined), message: /has no quota; the Standard tier's sav bucket holds 5 GB/ },
  { policy: "rabbitmq-policy-within-tier", pass: rabbitPolicy({ "max-length": "5000", "message-ttl": "86400000" }), fail: rabbitPolicy({ "max-length": "30000" }), message: /Policy tenant-limits: max-length 30000 exceeds the Standard tier's 5000/ },
  { policy: "rabbitmq-policy-within-tier", pass: rabbitPolicy({ "max-length": "5000" }), fail: rabbitPolicy({ "max-length": "5000", "dead-letter-exchange": "dlx" }), message: /dead-lettering is not part of the Standard tier/ },
  { policy: "stateful-resources-protected", pass: pvc(), fail: pvc("20Gi", "tier-standard-storage", false), message: /PersistentVolumeClaim e-commerce-tenant-acme\/redis-data holds data and is not protected/ },
  { policy: "stateful-resources-protected", pass: namespace(), fail: namespace(NS, { "pod-security.kubernetes.io/enforce": "restricted" }, false), message: /Namespace e-commerce-tenant-acme holds data and is not protected/ },
  // A site namespace holds no data of its own (the core one holds the shared services' volumes).
  { policy: "stateful-resources-protected", pass: namespace(`${NS}-site-2`, undefined, false), fail: namespace(NS, undefined, false), message: /Namespace e-commerce-tenant-acme holds data and is not protected/ },
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
  { policy: "tier-known", config: {}, tags: { "collect-verything:tier": "standard" }, failTags: {}, pass: [], fail: [], message: /^the stack's tier is unknown: set policy config "tier" or the stack tag "collect-verything:tier"$/ },
  { policy: "quota-sum-equals-tier", pass: [quota()], fail: [quota(), { ...quota(), props: { ...quota().props, metadata: { name: "tenant-quota", namespace: site2, labels } } }], message: /2 namespace quotas add up to requests.cpu 4; the Standard tier's total is 2/ },
  {
    policy: "fits-quota-at-max-scale",
    pass: [namespace(), quota(), deployment()],
    fail: [namespace(), quota(), deployment(container(), {}, 16)],
    message: /namespace e-commerce-tenant-acme needs pods 16 at maximum scale but its quota is 15 \(Standard\)/,
  },
  { policy: "namespace-guardrails-present", pass: [namespace(), quota(), limitRange(), denyAll()], fail: [namespace(), quota(), limitRange()], message: /namespace e-commerce-tenant-acme has no default-deny NetworkPolicy/ },
  { policy: "sites-and-domains-within-tier", pass: [namespace()], fail: [namespace(), namespace(site2)], message: /2 site namespaces; the Standard tier allows 1/ },
  { policy: "sites-and-domains-within-tier", pass: [route(["acme.shops.collect-verything.com", "shop.acme.example"])], fail: [route(["shop.acme.example", "outlet.acme.example"])], message: /serves 2 custom domains \(shop.acme.example, outlet.acme.example\); the Standard tier allows 1/ },
  {
    policy: "multi-region-business-only",
    pass: [{ type: "pulumi:providers:kubernetes", name: "eu", props: {} }],
    fail: [
      { type: "pulumi:providers:kubernetes", name: "eu", props: {} },
      { type: "pulumi:providers:kubernetes", name: "us", props: {} },
    ],
    message: /deploys to 2 Kubernetes clusters; multi-region is not part of the Standard tier/,
  },
  { policy: "bucket-quota-sum-within-tier", pass: [bucket("tenant-acme-products", 15), bucket("tenant-acme-sav", 5), bucket("tenant-acme-newsletters", 5)], fail: [bucket("tenant-acme-products", 15), bucket("tenant-acme-sav", 15)], message: /buckets total 30 GB; the Standard tier's object storage is 25 GB/ },
];

const byName = (policies: Policies, name: string) => {
  const policy = policies.find((p) => p.name === name);
  if (!policy) throw new Error(`no policy ${name}`);
  return policy;
};

describe("every policy is tested", () => {
  it("has a passing and a failing case for each policy of the pack", () => {
    const covered = new Set([...RESOURCE_CASES, ...STACK_CASES].map((c) => c.policy));
    expect([...covered].sort()).toEqual(TIER_POLICIES.map((p) => p.name).sort());
  });
});

describe.each(RESOURCE_CASES)("$policy", (c) => {
  const policy = byName(TIER_POLICIES, c.policy) as ResourceValidationPolicy;
  it("passes the happy path", () => {
    expect(violationsOf(policy, c.pass, c.config ?? STANDARD)).toEqual([]);
  });
  it(`fails with ${c.message}`, () => {
    const found = violationsOf(policy, c.fail, c.failConfig ?? c.config ?? STANDARD);
    expect(found.length).toBeGreaterThan(0);
    expect(found.some((m) => c.message.test(m)), found.join("\n")).toBe(true);
  });
});

describe.each(STACK_CASES)("$policy (stack)", (c) => {
  const policy = byName(TIER_POLICIES, c.policy) as StackValidationPolicy;
  it("passes the happy path", () => {
    expect(stackViolationsOf(policy, c.pass, c.config ?? STANDARD, c.tags)).toEqual([]);
  });
  it(`fails with ${c.message}`, () => {
    const found = stackViolationsOf(policy, c.fail, c.failConfig ?? c.config ?? STANDARD, c.failTags ?? c.tags);
    expect(found.length).toBeGreaterThan(0);
    expect(found.some((m) => c.message.test(m)), found.join("\n")).toBe(true);
  });
});

describe("tier resolution", () => {
  const policy = byName(TIER_POLICIES, "tier-known") as StackValidationPolicy;
  it("prefers the policy config over the stack tag, and rejects unknown tiers and add-ons below Business", () => {
    expect(stackViolationsOf(policy, [], { tier: "premium" }, { "collect-verything:tier": "gold" })).toEqual([]);
    expect(stackViolationsOf(policy, [], {}, { "collect-verything:tier": "gold" })).toEqual(['unknown tier "gold" from stack tag collect-verything:tier']);
    expect(stackViolationsOf(policy, [], { tier: "premium", addOns: { extraCpuCores: 2 } })[0]).toMatch(/Premium tier has no add-ons/);
  });
});

describe("tenant-labels remediation", () => {
  it("adds the missing tenant and tier labels from the namespace and the stack's tier", async () => {
    const policy = byName(TIER_POLICIES, "tenant-labels") as ResourceValidationPolicy;
    const bare: FakeResource = { type: "kubernetes:core/v1:ConfigMap", props: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: `${NS}-site-3` }, data: {} } };
    const fixed = (await policy.remediateResource!(resourceArgs(bare, PREMIUM))) as { metadata: { labels: Record<string, string> } };
    expect(fixed.metadata.labels).toEqual({ tenant: "acme", tier: "premium" });
    expect(await policy.remediateResource!(resourceArgs(configMap({}), PREMIUM))).toBeUndefined();
  });
});

describe("rabbitmq-policy-within-tier on exchange policies", () => {
  it("leaves a federation policy on exchanges alone", () => {
    const policy = byName(TIER_POLICIES, "rabbitmq-policy-within-tier") as ResourceValidationPolicy;
    const federation = { type: "rabbitmq:index/policy:Policy", name: "federate", props: { policy: { applyTo: "exchanges", definition: { "federation-upstream-set": "all" } } } };
    expect(violationsOf(policy, federation, { tier: "business" })).toEqual([]);
    expect(violationsOf(policy, { ...federation, props: { policy: { applyTo: "queues", definition: {} } } }, STANDARD)[0]).toMatch(/max-length unset exceeds the Standard tier's 5000/);
  });
});

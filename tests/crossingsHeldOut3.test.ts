/**
 * The third held-out pass: crossings tried against the pack after issue 23's second pass, as a
 * tenant controlling its program would try them (spellings the pack did not canonicalise, inputs
 * it did not allow-list, expressions it did not read). Each changes or adds one thing in a
 * synthesized stack; the pack must refuse it with a mandatory violation. The unchanged stacks
 * pass (tests/crossings.test.ts and tests/policyPack.test.ts).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { TIER_POLICIES } from "../policy/policies";
import type { ContextConfig } from "../policy/context";
import type { LocalResource } from "../policy/localRun";
import { localResources, policyConfigOf } from "../synth/policyCheck";
import { mandatory, runPack, type FakeResource } from "./helpers/policy";
import { synthShape, tenantConfig } from "./helpers/synth";

type Stack = readonly LocalResource[];
type TierName = "standard" | "premium" | "business";
type Mutation = (stack: Stack) => Stack;

interface Base {
  readonly resources: Stack;
  readonly config: ContextConfig;
}

const BUSINESS_OVERRIDES = { regions: ["eu-west-3", "us-east-1"], trustedCidrs: ["203.0.113.0/24"] };

async function base(tier: TierName, sites: number, overrides: Record<string, unknown> = {}): Promise<Base> {
  const synth = await synthShape(tier, sites, "acme", overrides);
  return {
    resources: localResources(synth.result.resources),
    config: policyConfigOf(tenantConfig("acme", tier, sites, overrides))!,
  };
}

const bases: Record<string, Base> = {};
beforeAll(async () => {
  bases["standard"] = await base("standard", 1);
  bases["premium"] = await base("premium", 2);
  bases["business"] = await base("business", 2, BUSINESS_OVERRIDES);
  bases["dedicated"] = await base("business", 1, { dataServices: { dedicatedMysqlCluster: true } });
  bases["ingress"] = await base("business", 1, {
    routing: { mode: "ingress-nginx" },
    trustedCidrs: ["203.0.113.0/24"],
  });
}, 120_000);

const change =
  (
    pick: (r: LocalResource) => boolean,
    props: (p: Record<string, unknown>) => Record<string, unknown>,
  ): Mutation =>
  (stack) =>
    stack.map((r) => (pick(r) ? { ...r, props: props(r.props) } : r));
/** Adds a resource; a Kubernetes object through the stack's first cluster, anything else the first provider of its package. */
const add =
  (r: FakeResource): Mutation =>
  (stack) => {
    const pkg = r.type.split(":")[0]!;
    const provider = stack.find((s) => s.type.startsWith(`${pkg}:`) && s.provider)?.provider;
    const name = r.name ?? "crossing";
    return [
      ...stack,
      {
        type: r.type,
        name,
        urn: `urn:pulumi:acme::tenant::${r.type}::${name}`,
        props: r.props,
        ...(r.provider ? { provider: r.provider } : provider ? { provider } : {}),
      },
    ];
  };
const both =
  (...mutations: Mutation[]): Mutation =>
  (stack) =>
    mutations.reduce((s, m) => m(s), stack);
const ofType = (type: string) => (r: LocalResource) => r.type.endsWith(type);
const kindIs = (kind: string) => (r: LocalResource) => (r.props as { kind?: string }).kind === kind;
const phaseIs = (phase: string) => (r: LocalResource) =>
  r.type.endsWith("ruleset:Ruleset") && r.props["phase"] === phase;
const first = (pick: (r: LocalResource) => boolean) => {
  let done = false;
  return (r: LocalResource) => {
    if (done || !pick(r)) return false;
    done = true;
    return true;
  };
};

const TENANT_ZONE = "1123456789abcdef0123456789abcdef";
const NS = "e-commerce-tenant-acme";

interface Crossing {
  readonly name: string;
  readonly base: "standard" | "premium" | "business" | "dedicated" | "ingress";
  readonly mutate: Mutation;
  /** A mandatory violation's message must match (and come from this policy, when given). */
  readonly expect: RegExp;
  readonly policy?: string;
}

function family(title: string, crossings: readonly Crossing[]) {
  describe(title, () => {
    it.each(crossings)("refuses $name", async (c) => {
      const b = bases[c.base]!;
      const found = mandatory(await runPack(TIER_POLICIES, c.mutate(b.resources), b.config));
      const matching = found.filter((v) => c.expect.test(v.message) && (!c.policy || v.policy === c.policy));
      expect(matching.length, found.map((v) => `${v.policy}: ${v.message}`).join("\n")).toBeGreaterThan(0);
    });
  });
}

const customHostname = (hostname: string, name = "crossing-hostname"): FakeResource => ({
  type: "cloudflare:index/customHostname:CustomHostname",
  name,
  props: {
    zoneId: TENANT_ZONE,
    hostname,
    ssl: { method: "http", type: "dv", settings: { minTlsVersion: "1.2" } },
  },
});
const dns = (name: string): FakeResource => ({
  type: "cloudflare:index/dnsRecord:DnsRecord",
  name: "crossing-record",
  props: {
    zoneId: TENANT_ZONE,
    name,
    type: "CNAME",
    ttl: 1,
    proxied: true,
    content: "origin.acme.edge.collect-verything.test",
  },
});
const setting = (settingId: string, value: string): Mutation =>
  change(
    (r) => r.type.endsWith("zoneSetting:ZoneSetting") && r.props["settingId"] === settingId,
    (p) => ({ ...p, value }),
  );

family("Cloudflare hostnames and zone security", [
  {
    name: "a custom hostname for another tenant's platform hostname with a trailing dot",
    base: "standard",
    mutate: add(customHostname("globex.shops.collect-verything.com.")),
    expect: /globex\.shops\.collect-verything\.com/,
    policy: "edge-objects-in-tenant-zone",
  },
  {
    name: "a custom hostname for another tenant's platform hostname in upper case",
    base: "premium",
    mutate: add(customHostname("GLOBEX.Shops.Collect-Verything.com")),
    expect: /globex\.shops\.collect-verything\.com/i,
    policy: "edge-objects-in-tenant-zone",
  },
  {
    name: "a custom hostname for another tenant's platform hostname with an ideographic full stop (IDNA maps it to a dot)",
    base: "standard",
    mutate: add(customHostname("globex\u3002shops.collect-verything.com")),
    expect: /globex/,
    policy: "edge-objects-in-tenant-zone",
  },
  {
    name: "a DNS record in its own zone named another tenant's platform hostname with a trailing dot",
    base: "business",
    mutate: add(dns("globex.shops.collect-verything.com.")),
    expect: /globex\.shops\.collect-verything\.com/,
    policy: "edge-objects-in-tenant-zone",
  },
  {
    name: "two custom domains on Standard, one hidden as a second fallback origin",
    base: "standard",
    mutate: both(
      add({
        type: "cloudflare:index/customHostnameFallbackOrigin:CustomHostnameFallbackOrigin",
        name: "second-origin",
        props: { zoneId: TENANT_ZONE, origin: "a.example.org" },
      }),
      add(customHostname("a.example.org", "extra-a")),
      add(customHostname("b.example.org", "extra-b")),
    ),
    expect: /custom domains|fallback origin/,
  },
  {
    name: "the same custom domains counted once by spelling them differently (case and trailing dot)",
    base: "standard",
    mutate: both(add(customHostname("shop.example.org", "extra-a")), add(dns("Blog.Example.org."))),
    expect: /2 custom domains/,
    policy: "sites-and-domains-within-tier",
  },
  {
    name: "TLS to the origin switched off (ssl flexible)",
    base: "standard",
    mutate: setting("ssl", "flexible"),
    expect: /ssl/,
  },
  {
    name: "minimum TLS version lowered to 1.0",
    base: "premium",
    mutate: setting("min_tls_version", "1.0"),
    expect: /min_tls_version|TLS/,
  },
  {
    name: "HTTPS no longer enforced",
    base: "business",
    mutate: setting("always_use_https", "off"),
    expect: /always_use_https|HTTPS/,
  },
  {
    name: "a custom hostname accepting TLS 1.0",
    base: "standard",
    mutate: change(ofType("customHostname:CustomHostname"), (p) => ({
      ...p,
      ssl: { method: "http", type: "dv", settings: { minTlsVersion: "1.0" } },
    })),
    expect: /minTlsVersion|TLS/,
  },
  {
    name: "a zone setting the pack does not know (security level essentially off)",
    base: "business",
    mutate: add({
      type: "cloudflare:index/zoneSetting:ZoneSetting",
      name: "security-level",
      props: { zoneId: TENANT_ZONE, settingId: "security_level", value: "essentially_off" },
    }),
    expect: /security_level/,
  },
]);

const ratelimitRules = (f: (r: Record<string, unknown>) => Record<string, unknown>): Mutation =>
  change(phaseIs("http_ratelimit"), (p) => ({
    ...p,
    rules: (p["rules"] as Record<string, unknown>[]).map(f),
  }));
const trusted = (expression: string): Mutation =>
  change(phaseIs("http_request_firewall_custom"), (p) => ({
    ...p,
    rules: (p["rules"] as Record<string, unknown>[]).map((r) =>
      r["ref"] === "trusted_skip_rate_limit" ? { ...r, expression } : r,
    ),
  }));

family("security floors", [
  {
    name: "edge rate limits counted per value of a header the client chooses",
    base: "business",
    mutate: ratelimitRules((r) => ({
      ...r,
      ratelimit: {
        ...(r["ratelimit"] as object),
        characteristics: ["cf.colo.id", "ip.src", 'http.request.headers["x-request-id"]'],
      },
    })),
    expect: /edge rate limit/,
    policy: "security-floors-of-tier",
  },
  {
    name: "edge rate limits counting nothing (countingExpression false)",
    base: "business",
    mutate: ratelimitRules((r) => ({
      ...r,
      ratelimit: { ...(r["ratelimit"] as object), countingExpression: "false" },
    })),
    expect: /edge rate limit/,
  },
  {
    name: "edge rate limits that block for no time at all",
    base: "business",
    mutate: ratelimitRules((r) => ({
      ...r,
      ratelimit: { ...(r["ratelimit"] as object), mitigationTimeout: 0 },
    })),
    expect: /edge rate limit/,
  },
  {
    name: "every IPv6 client trusted (exempt from rate limits)",
    base: "business",
    mutate: trusted("ip.src in {::/0}"),
    expect: /trusted/,
  },
  {
    name: "the global unicast IPv6 space trusted",
    base: "business",
    mutate: trusted("ip.src in {2000::/3}"),
    expect: /trusted/,
  },
  {
    name: "a trusted CIDR written with host bits and a zero prefix",
    base: "business",
    mutate: trusted("ip.src in {203.0.113.7/0}"),
    expect: /trusted/,
  },
  {
    name: "a configuration ruleset turning the WAF and security level off",
    base: "business",
    mutate: add({
      type: "cloudflare:index/ruleset:Ruleset",
      name: "config-rules",
      props: {
        kind: "zone",
        name: "off",
        phase: "http_config_settings",
        zoneId: TENANT_ZONE,
        rules: [
          {
            ref: "off",
            expression: "true",
            action: "set_config",
            actionParameters: { waf: false, securityLevel: "off" },
          },
        ],
      },
    }),
    expect: /http_config_settings/,
  },
  {
    name: "a second origin rate-limit policy on one route with a far higher limit",
    base: "premium",
    mutate: add({
      type: "kubernetes:gateway.envoyproxy.io/v1alpha1:BackendTrafficPolicy",
      name: "faster",
      props: {
        apiVersion: "gateway.envoyproxy.io/v1alpha1",
        kind: "BackendTrafficPolicy",
        metadata: { name: "faster", namespace: NS, labels: { tenant: "acme", tier: "premium" } },
        spec: {
          targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "site-1" }],
          rateLimit: {
            type: "Global",
            global: { rules: [{ limit: { requests: 1_000_000, unit: "Minute" }, shared: true }] },
          },
        },
      },
    }),
    expect: /rate limit/,
  },
]);

const netpol = (spec: Record<string, unknown>, name = "crossing"): FakeResource => ({
  type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  name,
  props: {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace: NS, labels: { tenant: "acme" } },
    spec: { podSelector: {}, ...spec },
  },
});
const egressTo = (...cidrs: string[]) =>
  add(netpol({ policyTypes: ["Egress"], egress: [{ to: cidrs.map((cidr) => ({ ipBlock: { cidr } })) }] }));

family("network peers", [
  {
    name: "egress to the whole IPv6 internet",
    base: "standard",
    mutate: egressTo("::/0"),
    expect: /internet/,
  },
  {
    name: "egress to the internet written with host bits (1.2.3.4/0)",
    base: "premium",
    mutate: egressTo("1.2.3.4/0"),
    expect: /internet|CIDR/,
  },
  {
    name: "egress to the IPv4 internet as expanded IPv4-mapped IPv6",
    base: "standard",
    mutate: egressTo("0:0:0:0:0:ffff:0:0/96"),
    expect: /IPv4|internet/,
  },
  {
    name: "egress to every pod as IPv4-mapped IPv6 dotted form",
    base: "business",
    mutate: egressTo("::ffff:10.0.0.0/104"),
    expect: /pods|IPv4/,
  },
  {
    name: "egress to the node's instance metadata (its IAM role's credentials)",
    base: "standard",
    mutate: egressTo("169.254.169.254/32"),
    expect: /metadata|169\.254/,
  },
  {
    name: "egress on one port with no peers (every destination)",
    base: "premium",
    mutate: add(netpol({ policyTypes: ["Egress"], egress: [{ ports: [{ port: 443, protocol: "TCP" }] }] })),
    expect: /every destination|internet|peers/,
  },
  {
    name: "egress with ports but no peers from a site namespace on the Kubernetes API's ports",
    base: "dedicated",
    mutate: add(
      netpol({
        policyTypes: ["Egress"],
        egress: [
          {
            ports: [
              { protocol: "TCP", port: 443 },
              { protocol: "TCP", port: 6443 },
            ],
          },
        ],
      }),
    ),
    expect: /no peers/,
    policy: "network-policy-within-tenant",
  },
  {
    name: "egress with ports but no peers from the database namespace on another port",
    base: "dedicated",
    mutate: add({
      ...netpol({ policyTypes: ["Egress"], egress: [{ ports: [{ protocol: "TCP", port: 80 }] }] }),
      props: {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: "port-80", namespace: "e-commerce-db-acme", labels: { tenant: "acme" } },
        spec: {
          podSelector: {},
          policyTypes: ["Egress"],
          egress: [{ ports: [{ protocol: "TCP", port: 80 }] }],
        },
      },
    }),
    expect: /no peers/,
  },
  {
    name: "egress to the internet through NAT64",
    base: "standard",
    mutate: egressTo("64:ff9b::/96"),
    expect: /internet|IPv4/,
  },
]);

const backupPolicy = (statements: unknown): Mutation =>
  change(ofType("rolePolicy:RolePolicy"), (p) => ({
    ...p,
    policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
  }));
const trust = (statements: unknown): Mutation =>
  change(ofType("iam/role:Role"), (p) => ({
    ...p,
    assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
  }));
const minioPolicy = (statements: unknown): FakeResource => ({
  type: "minio:index/iamPolicy:IamPolicy",
  name: "crossing-policy",
  props: {
    name: "tenant-acme-crossing",
    policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
  },
});
const OWN_BACKUPS = "arn:aws:s3:::cv-tenant-backups/tenants/acme/*";

family("policy documents and identities", [
  {
    name: "the backup role making its backups public with an upper-case action (IAM actions ignore case)",
    base: "standard",
    mutate: backupPolicy([{ Effect: "Allow", Action: ["S3:PutObjectAcl"], Resource: [OWN_BACKUPS] }]),
    expect: /PutObjectAcl/i,
    policy: "data-services-of-tenant",
  },
  {
    name: "the backup role with an action wildcard (s3:Put* includes PutObjectAcl)",
    base: "premium",
    mutate: backupPolicy([{ Effect: "Allow", Action: ["s3:Put*"], Resource: [OWN_BACKUPS] }]),
    expect: /s3:Put\*/,
  },
  {
    name: "the backup role with a single-character action wildcard",
    base: "standard",
    mutate: backupPolicy([{ Effect: "Allow", Action: ["s3:PutObject?cl"], Resource: [OWN_BACKUPS] }]),
    expect: /PutObject\?cl/,
  },
  {
    name: "a trust policy any EC2 instance of the account can use",
    base: "standard",
    mutate: trust([
      { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]),
    expect: /ec2\.amazonaws\.com|Service/,
  },
  {
    name: "a trust policy for every principal of the platform's own account",
    base: "premium",
    mutate: trust([
      { Effect: "Allow", Principal: { AWS: "arn:aws:iam::000000000000:root" }, Action: "sts:AssumeRole" },
    ]),
    expect: /000000000000|Principal/,
  },
  {
    name: "the object-storage user given MinIO admin actions",
    base: "standard",
    mutate: add(minioPolicy([{ Effect: "Allow", Action: ["admin:*"], Resource: ["arn:aws:s3:::*"] }])),
    expect: /admin:\*/,
  },
  {
    name: "a Kubernetes object whose type says ConfigMap and whose manifest is a RoleBinding to cluster-admin",
    base: "standard",
    mutate: add({
      type: "kubernetes:core/v1:ConfigMap",
      name: "not-a-configmap",
      props: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "admin", namespace: NS, labels: { tenant: "acme" } },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
        subjects: [{ kind: "ServiceAccount", name: "default", namespace: NS }],
      },
    }),
    expect: /RoleBinding|ConfigMap/,
  },
  {
    name: "a Secret typed resource whose manifest names no kind (judged as no object at all)",
    base: "premium",
    mutate: add({
      type: "kubernetes:core/v1:Secret",
      name: "kindless",
      props: { metadata: { name: "x", namespace: "e-commerce-tenant-globex" }, stringData: { a: "b" } },
    }),
    expect: /manifest|namespace/,
  },
]);

const withEndpoint =
  (extra: Record<string, unknown>) =>
  (p: Record<string, unknown>): Record<string, unknown> => {
    const spec = p["spec"] as { endpoints: Record<string, unknown>[] };
    return { ...p, spec: { ...spec, endpoints: spec.endpoints.map((e) => ({ ...e, ...extra })) } };
  };
const rule = (r: Record<string, unknown>): Mutation =>
  change(first(kindIs("PrometheusRule")), (p) => {
    const spec = p["spec"] as { groups: { name: string; rules: unknown[] }[] };
    return {
      ...p,
      spec: { ...spec, groups: spec.groups.map((g, i) => (i === 0 ? { ...g, rules: [...g.rules, r] } : g)) },
    };
  });

family("observability", [
  {
    name: "a scrape that sends Prometheus's own service-account token to the tenant's target",
    base: "standard",
    mutate: change(
      first(kindIs("ServiceMonitor")),
      withEndpoint({ bearerTokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token" }),
    ),
    expect: /bearerTokenFile/,
    policy: "observability-within-tenant",
  },
  {
    name: "a scrape presenting Prometheus's client certificate and key files",
    base: "premium",
    mutate: change(
      first(kindIs("ServiceMonitor")),
      withEndpoint({
        tlsConfig: { certFile: "/etc/prometheus/certs/tls.crt", keyFile: "/etc/prometheus/certs/tls.key" },
      }),
    ),
    expect: /keyFile|tlsConfig/,
  },
  {
    name: "a scrape through a proxy into another tenant's namespace",
    base: "standard",
    mutate: change(
      first(kindIs("ServiceMonitor")),
      withEndpoint({ proxyUrl: "http://orders.e-commerce-tenant-globex.svc:8080" }),
    ),
    expect: /proxyUrl/,
  },
  {
    name: "a ServiceMonitor choosing a privileged scrape class",
    base: "business",
    mutate: change(first(kindIs("ServiceMonitor")), (p) => ({
      ...p,
      spec: { ...(p["spec"] as object), scrapeClass: "platform-mtls" },
    })),
    expect: /scrapeClass/,
  },
  {
    name: "a recording rule forging the tenant with label_replace spelled across lines",
    base: "premium",
    mutate: rule({
      record: "tenant:quota_usage:ratio",
      expr: 'label_replace (\n  sum(up), \n  "tenant" , "globex", "", "")',
      labels: { tier: "premium" },
    }),
    expect: /label_replace/,
  },
  {
    name: "a recording rule forging another tenant with label_replace",
    base: "standard",
    mutate: rule({
      record: "tenant:quota_usage:ratio",
      expr: 'label_replace(vector(0), "tenant", "globex", "", "")',
      labels: { tier: "standard" },
    }),
    expect: /label_replace|tenant/,
  },
  {
    name: "a recording rule forging a higher tier with label_join",
    base: "premium",
    mutate: rule({
      record: "tenant:quota_usage:ratio",
      expr: 'label_join(up{namespace="e-commerce-tenant-acme"}, "tier", "", "job")',
      labels: { tenant: "acme" },
    }),
    expect: /label_join|tier/,
  },
]);

family("providers", [
  {
    name: "the Kubernetes provider choosing another context of its kubeconfig",
    base: "standard",
    mutate: change(ofType("providers:kubernetes"), (p) => ({ ...p, context: "platform-admin" })),
    expect: /context/,
  },
  {
    name: "the Kubernetes provider defaulting objects into another tenant's namespace",
    base: "premium",
    mutate: change(ofType("providers:kubernetes"), (p) => ({ ...p, namespace: "e-commerce-tenant-globex" })),
    expect: /namespace/,
  },
  {
    name: "the Kubernetes provider impersonating a cluster admin (cluster override)",
    base: "business",
    mutate: change(ofType("providers:kubernetes"), (p) => ({ ...p, cluster: "other-cluster" })),
    expect: /cluster/,
  },
]);

family("broker and buckets", [
  {
    name: "a shovel writing into another tenant's vhost spelled with percent-encoding",
    base: "business",
    mutate: add({
      type: "rabbitmq:index/shovel:Shovel",
      props: {
        name: "encoded",
        vhost: NS,
        info: {
          sourceUri: `amqp:///${NS}`,
          sourceQueue: "orders",
          destinationUri: "amqp:///e-commerce-tenant-%67lobex",
          destinationQueue: "orders",
        },
      },
    }),
    expect: /globex|vhost/,
  },
  {
    name: "a bucket named by a prefix (the provider picks the name)",
    base: "standard",
    mutate: add({
      type: "minio:index/s3Bucket:S3Bucket",
      name: "prefixed",
      props: { bucketPrefix: "tenant-globex-", acl: "private", quota: 1024 },
    }),
    expect: /bucket/,
  },
]);

const annotate = (extra: Record<string, string>): Mutation =>
  change(kindIs("Ingress"), (p) => {
    const meta = p["metadata"] as { annotations?: Record<string, string> };
    return { ...p, metadata: { ...meta, annotations: { ...meta.annotations, ...extra } } };
  });
const NGINX = "nginx.ingress.kubernetes.io/";

family("ingress annotations", [
  {
    name: "a server snippet (raw nginx configuration, every tenant's secrets readable by the controller)",
    base: "ingress",
    mutate: annotate({ [`${NGINX}server-snippet`]: "location /x { return 200 $ssl_client_cert; }" }),
    expect: /server-snippet/,
  },
  {
    name: "client certificates checked against a secret in another tenant's namespace",
    base: "ingress",
    mutate: annotate({ [`${NGINX}auth-tls-secret`]: "e-commerce-tenant-globex/ca" }),
    expect: /auth-tls-secret/,
  },
  {
    name: "proxying to an upstream host of another tenant",
    base: "ingress",
    mutate: annotate({ [`${NGINX}upstream-vhost`]: "globex.shops.collect-verything.com" }),
    expect: /upstream-vhost/,
  },
]);

const scaled = (triggers: unknown[]): Mutation =>
  change(first(kindIs("ScaledObject")), (p) => ({
    ...p,
    spec: { ...(p["spec"] as object), triggers },
  }));

family("autoscaler credentials and edge origins", [
  {
    name: "a TriggerAuthentication using the KEDA operator's own cloud identity",
    base: "business",
    mutate: change(first(kindIs("TriggerAuthentication")), (p) => ({
      ...p,
      spec: { podIdentity: { provider: "aws" } },
    })),
    expect: /podIdentity/,
  },
  {
    name: "a scaler trigger reading a cloud queue as the operator (identityOwner operator)",
    base: "business",
    mutate: scaled([
      {
        type: "aws-sqs-queue",
        metadata: {
          queueURL: "https://sqs.eu-west-3.amazonaws.com/000000000000/globex",
          identityOwner: "operator",
        },
      },
    ]),
    expect: /aws-sqs-queue/,
  },
  {
    name: "a Prometheus trigger that makes the operator fetch the instance metadata",
    base: "business",
    mutate: scaled([
      {
        type: "prometheus",
        metadata: {
          serverAddress: "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
          query: "up",
          threshold: "1",
        },
      },
    ]),
    expect: /serverAddress|169\.254/,
  },
  {
    name: "a custom hostname served from another tenant's origin",
    base: "standard",
    mutate: change(ofType("customHostname:CustomHostname"), (p) => ({
      ...p,
      customOriginServer: "origin.globex.edge.collect-verything.test",
      customOriginSni: "globex.shops.collect-verything.com",
    })),
    expect: /customOrigin/,
  },
  {
    name: "a custom hostname with a wildcard certificate",
    base: "premium",
    mutate: change(first(ofType("customHostname:CustomHostname")), (p) => ({
      ...p,
      ssl: { ...(p["ssl"] as object), wildcard: true },
    })),
    expect: /wildcard/,
  },
  {
    name: "an origin rule sending the tenant's traffic to another host",
    base: "business",
    mutate: add({
      type: "cloudflare:index/ruleset:Ruleset",
      name: "origin-rules",
      props: {
        kind: "zone",
        name: "origin",
        phase: "http_request_origin",
        zoneId: TENANT_ZONE,
        rules: [
          {
            ref: "elsewhere",
            expression: "true",
            action: "route",
            actionParameters: {
              hostHeader: "globex.shops.collect-verything.com",
              origin: { host: "origin.globex.edge.collect-verything.test" },
            },
          },
        ],
      },
    }),
    expect: /http_request_origin/,
  },
]);

const alertmanager = (receivers: unknown[], tier = "business"): FakeResource => ({
  type: "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig",
  name: "crossing-alerts",
  props: {
    apiVersion: "monitoring.coreos.com/v1alpha1",
    kind: "AlertmanagerConfig",
    metadata: { name: "crossing", namespace: NS, labels: { tenant: "acme", tier } },
    spec: { route: { receiver: "unrouted" }, receivers: [{ name: "unrouted" }, ...receivers] },
  },
});

family("alert receivers (Alertmanager's reach)", [
  {
    name: "a webhook receiver posting to the instance metadata from Alertmanager's network",
    base: "business",
    mutate: add(
      alertmanager([{ name: "sms", webhookConfigs: [{ url: "http://169.254.169.254/latest/api/token" }] }]),
    ),
    expect: /url/,
    policy: "observability-within-tenant",
  },
  {
    name: "a Slack receiver sent through a proxy in another tenant's namespace",
    base: "business",
    mutate: add(
      alertmanager([
        {
          name: "slack",
          slackConfigs: [
            {
              apiURL: { name: "alerting", key: "slack" },
              httpConfig: { proxyURL: "http://orders.e-commerce-tenant-globex.svc:8080" },
            },
          ],
        },
      ]),
    ),
    expect: /httpConfig/,
  },
  {
    name: "an email receiver relaying through an in-cluster SMTP host of the platform",
    base: "premium",
    mutate: add(
      alertmanager(
        [{ name: "email", emailConfigs: [{ to: "x@example.org", smarthost: "mysql.mysql.svc:3306" }] }],
        "premium",
      ),
    ),
    expect: /smarthost/,
  },
]);

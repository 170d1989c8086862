/**
 * The second held-out pass, tried as an attacker would: each crossing changes or adds one thing in
 * a synthesized stack (what a tenant controlling its program could deploy) and the pack must
 * refuse it with a mandatory violation of the family's policy. Families: Cloudflare zones, policy
 * documents and trust policies, broker, buckets, security floors, network peers, observability,
 * providers. The unchanged stacks pass (tests/policyPack.test.ts covers every shape).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { TIER_POLICIES } from "../policy/policies";
import type { ContextConfig } from "../policy/context";
import { localResources, policyConfigOf } from "../synth/policyCheck";
import { offlinePlatformFacts } from "../synth/platformStandIn";
import type { LocalResource } from "../policy/localRun";
import { mandatory, runPack, type FakeResource } from "./helpers/policy";
import { synthShape, tenantConfig } from "./helpers/synth";

type Stack = readonly LocalResource[];
type TierName = "standard" | "premium" | "business";

interface Base {
  readonly resources: Stack;
  readonly config: ContextConfig;
}

const BUSINESS_OVERRIDES = {
  regions: ["eu-west-3", "us-east-1"],
  trustedCidrs: ["203.0.113.0/24"],
  dataServices: {
    federationUpstreams: [
      { name: "us-east", uri: "amqps://u:p@rabbitmq.us-east-1.platform.collect-verything.internal" },
    ],
  },
};
/** Every channel, custom domains on each site, a dedicated cluster: what the unchanged stacks must also pass. */
const FULL_OVERRIDES = {
  alerting: {
    email: ["ops@acme.example"],
    slackWebhookUrl: "https://hooks.slack.com/services/T0/B0/x",
    pagerdutyRoutingKey: "key",
    smsWebhookUrl: "https://sms.example/hook",
  },
  sites: [
    { customDomains: ["shop.acme.example", "www.acme.example"] },
    { customDomains: ["outlet.acme.example"] },
    { customDomains: [] },
  ],
  dataServices: { dedicatedMysqlCluster: true },
  trustedCidrs: ["203.0.113.0/24", "198.51.100.7/32"],
};
const PREMIUM_ALERTING = {
  alerting: { email: ["ops@acme.example"], slackWebhookUrl: "https://hooks.slack.com/services/T0/B0/x" },
  sites: [
    { customDomains: ["shop.acme.example"] },
    { customDomains: [] },
    { customDomains: ["b.acme.example"] },
  ],
};
const INGRESS_OVERRIDES = { routing: { mode: "ingress-nginx" }, trustedCidrs: ["203.0.113.0/24"] };

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
  bases["ingress"] = await base("business", 1, INGRESS_OVERRIDES);
  bases["full"] = await base("business", 3, FULL_OVERRIDES);
  bases["premium-alerting"] = await base("premium", 3, PREMIUM_ALERTING);
}, 120_000);

describe("the stacks the crossings start from", () => {
  it.each(["standard", "premium", "business", "ingress", "full", "premium-alerting"])(
    "%s passes the pack unchanged",
    async (name) => {
      const b = bases[name]!;
      expect(await runPack(TIER_POLICIES, b.resources, b.config)).toEqual([]);
    },
  );
});

describe("without the platform facts (closed by default)", () => {
  it("refuses the edge, the backup role and the providers as unjudgeable rather than passing them", async () => {
    const b = bases["business"]!;
    const found = mandatory(
      await runPack(TIER_POLICIES, b.resources, { ...b.config, cloudflare: undefined, platform: undefined }),
    );
    const policies = new Set(found.filter((v) => /cannot be judged/.test(v.message)).map((v) => v.policy));
    expect([...policies].sort()).toEqual([
      "data-services-of-tenant",
      "edge-objects-in-tenant-zone",
      "providers-of-platform",
    ]);
  });
});

type Mutation = (stack: Stack) => Stack;

/** Replaces the props of every resource the predicate picks. */
const change =
  (
    pick: (r: LocalResource) => boolean,
    props: (p: Record<string, unknown>) => Record<string, unknown>,
  ): Mutation =>
  (stack) =>
    stack.map((r) => (pick(r) ? { ...r, props: props(r.props) } : r));
const remove =
  (pick: (r: LocalResource) => boolean): Mutation =>
  (stack) =>
    stack.filter((r) => !pick(r));
/** Adds a resource; a Kubernetes object goes through the stack's first cluster, anything else the first provider of its package. */
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
        ...(r.protect ? { protect: true } : {}),
        ...(r.provider ? { provider: r.provider } : provider ? { provider } : {}),
      },
    ];
  };
const both =
  (...mutations: Mutation[]): Mutation =>
  (stack) =>
    mutations.reduce((s, m) => m(s), stack);

const ofType = (type: string) => (r: LocalResource) => r.type.endsWith(type);
const kindIs = (kind: string, name?: string) => (r: LocalResource) =>
  (r.props as { kind?: string }).kind === kind &&
  (name === undefined || (r.props as { metadata?: { name?: string } }).metadata?.name === name);
const phaseIs = (phase: string) => (r: LocalResource) =>
  r.type.endsWith("ruleset:Ruleset") && r.props["phase"] === phase;
const namedProp = (type: string, key: string, value: string) => (r: LocalResource) =>
  r.type.endsWith(type) && r.props[key] === value;
const first = (pick: (r: LocalResource) => boolean) => {
  let done = false;
  return (r: LocalResource) => {
    if (done || !pick(r)) return false;
    done = true;
    return true;
  };
};

const TENANT_ZONE = "1123456789abcdef0123456789abcdef";
const PLATFORM_ZONE = "2123456789abcdef0123456789abcdef";
const ACCOUNT = "0123456789abcdef0123456789abcdef";
const OTHER = "9923456789abcdef0123456789abcdef";
const NS = "e-commerce-tenant-acme";

interface Crossing {
  readonly name: string;
  readonly base: keyof typeof bases | "standard" | "premium" | "business" | "ingress";
  readonly mutate: Mutation;
  /** A mandatory violation's message must match (and come from this policy, when given). */
  readonly expect: RegExp;
  readonly policy?: string;
}

async function violationsOf(c: Crossing) {
  const b = bases[c.base]!;
  return mandatory(await runPack(TIER_POLICIES, c.mutate(b.resources), b.config));
}

function family(title: string, crossings: readonly Crossing[]) {
  describe(title, () => {
    it.each(crossings)("refuses $name", async (c) => {
      const found = await violationsOf(c);
      const matching = found.filter((v) => c.expect.test(v.message) && (!c.policy || v.policy === c.policy));
      expect(matching.length, found.map((v) => `${v.policy}: ${v.message}`).join("\n")).toBeGreaterThan(0);
    });
  });
}

const dns = (props: Record<string, unknown>): FakeResource => ({
  type: "cloudflare:index/dnsRecord:DnsRecord",
  name: "crossing-record",
  props: {
    type: "CNAME",
    ttl: 1,
    proxied: false,
    content: "origin.acme.edge.collect-verything.test",
    ...props,
  },
});

family("Cloudflare zones", [
  {
    name: "a record for another tenant's platform hostname in the platform zone",
    base: "standard",
    mutate: add(dns({ zoneId: PLATFORM_ZONE, name: "globex.shops.collect-verything.com" })),
    expect: /globex\.shops\.collect-verything\.com.*not tenant acme's/,
    policy: "edge-objects-in-tenant-zone",
  },
  {
    name: "a wildcard record in the platform zone",
    base: "business",
    mutate: add(dns({ zoneId: PLATFORM_ZONE, name: "*.shops.collect-verything.com" })),
    expect: /wildcard/,
    policy: "edge-objects-in-tenant-zone",
  },
  {
    name: "a record in a zone that is neither the tenant's nor the platform's",
    base: "standard",
    mutate: add(dns({ zoneId: OTHER, name: "www.example.org" })),
    expect: /zone 9923456789abcdef0123456789abcdef is not tenant acme's/,
  },
  {
    name: "a record in the platform zone under another name than the tenant's hostnames (apex)",
    base: "premium",
    mutate: add(
      dns({ zoneId: PLATFORM_ZONE, name: "shops.collect-verything.com", type: "A", content: "192.0.2.1" }),
    ),
    expect: /not tenant acme's/,
  },
  {
    name: "its own platform hostname pointed somewhere other than its origin",
    base: "standard",
    mutate: change(first(namedProp("dnsRecord:DnsRecord", "zoneId", PLATFORM_ZONE)), (p) => ({
      ...p,
      content: "origin.globex.edge.collect-verything.test",
    })),
    expect: /points at origin\.globex/,
  },
  {
    name: "a ruleset on the platform zone",
    base: "premium",
    mutate: change(phaseIs("http_request_cache_settings"), (p) => ({ ...p, zoneId: PLATFORM_ZONE })),
    expect: /platform zone/,
    policy: "edge-objects-in-tenant-zone",
  },
  {
    name: "an account-level ruleset (every zone of the account)",
    base: "business",
    mutate: change(phaseIs("http_request_cache_settings"), ({ zoneId: _z, ...p }) => ({
      ...p,
      kind: "root",
      accountId: ACCOUNT,
    })),
    expect: /account|zone/,
    policy: "edge-objects-in-tenant-zone",
  },
  {
    name: "a custom hostname in another tenant's zone",
    base: "standard",
    mutate: change(ofType("customHostname:CustomHostname"), (p) => ({ ...p, zoneId: OTHER })),
    expect: /not tenant acme's/,
  },
  {
    name: "a custom hostname for another tenant's platform hostname",
    base: "premium",
    mutate: add({
      type: "cloudflare:index/customHostname:CustomHostname",
      props: {
        zoneId: TENANT_ZONE,
        hostname: "globex.shops.collect-verything.com",
        ssl: { method: "http", type: "dv", settings: { minTlsVersion: "1.2" } },
      },
    }),
    expect: /globex\.shops\.collect-verything\.com/,
  },
  {
    name: "custom hostnames beyond the tier's custom domains (Standard: 1)",
    base: "standard",
    mutate: both(
      ...["a.example.org", "b.example.org"].map((hostname, i) =>
        add({
          type: "cloudflare:index/customHostname:CustomHostname",
          name: `extra-${i}`,
          props: {
            zoneId: TENANT_ZONE,
            hostname,
            ssl: { method: "http", type: "dv", settings: { minTlsVersion: "1.2" } },
          },
        }),
      ),
    ),
    expect: /2 custom domains.*allows 1/,
    policy: "sites-and-domains-within-tier",
  },
  {
    name: "DNS records in its own zone for more hostnames than the tier has custom domains",
    base: "standard",
    mutate: both(
      ...["shop.example.org", "blog.example.org"].map((name, i) =>
        add({ ...dns({ zoneId: TENANT_ZONE, name }), name: `extra-record-${i}` }),
      ),
    ),
    expect: /custom domains.*allows 1/,
    policy: "sites-and-domains-within-tier",
  },
  {
    name: "a load balancer pool in another Cloudflare account",
    base: "business",
    mutate: change(first(ofType("loadBalancerPool:LoadBalancerPool")), (p) => ({ ...p, accountId: OTHER })),
    expect: /account 9923456789abcdef0123456789abcdef is not the platform's/,
  },
  {
    name: "zone settings changed on the platform zone",
    base: "standard",
    mutate: change(first(ofType("zoneSetting:ZoneSetting")), (p) => ({ ...p, zoneId: PLATFORM_ZONE })),
    expect: /platform zone/,
  },
  {
    name: "a wildcard custom hostname in its own zone",
    base: "business",
    mutate: add({
      type: "cloudflare:index/customHostname:CustomHostname",
      props: {
        zoneId: TENANT_ZONE,
        hostname: "*.example.org",
        ssl: { method: "http", type: "dv", settings: { minTlsVersion: "1.2" } },
      },
    }),
    expect: /wildcard/,
  },
  {
    name: "a Standard tenant serving three of its platform hostnames from its one namespace (three sites)",
    base: "standard",
    mutate: change(kindIs("HTTPRoute"), (p) => ({
      ...p,
      spec: {
        ...(p["spec"] as object),
        hostnames: [
          "acme.shops.collect-verything.com",
          "acme-site-2.shops.collect-verything.com",
          "acme-site-3.shops.collect-verything.com",
        ],
      },
    })),
    expect: /3 platform hostnames.*allows 1 sites/,
    policy: "sites-and-domains-within-tier",
  },
]);

const minioPolicy = (statements: unknown, name = "tenant-acme-crossing"): FakeResource => ({
  type: "minio:index/iamPolicy:IamPolicy",
  name: "crossing-policy",
  props: { name, policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) },
});
const OWN = "arn:aws:s3:::tenant-acme-products";
const backupPolicy = (statements: unknown): Mutation =>
  change(ofType("rolePolicy:RolePolicy"), (p) => ({
    ...p,
    policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
  }));

family("policy documents (IAM and MinIO)", [
  {
    name: "NotResource: everything but its own bucket",
    base: "standard",
    mutate: add(minioPolicy([{ Effect: "Allow", Action: ["s3:GetObject"], NotResource: [`${OWN}/*`] }])),
    expect: /NotResource/,
    policy: "data-services-of-tenant",
  },
  {
    name: "NotAction on its own buckets (every other action, bucket policies included)",
    base: "standard",
    mutate: add(minioPolicy([{ Effect: "Allow", NotAction: ["s3:DeleteObject"], Resource: [OWN] }])),
    expect: /NotAction/,
  },
  {
    name: "a bucket wildcard that reaches tenant acme-x's buckets",
    base: "premium",
    mutate: add(
      minioPolicy([{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::tenant-acme*/*"] }]),
    ),
    expect: /tenant-acme\*/,
  },
  {
    name: "s3:* on its own buckets (includes bucket policies and ACLs)",
    base: "standard",
    mutate: add(minioPolicy([{ Effect: "Allow", Action: "s3:*", Resource: [`${OWN}/*`, OWN] }])),
    expect: /s3:\*/,
  },
  {
    name: "a Resource of * hidden in a single-statement document",
    base: "standard",
    mutate: add({
      ...minioPolicy([]),
      props: {
        name: "tenant-acme-single",
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: { Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "*" },
        }),
      },
    }),
    expect: /\*/,
  },
  {
    name: "a principal in an identity policy",
    base: "standard",
    mutate: add(
      minioPolicy([{ Effect: "Allow", Principal: "*", Action: ["s3:GetObject"], Resource: [`${OWN}/*`] }]),
    ),
    expect: /Principal/,
  },
  {
    name: "an effect that is neither Allow nor Deny (lower case)",
    base: "standard",
    mutate: add(minioPolicy([{ Effect: "allow", Action: ["s3:GetObject"], Resource: [`${OWN}/*`] }])),
    expect: /Effect/,
  },
  {
    name: "a document version whose variables mean something else",
    base: "standard",
    mutate: add({
      ...minioPolicy([]),
      props: {
        name: "tenant-acme-v2008",
        policy: JSON.stringify({
          Version: "2008-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: `${OWN}/*` }],
        }),
      },
    }),
    expect: /Version/,
  },
  {
    name: "the backup role writing another bucket under the tenant's prefix",
    base: "standard",
    mutate: backupPolicy([
      { Effect: "Allow", Action: ["s3:PutObject"], Resource: ["arn:aws:s3:::evil-bucket/tenants/acme/*"] },
    ]),
    expect: /evil-bucket/,
  },
  {
    name: "the backup role reaching tenant acme-x's prefix by a wildcard",
    base: "standard",
    mutate: backupPolicy([
      {
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: ["arn:aws:s3:::cv-tenant-backups/tenants/acme*"],
      },
    ]),
    expect: /tenants\/acme\*/,
  },
  {
    name: "the backup role decrypting with another account's key",
    base: "premium",
    mutate: backupPolicy([
      { Effect: "Allow", Action: ["kms:Decrypt"], Resource: ["arn:aws:kms:eu-west-3:111122223333:key/abcd"] },
    ]),
    expect: /111122223333/,
  },
  {
    name: "the backup role listing the bucket with an IfExists prefix condition (absent key: everything)",
    base: "standard",
    mutate: backupPolicy([
      {
        Effect: "Allow",
        Action: ["s3:ListBucket"],
        Resource: ["arn:aws:s3:::cv-tenant-backups"],
        Condition: { StringLikeIfExists: { "s3:prefix": ["tenants/acme/*"] } },
      },
    ]),
    expect: /lists/,
  },
  {
    name: "the backup role with NotAction",
    base: "standard",
    mutate: backupPolicy([
      { Effect: "Allow", NotAction: ["iam:*"], Resource: ["arn:aws:s3:::cv-tenant-backups/tenants/acme/*"] },
    ]),
    expect: /NotAction/,
  },
  {
    name: "the backup role making its backups public (s3:PutObjectAcl)",
    base: "standard",
    mutate: backupPolicy([
      {
        Effect: "Allow",
        Action: ["s3:PutObjectAcl"],
        Resource: ["arn:aws:s3:::cv-tenant-backups/tenants/acme/*"],
      },
    ]),
    expect: /s3:PutObjectAcl/,
  },
  {
    name: "a condition operator the pack does not know",
    base: "standard",
    mutate: add(
      minioPolicy([
        {
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: [`${OWN}/*`],
          Condition: { StringMaybe: { "aws:username": "x" } },
        },
      ]),
    ),
    expect: /StringMaybe/,
  },
]);

const trust = (statements: unknown): Mutation =>
  change(ofType("iam/role:Role"), (p) => ({
    ...p,
    assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: statements }),
  }));
// The platform's own identity provider (its stand-in's), so the crossing is the condition, not the provider.
const OIDC = offlinePlatformFacts("eu-west-3").backups.oidcProviderArn;
const SUB = `${offlinePlatformFacts("eu-west-3").backups.oidcIssuer}:sub`;

family("trust policies and database grants", [
  {
    name: "a role any principal can assume",
    base: "standard",
    mutate: trust([{ Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" }]),
    expect: /Principal/,
    policy: "data-services-of-tenant",
  },
  {
    name: "a role another AWS account can assume",
    base: "standard",
    mutate: trust([
      { Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "sts:AssumeRole" },
    ]),
    expect: /111122223333/,
  },
  {
    name: "the cluster's OIDC provider with a wildcard service account",
    base: "premium",
    mutate: trust([
      {
        Effect: "Allow",
        Principal: { Federated: OIDC },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringLike: { [SUB]: "system:serviceaccount:*" } },
      },
    ]),
    expect: /system:serviceaccount:\*/,
  },
  {
    name: "the cluster's OIDC provider without a subject condition",
    base: "standard",
    mutate: trust([
      { Effect: "Allow", Principal: { Federated: OIDC }, Action: "sts:AssumeRoleWithWebIdentity" },
    ]),
    expect: /service account/,
  },
  {
    name: "NotPrincipal (everyone but one)",
    base: "standard",
    mutate: trust([
      { Effect: "Allow", NotPrincipal: { AWS: "arn:aws:iam::000000000000:root" }, Action: "sts:AssumeRole" },
    ]),
    expect: /NotPrincipal/,
  },
  {
    name: "a role with managed policies attached by the role itself",
    base: "standard",
    mutate: change(ofType("iam/role:Role"), (p) => ({
      ...p,
      managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
    })),
    expect: /managedPolicyArns/,
  },
  {
    name: "a MySQL grant of a role (which may hold other tenants' databases)",
    base: "standard",
    mutate: change(first(ofType("mysql:index/grant:Grant")), (p) => ({ ...p, roles: ["platform_reader"] })),
    expect: /roles/,
    policy: "data-services-of-tenant",
  },
  {
    name: "a MySQL grant WITH GRANT OPTION",
    base: "premium",
    mutate: change(first(ofType("mysql:index/grant:Grant")), (p) => ({ ...p, grant: true })),
    expect: /GRANT OPTION/,
  },
  {
    name: "a global privilege on its own database (FILE reads the server's files)",
    base: "business",
    mutate: change(first(ofType("mysql:index/grant:Grant")), (p) => ({
      ...p,
      privileges: [...(p["privileges"] as string[]), "FILE"],
    })),
    expect: /grants FILE/,
  },
]);

family("broker", [
  {
    name: "an administrator tag on the tenant's user",
    base: "standard",
    mutate: change(ofType("rabbitmq:index/user:User"), (p) => ({ ...p, tags: ["administrator"] })),
    expect: /administrator/,
  },
  {
    name: "a management tag (the management API of every vhost's overview)",
    base: "premium",
    mutate: change(ofType("rabbitmq:index/user:User"), (p) => ({ ...p, tags: ["monitoring"] })),
    expect: /monitoring/,
  },
  {
    name: "a shovel reading another tenant's vhost",
    base: "business",
    mutate: add({
      type: "rabbitmq:index/shovel:Shovel",
      props: {
        name: "steal",
        vhost: NS,
        info: {
          sourceUri: "amqp://guest:guest@rabbitmq.rabbitmq.svc.cluster.local/e-commerce-tenant-globex",
          sourceQueue: "orders",
          destinationUri: `amqp:///${NS}`,
          destinationQueue: "stolen",
        },
      },
    }),
    expect: /e-commerce-tenant-globex/,
  },
  {
    name: "a shovel reading the default vhost of its own server (amqp:// names no vhost)",
    base: "business",
    mutate: add({
      type: "rabbitmq:index/shovel:Shovel",
      props: {
        name: "default",
        vhost: NS,
        info: { sourceUri: "amqp://", sourceQueue: "q", destinationUri: `amqp:///${NS}` },
      },
    }),
    expect: /vhost/,
  },
  {
    name: "a federation upstream on another tenant's vhost",
    base: "business",
    mutate: add({
      type: "rabbitmq:index/federationUpstream:FederationUpstream",
      props: {
        name: "globex",
        vhost: NS,
        definition: {
          uri: "amqps://u:p@rabbitmq.us-east-1.platform.collect-verything.internal/e-commerce-tenant-globex",
        },
      },
    }),
    expect: /e-commerce-tenant-globex/,
  },
  {
    name: "a federation upstream on a broker that is not the platform's",
    base: "business",
    mutate: add({
      type: "rabbitmq:index/federationUpstream:FederationUpstream",
      props: { name: "outside", vhost: NS, definition: { uri: `amqps://u:p@broker.example.org/${NS}` } },
    }),
    expect: /broker\.example\.org/,
  },
  {
    name: "a policymaker tag (policies on every vhost it can reach)",
    base: "business",
    mutate: change(first(ofType("rabbitmq:index/user:User")), (p) => ({ ...p, tags: ["policymaker"] })),
    expect: /policymaker/,
  },
]);

family("buckets", [
  {
    name: "a public-read bucket",
    base: "standard",
    mutate: change(first(ofType("s3Bucket:S3Bucket")), (p) => ({ ...p, acl: "public-read" })),
    expect: /public-read/,
  },
  {
    name: "a public-read-write bucket",
    base: "business",
    mutate: change(first(ofType("s3Bucket:S3Bucket")), (p) => ({ ...p, acl: "public-read-write" })),
    expect: /public-read-write/,
  },
  {
    name: "a bucket policy resource (anonymous access)",
    base: "premium",
    mutate: add({
      type: "minio:index/s3BucketPolicy:S3BucketPolicy",
      props: {
        bucket: "tenant-acme-products",
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `${OWN}/*` }],
        }),
      },
    }),
    expect: /S3BucketPolicy/,
  },
  {
    name: "its object-storage user allowed to set its buckets' policy (and so make them public)",
    base: "standard",
    mutate: add(minioPolicy([{ Effect: "Allow", Action: ["s3:PutBucketPolicy"], Resource: [OWN] }])),
    expect: /s3:PutBucketPolicy/,
  },
]);

const rateLimitRules = (p: Record<string, unknown>) =>
  (p["spec"] as { rateLimit: { global: { rules: { limit: { requests: number } }[] } } }).rateLimit.global
    .rules;

family("security floors", [
  {
    name: "a Business tenant without its managed WAF",
    base: "business",
    mutate: remove(phaseIs("http_request_firewall_managed")),
    expect: /managed WAF/,
    policy: "security-floors-of-tier",
  },
  {
    name: "a Business tenant without its DDoS managed rules",
    base: "business",
    mutate: remove(phaseIs("ddos_l7")),
    expect: /DDoS/,
  },
  {
    name: "the OWASP ruleset only logging",
    base: "business",
    mutate: change(phaseIs("http_request_firewall_managed"), (p) => ({
      ...p,
      rules: (p["rules"] as Record<string, unknown>[]).map((r) =>
        r["ref"] === "owasp_core"
          ? {
              ...r,
              actionParameters: { id: "4814384a9e5d4991b9815dcfc25d2f1f", overrides: { action: "log" } },
            }
          : r,
      ),
    })),
    expect: /OWASP/,
  },
  {
    name: "a managed WAF rule disabled",
    base: "business",
    mutate: change(phaseIs("http_request_firewall_managed"), (p) => ({
      ...p,
      rules: (p["rules"] as Record<string, unknown>[]).map((r) => ({ ...r, enabled: false })),
    })),
    expect: /disabled|managed WAF/,
  },
  {
    name: "a custom rule skipping the managed WAF for everyone",
    base: "business",
    mutate: change(phaseIs("http_request_firewall_custom"), (p) => ({
      ...p,
      rules: [
        {
          ref: "skip_all",
          expression: "true",
          action: "skip",
          actionParameters: { phases: ["http_request_firewall_managed"] },
        },
        ...(p["rules"] as unknown[]),
      ],
    })),
    expect: /skip/,
  },
  {
    name: "origin rate limits raised far above the tier",
    base: "standard",
    mutate: change(kindIs("BackendTrafficPolicy"), (p) => {
      const spec = p["spec"] as Record<string, unknown>;
      const rules = rateLimitRules(p).map((r) => ({
        ...r,
        limit: { ...r.limit, requests: r.limit.requests * 100 },
      }));
      return { ...p, spec: { ...spec, rateLimit: { type: "Global", global: { rules } } } };
    }),
    expect: /rate limit/,
    policy: "security-floors-of-tier",
  },
  {
    name: "origin rate limits removed",
    base: "premium",
    mutate: remove(kindIs("BackendTrafficPolicy")),
    expect: /rate limit/,
  },
  {
    name: "an origin rate limit lowered below the tier (the tenant's own customers throttled)",
    base: "premium",
    mutate: change(kindIs("BackendTrafficPolicy"), (p) => {
      const spec = p["spec"] as Record<string, unknown>;
      const rules = rateLimitRules(p).map((r) => ({ ...r, limit: { ...r.limit, requests: 1 } }));
      return { ...p, spec: { ...spec, rateLimit: { type: "Global", global: { rules } } } };
    }),
    expect: /rate limit/,
  },
  {
    name: "the ingress rate limit annotation raised",
    base: "ingress",
    mutate: change(kindIs("Ingress"), (p) => {
      const meta = p["metadata"] as { annotations: Record<string, string> };
      return {
        ...p,
        metadata: {
          ...meta,
          annotations: { ...meta.annotations, "nginx.ingress.kubernetes.io/limit-rpm": "999999" },
        },
      };
    }),
    expect: /limit-rpm/,
  },
  {
    name: "edge rate limits switched off",
    base: "business",
    mutate: change(phaseIs("http_ratelimit"), (p) => ({
      ...p,
      rules: (p["rules"] as Record<string, unknown>[]).map((r) => ({ ...r, enabled: false })),
    })),
    expect: /edge rate limit/,
  },
  {
    name: "edge rate limits removed",
    base: "business",
    mutate: remove(phaseIs("http_ratelimit")),
    expect: /edge rate limit/,
  },
  {
    name: "trusted CIDRs that cover the internet in two halves",
    base: "business",
    mutate: change(phaseIs("http_request_firewall_custom"), (p) => ({
      ...p,
      rules: (p["rules"] as Record<string, unknown>[]).map((r) =>
        r["ref"] === "trusted_skip_rate_limit"
          ? { ...r, expression: "ip.src in {0.0.0.0/1 128.0.0.0/1}" }
          : r,
      ),
    })),
    expect: /trusted/,
  },
  {
    name: "the trusted-client header set for everyone",
    base: "business",
    mutate: change(phaseIs("http_request_late_transform"), (p) => ({
      ...p,
      rules: (p["rules"] as Record<string, unknown>[]).map((r) =>
        r["ref"] === "set_trusted_header" ? { ...r, expression: "not ip.src in {192.0.2.1}" } : r,
      ),
    })),
    expect: /trusted/,
  },
  {
    name: "an ingress whitelist covering the internet",
    base: "ingress",
    mutate: change(kindIs("Ingress"), (p) => {
      const meta = p["metadata"] as { annotations: Record<string, string> };
      return {
        ...p,
        metadata: {
          ...meta,
          annotations: { ...meta.annotations, "nginx.ingress.kubernetes.io/limit-whitelist": "0.0.0.0/0" },
        },
      };
    }),
    expect: /limit-whitelist|trusted/,
  },
  {
    name: "the origin rate limit attached to one route only",
    base: "premium",
    mutate: change(kindIs("BackendTrafficPolicy"), (p) => {
      const spec = { ...(p["spec"] as Record<string, unknown>) };
      delete spec["targetSelectors"];
      return {
        ...p,
        spec: {
          ...spec,
          targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "site-1" }],
        },
      };
    }),
    expect: /every HTTPRoute/,
  },
]);

const netpol = (spec: Record<string, unknown>, name = "crossing"): FakeResource => ({
  type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  props: {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name, namespace: NS, labels: { tenant: "acme" } },
    spec: { podSelector: {}, ...spec },
  },
});
const route = (parentRefs: unknown[]): FakeResource => ({
  type: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
  props: {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "crossing", namespace: NS, labels: { tenant: "acme" } },
    spec: {
      parentRefs,
      hostnames: ["acme.shops.collect-verything.com"],
      rules: [{ backendRefs: [{ name: "api-gateway", port: 8100 }] }],
    },
  },
});

family("network peers", [
  {
    name: "egress to the internet split in two halves",
    base: "standard",
    mutate: add(
      netpol({
        policyTypes: ["Egress"],
        egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/1" } }, { ipBlock: { cidr: "128.0.0.0/1" } }] }],
      }),
    ),
    expect: /internet/,
    policy: "network-policy-within-tenant",
  },
  {
    name: "the internet split across two policies",
    base: "premium",
    mutate: both(
      add(
        netpol(
          {
            policyTypes: ["Egress"],
            egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/2" } }, { ipBlock: { cidr: "64.0.0.0/2" } }] }],
          },
          "half-1",
        ),
      ),
      add(
        netpol(
          { policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "128.0.0.0/1" } }] }] },
          "half-2",
        ),
      ),
    ),
    expect: /internet/,
  },
  {
    name: "ingress from every tenant's pods (the VPC's private range)",
    base: "standard",
    mutate: add(
      netpol({ policyTypes: ["Ingress"], ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }] }),
    ),
    expect: /pods/,
  },
  {
    name: "egress to every pod of the region on any port",
    base: "business",
    mutate: add(
      netpol({
        policyTypes: ["Egress"],
        egress: [{ to: [{ ipBlock: { cidr: "10.30.0.0/16" } }], ports: [{ port: 8080 }] }],
      }),
    ),
    expect: /pods/,
  },
  {
    name: "the whole IPv4 space as IPv4-mapped IPv6",
    base: "standard",
    mutate: add(
      netpol({ policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "::ffff:0:0/96" } }] }] }),
    ),
    expect: /IPv4-mapped|internet/,
  },
  {
    name: "an ipBlock that is no CIDR",
    base: "standard",
    mutate: add(netpol({ policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0/0" } }] }] })),
    expect: /CIDR/,
  },
  {
    name: "a Service with externalIPs",
    base: "standard",
    mutate: change(first(kindIs("Service")), (p) => ({
      ...p,
      spec: { ...(p["spec"] as object), externalIPs: ["10.30.1.10"] },
    })),
    expect: /externalIPs/,
  },
  {
    name: "an ExternalName Service aliasing another tenant's service",
    base: "premium",
    mutate: add({
      type: "kubernetes:core/v1:Service",
      props: {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "alias", namespace: NS, labels: { tenant: "acme" } },
        spec: { type: "ExternalName", externalName: "orders.e-commerce-tenant-globex.svc.cluster.local" },
      },
    }),
    expect: /ExternalName/,
  },
  {
    name: "a route attached to a gateway in another tenant's namespace",
    base: "standard",
    mutate: add(route([{ name: "gw", namespace: "e-commerce-tenant-globex" }])),
    expect: /e-commerce-tenant-globex/,
    policy: "hostnames-of-tenant",
  },
  {
    name: "a route attached to another tenant's listener",
    base: "business",
    mutate: add(
      route([{ name: "platform-gateway", namespace: "gateway-system", sectionName: "tenant-globex" }]),
    ),
    expect: /tenant-globex/,
  },
  {
    name: "a route attached to a Service (mesh) instead of a Gateway",
    base: "standard",
    mutate: add(
      route([{ kind: "Service", group: "", name: "orders", namespace: "e-commerce-tenant-globex" }]),
    ),
    expect: /Service/,
  },
  {
    name: "the internet minus the private ranges (except carves only the pods out)",
    base: "premium",
    mutate: add(
      netpol({
        policyTypes: ["Egress"],
        egress: [
          {
            to: [
              { ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] } },
            ],
          },
        ],
      }),
    ),
    expect: /internet/,
  },
]);

const monitorOf = (p: Record<string, unknown>) => p["spec"] as { endpoints: Record<string, unknown>[] };
const withEndpoint =
  (extra: Record<string, unknown>) =>
  (p: Record<string, unknown>): Record<string, unknown> => ({
    ...p,
    spec: { ...monitorOf(p), endpoints: monitorOf(p).endpoints.map((e) => ({ ...e, ...extra })) },
  });
const alertmanager = (receivers: unknown[]): FakeResource => ({
  type: "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig",
  props: {
    apiVersion: "monitoring.coreos.com/v1alpha1",
    kind: "AlertmanagerConfig",
    metadata: { name: "crossing", namespace: NS, labels: { tenant: "acme" } },
    spec: { route: { receiver: "unrouted" }, receivers: [{ name: "unrouted" }, ...receivers] },
  },
});

family("observability", [
  {
    name: "relabelling that forges another tenant",
    base: "standard",
    mutate: change(
      first(kindIs("ServiceMonitor")),
      withEndpoint({
        relabelings: [
          { action: "replace", targetLabel: "tenant", replacement: "globex" },
          { action: "replace", targetLabel: "tier", replacement: "standard" },
        ],
      }),
    ),
    expect: /tenant/,
    policy: "observability-within-tenant",
  },
  {
    name: "relabelling that forges a higher tier (longer retention)",
    base: "standard",
    mutate: change(
      first(kindIs("ServiceMonitor")),
      withEndpoint({
        relabelings: [
          { action: "replace", targetLabel: "tenant", replacement: "acme" },
          { action: "replace", targetLabel: "tier", replacement: "business" },
        ],
      }),
    ),
    expect: /tier/,
  },
  {
    name: "metric relabelling that rewrites the tenant label after the scrape",
    base: "premium",
    mutate: change(
      first(kindIs("ServiceMonitor")),
      withEndpoint({
        metricRelabelings: [
          { action: "replace", sourceLabels: ["x"], targetLabel: "tenant", replacement: "globex" },
        ],
      }),
    ),
    expect: /tenant/,
  },
  {
    name: "a labelmap that can write any label",
    base: "standard",
    mutate: change(
      first(kindIs("ServiceMonitor")),
      withEndpoint({
        metricRelabelings: [{ action: "labelmap", regex: "__meta_kubernetes_pod_label_(.+)" }],
      }),
    ),
    expect: /labelmap/,
  },
  {
    name: "honorLabels (the target's own tenant and tier labels win)",
    base: "standard",
    mutate: change(first(kindIs("ServiceMonitor")), withEndpoint({ honorLabels: true })),
    expect: /honorLabels/,
  },
  {
    name: "a ServiceMonitor scraping every namespace",
    base: "business",
    mutate: change(first(kindIs("ServiceMonitor")), (p) => ({
      ...p,
      spec: { ...monitorOf(p), namespaceSelector: { any: true } },
    })),
    expect: /namespace/,
  },
  {
    name: "a Slack receiver on Standard (email only)",
    base: "standard",
    mutate: add(alertmanager([{ name: "slack", slackConfigs: [{ apiURL: { name: "s", key: "k" } }] }])),
    expect: /slack/,
  },
  {
    name: "an SMS webhook receiver on Premium",
    base: "premium",
    mutate: add(alertmanager([{ name: "sms", webhookConfigs: [{ url: "https://hooks.example.org/" }] }])),
    expect: /webhook|sms/,
  },
  {
    name: "a receiver type no tier has (Telegram)",
    base: "business",
    mutate: add(alertmanager([{ name: "tg", telegramConfigs: [{ chatID: 1 }] }])),
    expect: /telegramConfigs/,
  },
  {
    name: "an alert rule labelled with another tenant",
    base: "standard",
    mutate: change(first(kindIs("PrometheusRule")), (p) => {
      const spec = p["spec"] as { groups: { name: string; rules: Record<string, unknown>[] }[] };
      const groups = spec.groups.map((g, i) =>
        i === 0
          ? {
              ...g,
              rules: g.rules.map((r) => ({ ...r, labels: { ...(r["labels"] as object), tenant: "globex" } })),
            }
          : g,
      );
      return { ...p, spec: { ...spec, groups } };
    }),
    expect: /tenant/,
  },
  {
    name: "target labels copied from the Service (which the tenant labels)",
    base: "premium",
    mutate: change(first(kindIs("ServiceMonitor")), (p) => ({
      ...p,
      spec: { ...monitorOf(p), targetLabels: ["tenant"] },
    })),
    expect: /copies the tenant label/,
  },
]);

const provider = (type: string, props: Record<string, unknown>, name: string): FakeResource => ({
  type: `pulumi:providers:${type}`,
  name,
  props,
});

family("providers", [
  {
    name: "a second MySQL provider on another server",
    base: "standard",
    mutate: add(
      provider(
        "mysql",
        { endpoint: "mysql.evil.example.org:3306", username: "root", password: "x" },
        "second-mysql",
      ),
    ),
    expect: /mysql\.evil\.example\.org/,
    policy: "providers-of-platform",
  },
  {
    name: "a MinIO provider on another server",
    base: "premium",
    mutate: change(first(ofType("providers:minio")), (p) => ({
      ...p,
      minioServer: "minio.example.org:9000",
    })),
    expect: /minio\.example\.org/,
  },
  {
    name: "a RabbitMQ provider on another broker",
    base: "standard",
    mutate: change(first(ofType("providers:rabbitmq")), (p) => ({
      ...p,
      endpoint: "http://rabbit.example.org:15672",
    })),
    expect: /rabbit\.example\.org/,
  },
  {
    name: "an AWS provider assuming a role in another account",
    base: "standard",
    mutate: change(ofType("providers:aws"), (p) => ({
      ...p,
      assumeRoles: [{ roleArn: "arn:aws:iam::111122223333:role/admin" }],
    })),
    expect: /assumeRoles/,
  },
  {
    name: "an AWS provider in another region",
    base: "business",
    mutate: change(ofType("providers:aws"), (p) => ({ ...p, region: "us-west-2" })),
    expect: /us-west-2/,
  },
  {
    name: "an AWS provider with its own endpoints",
    base: "standard",
    mutate: change(ofType("providers:aws"), (p) => ({ ...p, endpoints: [{ s3: "https://s3.example.org" }] })),
    expect: /endpoints/,
  },
  {
    name: "a Cloudflare provider with another account's global key",
    base: "standard",
    mutate: add(provider("cloudflare", { apiKey: "k", email: "me@example.org" }, "cloudflare-2")),
    expect: /apiKey|Cloudflare provider/,
  },
  {
    name: "a Cloudflare provider on another API base URL",
    base: "premium",
    mutate: change(ofType("providers:cloudflare"), (p) => ({
      ...p,
      baseUrl: "https://api.example.org/client/v4",
    })),
    expect: /baseUrl/,
  },
  {
    name: "more RabbitMQ providers than regions",
    base: "standard",
    mutate: add(
      provider(
        "rabbitmq",
        { endpoint: "http://rabbitmq.rabbitmq.svc.cluster.local:15672", username: "guest", password: "x" },
        "extra-rabbit",
      ),
    ),
    expect: /rabbitmq providers/,
  },
  {
    name: "an AWS provider reading another profile's credentials",
    base: "premium",
    mutate: change(ofType("providers:aws"), (p) => ({ ...p, profile: "other-account" })),
    expect: /profile/,
  },
]);

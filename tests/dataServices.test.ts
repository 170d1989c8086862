/**
 * The data-services layer per tier, on synthesized stacks: every number of the tier table (docs/product.md) it
 * owns, isolation (nothing reaches beyond the tenant), secrets never in plain text, the
 * Business options, and tier changes that never replace or delete data.
 */
import { describe, expect, it } from "vitest";
import type { RecordedResource } from "../synth/engine";
import { synthTenant } from "../synth/programs";
import {
  BUCKET_NAMES,
  DATABASE_SERVICES,
  getTier,
  objectStorageReplicator,
  TIER_NAMES,
  type TierName,
} from "../tiers";
import { gbToBytes } from "../lib/units";
import { ofKind, synthShape, tenantConfig } from "./helpers/synth";

const ofType = (resources: readonly RecordedResource[], type: string) =>
  resources.filter((r) => r.type === type);
const inputs = <T>(r: RecordedResource) => r.inputs as T;

describe.each(TIER_NAMES)("%s data services", (tier) => {
  const t = getTier(tier);

  it("creates 11 protected databases, one user each with privileges on its own database only and the tier's connection limit", async () => {
    const { result } = await synthShape(tier, 1);
    const dbs = ofType(result.resources, "mysql:index/database:Database");
    expect(dbs.map((d) => inputs<{ name: string }>(d).name).sort()).toEqual(
      DATABASE_SERVICES.map((s) => `acme_${s.name}`).sort(),
    );
    expect(dbs.every((d) => d.protect)).toBe(true);
    const grants = ofType(result.resources, "mysql:index/grant:Grant").map((g) =>
      inputs<{ user: string; database: string; privileges: string[] }>(g),
    );
    for (const svc of DATABASE_SERVICES) {
      const own = grants.filter((g) => g.user === `acme_${svc.name}`);
      expect(own).toHaveLength(1);
      expect(own[0]!.database).toBe(`acme_${svc.name}`);
      expect(own[0]!.privileges).not.toContain("GRANT OPTION");
      expect(own[0]!.privileges).not.toContain("ALL PRIVILEGES");
    }
    const limits = ofType(result.resources, "pulumi-nodejs:dynamic/collect-verything:MysqlUserLimits").map(
      (l) => inputs<{ user: string; maxUserConnections: number }>(l),
    );
    expect(new Set(limits.map((l) => l.maxUserConnections))).toEqual(
      new Set([t.database.maxConnectionsPerService]),
    );
    expect(limits.length).toBe(11 + (t.database.readReplicas > 0 ? 1 : 0));
  });

  it("gives a read-only reporting user on the replica only to tiers with read replicas", async () => {
    const { result, objects } = await synthShape(tier, 1, "acme");
    const reporting = ofType(result.resources, "mysql:index/grant:Grant")
      .map((g) => inputs<{ user: string; privileges: string[] }>(g))
      .filter((g) => g.user === "acme_reporting");
    const secret = ofKind(objects, "Secret").find((s) => s.metadata?.name === "reporting-database");
    if (t.database.readReplicas === 0) {
      expect(reporting).toEqual([]);
      expect(secret).toBeUndefined();
      return;
    }
    expect(reporting).toHaveLength(11);
    expect(reporting.every((g) => g.privileges.every((p) => ["SELECT", "SHOW VIEW"].includes(p)))).toBe(true);
    expect(Object.keys((secret as unknown as { stringData: object }).stringData).sort()).toEqual([
      "DB_CONNECTION",
      "DB_DATABASES",
      "DB_HOST",
      "DB_PASSWORD",
      "DB_PORT",
      "DB_USERNAME",
    ]);
  });

  it("publishes the tier's database limits MySQL cannot enforce per user to the services", async () => {
    const { objects } = await synthShape(tier, 1);
    const runtime = ofKind(objects, "ConfigMap").find((c) => c.metadata?.name === "tenant-runtime")!;
    expect(runtime.data).toMatchObject({
      DB_POOL_MAX_CONNECTIONS: String(t.database.maxConnectionsPerService),
      DB_QUERY_TIMEOUT_SECONDS: String(t.database.queryTimeoutSeconds),
      DB_MAX_REQUEST_BYTES: String(t.database.maxRequestBytes),
      DB_SLOW_QUERY_SECONDS: String(t.database.slowQuerySeconds),
    });
  });

  it("gives each stateful service its credentials Secret and the services read them", async () => {
    const { objects } = await synthShape(tier, 1);
    const secrets = new Set(ofKind(objects, "Secret").map((s) => s.metadata?.name));
    for (const svc of DATABASE_SERVICES)
      expect(secrets.has(`${svc.workloadName}-database`), svc.name).toBe(true);
    expect(secrets.has("tenant-rabbitmq")).toBe(true);
    expect(secrets.has("tenant-object-storage")).toBe(true);
    const products = ofKind(objects, "Deployment").find((d) => d.metadata?.name === "products-service")!;
    const envFrom = JSON.stringify(
      (products.spec as { template: { spec: { containers: { envFrom: unknown }[] } } }).template.spec
        .containers[0]!.envFrom,
    );
    for (const name of [
      "products-service-database",
      "tenant-rabbitmq",
      "tenant-object-storage",
      "tenant-upload-rules",
    ])
      expect(envFrom).toContain(name);
  });

  it("configures RabbitMQ: protected vhost with derived limits, vhost-scoped permissions, the tier policy, priority and quorum queues", async () => {
    const { result, objects } = await synthShape(tier, 1);
    const vhosts = ofType(result.resources, "rabbitmq:index/vHost:VHost");
    expect(vhosts.map((v) => inputs<{ name: string }>(v).name)).toEqual(["e-commerce-tenant-acme"]);
    expect(vhosts[0]!.protect).toBe(true);
    const limits = inputs<{ maxConnections: number; maxQueues: number }>(
      ofType(result.resources, "pulumi-nodejs:dynamic/collect-verything:RabbitVhostLimits")[0]!,
    );
    expect(limits).toMatchObject({ maxConnections: 2 * t.quota.pods, maxQueues: 4 * 13 * t.maxSites });
    const permissions = ofType(result.resources, "rabbitmq:index/permissions:Permissions").map((p) =>
      inputs<{ user: string; vhost: string }>(p),
    );
    expect(permissions).toEqual([
      expect.objectContaining({ user: "tenant-acme", vhost: "e-commerce-tenant-acme" }),
    ]);
    const policy = inputs<{ policy: { applyTo: string; definition: Record<string, string> } }>(
      ofType(result.resources, "rabbitmq:index/policy:Policy")[0]!,
    ).policy;
    expect(policy.applyTo).toBe("queues");
    expect(policy.definition["message-ttl"]).toBe(String(t.messaging.messageTtlMs));
    expect(policy.definition["consumer-timeout"]).toBe(String(t.messaging.consumerTimeoutMs));
    expect(policy.definition["max-length"]).toBe(
      t.messaging.maxLength === undefined ? undefined : String(t.messaging.maxLength),
    );
    expect(policy.definition["dead-letter-exchange"]).toBe(
      t.messaging.deadLettering ? "dead-letters" : undefined,
    );
    expect(Object.keys(policy.definition)).not.toContain("x-max-priority");
    const queues = Object.fromEntries(
      ofType(result.resources, "rabbitmq:index/queue:Queue").map((q) => {
        const i = inputs<{ name: string; settings: { argumentsJson: string } }>(q);
        return [i.name, JSON.parse(i.settings.argumentsJson) as Record<string, unknown>];
      }),
    );
    // Queue arguments are fixed at declaration: the same on every tier (the highest priority any
    // tier sells), the tier's own maximum is the publishers' to respect; the dead-letter queue is
    // declared everywhere and routed to only where the tier dead-letters. Queues hold messages: protected.
    expect(queues["messages-broker.priority"]).toEqual({ "x-queue-type": "classic", "x-max-priority": 255 });
    const runtime = ofKind(objects, "ConfigMap").find((c) => c.metadata?.name === "tenant-runtime")!;
    expect(runtime.data).toMatchObject({ RABBITMQ_MAX_PRIORITY: String(t.messaging.maxPriority) });
    expect(queues["messages-broker"]!["x-queue-type"]).toBe("quorum");
    expect(queues["dead-letters"]).toEqual({ "x-queue-type": "quorum" });
    expect(ofType(result.resources, "rabbitmq:index/queue:Queue").every((q) => q.protect)).toBe(true);
    expect(
      ofType(result.resources, "rabbitmq:index/exchange:Exchange").map(
        (e) => inputs<{ name: string }>(e).name,
      ),
    ).toContain("microservices_exchange");
  });

  it("creates the three buckets with the tier's quotas (protected, retained), versioning only where the tier has it", async () => {
    const { result } = await synthShape(tier, 1);
    const buckets = ofType(result.resources, "minio:index/s3Bucket:S3Bucket");
    for (const b of BUCKET_NAMES) {
      const bucket = buckets.find((r) => inputs<{ bucket: string }>(r).bucket === `tenant-acme-${b}`)!;
      expect(inputs<{ quota: number }>(bucket).quota).toBe(gbToBytes(t.objectStorage.buckets[b].quotaGb));
      expect(bucket.protect && bucket.retainOnDelete).toBe(true);
    }
    expect(ofType(result.resources, "minio:index/s3BucketVersioning:S3BucketVersioning")).toHaveLength(
      t.objectStorage.versioning ? 3 : 0,
    );
    const lifecycle = ofType(result.resources, "minio:index/ilmPolicy:IlmPolicy").map((l) =>
      inputs<{ rules: { noncurrentVersionExpirationDays: number }[] }>(l),
    );
    expect(lifecycle.map((l) => l.rules[0]!.noncurrentVersionExpirationDays)).toEqual(
      t.objectStorage.versioning ? [30, 30, 30] : [],
    );
  });

  it("publishes each bucket's upload rules (size, types, presigned expiry) to the services", async () => {
    const { objects } = await synthShape(tier, 1);
    const rules = ofKind(objects, "ConfigMap").find((c) => c.metadata?.name === "tenant-upload-rules")!;
    for (const b of BUCKET_NAMES) {
      const rule = JSON.parse(rules.data![`UPLOAD_RULES_${b.toUpperCase()}`]!) as {
        maxObjectBytes: number;
        allowedTypes: string[];
        presignedUrlExpirySeconds: number;
      };
      expect(rule.maxObjectBytes).toBe(t.objectStorage.buckets[b].maxObjectMb * 1024 * 1024);
      expect(rule.allowedTypes).toEqual(t.objectStorage.buckets[b].allowedTypes);
      expect(rule.presignedUrlExpirySeconds).toBe(t.objectStorage.presignedUrlExpirySeconds);
    }
  });
});

describe("isolation", () => {
  it("grants, permissions and the IAM policy reach only the tenant's own databases, vhost and buckets", async () => {
    const { result } = await synthShape("business", 3, "acme");
    for (const g of ofType(result.resources, "mysql:index/grant:Grant"))
      expect(inputs<{ database: string }>(g).database).toMatch(/^acme_[a-z_]+$/);
    for (const p of ofType(result.resources, "rabbitmq:index/permissions:Permissions"))
      expect(inputs<{ vhost: string }>(p).vhost).toBe("e-commerce-tenant-acme");
    const policy = JSON.parse(
      inputs<{ policy: string }>(ofType(result.resources, "minio:index/iamPolicy:IamPolicy")[0]!).policy,
    ) as {
      Statement: { Resource: string[] }[];
    };
    const resources = policy.Statement.flatMap((s) => s.Resource);
    expect(resources.length).toBeGreaterThan(0);
    for (const r of resources)
      expect(r).toMatch(/^arn:aws:s3:::tenant-acme-(products|sav|newsletters)(\/\*)?$/);
    expect(resources.some((r) => r.includes("*") && !r.endsWith("/*"))).toBe(false);
  });
});

describe("secrets", () => {
  it("never shows a generated or admin password in plain text, anywhere in what the stack registers", async () => {
    const sentinel = "S3ntinel-admin-password";
    const config = tenantConfig("acme", "business", 2, {
      adminCredentials: {
        mysql: { user: "root", password: sentinel },
        rabbitmq: { user: "admin", password: sentinel, managementUrl: "http://rabbitmq:15672" },
        objectStorage: { user: "minio", password: sentinel, ssl: true },
      },
      dataServices: {
        dedicatedMysqlCluster: true,
        federationUpstreams: [{ name: "us-east", uri: `amqps://fed:${sentinel}@us.example.com` }],
      },
    });
    const result = await synthTenant("acme", config);
    const everything = JSON.stringify(result.resources) + JSON.stringify(result.outputs);
    expect(everything).not.toContain(sentinel);
    // Every credential-bearing input is a placeholder.
    for (const s of result.resources.filter((r) => r.type === "kubernetes:core/v1:Secret")) {
      for (const value of Object.values((s.inputs as { stringData: Record<string, string> }).stringData))
        expect(value).toBe("[secret]");
    }
    for (const u of ofType(result.resources, "mysql:index/user:User"))
      expect(inputs<{ plaintextPassword: string }>(u).plaintextPassword).toBe("[secret]");
    expect(JSON.stringify(result.outputs)).not.toMatch(/password/i);
  });
});

describe("Business options", () => {
  it("deploys the dedicated InnoDB cluster (5 servers, 3 routers) in its own namespace and quota, and points the services at it", async () => {
    const { result, objects } = await synthShape("business", 1, "acme", {
      dataServices: { dedicatedMysqlCluster: true },
    });
    const cluster = ofKind(objects, "InnoDBCluster");
    expect(cluster).toHaveLength(1);
    const spec = cluster[0]!.spec as {
      instances: number;
      router: { instances: number };
      podSpec: { containers: { name: string }[] };
      backupSchedules: { schedule: string }[];
    };
    expect(spec.instances).toBe(5);
    expect(spec.router.instances).toBe(3);
    expect(spec.podSpec.containers[0]!.name).toBe("mysql");
    expect(spec.backupSchedules[0]!.schedule).toBe("0 */6 * * *");
    expect(cluster[0]!.metadata?.namespace).toBe("e-commerce-db-acme");
    expect(
      result.resources.find((r) => r.type === "kubernetes:mysql.oracle.com/v2:InnoDBCluster")!.protect,
    ).toBe(true);
    const quotas = ofKind(objects, "ResourceQuota").map((q) => q.metadata?.namespace);
    expect(quotas).toContain("e-commerce-db-acme");
    const mysqlProvider = ofType(result.resources, "pulumi:providers:mysql")[0]!;
    expect(inputs<{ endpoint: string }>(mysqlProvider).endpoint).toBe(
      "tenant-mysql.e-commerce-db-acme.svc.cluster.local:6446",
    );
  });

  it("federates the vhost with the tenant's other regions", async () => {
    const { result } = await synthShape("business", 1, "acme", {
      dataServices: { federationUpstreams: [{ name: "us-east", uri: "amqps://u:p@us.example.com" }] },
    });
    const upstreams = ofType(result.resources, "rabbitmq:index/federationUpstream:FederationUpstream");
    expect(upstreams.map((u) => inputs<{ name: string; definition: { uri: string } }>(u))).toEqual([
      expect.objectContaining({ name: "us-east", definition: expect.objectContaining({ uri: "[secret]" }) }),
    ]);
  });
});

/** Inputs whose change makes the provider replace the resource, by type. */
const REPLACE_KEYS: Readonly<Record<string, readonly string[]>> = {
  "mysql:index/database:Database": ["name"],
  "mysql:index/user:User": ["user", "host"],
  "rabbitmq:index/vHost:VHost": ["name"],
  "rabbitmq:index/user:User": ["name"],
  "rabbitmq:index/queue:Queue": ["name", "vhost", "settings"],
  "minio:index/s3Bucket:S3Bucket": ["bucket"],
  "minio:index/iamUser:IamUser": ["name"],
  "kubernetes:core/v1:Namespace": ["metadata.name"],
  "kubernetes:core/v1:PersistentVolumeClaim": [
    "metadata.name",
    "metadata.namespace",
    "spec.storageClassName",
    "spec.accessModes",
  ],
};

const at = (value: unknown, path: string): unknown =>
  path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], value);

describe("tier changes never replace or delete data", () => {
  it("Standard -> Premium -> Business -> Premium keeps every database, user, vhost, bucket, namespace and volume", async () => {
    const path: TierName[] = ["standard", "premium", "business", "premium"];
    const graphs = [];
    for (const tier of path)
      graphs.push((await synthTenant("acme", tenantConfig("acme", tier, 1))).resources);
    for (let i = 1; i < graphs.length; i++) {
      const before = graphs[i - 1]!;
      const after = new Map(graphs[i]!.map((r) => [r.urn, r]));
      const step = `${path[i - 1]} -> ${path[i]}`;
      for (const r of before.filter((x) => REPLACE_KEYS[x.type])) {
        const next = after.get(r.urn);
        // The replicator holds no data and exists only where the tier replicates across regions:
        // leaving Business deletes it (its rules then fail, the objects stay; docs/data-services.md, "Object storage across regions").
        if (
          r.type === "minio:index/iamUser:IamUser" &&
          r.inputs["name"] === objectStorageReplicator("acme")
        ) {
          expect(next === undefined, `${step}: the replicator`).toBe(
            !getTier(path[i]!).objectStorage.crossRegionReplication,
          );
          continue;
        }
        expect(next, `${step}: ${r.type} ${r.name} would be deleted`).toBeDefined();
        for (const key of REPLACE_KEYS[r.type]!) {
          if (JSON.stringify(at(r.inputs, key)) !== JSON.stringify(at(next!.inputs, key))) {
            // Only an ignored change may differ: it is never sent, so it replaces nothing.
            expect(next!.ignoreChanges, `${step}: ${r.type} ${r.name} changes ${key}`).toContain(key);
          }
        }
        if (r.protect) expect(next!.protect, `${step}: ${r.name} lost its protection`).toBe(true);
      }
    }
    // The Redis volume created on the upgrade survives the round trip with its original class pinned.
    const pvc = (g: readonly RecordedResource[]) =>
      g.find((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim");
    expect(pvc(graphs[0]!)).toBeUndefined();
    expect(pvc(graphs[2]!)?.ignoreChanges).toContain("spec.storageClassName");
    expect(at(pvc(graphs[2]!)!.inputs, "spec.volumeAttributesClassName")).toBe("tier-business-iops");
    expect(at(pvc(graphs[3]!)!.inputs, "spec.volumeAttributesClassName")).toBe("tier-premium-iops");
  });
});

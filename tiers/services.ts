import { BUCKET_NAMES, type BucketName } from "./catalog";

/**
 * The platform's 13 Laravel services (seed 003). The port is the container's HTTP port;
 * every service also serves Prometheus metrics on METRICS_PORT.
 */

export const METRICS_PORT = 9090;
export const PROBE_PATHS = { liveness: "/health", readiness: "/ready", metrics: "/metrics" } as const;
/** Non-root uid/gid every container runs as. */
export const RUNTIME_UID = 1000;
/** Writable scratch directories (emptyDir) under a read-only root filesystem. */
export const SCRATCH_PATHS = ["/tmp", "/var/cache", "/var/log"] as const;
/** The platform's RabbitMQ exchange. */
export const PLATFORM_EXCHANGE = "microservices_exchange";

export const SERVICE_NAMES = [
  "api-gateway",
  "auth",
  "products",
  "baskets",
  "orders",
  "addresses",
  "deliveries",
  "newsletters",
  "sav",
  "contacts",
  "questions",
  "websites",
  "messages-broker",
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServiceDefinition {
  readonly name: ServiceName;
  /** Kubernetes Deployment/Service name (the seed's names: "auth-service", "api-gateway"). */
  readonly workloadName: string;
  readonly port: number;
  /** Stateful services own one MySQL database each. */
  readonly hasDatabase: boolean;
  /** The gateway runs once per site; every other service once per tenant, in the core namespace. */
  readonly perSite: boolean;
  /** Consumes the tenant's queues: scaled on queue depth where the tier does so. */
  readonly queueConsumer: boolean;
  /** The tenant bucket the service stores objects in, if any. */
  readonly bucket?: BucketName;
}

const PORTS: Readonly<Record<ServiceName, number>> = {
  "api-gateway": 8100,
  auth: 8000,
  products: 8001,
  baskets: 8002,
  orders: 8003,
  addresses: 8004,
  deliveries: 8005,
  newsletters: 8006,
  sav: 8007,
  contacts: 8008,
  questions: 8009,
  websites: 8010,
  "messages-broker": 8011,
};

const WITHOUT_DATABASE: readonly ServiceName[] = ["api-gateway", "messages-broker"];

export const SERVICES: readonly ServiceDefinition[] = Object.freeze(
  SERVICE_NAMES.map((name) =>
    Object.freeze({
      name,
      workloadName: name === "api-gateway" || name === "messages-broker" ? name : `${name}-service`,
      port: PORTS[name],
      hasDatabase: !WITHOUT_DATABASE.includes(name),
      perSite: name === "api-gateway",
      queueConsumer: name === "messages-broker",
      ...((BUCKET_NAMES as readonly string[]).includes(name) ? { bucket: name as BucketName } : {}),
    }),
  ),
);

export const GATEWAY: ServiceDefinition = SERVICES.find((s) => s.perSite)!;
/** Services that run once per tenant in the core namespace. */
export const SHARED_SERVICES: readonly ServiceDefinition[] = SERVICES.filter((s) => !s.perSite);
export const DATABASE_SERVICES: readonly ServiceDefinition[] = SERVICES.filter((s) => s.hasDatabase);
export const QUEUE_CONSUMER: ServiceDefinition = SERVICES.find((s) => s.queueConsumer)!;

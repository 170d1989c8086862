/**
 * Where a region's platform runs the services tenants use: the shared-service components
 * (components/platform/*) install them here and stacks/platformFacts.ts exports these locations
 * to the tenants. One place, so what the platform installs and what it tells tenants cannot drift.
 */
const svc = (name: string, namespace: string): string => `${name}.${namespace}.svc.cluster.local`;

export const PLATFORM_SERVICES = {
  /** Envoy Gateway's controller, its proxies and the global rate-limit backend. */
  edge: { namespace: "envoy-gateway-system" },
  /** The Gateway every tenant route attaches to, and its HTTPS listener. */
  gateway: { name: "platform-gateway", namespace: "gateway-system", sectionName: "https" },
  /** The Prometheus operator, the platform Prometheus and Alertmanager. */
  monitoring: { namespace: "monitoring" },
  /** The shared InnoDB cluster "mysql": its routers' read-write Service, and a read-only one. */
  mysql: { namespace: "mysql", port: 3306, host: svc("mysql", "mysql") },
  mysqlRead: { namespace: "mysql", port: 3306, host: svc("mysql-read", "mysql") },
  rabbitmq: { namespace: "rabbitmq", port: 5672, host: svc("rabbitmq", "rabbitmq") },
  objectStorage: { namespace: "minio", port: 9000, host: svc("minio", "minio") },
  redis: { namespace: "redis", port: 6379, host: svc("redis", "redis") },
} as const;

/** RabbitMQ's management API: another region's tenant stacks declare their vhost objects through it. */
export const RABBITMQ_MANAGEMENT_PORT = 15672;

/** A port another region reaches a shared service on, and where the region's internal load balancer sends it. */
export interface CrossRegionPort {
  readonly name: string;
  /** The service's own port: the load balancer's listener and the only port its security group opens. */
  readonly port: number;
  /** The pods' port behind it. */
  readonly targetPort: number;
  /** The fixed NodePort the load balancer's target group forwards to (30000-32767). */
  readonly nodePort: number;
}

/**
 * What a region publishes to the other regions (docs/regions.md): for each cross-region host
 * (tiers/regions.ts `crossRegionHost`), the namespace and pods behind it and its ports. The
 * security groups, the load balancer's listeners and the NodePort Services all derive from this
 * table, and the ports are the ones the tenants use (PLATFORM_SERVICES), so no other port is open.
 */
export const CROSS_REGION_SERVICES = {
  mysql: {
    namespace: PLATFORM_SERVICES.mysql.namespace,
    // The shared InnoDB cluster's routers (components/platform/sharedMysql.ts), read-write classic port.
    selector: { "mysql.oracle.com/cluster": "mysql", component: "mysqlrouter" },
    ports: [{ name: "mysql", port: PLATFORM_SERVICES.mysql.port, targetPort: 6446, nodePort: 30306 }],
  },
  rabbitmq: {
    namespace: PLATFORM_SERVICES.rabbitmq.namespace,
    // The RabbitmqCluster "rabbitmq"'s nodes (the operator labels them with the cluster's name).
    selector: { "app.kubernetes.io/name": "rabbitmq" },
    ports: [
      // Federation links and the tenants' clients.
      { name: "amqp", port: PLATFORM_SERVICES.rabbitmq.port, targetPort: 5672, nodePort: 30672 },
      { name: "management", port: RABBITMQ_MANAGEMENT_PORT, targetPort: 15672, nodePort: 31672 },
    ],
  },
  objectStorage: {
    namespace: PLATFORM_SERVICES.objectStorage.namespace,
    // The MinIO release "minio" (chart labels app and release).
    selector: { app: "minio", release: "minio" },
    ports: [{ name: "s3", port: PLATFORM_SERVICES.objectStorage.port, targetPort: 9000, nodePort: 30900 }],
  },
} as const satisfies Record<
  "mysql" | "rabbitmq" | "objectStorage",
  { namespace: string; selector: Record<string, string>; ports: readonly CrossRegionPort[] }
>;

/** Every cross-region port, once. */
export const CROSS_REGION_PORTS: readonly CrossRegionPort[] = Object.values(CROSS_REGION_SERVICES).flatMap(
  (s): readonly CrossRegionPort[] => s.ports,
);

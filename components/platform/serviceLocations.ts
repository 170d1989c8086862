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

/**
 * Names of the Kubernetes objects through which the layers meet: the Secrets the data-services
 * layer fills and the services read, the ConfigMap of tenant runtime settings, the queue the
 * consumer scales on.
 */

/** Per-service Secret with DB_HOST, DB_DATABASE, DB_USERNAME, DB_PASSWORD. */
export const databaseSecretName = (workloadName: string): string => `${workloadName}-database`;

/** Tenant Secret with the RabbitMQ credentials (RABBITMQ_URL, RABBITMQ_USER, RABBITMQ_PASSWORD, ...). */
export const RABBITMQ_SECRET = "tenant-rabbitmq";
/** Key of RABBITMQ_SECRET holding the amqp:// URL (KEDA's rabbitmq trigger reads it as `host`). */
export const RABBITMQ_URL_KEY = "RABBITMQ_URL";

/** Non-secret runtime settings of the tenant (tier, limits, endpoints). Never holds credentials. */
export const RUNTIME_CONFIGMAP = "tenant-runtime";

/** The queue the messages-broker consumes in the tenant's vhost. */
export const CONSUMER_QUEUE = "messages-broker";

/** Read-only reporting credentials (tiers with a read replica). */
export const REPORTING_SECRET = "reporting-database";

/** The tenant's object-storage credentials (S3 endpoint, access key, secret key). */
export const OBJECT_STORAGE_SECRET = "tenant-object-storage";

/** Per-bucket upload rules the services enforce through presigned POST policies. */
export const UPLOAD_RULES_CONFIGMAP = "tenant-upload-rules";

/** Exchange and queue receiving dead letters (tiers with dead-lettering). */
export const DEAD_LETTER_EXCHANGE = "dead-letters";
export const DEAD_LETTER_QUEUE = "dead-letters";

/** Classic queue for prioritized work: quorum queues do not take `x-max-priority`. */
export const PRIORITY_QUEUE = "messages-broker.priority";

/**
 * The platform's blackbox exporter (components/platform/blackboxExporter.ts), in the platform's
 * monitoring namespace; tenant Probes (TenantMonitoring) name it as their prober.
 */
export const BLACKBOX_EXPORTER = {
  name: "blackbox-exporter",
  port: 9115,
  /** An HTTPS GET that must answer 2xx over TLS within the timeout. */
  module: "http_2xx",
  timeoutSeconds: 5,
} as const;

/**
 * The edge's origin-pull client certificate (PEM) and its key: made by the platform
 * (components/platform/originPullPki.ts), exported as a secret, uploaded to every tenant zone.
 */
export interface OriginPullClient {
  readonly certificate: string;
  readonly privateKey: string;
}

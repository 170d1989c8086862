import * as core from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { RandomPassword } from "@pulumi/random/randomPassword";
import { Binding } from "@pulumi/rabbitmq/binding";
import { Exchange } from "@pulumi/rabbitmq/exchange";
import { FederationUpstream } from "@pulumi/rabbitmq/federationUpstream";
import { Permissions } from "@pulumi/rabbitmq/permissions";
import { Policy } from "@pulumi/rabbitmq/policy";
import { Provider as RabbitmqProvider } from "@pulumi/rabbitmq/provider";
import { Queue } from "@pulumi/rabbitmq/queue";
import { User } from "@pulumi/rabbitmq/user";
import { VHost } from "@pulumi/rabbitmq/vhost";
import {
  PLATFORM_EXCHANGE,
  QUEUE_MAX_PRIORITY,
  rabbitUser,
  rabbitVhost,
  vhostLimits,
  type EffectiveProfile,
} from "../../tiers";
import {
  CONSUMER_QUEUE,
  DEAD_LETTER_EXCHANGE,
  DEAD_LETTER_QUEUE,
  PRIORITY_QUEUE,
  RABBITMQ_SECRET,
  RABBITMQ_URL_KEY,
} from "../shared/contracts";
import { tenantLabels, type TenantIdentity } from "../shared/labels";
import { RabbitVhostLimits } from "./rabbitVhostLimits";
import { statefulOptions } from "../shared/statefulOptions";

export interface RabbitServer {
  /** AMQP host and port the services connect to. */
  readonly host: string;
  readonly port: number;
  /** Management API the providers use, and its admin account (the password is made secret here). */
  readonly managementUrl: string;
  readonly admin: { readonly user: string; readonly password: pulumi.Input<string> };
}

export interface TenantMessagingArgs {
  readonly identity: TenantIdentity;
  readonly profile: EffectiveProfile;
  /** Namespace of the services, where the credentials Secret goes. */
  readonly namespace: string;
  readonly server: RabbitServer;
  /** Business: federation upstreams outside the tenant's regions (URIs are secrets). Default none. */
  readonly federationUpstreams?: readonly { readonly name: string; readonly uri: pulumi.Input<string> }[];
  /**
   * Business multi-region: the tenant's other regions, whose vhosts (same name, same user) this
   * one federates the platform exchange from, as upstream `region-<name>`. Default none.
   */
  readonly federationPeers?: readonly {
    readonly region: string;
    readonly host: string;
    readonly port: number;
  }[];
  /** The tenant user's password: the home region's, so every region's vhost takes the same user. Default generated. */
  readonly password?: pulumi.Input<string>;
  /** Resources that must exist before the Secret (the namespace). Default none. */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Pattern of the queues the tier policy governs: all but RabbitMQ's own (amq.*). */
const TENANT_QUEUES = "^(?!amq\\.).*";

/** The tier policy's definition (RabbitMQ policy keys; values as the provider sends them). */
export function tierPolicyDefinition(profile: EffectiveProfile): Record<string, string> {
  const m = profile.tier.messaging;
  return {
    ...(m.maxLength !== undefined ? { "max-length": String(m.maxLength), overflow: "reject-publish" } : {}),
    "message-ttl": String(m.messageTtlMs),
    "consumer-timeout": String(m.consumerTimeoutMs),
    ...(m.deadLettering ? { "dead-letter-exchange": DEAD_LETTER_EXCHANGE } : {}),
  };
}

/** Options of the resources inside the tenant's vhost: the admin provider, after the vhost. */
interface InVhost {
  readonly parent: pulumi.Resource;
  readonly provider: RabbitmqProvider;
  readonly dependsOn: pulumi.Resource[];
}

/**
 * The tenant's messaging: its own vhost (protected) with the tier's limits, one user with
 * permissions on that vhost only, the tier's queue policy, the platform exchange, the consumer's
 * quorum queue, a classic priority queue (`x-max-priority` is a queue argument), the dead-letter
 * exchange and queue (routed to by the policy where the tier has dead-lettering), federation
 * upstreams for Business regions, and the credentials Secret. The queues are protected and the
 * same on every tier.
 */
export class TenantMessaging extends pulumi.ComponentResource {
  readonly vhost: string;
  /** The Secret's data, for the copies site namespaces need (their gateways publish too). */
  readonly credentials: Record<string, pulumi.Input<string>>;
  /** The tenant user's password (a secret), for the tenant's other regions. */
  readonly password: pulumi.Output<string>;

  constructor(name: string, args: TenantMessagingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:tenant:TenantMessaging", name, {}, opts);
    const { identity, profile, server } = args;
    const vhostName = rabbitVhost(identity.tenantId);
    const userName = rabbitUser(identity.tenantId);
    const adminPassword: pulumi.Output<string> = pulumi.secret(server.admin.password);
    const provider = new RabbitmqProvider(
      `${name}-rabbitmq`,
      { endpoint: server.managementUrl, username: server.admin.user, password: adminPassword },
      { parent: this },
    );
    const vhost = limitedVhost(name, vhostName, profile, server, adminPassword, { parent: this, provider });
    const inVhost: InVhost = { parent: this, provider, dependsOn: [vhost] };
    const password = pulumi.secret(
      args.password ??
        new RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this }).result,
    );
    vhostUser(name, userName, password, vhost, inVhost);
    const exchange = platformExchange(name, vhost, inVhost);
    queuesAndBindings(name, vhost, exchange, inVhost);
    tierPolicy(name, identity, profile, vhost, inVhost);
    const peers = (args.federationPeers ?? []).map((peer) => ({
      name: `region-${peer.region}`,
      uri: amqpUrl(userName, password, peer, vhostName),
    }));
    federation(name, [...(args.federationUpstreams ?? []), ...peers], vhost, inVhost);

    this.credentials = {
      [RABBITMQ_URL_KEY]: pulumi.secret(amqpUrl(userName, password, server, vhostName)),
      RABBITMQ_HOST: server.host,
      RABBITMQ_PORT: String(server.port),
      RABBITMQ_VHOST: vhostName,
      RABBITMQ_USER: userName,
      RABBITMQ_PASSWORD: password,
    };
    this.password = password;
    new core.Secret(
      `${name}-credentials`,
      {
        metadata: { name: RABBITMQ_SECRET, namespace: args.namespace, labels: tenantLabels(identity) },
        type: "Opaque",
        stringData: this.credentials,
      },
      { parent: this, dependsOn: args.dependsOn ?? [] },
    );

    this.vhost = vhostName;
    this.registerOutputs({ vhost: this.vhost });
  }
}

const amqpUrl = (
  user: string,
  password: pulumi.Input<string>,
  at: { readonly host: string; readonly port: number },
  vhostName: string,
): pulumi.Output<string> =>
  pulumi.interpolate`amqp://${user}:${password}@${at.host}:${at.port}/${encodeURIComponent(vhostName)}`;

/** The tenant's vhost (protected: it holds the messages) and the tier's connection and queue limits on it. */
function limitedVhost(
  name: string,
  vhostName: string,
  profile: EffectiveProfile,
  server: RabbitServer,
  adminPassword: pulumi.Output<string>,
  inRabbit: { readonly parent: pulumi.Resource; readonly provider: RabbitmqProvider },
): VHost {
  const vhost = new VHost(
    `${name}-vhost`,
    { name: vhostName },
    { ...inRabbit, ...statefulOptions("protected") },
  );
  const limits = vhostLimits(profile);
  new RabbitVhostLimits(
    `${name}-vhost-limits`,
    {
      management: adminPassword.apply((password: string) => ({
        url: server.managementUrl,
        user: server.admin.user,
        password,
      })),
      vhost: vhost.name,
      maxConnections: limits.maxConnections,
      maxQueues: limits.maxQueues,
    },
    { parent: inRabbit.parent, dependsOn: [vhost] },
  );
  return vhost;
}

/** The tenant's user: no tags (no management access), permissions on its own vhost only. */
function vhostUser(
  name: string,
  userName: string,
  password: pulumi.Output<string>,
  vhost: VHost,
  inVhost: InVhost,
): void {
  const user = new User(
    `${name}-user`,
    { name: userName, password, tags: [] },
    { parent: inVhost.parent, provider: inVhost.provider },
  );
  // Permissions are granted per vhost: ".*" reaches every resource of this vhost and nothing else.
  new Permissions(
    `${name}-permissions`,
    { user: user.name, vhost: vhost.name, permissions: { configure: ".*", write: ".*", read: ".*" } },
    inVhost,
  );
}

function platformExchange(name: string, vhost: VHost, inVhost: InVhost): Exchange {
  return new Exchange(
    `${name}-platform-exchange`,
    {
      name: PLATFORM_EXCHANGE,
      vhost: vhost.name,
      settings: { type: "topic", durable: true, autoDelete: false },
    },
    inVhost,
  );
}

/**
 * The consumer's and the priority queue, the dead-letter exchange and queue, and their bindings.
 * Every queue is declared the same way on every tier: queue arguments are fixed at declaration,
 * so a tier change that changed one would redeclare the queue and drop its messages. Queues hold
 * messages, so they are protected like the vhost.
 */
function queuesAndBindings(name: string, vhost: VHost, exchange: Exchange, inVhost: InVhost): void {
  const queue = (suffix: string, queueName: string, args: Record<string, unknown>) =>
    new Queue(
      `${name}-${suffix}`,
      {
        name: queueName,
        vhost: vhost.name,
        settings: { durable: true, autoDelete: false, argumentsJson: JSON.stringify(args) },
      },
      { ...inVhost, ...statefulOptions("protected") },
    );
  const bind = (suffix: string, source: Exchange, destination: Queue, routingKey: string) =>
    new Binding(
      `${name}-${suffix}`,
      {
        source: source.name,
        vhost: vhost.name,
        destination: destination.name,
        destinationType: "queue",
        routingKey,
      },
      inVhost,
    );
  const quorum = { "x-queue-type": "quorum" };
  const consumer = queue("consumer-queue", CONSUMER_QUEUE, quorum);
  // The highest priority any tier sells; the tier's own maximum is the publishers' to respect.
  queue("priority-queue", PRIORITY_QUEUE, {
    "x-queue-type": "classic",
    "x-max-priority": QUEUE_MAX_PRIORITY,
  });
  bind("consumer-binding", exchange, consumer, "#");
  // The dead-letter exchange and queue exist on every tier, so a downgrade keeps the messages
  // already dead-lettered; only the tier policy routes to them, on tiers with dead-lettering.
  const dlx = new Exchange(
    `${name}-dead-letter-exchange`,
    {
      name: DEAD_LETTER_EXCHANGE,
      vhost: vhost.name,
      settings: { type: "fanout", durable: true, autoDelete: false },
    },
    inVhost,
  );
  bind("dead-letter-binding", dlx, queue("dead-letter-queue", DEAD_LETTER_QUEUE, quorum), "");
}

function tierPolicy(
  name: string,
  identity: TenantIdentity,
  profile: EffectiveProfile,
  vhost: VHost,
  inVhost: InVhost,
): void {
  new Policy(
    `${name}-tier-policy`,
    {
      name: `tier-${identity.tier}`,
      vhost: vhost.name,
      policy: {
        pattern: TENANT_QUEUES,
        priority: 0,
        applyTo: "queues",
        definition: tierPolicyDefinition(profile),
      },
    },
    inVhost,
  );
}

/** Federation upstreams (URIs kept secret) and, when there is one, the policy federating the platform exchange. */
function federation(
  name: string,
  upstreams: readonly { readonly name: string; readonly uri: pulumi.Input<string> }[],
  vhost: VHost,
  inVhost: InVhost,
): void {
  const declared = upstreams.map(
    (upstream) =>
      new FederationUpstream(
        `${name}-federation-${upstream.name}`,
        // One hop: a message federated in from a region is never passed on to a third one.
        {
          name: upstream.name,
          vhost: vhost.name,
          definition: {
            uri: pulumi.secret(upstream.uri),
            ackMode: "on-confirm",
            trustUserId: false,
            maxHops: 1,
          },
        },
        inVhost,
      ),
  );
  if (declared.length === 0) return;
  // Federate the platform exchange with every upstream (the other regions' vhosts).
  new Policy(
    `${name}-federation-policy`,
    {
      name: "federate-platform-exchange",
      vhost: vhost.name,
      policy: {
        pattern: `^${PLATFORM_EXCHANGE}$`,
        priority: 1,
        applyTo: "exchanges",
        definition: { "federation-upstream-set": "all" },
      },
    },
    { ...inVhost, dependsOn: [vhost, ...declared] },
  );
}

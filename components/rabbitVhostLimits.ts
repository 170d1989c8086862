/**
 * Vhost limits (max connections, max queues), which `@pulumi/rabbitmq`'s VHost lacks: a dynamic
 * provider on the RabbitMQ management HTTP API (create, read for drift, update, delete, diff).
 * Serialized into the stack by Pulumi: it uses only Node's global fetch.
 */
import * as pulumi from "@pulumi/pulumi";

export interface ManagementApi {
  /** e.g. http://rabbitmq.rabbitmq.svc:15672 */
  readonly url: string;
  readonly user: string;
  readonly password: string;
}

export interface VhostLimitsState {
  readonly management: ManagementApi;
  readonly vhost: string;
  readonly maxConnections: number;
  readonly maxQueues: number;
}

export class RabbitApiError extends Error {
  override readonly name = "RabbitApiError";
}

const LIMITS = [
  ["max-connections", "maxConnections"],
  ["max-queues", "maxQueues"],
] as const;

export class RabbitVhostLimitsProvider implements pulumi.dynamic.ResourceProvider<VhostLimitsState, VhostLimitsState> {
  /** One management API call; connection failures and refusals become clear errors. */
  async call(api: ManagementApi, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const url = `${api.url.replace(/\/+$/, "")}/api/${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Basic ${Buffer.from(`${api.user}:${api.password}`).toString("base64")}`,
          "content-type": "application/json",
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new RabbitApiError(`RabbitMQ management API at ${api.url} is unreachable (${cause}); check the URL and that the management plugin is enabled`);
    }
    if (response.status === 401 || response.status === 403) {
      throw new RabbitApiError(`RabbitMQ management API at ${api.url} refused ${api.user} (HTTP ${response.status})`);
    }
    const text = await response.text();
    if (response.status >= 400 && response.status !== 404) {
      throw new RabbitApiError(`RabbitMQ ${method} ${path} failed with HTTP ${response.status}: ${text}`);
    }
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  }

  private async apply(s: VhostLimitsState): Promise<void> {
    const vhost = encodeURIComponent(s.vhost);
    const existing = await this.call(s.management, "GET", `vhosts/${vhost}`);
    if (existing.status === 404) throw new RabbitApiError(`RabbitMQ vhost ${s.vhost} does not exist`);
    for (const [name, field] of LIMITS) {
      const value = s[field];
      if (!Number.isInteger(value) || value < 0) throw new RabbitApiError(`${field} must be a non-negative integer, got ${value}`);
      await this.call(s.management, "PUT", `vhost-limits/${vhost}/${name}`, { value });
    }
  }

  /** The vhost's current settings, or undefined when the vhost is gone. */
  async current(api: ManagementApi, vhost: string): Promise<Pick<VhostLimitsState, "maxConnections" | "maxQueues"> | undefined> {
    const v = await this.call(api, "GET", `vhosts/${encodeURIComponent(vhost)}`);
    if (v.status === 404) return undefined;
    const limits = await this.call(api, "GET", `vhost-limits/${encodeURIComponent(vhost)}`);
    const value = ((limits.json as { value?: Record<string, number> }[] | undefined)?.[0]?.value ?? {}) as Record<string, number>;
    // A vhost without a limit is unlimited (-1 in RabbitMQ's terms).
    return { maxConnections: value["max-connections"] ?? -1, maxQueues: value["max-queues"] ?? -1 };
  }

  async create(inputs: VhostLimitsState): Promise<pulumi.dynamic.CreateResult<VhostLimitsState>> {
    await this.apply(inputs);
    return { id: inputs.vhost, outs: inputs };
  }

  async read(id: string, props?: VhostLimitsState): Promise<pulumi.dynamic.ReadResult<VhostLimitsState>> {
    if (!props) throw new RabbitApiError(`cannot read ${id} without its recorded management endpoint (import is not supported)`);
    const now = await this.current(props.management, props.vhost);
    return now === undefined ? {} : { id, props: { ...props, ...now } };
  }

  async diff(_id: string, olds: VhostLimitsState, news: VhostLimitsState): Promise<pulumi.dynamic.DiffResult> {
    const replaces = olds.vhost !== news.vhost ? ["vhost"] : [];
    const changed =
      olds.maxConnections !== news.maxConnections ||
      olds.maxQueues !== news.maxQueues ||
      olds.management.url !== news.management.url;
    return { changes: replaces.length > 0 || changed, replaces, deleteBeforeReplace: false };
  }

  async update(_id: string, _olds: VhostLimitsState, news: VhostLimitsState): Promise<pulumi.dynamic.UpdateResult<VhostLimitsState>> {
    await this.apply(news);
    return { outs: news };
  }

  async delete(_id: string, props: VhostLimitsState): Promise<void> {
    const vhost = encodeURIComponent(props.vhost);
    // Lifting the limits is all there is to undo; a vhost that is gone took them with it.
    for (const [name] of LIMITS) await this.call(props.management, "DELETE", `vhost-limits/${vhost}/${name}`);
  }
}

export interface RabbitVhostLimitsArgs {
  /** Management API endpoint and admin account; the password should be a secret. */
  readonly management: pulumi.Input<ManagementApi>;
  readonly vhost: pulumi.Input<string>;
  readonly maxConnections: pulumi.Input<number>;
  readonly maxQueues: pulumi.Input<number>;
}

const provider = new RabbitVhostLimitsProvider();

/** Limits of one vhost; the management credentials stay secret in state. */
export class RabbitVhostLimits extends pulumi.dynamic.Resource {
  constructor(name: string, args: RabbitVhostLimitsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        management: args.management,
        vhost: args.vhost,
        maxConnections: args.maxConnections,
        maxQueues: args.maxQueues,
      },
      { ...opts, additionalSecretOutputs: ["management"] },
      "collect-verything",
      "RabbitVhostLimits",
    );
  }
}

/**
 * Vhost limits (max connections, max queues), which `@pulumi/rabbitmq`'s VHost lacks: a dynamic
 * provider on the RabbitMQ management HTTP API (check, create, read for drift, update, delete,
 * diff). Serialized into the stack by Pulumi: it uses only Node's global fetch.
 */
import * as pulumi from "@pulumi/pulumi";
import { limitFailures } from "./limitChecks";

export interface ManagementApi {
  /** e.g. http://rabbitmq.rabbitmq.svc:15672 */
  readonly url: string;
  readonly user: string;
  readonly password: string;
}

/** The limits of one vhost; -1 (read back only) is RabbitMQ's "no limit". */
export interface Limits {
  readonly maxConnections: number;
  readonly maxQueues: number;
}

export interface VhostLimitsState extends Limits {
  readonly management: ManagementApi;
  readonly vhost: string;
}

/**
 * The largest limit sent: beyond it a JavaScript number is not exact, and JSON writes 1e21 and
 * up in exponent form, which RabbitMQ refuses as a float.
 */
export const MAX_VHOST_LIMIT = Number.MAX_SAFE_INTEGER;

export class RabbitApiError extends Error {
  override readonly name = "RabbitApiError";
}

const LIMITS = [
  ["max-connections", "maxConnections"],
  ["max-queues", "maxQueues"],
] as const;

export class RabbitVhostLimitsProvider implements pulumi.dynamic.ResourceProvider<
  VhostLimitsState,
  VhostLimitsState
> {
  /** One management API call; connection failures and refusals become clear errors. */
  async call(
    api: ManagementApi,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
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
      throw new RabbitApiError(
        `RabbitMQ management API at ${api.url} is unreachable (${cause}); check the URL and that the management plugin is enabled`,
      );
    }
    if (response.status === 401 || response.status === 403) {
      throw new RabbitApiError(
        `RabbitMQ management API at ${api.url} refused ${api.user} (HTTP ${response.status})`,
      );
    }
    const text = await response.text();
    if (response.status >= 400 && response.status !== 404) {
      throw new RabbitApiError(`RabbitMQ ${method} ${path} failed with HTTP ${response.status}: ${text}`);
    }
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  }

  /** Sets one limit; a negative value (RabbitMQ's "no limit", as read back) removes it. */
  private async setLimit(
    api: ManagementApi,
    vhost: string,
    name: (typeof LIMITS)[number][0],
    value: number,
  ): Promise<void> {
    const path = `vhost-limits/${encodeURIComponent(vhost)}/${name}`;
    await (value < 0 ? this.call(api, "DELETE", path) : this.call(api, "PUT", path, { value }));
  }

  /**
   * All or nothing: every value is validated before the first call, and when a call fails the
   * limits already sent (and the one that failed, which may have landed) get their previous values back.
   */
  private async apply(s: VhostLimitsState): Promise<void> {
    const invalid = this.failures(s);
    if (invalid.length > 0)
      throw new RabbitApiError(invalid.map((f) => `${f.property} ${f.reason}`).join("; "));
    const previous = await this.current(s.management, s.vhost);
    if (previous === undefined) throw new RabbitApiError(`RabbitMQ vhost ${s.vhost} does not exist`);
    const sent: (typeof LIMITS)[number][] = [];
    try {
      for (const limit of LIMITS) {
        sent.push(limit);
        await this.setLimit(s.management, s.vhost, limit[0], s[limit[1]]);
      }
    } catch (error) {
      const reason = (error as Error).message;
      try {
        for (const [name, field] of sent) await this.setLimit(s.management, s.vhost, name, previous[field]);
      } catch (restoreError) {
        throw new RabbitApiError(
          `${reason}; restoring the previous limits of ${s.vhost} also failed (${(restoreError as Error).message}): ` +
            `set them back to ${JSON.stringify(previous)} (-1 = no limit) by hand`,
        );
      }
      throw new RabbitApiError(`${reason}; the previous limits of ${s.vhost} were restored`);
    }
  }

  private failures(s: VhostLimitsState): pulumi.dynamic.CheckFailure[] {
    return LIMITS.flatMap(([, field]) => limitFailures(field, s[field], MAX_VHOST_LIMIT));
  }

  /** Preview-time validation: the engine reports failures by field before any create or update. */
  async check(
    _olds: VhostLimitsState,
    news: VhostLimitsState,
  ): Promise<pulumi.dynamic.CheckResult<VhostLimitsState>> {
    return { inputs: news, failures: this.failures(news) };
  }

  /** The vhost's current limits (-1 where none is set), or undefined when the vhost is gone. */
  async current(api: ManagementApi, vhost: string): Promise<Limits | undefined> {
    const v = await this.call(api, "GET", `vhosts/${encodeURIComponent(vhost)}`);
    if (v.status === 404) return undefined;
    const limits = await this.call(api, "GET", `vhost-limits/${encodeURIComponent(vhost)}`);
    if (limits.status === 404) return undefined; // deleted between the two calls
    const value = ((limits.json as { value?: Record<string, number> }[] | undefined)?.[0]?.value ??
      {}) as Record<string, number>;
    return { maxConnections: value["max-connections"] ?? -1, maxQueues: value["max-queues"] ?? -1 };
  }

  async create(inputs: VhostLimitsState): Promise<pulumi.dynamic.CreateResult<VhostLimitsState>> {
    await this.apply(inputs);
    return { id: inputs.vhost, outs: inputs };
  }

  async read(id: string, props?: VhostLimitsState): Promise<pulumi.dynamic.ReadResult<VhostLimitsState>> {
    if (!props)
      throw new RabbitApiError(
        `cannot read ${id} without its recorded management endpoint (import is not supported)`,
      );
    const now = await this.current(props.management, props.vhost);
    return now === undefined ? {} : { id, props: { ...props, ...now } };
  }

  /**
   * Another vhost is another resource (replace). Anything else, the admin credentials included,
   * is an update: the state must record the credentials later reads and deletes sign in with.
   */
  async diff(
    _id: string,
    olds: VhostLimitsState,
    news: VhostLimitsState,
  ): Promise<pulumi.dynamic.DiffResult> {
    const replaces = olds.vhost !== news.vhost ? ["vhost"] : [];
    // In a preview a management endpoint not yet known arrives as a placeholder string: its fields differ too.
    const managementChanged = (["url", "user", "password"] as const).some(
      (k) => olds.management[k] !== news.management[k],
    );
    const changed = managementChanged || LIMITS.some(([, field]) => olds[field] !== news[field]);
    return { changes: replaces.length > 0 || changed, replaces, deleteBeforeReplace: false };
  }

  async update(
    _id: string,
    _olds: VhostLimitsState,
    news: VhostLimitsState,
  ): Promise<pulumi.dynamic.UpdateResult<VhostLimitsState>> {
    await this.apply(news);
    return { outs: news };
  }

  async delete(_id: string, props: VhostLimitsState): Promise<void> {
    // Lifting the limits is all there is to undo.
    try {
      for (const [name] of LIMITS) await this.setLimit(props.management, props.vhost, name, -1);
    } catch (error) {
      // RabbitMQ answers HTTP 500 for the limits of a missing vhost: one that is gone took its
      // limits with it. Any other failure (the vhost is there) stands.
      if (
        (await this.call(props.management, "GET", `vhosts/${encodeURIComponent(props.vhost)}`)).status === 404
      )
        return;
      throw error;
    }
  }
}

export interface RabbitVhostLimitsArgs {
  /** Management API endpoint and admin account. Made secret here whether or not the caller did. */
  readonly management: pulumi.Input<ManagementApi>;
  readonly vhost: pulumi.Input<string>;
  /** 0 to MAX_VHOST_LIMIT. */
  readonly maxConnections: pulumi.Input<number>;
  /** 0 to MAX_VHOST_LIMIT. */
  readonly maxQueues: pulumi.Input<number>;
}

const provider = new RabbitVhostLimitsProvider();

/**
 * Limits of one vhost. The management credentials are a secret input and a secret output:
 * reads and deletes receive only the recorded outputs, so they must be there.
 */
export class RabbitVhostLimits extends pulumi.dynamic.Resource {
  constructor(name: string, args: RabbitVhostLimitsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        management: pulumi.secret(args.management),
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

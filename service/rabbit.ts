/**
 * Operations over RabbitMQ: a message carries only an operation id (the store holds the
 * request), so a duplicate or a lost message costs nothing: the store's claim decides who runs
 * what, and a sweeper publishes again what a lost message left queued.
 *
 * Topology, for a `prefix` (default "tenant-service"):
 * - exchange `<prefix>` (direct) -> quorum queue `<prefix>.operations`: competing consumers,
 *   `x-delivery-limit` redeliveries (workers dying mid-operation) before dead-lettering;
 * - `<prefix>.delay.<ms>` quorum queues with a message TTL that dead-letter back to the
 *   exchange: retries with backoff, and operations waiting for an earlier one of their tenant;
 * - exchange `<prefix>.dead` (fanout) -> quorum queue `<prefix>.dead`: operations that failed
 *   `maxAttempts` times or were redelivered too often.
 * Events go to the platform exchange (topic), routing key = event name.
 */
import amqp, { type ChannelModel, type ConfirmChannel, type ConsumeMessage } from "amqplib";
import { PLATFORM_EXCHANGE } from "../tiers";
import type { EventSink, TenantEvent } from "./events";
import { backoffMs, type Executor } from "./executor";
import type { Dispatcher } from "./http";
import type { Logger } from "./log";
import type { Operation, OperationStore } from "./operations";

export interface RabbitOptions {
  /** amqp://user:password@host:5672/vhost */
  readonly url: string;
  /** Names of the exchanges and queues. Default "tenant-service". */
  readonly prefix?: string;
  /** Redeliveries of one message before it is dead-lettered. Default 20. */
  readonly deliveryLimit?: number;
  /** The exchange events are published on. Default the platform exchange. */
  readonly eventsExchange?: string;
}

const ROUTING_KEY = "run";

interface Message {
  readonly id: string;
}

/** One connection and confirm channel, with the topology declared. */
export class RabbitLink {
  private readonly delays = new Set<number>();

  private constructor(
    readonly connection: ChannelModel,
    readonly channel: ConfirmChannel,
    readonly prefix: string,
    readonly eventsExchange: string,
    private readonly deliveryLimit: number,
  ) {}

  static async connect(options: RabbitOptions): Promise<RabbitLink> {
    const connection = await amqp.connect(options.url);
    const channel = await connection.createConfirmChannel();
    const link = new RabbitLink(
      connection,
      channel,
      options.prefix ?? "tenant-service",
      options.eventsExchange ?? PLATFORM_EXCHANGE,
      options.deliveryLimit ?? 20,
    );
    await link.declare();
    return link;
  }

  get queue(): string {
    return `${this.prefix}.operations`;
  }

  get deadQueue(): string {
    return `${this.prefix}.dead`;
  }

  private async declare(): Promise<void> {
    const c = this.channel;
    await c.assertExchange(this.prefix, "direct", { durable: true });
    await c.assertExchange(`${this.prefix}.dead`, "fanout", { durable: true });
    await c.assertQueue(this.deadQueue, { durable: true, arguments: { "x-queue-type": "quorum" } });
    await c.bindQueue(this.deadQueue, `${this.prefix}.dead`, "");
    await c.assertQueue(this.queue, {
      durable: true,
      arguments: {
        "x-queue-type": "quorum",
        "x-delivery-limit": this.deliveryLimit,
        "x-dead-letter-exchange": `${this.prefix}.dead`,
      },
    });
    await c.bindQueue(this.queue, this.prefix, ROUTING_KEY);
    await c.assertExchange(this.eventsExchange, "topic", { durable: true });
  }

  private async delayQueue(ms: number): Promise<string> {
    const name = `${this.prefix}.delay.${ms}`;
    if (!this.delays.has(ms)) {
      await this.channel.assertQueue(name, {
        durable: true,
        arguments: {
          "x-queue-type": "quorum",
          "x-message-ttl": ms,
          "x-dead-letter-exchange": this.prefix,
          "x-dead-letter-routing-key": ROUTING_KEY,
        },
      });
      this.delays.add(ms);
    }
    return name;
  }

  /** Publishes the operation's id (after `delayMs`), waiting for the broker's confirm. */
  async publish(id: string, delayMs = 0): Promise<void> {
    const body = Buffer.from(JSON.stringify({ id } satisfies Message));
    const options = { persistent: true, contentType: "application/json", messageId: id };
    if (delayMs > 0) this.channel.sendToQueue(await this.delayQueue(delayMs), body, options);
    else this.channel.publish(this.prefix, ROUTING_KEY, body, options);
    await this.channel.waitForConfirms();
  }

  async deadLetter(id: string, reason: string): Promise<void> {
    this.channel.publish(`${this.prefix}.dead`, "", Buffer.from(JSON.stringify({ id, reason })), {
      persistent: true,
      contentType: "application/json",
      messageId: id,
    });
    await this.channel.waitForConfirms();
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }
}

/** The API side: publishes stored operations, and republishes what a lost message left behind. */
export class RabbitDispatcher implements Dispatcher {
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly link: RabbitLink,
    private readonly store: OperationStore,
    private readonly log: Logger,
  ) {}

  async dispatch(operation: Operation): Promise<void> {
    try {
      await this.link.publish(operation.id);
    } catch (error) {
      // Stored already: the sweeper publishes it again; the client still gets its 202.
      this.log.error(
        { operationId: operation.id, err: String(error) },
        "publish failed; the sweeper will retry",
      );
    }
  }

  async queueDepth(): Promise<number> {
    return (await this.link.channel.checkQueue(this.link.queue)).messageCount;
  }

  /** Every `everyMs`, publishes again the operations untouched for `olderThanMs`. */
  startSweeper(everyMs: number, olderThanMs: number): void {
    this.sweeper = setInterval(() => void this.sweep(olderThanMs), everyMs);
  }

  async publishAgain(operations: readonly Operation[]): Promise<void> {
    for (const op of operations) await this.link.publish(op.id);
  }

  async sweep(olderThanMs: number): Promise<number> {
    try {
      const stale = await this.store.reclaimStale(olderThanMs);
      await this.publishAgain(stale);
      if (stale.length > 0) this.log.warn({ count: stale.length }, "republished stale operations");
      return stale.length;
    } catch (error) {
      this.log.error({ err: String(error) }, "sweep failed");
      return 0;
    }
  }

  stop(): void {
    clearInterval(this.sweeper);
  }
}

export class RabbitEvents implements EventSink {
  constructor(private readonly link: RabbitLink) {}

  async publish(event: TenantEvent): Promise<void> {
    this.link.channel.publish(this.link.eventsExchange, event.event, Buffer.from(JSON.stringify(event)), {
      persistent: true,
      contentType: "application/json",
      type: event.event,
    });
    await this.link.channel.waitForConfirms();
  }
}

export interface RabbitWorkersOptions {
  readonly link: RabbitLink;
  readonly store: OperationStore;
  readonly executor: Executor;
  /** Operations this process runs at once (the channel's prefetch). Default 2. */
  readonly concurrency?: number;
  /** Attempts before a retryable failure is final and the operation is dead-lettered. Default 5. */
  readonly maxAttempts?: number;
  /** Backoff unit (see backoffMs). Default 1000 ms. */
  readonly backoffBaseMs?: number;
  /** How long an operation waits before looking again when its tenant is busy. Default 1000 ms. */
  readonly waitMs?: number;
  readonly log: Logger;
}

/** Competing consumers of the operations queue. */
export class RabbitWorkers {
  private tag: string | undefined;
  private readonly running = new Set<Promise<void>>();
  private readonly interrupt = new AbortController();

  constructor(private readonly options: RabbitWorkersOptions) {}

  async start(): Promise<void> {
    const { link } = this.options;
    await link.channel.prefetch(Math.max(1, this.options.concurrency ?? 2));
    const { consumerTag } = await link.channel.consume(link.queue, (message) => {
      if (!message) return;
      const task = this.handle(message).finally(() => this.running.delete(task));
      this.running.add(task);
    });
    this.tag = consumerTag;
  }

  private async handle(message: ConsumeMessage): Promise<void> {
    const { link, store, executor, log } = this.options;
    const ack = () => link.channel.ack(message);
    let id: string;
    try {
      id = (JSON.parse(message.content.toString()) as Message).id;
      if (typeof id !== "string") throw new Error("no id");
    } catch {
      log.error(
        { body: message.content.toString().slice(0, 200) },
        "malformed operation message dead-lettered",
      );
      link.channel.nack(message, false, false);
      return;
    }
    try {
      const claim = await store.claim(executor.owner, executor.leaseMs, id);
      if ("gone" in claim) return ack();
      if ("wait" in claim) {
        await link.publish(id, this.options.waitMs ?? 1000);
        return ack();
      }
      const op = claim.claimed;
      const maxAttempts = this.options.maxAttempts ?? 5;
      const outcome = await executor.execute(op, this.interrupt.signal, op.attempts >= maxAttempts);
      if ("interrupted" in outcome) {
        await store.release(op.id, executor.owner);
        await link.publish(op.id, this.options.waitMs ?? 1000);
      } else if ("retry" in outcome) {
        await store.release(op.id, executor.owner);
        await link.publish(op.id, backoffMs(op.attempts, this.options.backoffBaseMs));
      } else if (outcome.done === "failed" && op.attempts >= maxAttempts) {
        await link.deadLetter(op.id, `failed ${op.attempts} times`);
      }
      ack();
    } catch (error) {
      // Store or broker trouble: back to the queue (the delivery limit bounds the loop).
      log.error({ operationId: id, err: String(error) }, "operation message requeued");
      link.channel.nack(message, false, true);
    }
  }

  /** Stops consuming; running operations get `drainMs` to finish, then are released. */
  async stop(drainMs = 30_000): Promise<void> {
    if (this.tag) await this.options.link.channel.cancel(this.tag);
    const timer = setTimeout(() => this.interrupt.abort(), drainMs);
    await Promise.all([...this.running]);
    clearTimeout(timer);
  }
}

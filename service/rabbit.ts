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
import amqp, {
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
  type RecoveringChannelModel,
} from "amqplib";
import type { Writable } from "node:stream";
import pino from "pino";
import { PLATFORM_EXCHANGE } from "../tiers";
import type { EventSink, PlatformEvent } from "./events";
import { backoffMs } from "./backoff";
import type { Executor } from "./executor";
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
  /** Connection retries (with backoff) before a start fails. Default 3. */
  readonly initialRetries?: number;
  /**
   * How long a connection may take to open (TCP and the AMQP handshake) before it is dropped and
   * tried again. Default 10 000 ms, the broker's own handshake timeout: without one, something
   * that accepts the connection and never answers (a proxy in front of a dead broker) would hold
   * the reconnect for good.
   */
  readonly handshakeTimeoutMs?: number;
}

const silentLog: Logger = pino({ level: "silent" });

const ROUTING_KEY = "run";

/**
 * The durable queues and exchanges a link with `prefix` declares (the retries' delay queues,
 * `<prefix>.delay.<ms>`, come and go with their delays): one list for the link and for whoever
 * removes a prefix's topology from a broker.
 */
export function linkTopology(prefix: string): {
  readonly queue: string;
  readonly deadQueue: string;
  readonly exchange: string;
  readonly deadExchange: string;
} {
  return {
    queue: `${prefix}.operations`,
    deadQueue: `${prefix}.dead`,
    exchange: prefix,
    deadExchange: `${prefix}.dead`,
  };
}

interface Message {
  readonly id: string;
}

/**
 * Sends one message and resolves on the broker's confirm of that message (rejects on its nack
 * or the channel's close). Not `waitForConfirms`: that waits on every message in flight and
 * wraps each one's callback again, a cost that grows with the messages in flight on every publish.
 */
function confirmed(send: (done: (error: unknown) => void) => unknown): Promise<void> {
  return new Promise((resolve, reject) =>
    send((error) => (error === null || error === undefined ? resolve() : reject(error))),
  );
}

/** The socket under amqplib's connection: not in its typings, so looked up and checked. */
function socketOf(model: ChannelModel): { cork(): void; uncork(): void } | undefined {
  const stream = (model.connection as { stream?: Partial<Writable> }).stream;
  return typeof stream?.cork === "function" && typeof stream.uncork === "function"
    ? (stream as Writable)
    : undefined;
}

/**
 * Makes the model's `close()` settle when its connection closes, as well as on the broker's
 * CloseOk. amqplib's close waits for the CloseOk alone, so it never settles when the socket ends
 * first (a broker going away); its recovery awaits that close after a failed setup, and then
 * never reconnects (tests/serviceBrokerRecovery.test.ts).
 */
function closeSettlesWhenTheSocketEnds(model: ChannelModel): void {
  const close = model.close.bind(model);
  model.close = () =>
    new Promise<void>((resolve, reject) => {
      model.once("close", () => resolve());
      close().then(resolve, reject);
    });
}

/** The broker is unreachable right now (the link is reconnecting). */
export class BrokerUnavailableError extends Error {
  readonly outcome = "unavailable";
  constructor() {
    super("the message broker is unreachable; reconnecting");
  }
}

/**
 * One recovering connection (amqplib's recovery: reconnect with backoff, forever once it has
 * connected) and one confirm channel, with the topology declared on every (re)connect and the
 * consumers registered with `onReady` started again. A channel the broker closed (a channel
 * error) is opened again on the same connection. Nothing here throws out of an event: errors are
 * logged, and `healthy` says whether messages can flow now.
 */
export class RabbitLink {
  private readonly delays = new Set<number>();
  private readonly readyHooks: ((channel: ConfirmChannel) => Promise<void>)[] = [];
  private connection: RecoveringChannelModel | undefined;
  private model: ChannelModel | undefined;
  private current: ConfirmChannel | undefined;
  private closed = false;
  private corked = false;

  private constructor(
    readonly prefix: string,
    readonly eventsExchange: string,
    private readonly deliveryLimit: number,
    private readonly log: Logger,
  ) {}

  /**
   * Connects (retrying `initialRetries` times with backoff, then failing: a start against an
   * unreachable broker fails), declares the topology, and keeps reconnecting after that.
   */
  static async connect(options: RabbitOptions, log: Logger = silentLog): Promise<RabbitLink> {
    const link = new RabbitLink(
      options.prefix ?? "tenant-service",
      options.eventsExchange ?? PLATFORM_EXCHANGE,
      options.deliveryLimit ?? 20,
      log,
    );
    const connection = await amqp.connect(options.url, {
      // amqplib clears it once the connection is open.
      timeout: options.handshakeTimeoutMs ?? 10_000,
      recovery: {
        initialDelay: 200,
        maxDelay: 5000,
        initialMaxRetries: options.initialRetries ?? 3,
        maxRetries: Infinity,
        setup: (model: ChannelModel) => link.setup(model),
      },
    });
    link.connection = connection;
    connection.on("error", (error: Error) => log.warn({ err: error.message }, "broker connection error"));
    connection.on("disconnect", (error: Error) => {
      link.current = undefined;
      if (!link.closed) log.warn({ err: error?.message }, "broker connection lost; reconnecting");
    });
    connection.on("connect", () => log.info("broker connected"));
    return link;
  }

  /** Whether the channel is open: messages can be published and consumed now. */
  get healthy(): boolean {
    return this.current !== undefined;
  }

  /** The open channel; BrokerUnavailableError while reconnecting. */
  get channel(): ConfirmChannel {
    if (!this.current) throw new BrokerUnavailableError();
    return this.current;
  }

  /** Runs `hook` on every channel the link opens from now on (and now, when one is open). */
  async onReady(hook: (channel: ConfirmChannel) => Promise<void>): Promise<void> {
    this.readyHooks.push(hook);
    if (this.current) await hook(this.current);
  }

  private async setup(model: ChannelModel): Promise<void> {
    closeSettlesWhenTheSocketEnds(model);
    this.model = model;
    model.on("error", (error: Error) => this.log.warn({ err: error.message }, "broker connection error"));
    await this.openChannel(model);
  }

  private async openChannel(model: ChannelModel): Promise<void> {
    const channel = await model.createConfirmChannel();
    channel.on("error", (error: Error) => this.log.warn({ err: error.message }, "broker channel error"));
    channel.on("close", () => {
      if (this.current === channel) this.current = undefined;
      // A channel error closes the channel only: open another on the same connection.
      if (!this.closed && this.model === model)
        setTimeout(() => {
          if (this.closed || this.model !== model || this.current) return;
          this.openChannel(model).catch((error: unknown) =>
            this.log.warn(
              { err: String(error) },
              "reopening the broker channel failed; waiting for a reconnect",
            ),
          );
        }, 200);
    });
    this.delays.clear();
    await this.declare(channel);
    for (const hook of this.readyHooks) await hook(channel);
    this.current = channel;
  }

  get queue(): string {
    return linkTopology(this.prefix).queue;
  }

  get deadQueue(): string {
    return linkTopology(this.prefix).deadQueue;
  }

  private async declare(c: ConfirmChannel): Promise<void> {
    const { queue, deadQueue, exchange, deadExchange } = linkTopology(this.prefix);
    await c.assertExchange(exchange, "direct", { durable: true });
    await c.assertExchange(deadExchange, "fanout", { durable: true });
    await c.assertQueue(deadQueue, { durable: true, arguments: { "x-queue-type": "quorum" } });
    await c.bindQueue(deadQueue, deadExchange, "");
    await c.assertQueue(queue, {
      durable: true,
      arguments: {
        "x-queue-type": "quorum",
        "x-delivery-limit": this.deliveryLimit,
        "x-dead-letter-exchange": deadExchange,
      },
    });
    await c.bindQueue(queue, exchange, ROUTING_KEY);
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

  /**
   * Holds the connection's writes until what this turn of the event loop publishes is written,
   * so a burst of messages (the signups one insert group stored) leaves in one write instead of
   * one each: a system call less per message here, and a read less per message for the broker.
   * amqplib hands a frame to its socket from an immediate scheduled on the next tick; an immediate
   * queued from an immediate runs a turn later, after it.
   */
  private hold(): void {
    const socket = this.model && socketOf(this.model);
    if (this.corked || !socket) return;
    this.corked = true;
    socket.cork();
    setImmediate(() =>
      setImmediate(() => {
        this.corked = false;
        socket.uncork();
      }),
    );
  }

  /** Publishes the operation's id (after `delayMs`), waiting for the broker's confirm. */
  async publish(id: string, delayMs = 0): Promise<void> {
    const body = Buffer.from(JSON.stringify({ id } satisfies Message));
    const options = { persistent: true, contentType: "application/json", messageId: id };
    const channel = this.channel;
    const queue = delayMs > 0 ? await this.delayQueue(delayMs) : undefined;
    this.hold();
    await confirmed((done) =>
      queue !== undefined
        ? channel.sendToQueue(queue, body, options, done)
        : channel.publish(this.prefix, ROUTING_KEY, body, options, done),
    );
  }

  async deadLetter(id: string, reason: string): Promise<void> {
    const channel = this.channel;
    await confirmed((done) =>
      channel.publish(
        `${this.prefix}.dead`,
        "",
        Buffer.from(JSON.stringify({ id, reason })),
        { persistent: true, contentType: "application/json", messageId: id },
        done,
      ),
    );
  }

  /**
   * Messages waiting in the operations queue, on a channel of its own: a missing queue closes
   * the channel that asks (a channel error), never the one the workers consume on.
   */
  async queueDepth(): Promise<number> {
    if (!this.model || !this.current) throw new BrokerUnavailableError();
    const probe = await this.model.createChannel();
    probe.on("error", () => undefined);
    try {
      return (await probe.checkQueue(this.queue)).messageCount;
    } finally {
      // Not awaited: a channel's close settles only on the broker's CloseOk, never if the socket
      // ends first, and the answer (a /metrics scrape's) must not wait on it.
      void probe.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.current = undefined;
    await this.connection?.close().catch(() => undefined);
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

  /**
   * Publishes without waiting for the broker's confirm: the operation is stored already (the
   * store is the truth), so the 202 does not wait on RabbitMQ; one whose message is lost is
   * published again by the sweeper.
   */
  async dispatch(operation: Operation): Promise<void> {
    this.link
      .publish(operation.id)
      .catch((error: unknown) =>
        this.log.error(
          { operationId: operation.id, err: String(error) },
          "publish failed; the sweeper will retry",
        ),
      );
  }

  async queueDepth(): Promise<number> {
    return this.link.queueDepth();
  }

  /** Whether operations can be handed to the workers now (stored ones wait for the sweeper otherwise). */
  health(): { broker: "up" | "down" } {
    return { broker: this.link.healthy ? "up" : "down" };
  }

  /**
   * Every `everyMs`, publishes again the operations untouched for `olderThanMs`; and right after
   * every (re)connect, every operation waiting at the head of its tenant's queue (those accepted
   * while the broker was away were stored, not published).
   */
  startSweeper(everyMs: number, olderThanMs: number): void {
    this.sweeper = setInterval(() => void this.sweep(olderThanMs), everyMs);
    void this.link.onReady(async () => {
      setTimeout(() => void this.sweep(0), 100).unref();
    });
  }

  /** At once: one burst (one write, see RabbitLink.hold), then every confirm. */
  async publishAgain(operations: readonly Operation[]): Promise<void> {
    await Promise.all(operations.map((op) => this.link.publish(op.id)));
  }

  async sweep(olderThanMs: number): Promise<number> {
    // Nothing can be published now: marking operations as swept would only delay them.
    if (!this.link.healthy) return 0;
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

  async publish(event: PlatformEvent): Promise<void> {
    const channel = this.link.channel;
    await confirmed((done) =>
      channel.publish(
        this.link.eventsExchange,
        event.event,
        Buffer.from(JSON.stringify(event)),
        { persistent: true, contentType: "application/json", type: event.event },
        done,
      ),
    );
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

/**
 * Competing consumers of the operations queue. A message is acknowledged once its operation is
 * ended, released or handed on; when the store or the broker fails meanwhile, the worker keeps
 * the message and tries again with backoff (never a requeue loop that would reach the delivery
 * limit and dead-letter work that later succeeds). A message whose channel closed is left to the
 * broker, which delivers it again on the next connection.
 */
export class RabbitWorkers {
  private readonly tags = new Map<ConfirmChannel, string>();
  private readonly running = new Set<Promise<void>>();
  private readonly interrupt = new AbortController();
  private stopping = false;

  constructor(private readonly options: RabbitWorkersOptions) {}

  async start(): Promise<void> {
    const { link } = this.options;
    await link.onReady(async (channel) => {
      if (this.stopping) return;
      await channel.prefetch(Math.max(1, this.options.concurrency ?? 2));
      const { consumerTag } = await channel.consume(link.queue, (message) => {
        if (!message) return;
        const task = this.handle(message, channel).finally(() => this.running.delete(task));
        this.running.add(task);
      });
      this.tags.set(channel, consumerTag);
      channel.on("close", () => this.tags.delete(channel));
    });
  }

  private async handle(message: ConsumeMessage, channel: ConfirmChannel): Promise<void> {
    const { log } = this.options;
    const settle = (how: "ack" | "reject") => {
      try {
        if (how === "ack") channel.ack(message);
        else channel.nack(message, false, false);
      } catch (error) {
        log.warn(
          { err: String(error) },
          "message not settled (channel closed): the broker delivers it again",
        );
      }
    };
    let id: string;
    try {
      id = (JSON.parse(message.content.toString()) as Message).id;
      if (typeof id !== "string") throw new Error("no id");
    } catch {
      log.error(
        { body: message.content.toString().slice(0, 200) },
        "malformed operation message dead-lettered",
      );
      return settle("reject");
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await this.process(id);
        return settle("ack");
      } catch (error) {
        if (!this.tags.has(channel) || this.stopping) return; // redelivered on the next channel
        const delay = Math.min(10_000, 250 * 2 ** Math.min(attempt, 6));
        log.warn(
          { operationId: id, err: String(error), retryInMs: delay },
          "store or broker unavailable; backing off",
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** Claims and runs operation `id`, or hands it on (later, or to the dead-letter queue). */
  private async process(id: string): Promise<void> {
    const { link, store, executor } = this.options;
    const claim = await store.claim(executor.owner, executor.leaseMs, id);
    if ("gone" in claim) return;
    if ("wait" in claim) return link.publish(id, this.options.waitMs ?? 1000);
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
  }

  /** Stops consuming; running operations get `drainMs` to finish, then are released. */
  async stop(drainMs = 30_000): Promise<void> {
    this.stopping = true;
    for (const [channel, tag] of this.tags) await channel.cancel(tag).catch(() => undefined);
    const timer = setTimeout(() => this.interrupt.abort(), drainMs);
    await Promise.all([...this.running]);
    clearTimeout(timer);
  }
}

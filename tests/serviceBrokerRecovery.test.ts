/**
 * The broker link's recovery when the broker goes away at the worst moment: while a reconnect's
 * setup is failing, so the connection is being closed and the broker's CloseOk never comes.
 * amqplib's recovery then waits on a close that never settles and never reconnects: a worker
 * left like that consumes nothing, and exits 0 as soon as its database connections drop (nothing
 * else holds its event loop). Against the real RabbitMQ, through a proxy that plays the broker
 * going away (tests/helpers/tcpProxy.ts).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RabbitLink } from "../service/rabbit";
import { AMQP_URL, removeLinkTopology, serverAvailable } from "./helpers/servers";
import { eventually } from "./helpers/service";
import { TcpProxy } from "./helpers/tcpProxy";

const amqpUrl = new URL(AMQP_URL);
const PREFIX = `svc-recovery-${process.pid}-${randomBytes(3).toString("hex")}`;
const EVENTS = `${PREFIX}.events`;

let available = false;
let proxy: TcpProxy | undefined;
beforeAll(async () => {
  available = await serverAvailable("RabbitMQ (AMQP)", amqpUrl.hostname, Number(amqpUrl.port || 5672));
  if (available) proxy = await TcpProxy.start(amqpUrl.hostname, Number(amqpUrl.port || 5672));
});
beforeEach((context) => {
  if (!available) context.skip();
});
afterAll(async () => {
  await proxy?.close();
  if (available) await removeLinkTopology(PREFIX, [EVENTS]);
});

const viaProxy = (): string => {
  const via = new URL(AMQP_URL);
  via.port = String(proxy!.port);
  return via.href;
};

describe("the broker link's recovery", () => {
  it("reconnects after the broker went away while a reconnect's setup was being closed", async () => {
    const link = await RabbitLink.connect({ url: viaProxy(), prefix: PREFIX, eventsExchange: EVENTS });
    try {
      await eventually("the link to connect", async () => (link.healthy ? true : undefined), 10_000);
      let failures = 0;
      let setups = 0;
      await link.onReady(async () => {
        setups += 1;
        if (setups !== 2) return;
        // The reconnect's setup fails just as the broker goes silent, then its socket ends.
        failures += 1;
        proxy!.mute = true;
        setTimeout(() => {
          proxy!.cut();
          proxy!.mute = false;
        }, 300);
        throw new Error("setup refused (trial)");
      });
      proxy!.cut();
      await eventually("the link to see the cut", async () => (link.healthy ? undefined : true), 10_000);
      await eventually("the link to connect again", async () => (link.healthy ? true : undefined), 20_000);
      expect(failures).toBe(1);
      expect(setups).toBeGreaterThanOrEqual(3);
      // And it carries messages again.
      await link.publish(`op-${PREFIX}`);
      expect(await link.queueDepth()).toBe(1);
    } finally {
      await link.close();
    }
  }, 60_000);

  it("drops a reconnect whose handshake is never answered, and connects on the next try", async () => {
    const link = await RabbitLink.connect({
      url: viaProxy(),
      prefix: PREFIX,
      eventsExchange: EVENTS,
      handshakeTimeoutMs: 1000,
    });
    try {
      await eventually("the link to connect", async () => (link.healthy ? true : undefined), 10_000);
      // The reconnect reaches something that accepts it and never answers (its Start is dropped).
      proxy!.mute = true;
      proxy!.cut();
      await eventually("the link to see the cut", async () => (link.healthy ? undefined : true), 10_000);
      await new Promise((resolve) => setTimeout(resolve, 800));
      proxy!.mute = false;
      // Well before the broker's own handshake timeout (10 s) would end the stuck connection.
      await eventually("the link to connect again", async () => (link.healthy ? true : undefined), 5_000);
    } finally {
      proxy!.mute = false;
      await link.close();
    }
  }, 60_000);
});

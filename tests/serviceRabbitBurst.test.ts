/**
 * A burst of publishes on the RabbitMQ link (service/rabbit.ts): the connection's writes are held
 * until the burst is written, so it leaves in a few writes; every message must still be confirmed
 * and arrive once, in order, including a burst larger than the socket's buffer. Against the real
 * broker, under a queue prefix of its own; skipped when it is unreachable, failing under CI=true.
 */
import { randomBytes } from "node:crypto";
import amqp from "amqplib";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { RabbitLink } from "../service/rabbit";
import { AMQP_URL, removeLinkTopology, serverAvailable } from "./helpers/servers";

const prefix = `svc-burst-${process.pid}-${randomBytes(3).toString("hex")}`;
let available = false;
let link: RabbitLink;

beforeAll(async () => {
  const url = new URL(AMQP_URL);
  available = await serverAvailable("RabbitMQ (AMQP)", url.hostname, Number(url.port || 5672));
  // An events exchange of its own: the platform's is not this test's to declare on the shared broker.
  if (available)
    link = await RabbitLink.connect({ url: AMQP_URL, prefix, eventsExchange: `${prefix}.events` });
});
afterAll(async () => {
  if (!available) return;
  await link.close();
  await removeLinkTopology(prefix, [`${prefix}.events`]);
});
beforeEach((context) => {
  if (!available) context.skip();
});

it("confirms every message of a burst published in one turn, and delivers each once, in order", async () => {
  // 500 messages of about 170 bytes: more than the socket buffers before it asks the sender to wait.
  const ids = Array.from({ length: 500 }, (_, i) => `burst-${String(i).padStart(4, "0")}`);
  await Promise.all(ids.map((id) => link.publish(id)));
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    const received: string[] = [];
    await new Promise<void>((resolve) => {
      void channel.consume(link.queue, (message) => {
        if (!message) return;
        received.push((JSON.parse(message.content.toString()) as { id: string }).id);
        channel.ack(message);
        if (received.length === ids.length) resolve();
      });
    });
    // Nothing more arrives (no message was sent twice).
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toEqual(ids);
  } finally {
    await connection.close();
  }
});

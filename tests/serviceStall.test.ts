/**
 * A client that stops sending in the middle of a request (a stalled body, or headers that never
 * end) does not hold its connection: the service closes it once it has been silent for the stall
 * timeout, and the request is never stored.
 */
import { connect, type AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FileStore } from "../service/fileStore";
import type { HttpApp } from "../service/http";
import { testHttpApp } from "./helpers/httpApp";

const TOKEN = "stall-test-token-0123456789abcdef";
let store: FileStore;
let app: HttpApp;
let close: () => Promise<void>;
let port: number;

beforeEach(async () => {
  ({ store, app, close } = await testHttpApp("service-stall-", TOKEN, { stallTimeoutMs: 300 }));
  await app.listen({ port: 0, host: "127.0.0.1" });
  port = (app.server.address() as AddressInfo).port;
});
afterEach(() => close());

/** Sends `head`, then nothing; resolves with how long the server kept the connection open. */
function stall(head: string): Promise<number> {
  return new Promise((done, fail) => {
    const started = Date.now();
    const socket = connect(port, "127.0.0.1", () => socket.write(head));
    socket.on("data", () => undefined);
    socket.on("close", () => done(Date.now() - started));
    socket.on("error", () => undefined);
    setTimeout(() => {
      socket.destroy();
      fail(new Error("the server kept a stalled connection open for 5 s"));
    }, 5_000).unref();
  });
}

describe("stalled clients", () => {
  it("closes a connection whose body stops arriving, and stores nothing", async () => {
    const body = '{"tenantId": "acme", "tier": "standard"';
    const held = await stall(
      `POST /tenants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        `Content-Type: application/json\r\nContent-Length: 4096\r\n\r\n${body}`,
    );
    expect(held).toBeLessThan(5_000);
    expect(await store.latestOperation("acme")).toBeUndefined();
  });

  it("closes a connection whose headers never end", async () => {
    expect(await stall("GET /healthz HTTP/1.1\r\nHost: x\r\n")).toBeLessThan(5_000);
  });
});

/**
 * A TCP proxy in front of a real server, for fault trials a server cannot be made to perform on
 * cue: `mute` stops what the server sends from reaching the clients (a broker going away between
 * two frames), `cut` ends every client connection at once.
 */
import net from "node:net";

export class TcpProxy {
  /** While true, the server's bytes are dropped instead of forwarded. */
  mute = false;
  private readonly clients = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  /** Listens on a free port of 127.0.0.1, forwarding to `host:port`. */
  static async start(host: string, port: number): Promise<TcpProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    server.on("connection", (client) => proxy.forward(client, host, port));
    return proxy;
  }

  private forward(client: net.Socket, host: string, port: number): void {
    const upstream = net.connect(port, host);
    this.clients.add(client);
    client.on("data", (chunk) => upstream.write(chunk));
    upstream.on("data", (chunk) => {
      if (!this.mute) client.write(chunk);
    });
    for (const socket of [client, upstream]) socket.on("error", () => undefined);
    client.on("close", () => {
      this.clients.delete(client);
      upstream.destroy();
    });
    upstream.on("close", () => client.destroy());
  }

  /** Ends every client connection now (the clients see their socket end). */
  cut(): void {
    for (const client of this.clients) client.destroy();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

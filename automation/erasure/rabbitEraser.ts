/** Erases a tenant's RabbitMQ vhost (its queues, exchanges and messages with it) and user, through the management API. */
import { rabbitUser, rabbitVhost } from "../../tiers";
import type { RabbitManagement } from "../rabbitDefinitions";
import type { ErasedItem, Eraser } from "./report";

export class RabbitEraser implements Eraser {
  readonly system = "rabbitmq" as const;

  constructor(private readonly management: RabbitManagement) {}

  private async call(method: "GET" | "DELETE", path: string): Promise<number> {
    const auth = Buffer.from(`${this.management.user}:${this.management.password}`).toString("base64");
    const response = await fetch(`${this.management.url.replace(/\/$/, "")}/api/${path}`, {
      method,
      headers: { authorization: `Basic ${auth}` },
      signal: AbortSignal.timeout(30_000),
    });
    await response.arrayBuffer();
    if (response.status !== 404 && !response.ok)
      throw new Error(`RabbitMQ management ${method} /api/${path}: HTTP ${response.status}`);
    return response.status;
  }

  private async eraseOne(kind: "vhost" | "user", name: string, at: () => string): Promise<ErasedItem> {
    const path = `${kind === "vhost" ? "vhosts" : "users"}/${encodeURIComponent(name)}`;
    const existed = (await this.call("GET", path)) !== 404;
    if (existed) await this.call("DELETE", path);
    return {
      system: "rabbitmq",
      kind,
      name,
      where: new URL(this.management.url).host,
      action: existed ? "deleted" : "absent",
      verifiedAbsent: (await this.call("GET", path)) === 404,
      at: at(),
    };
  }

  async erase(tenantId: string, at: () => string): Promise<ErasedItem[]> {
    return [
      await this.eraseOne("vhost", rabbitVhost(tenantId), at),
      await this.eraseOne("user", rabbitUser(tenantId), at),
    ];
  }
}

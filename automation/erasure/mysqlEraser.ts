/**
 * Erases a tenant's MySQL databases and users, by their exact names (tiers/naming.ts): never by
 * pattern, since "acme_" is also the start of tenant "acme-shop"'s names.
 */
import type { Connection } from "mysql2/promise";
import { DATABASE_SERVICES, databaseName, databaseUser, reportingUser } from "../../tiers";
import type { ErasedItem, Eraser } from "./report";

export interface MysqlEraserOptions {
  /** An admin connection (DROP DATABASE, DROP USER). */
  readonly connect: () => Promise<Connection>;
  /** How the report names the server (host:port). */
  readonly where: string;
}

/** Every database and user a tenant may have had, whatever its tier. */
export function tenantMysqlNames(tenantId: string): { databases: string[]; users: string[] } {
  return {
    databases: DATABASE_SERVICES.map((s) => databaseName(tenantId, s.name)),
    users: [...DATABASE_SERVICES.map((s) => databaseUser(tenantId, s.name)), reportingUser(tenantId)],
  };
}

const quoteId = (name: string) => `\`${name.replace(/`/g, "``")}\``;

export class MysqlEraser implements Eraser {
  readonly system = "mysql" as const;

  constructor(private readonly options: MysqlEraserOptions) {}

  async erase(tenantId: string, at: () => string): Promise<ErasedItem[]> {
    const db = await this.options.connect();
    try {
      const { databases, users } = tenantMysqlNames(tenantId);
      const items: ErasedItem[] = [];
      for (const name of databases) items.push(await this.eraseDatabase(db, name, at));
      for (const name of users) items.push(await this.eraseUser(db, name, at));
      return items;
    } finally {
      await db.end();
    }
  }

  private async databaseExists(db: Connection, name: string): Promise<boolean> {
    const [rows] = await db.query("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [name]);
    return (rows as unknown[]).length > 0;
  }

  private async hostsOf(db: Connection, user: string): Promise<string[]> {
    const [rows] = await db.query("SELECT Host AS host FROM mysql.user WHERE User = ?", [user]);
    return (rows as { host: string }[]).map((r) => r.host);
  }

  private async eraseDatabase(db: Connection, name: string, at: () => string): Promise<ErasedItem> {
    const existed = await this.databaseExists(db, name);
    if (existed) await db.query(`DROP DATABASE IF EXISTS ${quoteId(name)}`);
    return {
      system: "mysql",
      kind: "database",
      name,
      where: this.options.where,
      action: existed ? "deleted" : "absent",
      verifiedAbsent: !(await this.databaseExists(db, name)),
      at: at(),
    };
  }

  /** Every account of that user name, whatever its host. */
  private async eraseUser(db: Connection, name: string, at: () => string): Promise<ErasedItem> {
    const hosts = await this.hostsOf(db, name);
    for (const host of hosts) await db.query("DROP USER IF EXISTS ?@?", [name, host]);
    return {
      system: "mysql",
      kind: "user",
      name,
      where: this.options.where,
      action: hosts.length > 0 ? "deleted" : "absent",
      verifiedAbsent: (await this.hostsOf(db, name)).length === 0,
      at: at(),
    };
  }
}

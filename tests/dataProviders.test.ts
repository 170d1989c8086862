/**
 * The dynamic providers against the real servers: create, update, read (drift), delete and
 * idempotent re-create, and clean failures when a server is unreachable or refuses.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MysqlUserLimitsProvider, type UserLimitsState } from "../components/mysqlUserLimits";
import { RabbitVhostLimitsProvider, type VhostLimitsState } from "../components/rabbitVhostLimits";
import { MYSQL, RABBITMQ, rabbitManagementPort, serverAvailable } from "./helpers/servers";

describe("MysqlUserLimits provider (real MySQL)", () => {
  let up = false;
  beforeEach((context) => {
    if (!up) context.skip();
  });
  const provider = new MysqlUserLimitsProvider();
  const USER = "cv_limits_test";
  const state = (maxUserConnections: number): UserLimitsState => ({ connection: MYSQL, user: USER, host: "%", maxUserConnections });
  const sql = async (statement: string, values: unknown[] = []) => {
    const mysql = await import("mysql2/promise");
    const db = await mysql.createConnection(MYSQL);
    try {
      return (await db.query(statement, values))[0];
    } finally {
      await db.end();
    }
  };

  beforeAll(async () => {
    up = await serverAvailable("MySQL", MYSQL.host, MYSQL.port);
    if (!up) return;
    await sql("DROP USER IF EXISTS ?@'%'", [USER]);
    await sql("CREATE USER ?@'%' IDENTIFIED BY 'test-password'", [USER]);
  });
  afterAll(async () => {
    if (up) await sql("DROP USER IF EXISTS ?@'%'", [USER]);
  });

  it("creates: sets MAX_USER_CONNECTIONS on the account", async () => {
    const created = await provider.create(state(10));
    expect(created.id).toBe(`${USER}@%`);
    expect(await provider.current(MYSQL, USER, "%")).toBe(10);
  });

  it("updates the limit in place", async () => {
    const diff = await provider.diff(`${USER}@%`, state(10), state(30));
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    await provider.update(`${USER}@%`, state(10), state(30));
    expect(await provider.current(MYSQL, USER, "%")).toBe(30);
  });

  it("reads drift made outside Pulumi", async () => {
    await sql("ALTER USER ?@'%' WITH MAX_USER_CONNECTIONS 5", [USER]);
    const read = await provider.read(`${USER}@%`, state(30));
    expect(read.props?.maxUserConnections).toBe(5);
  });

  it("is idempotent: creating again leaves the same limit", async () => {
    await provider.create(state(30));
    await provider.create(state(30));
    expect(await provider.current(MYSQL, USER, "%")).toBe(30);
  });

  it("replaces only when the account changes", async () => {
    expect((await provider.diff("x", state(30), { ...state(30), user: "other" })).replaces).toEqual(["user"]);
    expect((await provider.diff("x", state(30), state(30))).changes).toBe(false);
  });

  it("deletes: lifts the limit", async () => {
    await provider.delete(`${USER}@%`, state(30));
    expect(await provider.current(MYSQL, USER, "%")).toBe(0);
  });

  it("reports a deleted account as gone on read, and fails clearly for a missing account", async () => {
    expect(await provider.read("ghost@%", { ...state(1), user: "cv_no_such_user" })).toEqual({});
    await expect(provider.create({ ...state(1), user: "cv_no_such_user" })).rejects.toThrow(/cv_no_such_user@% does not exist/);
  });

  it("fails clearly when the server refuses or is unreachable", async () => {
    await expect(provider.create({ ...state(1), connection: { ...MYSQL, user: "cv_nobody", password: "wrong" } })).rejects.toThrow(/refused cv_nobody/);
    await expect(provider.create({ ...state(1), connection: { ...MYSQL, host: "127.0.0.1", port: 1 } })).rejects.toThrow(/127\.0\.0\.1:1 is unreachable/);
    await expect(provider.create(state(-1))).rejects.toThrow(/non-negative integer/);
  });
});

describe("RabbitVhostLimits provider (real RabbitMQ management API)", () => {
  let up = false;
  beforeEach((context) => {
    if (!up) context.skip();
  });
  const provider = new RabbitVhostLimitsProvider();
  const VHOST = "cv-limits-test";
  const state = (maxConnections: number, maxQueues = 50): VhostLimitsState => ({
    management: RABBITMQ,
    vhost: VHOST,
    maxConnections,
    maxQueues,
  });

  beforeAll(async () => {
    up = await serverAvailable("RabbitMQ management API", new URL(RABBITMQ.url).hostname, rabbitManagementPort());
    if (!up) return;
    await provider.call(RABBITMQ, "DELETE", `vhosts/${VHOST}`);
    await provider.call(RABBITMQ, "PUT", `vhosts/${VHOST}`, {});
  });
  afterAll(async () => {
    if (up) await provider.call(RABBITMQ, "DELETE", `vhosts/${VHOST}`);
  });

  it("creates: sets the vhost limits", async () => {
    expect((await provider.create(state(30))).id).toBe(VHOST);
    expect(await provider.current(RABBITMQ, VHOST)).toEqual({ maxConnections: 30, maxQueues: 50 });
  });

  it("updates in place", async () => {
    expect(await provider.diff(VHOST, state(30), state(200, 156))).toMatchObject({ changes: true, replaces: [] });
    await provider.update(VHOST, state(30), state(200, 156));
    expect(await provider.current(RABBITMQ, VHOST)).toMatchObject({ maxConnections: 200, maxQueues: 156 });
  });

  it("reads drift made outside Pulumi", async () => {
    await provider.call(RABBITMQ, "PUT", `vhost-limits/${VHOST}/max-connections`, { value: 7 });
    expect((await provider.read(VHOST, state(200, 156))).props).toMatchObject({ maxConnections: 7, maxQueues: 156 });
  });

  it("is idempotent", async () => {
    await provider.create(state(200, 156));
    await provider.create(state(200, 156));
    expect(await provider.current(RABBITMQ, VHOST)).toMatchObject({ maxConnections: 200, maxQueues: 156 });
  });

  it("deletes: lifts the limits (unlimited again)", async () => {
    await provider.delete(VHOST, state(200, 156));
    expect(await provider.current(RABBITMQ, VHOST)).toMatchObject({ maxConnections: -1, maxQueues: -1 });
    await provider.delete(VHOST, state(200, 156));
  });

  it("reports a missing vhost as gone, and fails clearly for one on create", async () => {
    expect(await provider.read("cv-ghost", { ...state(1), vhost: "cv-ghost" })).toEqual({});
    await expect(provider.create({ ...state(1), vhost: "cv-ghost" })).rejects.toThrow(/vhost cv-ghost does not exist/);
  });

  it("fails clearly when the API refuses or is unreachable", async () => {
    await expect(provider.create({ ...state(1), management: { ...RABBITMQ, password: "wrong" } })).rejects.toThrow(/refused guest \(HTTP 401\)/);
    await expect(provider.create({ ...state(1), management: { ...RABBITMQ, url: "http://127.0.0.1:1" } })).rejects.toThrow(/127\.0\.0\.1:1 is unreachable/);
  });
});

describe("dynamic providers ship to the engine", () => {
  // The synth skips serialization (it ships nothing); a real `pulumi up` must serialize both.
  it.each([
    ["MysqlUserLimitsProvider", () => new MysqlUserLimitsProvider(), "ALTER USER"],
    ["RabbitVhostLimitsProvider", () => new RabbitVhostLimitsProvider(), "vhost-limits"],
  ] as const)("serializes %s with its code and without capturing secrets", async (_name, make, marker) => {
    const pulumi = await import("@pulumi/pulumi");
    const provider = make();
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    expect(serialized.text).toContain(marker);
    expect(serialized.containsSecrets).toBe(false);
  });
});

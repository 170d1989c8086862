/**
 * The dynamic providers against the real servers: create, update, read (drift), delete and
 * idempotent re-create; admin credentials that change between runs; deletes of limits whose
 * account or vhost is already gone; all-or-nothing updates; clean failures when a server is
 * unreachable or refuses; and admin credentials kept secret in what the program registers.
 * Every account and vhost is named after this process, since other test runs share the servers.
 */
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  MysqlUserLimits,
  MysqlUserLimitsProvider,
  type MysqlConnection,
  type UserLimitsState,
} from "../components/data/mysqlUserLimits";
import {
  RabbitVhostLimits,
  RabbitVhostLimitsProvider,
  type ManagementApi,
  type VhostLimitsState,
} from "../components/data/rabbitVhostLimits";
import { SECRET_PLACEHOLDER, synthesize } from "../synth/engine";
import { MYSQL, RABBITMQ, rabbitManagementPort, serverAvailable } from "./helpers/servers";

const RUN = `${process.pid}_${randomBytes(3).toString("hex")}`;
const password = (label: string) => `${label}-${randomBytes(8).toString("hex")}`;

/**
 * What `pulumi up` does with a dynamic resource whose inputs are `news`: it asks `diff`, keeps
 * the recorded outputs when nothing changed, and otherwise updates (or replaces) and records the
 * provider's outputs. Returns the state later reads and deletes receive.
 */
async function up<S>(
  provider: pulumi.dynamic.ResourceProvider<S, S>,
  id: string,
  olds: S,
  news: S,
): Promise<S> {
  const diff = await provider.diff!(id, olds, news);
  if (diff.changes === false) return olds;
  if (diff.replaces && diff.replaces.length > 0) {
    const created = await provider.create(news);
    await provider.delete!(id, olds);
    return created.outs!;
  }
  return (await provider.update!(id, olds, news)).outs!;
}

describe("MysqlUserLimits provider (real MySQL)", () => {
  let available = false;
  beforeEach((context) => {
    if (!available) context.skip();
  });
  const provider = new MysqlUserLimitsProvider();
  const USER = `cv_limits_${RUN}`;
  const state = (
    maxUserConnections: number,
    user = USER,
    connection: MysqlConnection = MYSQL,
  ): UserLimitsState => ({
    connection,
    user,
    host: "%",
    maxUserConnections,
  });
  const sql = async (statement: string, values: unknown[] = []) => {
    const mysql = await import("mysql2/promise");
    const db = await mysql.createConnection(MYSQL);
    try {
      return (await db.query(statement, values))[0];
    } finally {
      await db.end();
    }
  };
  const created: string[] = [];
  const createUser = async (user: string, pass = "test-password") => {
    created.push(user);
    await sql("DROP USER IF EXISTS ?@'%'", [user]);
    await sql("CREATE USER ?@'%' IDENTIFIED BY ?", [user, pass]);
  };

  beforeAll(async () => {
    available = await serverAvailable("MySQL", MYSQL.host, MYSQL.port);
    if (available) await createUser(USER);
  });
  afterAll(async () => {
    if (available) for (const user of created) await sql("DROP USER IF EXISTS ?@'%'", [user]);
  });

  it("creates: sets MAX_USER_CONNECTIONS on the account", async () => {
    const result = await provider.create(state(10));
    expect(result.id).toBe(`${USER}@%`);
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
    expect((await provider.diff("x", state(30), state(30, "other"))).replaces).toEqual(["user"]);
    expect((await provider.diff("x", state(30), state(30))).changes).toBe(false);
  });

  it("deletes: lifts the limit", async () => {
    await provider.delete(`${USER}@%`, state(30));
    expect(await provider.current(MYSQL, USER, "%")).toBe(0);
  });

  it("reports a deleted account as gone on read, and fails clearly for a missing account", async () => {
    expect(await provider.read("ghost@%", state(1, `cv_ghost_${RUN}`))).toEqual({});
    await expect(provider.create(state(1, `cv_ghost_${RUN}`))).rejects.toThrow(
      new RegExp(`cv_ghost_${RUN}@% does not exist`),
    );
  });

  it("fails clearly when the server refuses or is unreachable", async () => {
    await expect(
      provider.create(state(1, USER, { ...MYSQL, user: "cv_nobody", password: "wrong" })),
    ).rejects.toThrow(/refused cv_nobody/);
    await expect(provider.create(state(1, USER, { ...MYSQL, host: "127.0.0.1", port: 1 }))).rejects.toThrow(
      /127\.0\.0\.1:1 is unreachable/,
    );
  });

  it("sees a change of the admin password as an update, so the delete after it signs in with the new one", async () => {
    const admin = `cv_admin_${RUN}`;
    const [first, second] = [password("first"), password("second")];
    await createUser(admin, first);
    await sql("GRANT CREATE USER ON *.* TO ?@'%'", [admin]);
    await sql("GRANT SELECT ON mysql.* TO ?@'%'", [admin]);
    const user = `cv_rotated_${RUN}`;
    await createUser(user);
    const as = (pass: string) => state(12, user, { ...MYSQL, user: admin, password: pass });
    const id = (await provider.create(as(first))).id;

    await sql("ALTER USER ?@'%' IDENTIFIED BY ?", [admin, second]);
    expect(await provider.diff(id, as(first), as(second))).toMatchObject({ changes: true, replaces: [] });
    const recorded = await up(provider, id, as(first), as(second));
    expect(recorded.connection.password).toBe(second);

    // The old password no longer signs in: only the recorded new one can delete.
    await expect(provider.delete(id, as(first))).rejects.toThrow(new RegExp(`refused ${admin}`));
    await provider.delete(id, recorded);
    expect(await provider.current(MYSQL, user, "%")).toBe(0);
  });

  it("deletes the limit of an account that is already gone as a no-op", async () => {
    const user = `cv_dropped_${RUN}`;
    await createUser(user);
    const id = (await provider.create(state(7, user))).id;
    await sql("DROP USER ?@'%'", [user]);
    await expect(provider.delete(id, state(7, user))).resolves.toBeUndefined();
    expect(await provider.current(MYSQL, user, "%")).toBeUndefined();
  });

  it("still fails a delete the server refuses (a gone account is not assumed)", async () => {
    await expect(
      provider.delete(`${USER}@%`, state(1, USER, { ...MYSQL, user: "cv_nobody", password: "wrong" })),
    ).rejects.toThrow(/refused cv_nobody/);
  });

  it("rejects an invalid limit, naming the field, before it contacts the server", async () => {
    const nowhere: MysqlConnection = { ...MYSQL, host: "127.0.0.1", port: 1 };
    // 2^31 is one past the largest MAX_USER_CONNECTIONS MariaDB parses.
    for (const bad of [-1, 2.5, 2 ** 31, Number.NaN]) {
      await expect(provider.create(state(bad, USER, nowhere)), String(bad)).rejects.toThrow(
        /maxUserConnections must be an integer from 0 to 2147483647/,
      );
    }
    await provider.create(state(9));
    await expect(provider.update(`${USER}@%`, state(9), state(2 ** 31))).rejects.toThrow(
      /maxUserConnections/,
    );
    expect(await provider.current(MYSQL, USER, "%")).toBe(9);
  });

  it("reports an invalid limit at check (preview), and lets an unknown one through", async () => {
    expect((await provider.check!(state(1), state(-3))).failures).toEqual([
      { property: "maxUserConnections", reason: "must be an integer from 0 to 2147483647, got -3" },
    ]);
    expect((await provider.check!(state(1), state(40))).failures).toEqual([]);
    const unknown = {
      ...state(1),
      maxUserConnections: pulumi.runtime.unknownValue,
    } as unknown as UserLimitsState;
    expect((await provider.check!(state(1), unknown)).failures).toEqual([]);
  });
});

describe("RabbitVhostLimits provider (real RabbitMQ management API)", () => {
  let available = false;
  beforeEach((context) => {
    if (!available) context.skip();
  });
  const provider = new RabbitVhostLimitsProvider();
  const VHOST = `cv-limits-${RUN}`;
  const state = (
    maxConnections: number,
    maxQueues = 50,
    vhost = VHOST,
    management: ManagementApi = RABBITMQ,
  ): VhostLimitsState => ({
    management,
    vhost,
    maxConnections,
    maxQueues,
  });
  const vhosts: string[] = [];
  const users: string[] = [];
  const createVhost = async (vhost: string) => {
    vhosts.push(vhost);
    await provider.call(RABBITMQ, "DELETE", `vhosts/${vhost}`);
    await provider.call(RABBITMQ, "PUT", `vhosts/${vhost}`, {});
  };

  beforeAll(async () => {
    available = await serverAvailable(
      "RabbitMQ management API",
      new URL(RABBITMQ.url).hostname,
      rabbitManagementPort(),
    );
    if (available) await createVhost(VHOST);
  });
  afterAll(async () => {
    if (!available) return;
    for (const vhost of vhosts) await provider.call(RABBITMQ, "DELETE", `vhosts/${vhost}`);
    for (const user of users) await provider.call(RABBITMQ, "DELETE", `users/${user}`);
  });

  it("creates: sets the vhost limits", async () => {
    expect((await provider.create(state(30))).id).toBe(VHOST);
    expect(await provider.current(RABBITMQ, VHOST)).toEqual({ maxConnections: 30, maxQueues: 50 });
  });

  it("updates in place", async () => {
    expect(await provider.diff(VHOST, state(30), state(200, 156))).toMatchObject({
      changes: true,
      replaces: [],
    });
    await provider.update(VHOST, state(30), state(200, 156));
    expect(await provider.current(RABBITMQ, VHOST)).toMatchObject({ maxConnections: 200, maxQueues: 156 });
  });

  it("reads drift made outside Pulumi", async () => {
    await provider.call(RABBITMQ, "PUT", `vhost-limits/${VHOST}/max-connections`, { value: 7 });
    expect((await provider.read(VHOST, state(200, 156))).props).toMatchObject({
      maxConnections: 7,
      maxQueues: 156,
    });
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
    const ghost = `cv-ghost-${RUN}`;
    expect(await provider.read(ghost, state(1, 50, ghost))).toEqual({});
    await expect(provider.create(state(1, 50, ghost))).rejects.toThrow(
      new RegExp(`vhost ${ghost} does not exist`),
    );
  });

  it("fails clearly when the API refuses or is unreachable", async () => {
    await expect(provider.create(state(1, 50, VHOST, { ...RABBITMQ, password: "wrong" }))).rejects.toThrow(
      /refused guest \(HTTP 401\)/,
    );
    await expect(
      provider.create(state(1, 50, VHOST, { ...RABBITMQ, url: "http://127.0.0.1:1" })),
    ).rejects.toThrow(/127\.0\.0\.1:1 is unreachable/);
  });

  it("sees a change of the admin password as an update, so the delete after it signs in with the new one", async () => {
    const admin = `cv-admin-${RUN}`;
    const [first, second] = [password("first"), password("second")];
    users.push(admin);
    await provider.call(RABBITMQ, "PUT", `users/${admin}`, { password: first, tags: "administrator" });
    const vhost = `cv-rotated-${RUN}`;
    await createVhost(vhost);
    await provider.call(RABBITMQ, "PUT", `permissions/${vhost}/${admin}`, {
      configure: "",
      write: "",
      read: "",
    });
    const as = (pass: string) => state(11, 22, vhost, { ...RABBITMQ, user: admin, password: pass });
    const id = (await provider.create(as(first))).id;

    await provider.call(RABBITMQ, "PUT", `users/${admin}`, { password: second, tags: "administrator" });
    expect(await provider.diff(id, as(first), as(second))).toMatchObject({ changes: true, replaces: [] });
    const recorded = await up(provider, id, as(first), as(second));
    expect(recorded.management.password).toBe(second);

    await expect(provider.delete(id, as(first))).rejects.toThrow(
      new RegExp(`refused ${admin} \\(HTTP 401\\)`),
    );
    await provider.delete(id, recorded);
    expect(await provider.current(RABBITMQ, vhost)).toEqual({ maxConnections: -1, maxQueues: -1 });
  });

  it("deletes the limits of a vhost that is already gone as a no-op", async () => {
    const vhost = `cv-dropped-${RUN}`;
    await createVhost(vhost);
    await provider.create(state(3, 4, vhost));
    await provider.call(RABBITMQ, "DELETE", `vhosts/${vhost}`);
    await expect(provider.delete(vhost, state(3, 4, vhost))).resolves.toBeUndefined();
  });

  it("still fails a delete the server refuses (a gone vhost is not assumed)", async () => {
    await expect(
      provider.delete(VHOST, state(1, 50, VHOST, { ...RABBITMQ, password: "wrong" })),
    ).rejects.toThrow(/refused guest \(HTTP 401\)/);
  });

  it("rejects an invalid limit, naming the field, before any limit changes", async () => {
    await provider.create(state(30, 50));
    for (const bad of [-3, 2.5, 1e30, Number.NaN]) {
      await expect(provider.update(VHOST, state(30, 50), state(40, bad)), String(bad)).rejects.toThrow(
        /maxQueues must be an integer from 0 to/,
      );
      expect(await provider.current(RABBITMQ, VHOST)).toEqual({ maxConnections: 30, maxQueues: 50 });
    }
  });

  it("reports every invalid limit at check (preview), and lets an unknown one through", async () => {
    const failures = (await provider.check!(state(1), state(-1, 0.5))).failures ?? [];
    expect(failures.map((f) => f.property)).toEqual(["maxConnections", "maxQueues"]);
    expect((await provider.check!(state(1), state(40, 60))).failures).toEqual([]);
    const unknown = { ...state(1), maxQueues: pulumi.runtime.unknownValue } as unknown as VhostLimitsState;
    expect((await provider.check!(state(1), unknown)).failures).toEqual([]);
  });

  /** Sends the max-queues call a value RabbitMQ refuses, so the real server rejects the second limit. */
  class SecondLimitRejected extends RabbitVhostLimitsProvider {
    rejected = 0;
    constructor(private readonly alsoBreakRestore = false) {
      super();
    }
    override async call(api: ManagementApi, method: string, path: string, body?: unknown) {
      const setsQueues = method === "PUT" && path.endsWith("/max-queues");
      if (
        (setsQueues && this.rejected === 0) ||
        (this.alsoBreakRestore && this.rejected > 0 && method !== "GET")
      ) {
        this.rejected += 1;
        return super.call(api, method, path, { value: 0.5 });
      }
      return super.call(api, method, path, body);
    }
  }

  it("puts the previous limits back when the server rejects the second one", async () => {
    await provider.create(state(30, 50));
    const failing = new SecondLimitRejected();
    await expect(failing.update(VHOST, state(30, 50), state(40, 60))).rejects.toThrow(
      /HTTP 400.*the previous limits of .* were restored/s,
    );
    expect(failing.rejected).toBe(1);
    expect(await provider.current(RABBITMQ, VHOST)).toEqual({ maxConnections: 30, maxQueues: 50 });
  });

  it("leaves a vhost that had no limits unlimited when the second limit is rejected", async () => {
    const vhost = `cv-unlimited-${RUN}`;
    await createVhost(vhost);
    await expect(new SecondLimitRejected().create(state(40, 60, vhost))).rejects.toThrow(/were restored/);
    expect(await provider.current(RABBITMQ, vhost)).toEqual({ maxConnections: -1, maxQueues: -1 });
  });

  it("says so when putting the previous limits back fails too", async () => {
    await provider.create(state(30, 50));
    await expect(new SecondLimitRejected(true).update(VHOST, state(30, 50), state(40, 60))).rejects.toThrow(
      /restoring the previous limits of .* also failed .* \{"maxConnections":30,"maxQueues":50\}/s,
    );
    await provider.create(state(30, 50));
  });
});

describe("admin credentials stay secret", () => {
  it("marks the admin connection secret even when the caller passes it in plain text", async () => {
    const sentinel = `S3ntinel-${RUN}`;
    const result = await synthesize(
      async () => {
        new MysqlUserLimits("limits", {
          connection: { host: "db", port: 3306, user: "root", password: sentinel },
          user: "svc",
          maxUserConnections: 5,
        });
        new RabbitVhostLimits("vhost-limits", {
          management: { url: "http://mq:15672", user: "admin", password: sentinel },
          vhost: "v",
          maxConnections: 2,
          maxQueues: 3,
        });
      },
      { project: "providers", stack: "test", config: {} },
    );
    expect(JSON.stringify(result.resources)).not.toContain(sentinel);
    const s = SECRET_PLACEHOLDER;
    const byName = (name: string) => result.resources.find((r) => r.name === name)!.inputs;
    expect(byName("limits")["connection"]).toEqual({ host: s, port: s, user: s, password: s });
    expect(byName("vhost-limits")["management"]).toEqual({ url: s, user: s, password: s });
    // The limits themselves stay readable in a preview.
    expect(byName("limits")["maxUserConnections"]).toBe(5);
  });
});

describe("dynamic providers ship to the engine", () => {
  // The synth skips serialization (it ships nothing); a real `pulumi up` must serialize both.
  it.each([
    [
      "MysqlUserLimitsProvider",
      () => new MysqlUserLimitsProvider(),
      "ALTER USER",
      { maxUserConnections: -1 },
      "maxUserConnections",
    ],
    [
      "RabbitVhostLimitsProvider",
      () => new RabbitVhostLimitsProvider(),
      "vhost-limits",
      { maxConnections: 1, maxQueues: 0.5 },
      "maxQueues",
    ],
  ] as const)(
    "serializes %s with its code, without capturing secrets, and the shipped code runs",
    async (_name, make, marker, invalid, field) => {
      const provider = make();
      const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
      expect(serialized.text).toContain(marker);
      expect(serialized.containsSecrets).toBe(false);
      // Load it as the provider host would and validate with it: the shared checks travel along.
      const module = { exports: {} as Record<string, () => pulumi.dynamic.ResourceProvider> };
      new Function("module", "exports", "require", serialized.text)(
        module,
        module.exports,
        createRequire(__filename),
      );
      const shipped = module.exports[serialized.exportName]!();
      expect((await shipped.check!({}, invalid)).failures?.map((f) => f.property)).toEqual([field]);
    },
  );
});

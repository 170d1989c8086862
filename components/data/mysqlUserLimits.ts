/**
 * MAX_USER_CONNECTIONS of a MySQL user, which `@pulumi/mysql` cannot set: a dynamic provider
 * with real SQL (check, create, read for drift, update, delete, diff). The provider object is
 * serialized into the stack by Pulumi, so its methods require their own modules.
 */
import * as pulumi from "@pulumi/pulumi";
import { limitFailures } from "./limitChecks";

/** How the provider reaches the server (an admin account able to ALTER USER and read mysql.user). */
export interface MysqlConnection {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

export interface UserLimitsState {
  readonly connection: MysqlConnection;
  readonly user: string;
  readonly host: string;
  readonly maxUserConnections: number;
}

/** The largest MAX_USER_CONNECTIONS both MariaDB (a signed 32-bit value) and MySQL accept. */
export const MAX_USER_CONNECTIONS = 2_147_483_647;

/** A server problem reported in terms of what to do about it. */
export class MysqlLimitsError extends Error {
  override readonly name = "MysqlLimitsError";
}

export class MysqlUserLimitsProvider implements pulumi.dynamic.ResourceProvider<
  UserLimitsState,
  UserLimitsState
> {
  /** Runs `work` on a fresh connection; maps connection failures to clear errors. */
  private async withConnection<T>(
    c: MysqlConnection,
    work: (db: import("mysql2/promise").Connection) => Promise<T>,
  ): Promise<T> {
    // Required here, not imported at the top: Pulumi serializes this provider with its closure,
    // and a module reference captured by name is re-required in the provider host.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mysql: typeof import("mysql2/promise") = require("mysql2/promise");
    let db: import("mysql2/promise").Connection;
    try {
      db = await mysql.createConnection({
        host: c.host,
        port: c.port,
        user: c.user,
        password: c.password,
        connectTimeout: 5000,
      });
    } catch (error) {
      const e = error as { code?: string; message?: string };
      // ER_ACCESS_DENIED_ERROR, ER_ACCESS_DENIED_NO_PASSWORD_ERROR (MariaDB answers either to a bad login), ER_DBACCESS_DENIED_ERROR.
      if (e.code?.startsWith("ER_ACCESS_DENIED") || e.code === "ER_DBACCESS_DENIED_ERROR") {
        throw new MysqlLimitsError(`MySQL at ${c.host}:${c.port} refused ${c.user}: ${e.message}`);
      }
      throw new MysqlLimitsError(
        `MySQL at ${c.host}:${c.port} is unreachable (${e.code ?? e.message}); check the endpoint and that the server runs`,
      );
    }
    try {
      return await work(db);
    } finally {
      await db.end();
    }
  }

  /** Preview-time validation: the engine reports failures by field before any create or update. */
  async check(
    _olds: UserLimitsState,
    news: UserLimitsState,
  ): Promise<pulumi.dynamic.CheckResult<UserLimitsState>> {
    return {
      inputs: news,
      failures: limitFailures("maxUserConnections", news.maxUserConnections, MAX_USER_CONNECTIONS),
    };
  }

  /** Sets the limit; validated before the server is contacted. One statement: it applies whole or not at all. */
  private async apply(s: UserLimitsState): Promise<void> {
    const [invalid] = limitFailures("maxUserConnections", s.maxUserConnections, MAX_USER_CONNECTIONS);
    if (invalid) throw new MysqlLimitsError(`${invalid.property} ${invalid.reason}`);
    await this.withConnection(s.connection, async (db) => {
      try {
        await db.query("ALTER USER ?@? WITH MAX_USER_CONNECTIONS ?", [s.user, s.host, s.maxUserConnections]);
      } catch (error) {
        const e = error as { code?: string; message?: string };
        if (e.code === "ER_CANNOT_USER")
          throw new MysqlLimitsError(`MySQL user ${s.user}@${s.host} does not exist`);
        throw new MysqlLimitsError(`MySQL refused to limit ${s.user}@${s.host}: ${e.message}`);
      }
    });
  }

  /** The user's current limit, or undefined when the user no longer exists. */
  async current(c: MysqlConnection, user: string, host: string): Promise<number | undefined> {
    return this.withConnection(c, async (db) => {
      const [rows] = await db.query(
        "SELECT max_user_connections AS n FROM mysql.user WHERE User = ? AND Host = ?",
        [user, host],
      );
      const row = (rows as { n: number | string }[])[0];
      return row === undefined ? undefined : Number(row.n);
    });
  }

  async create(inputs: UserLimitsState): Promise<pulumi.dynamic.CreateResult<UserLimitsState>> {
    await this.apply(inputs);
    return { id: `${inputs.user}@${inputs.host}`, outs: inputs };
  }

  async read(id: string, props?: UserLimitsState): Promise<pulumi.dynamic.ReadResult<UserLimitsState>> {
    if (!props)
      throw new MysqlLimitsError(
        `cannot read ${id} without its recorded connection (import is not supported)`,
      );
    const limit = await this.current(props.connection, props.user, props.host);
    // A user that is gone takes its limit with it: report the resource as deleted.
    return limit === undefined ? {} : { id, props: { ...props, maxUserConnections: limit } };
  }

  /**
   * Another account is another resource (replace). Anything else, the admin connection included,
   * is an update: the state must record the credentials later reads and deletes sign in with.
   */
  async diff(_id: string, olds: UserLimitsState, news: UserLimitsState): Promise<pulumi.dynamic.DiffResult> {
    const replaces = (["user", "host"] as const).filter((k) => olds[k] !== news[k]);
    // In a preview a connection not yet known arrives as a placeholder string: its fields differ too.
    const connectionChanged = (["host", "port", "user", "password"] as const).some(
      (k) => olds.connection[k] !== news.connection[k],
    );
    return {
      changes:
        replaces.length > 0 || connectionChanged || olds.maxUserConnections !== news.maxUserConnections,
      replaces,
      deleteBeforeReplace: false,
    };
  }

  async update(
    _id: string,
    _olds: UserLimitsState,
    news: UserLimitsState,
  ): Promise<pulumi.dynamic.UpdateResult<UserLimitsState>> {
    await this.apply(news);
    return { outs: news };
  }

  async delete(_id: string, props: UserLimitsState): Promise<void> {
    // Lift the limit (0 = unlimited). IF EXISTS: an account dropped before (or while) this runs
    // took its limit with it, so there is nothing to undo.
    await this.withConnection(props.connection, async (db) => {
      try {
        await db.query("ALTER USER IF EXISTS ?@? WITH MAX_USER_CONNECTIONS 0", [props.user, props.host]);
      } catch (error) {
        throw new MysqlLimitsError(
          `MySQL refused to lift the limit of ${props.user}@${props.host}: ${(error as Error).message}`,
        );
      }
    });
  }
}

export interface MysqlUserLimitsArgs {
  /** Admin connection. Made secret here whether or not the caller did. */
  readonly connection: pulumi.Input<MysqlConnection>;
  readonly user: pulumi.Input<string>;
  /** Host part of the account. Default "%". */
  readonly host?: pulumi.Input<string>;
  /** 0 (unlimited) to MAX_USER_CONNECTIONS. */
  readonly maxUserConnections: pulumi.Input<number>;
}

const provider = new MysqlUserLimitsProvider();

/**
 * The connection limit of one MySQL account. The admin connection is a secret input and a
 * secret output: reads and deletes receive only the recorded outputs, so it must be there.
 */
export class MysqlUserLimits extends pulumi.dynamic.Resource {
  declare readonly maxUserConnections: pulumi.Output<number>;

  constructor(name: string, args: MysqlUserLimitsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      provider,
      name,
      {
        connection: pulumi.secret(args.connection),
        user: args.user,
        host: args.host ?? "%",
        maxUserConnections: args.maxUserConnections,
      },
      { ...opts, additionalSecretOutputs: ["connection"] },
      "collect-verything",
      "MysqlUserLimits",
    );
  }
}

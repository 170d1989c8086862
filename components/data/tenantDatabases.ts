import * as core from "@pulumi/kubernetes/core/v1";
import * as mysql from "@pulumi/mysql";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import {
  databaseName,
  databaseUser,
  DATABASE_SERVICES,
  reportingUser,
  type EffectiveProfile,
} from "../../tiers";
import { databaseSecretName, REPORTING_SECRET } from "../shared/contracts";
import { tenantLabels, type TenantIdentity } from "../shared/labels";
import { MysqlUserLimits } from "./mysqlUserLimits";

/** Privileges of a service on its own database: what Laravel migrations and queries need, no GRANT OPTION. */
export const SERVICE_PRIVILEGES = [
  "SELECT",
  "INSERT",
  "UPDATE",
  "DELETE",
  "CREATE",
  "ALTER",
  "DROP",
  "INDEX",
  "REFERENCES",
  "CREATE TEMPORARY TABLES",
  "LOCK TABLES",
  "CREATE VIEW",
  "SHOW VIEW",
  "TRIGGER",
];

export interface MysqlServer {
  /** Host the services connect to. */
  readonly host: pulumi.Input<string>;
  readonly port: number;
  /** Host of the read replica (reporting). Default: `host`. */
  readonly readReplicaHost?: pulumi.Input<string>;
  /** Admin account the providers use; the password is made secret here. */
  readonly admin: { readonly user: pulumi.Input<string>; readonly password: pulumi.Input<string> };
}

export interface TenantDatabasesArgs {
  readonly identity: TenantIdentity;
  readonly profile: EffectiveProfile;
  /** Namespace of the services, where their credentials Secrets go. */
  readonly namespace: string;
  readonly server: MysqlServer;
  /** Resources that must exist before the Secrets (the namespace). Default none. */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
  /**
   * The tenant's other regions (Business): each gets the same credentials Secrets in its own
   * cluster, naming this server by its cross-region host (writes go to the home region). Default none.
   */
  readonly otherRegions?: readonly SecretRegion[];
}

/** Where another region's copies of the credentials Secrets go. */
export interface SecretRegion {
  readonly region: string;
  /** That region cluster's Kubernetes provider. */
  readonly provider: pulumi.ProviderResource;
  /** This server's host as that region reaches it. */
  readonly host: string;
  /** Resources that must exist before the Secrets there (the region's namespace). */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * One MySQL database per stateful service, one user per service with a generated password and
 * privileges on its own database only, the tier's connection limit on every user, and each
 * service's credentials Secret. Tiers with read replicas get a read-only reporting user that
 * reads from the replica. Databases are protected: no tier change may drop one.
 */
export class TenantDatabases extends pulumi.ComponentResource {
  readonly databases: readonly string[];

  constructor(name: string, args: TenantDatabasesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:tenant:TenantDatabases", name, {}, opts);
    const { identity, profile, server } = args;
    const db = profile.tier.database;
    const adminPassword = pulumi.secret(server.admin.password);
    const provider = new mysql.Provider(
      `${name}-mysql`,
      {
        endpoint: pulumi.interpolate`${server.host}:${server.port}`,
        username: server.admin.user,
        password: adminPassword,
      },
      { parent: this },
    );
    const adminConnection = pulumi
      .all([server.host, server.admin.user, adminPassword])
      .apply(([host, user, password]) => ({ host, port: server.port, user, password }));
    const inMysql = { parent: this, provider };
    const labels = tenantLabels(identity);
    // The home region's Secrets keep their names; another region's carry its name as a suffix.
    const placements = [
      {
        suffix: "",
        host: server.host,
        readHost: server.readReplicaHost ?? server.host,
        opts: { parent: this, dependsOn: args.dependsOn ?? [] },
      },
      ...(args.otherRegions ?? []).map((r) => ({
        suffix: `-${r.region}`,
        host: r.host,
        readHost: r.host,
        opts: { parent: this, provider: r.provider, dependsOn: r.dependsOn },
      })),
    ];
    const secret = (
      key: string,
      secretName: string,
      data: (place: (typeof placements)[number]) => Record<string, pulumi.Input<string>>,
    ) => {
      for (const place of placements) {
        new core.Secret(
          `${name}-${key}-credentials${place.suffix}`,
          {
            metadata: { name: secretName, namespace: args.namespace, labels },
            type: "Opaque",
            stringData: data(place),
          },
          place.opts,
        );
      }
    };
    /** An account with a generated password, held to the tier's connections per service. */
    const limitedAccount = (key: string, user: string) => {
      const password = new random.RandomPassword(
        `${name}-${key}-password`,
        { length: 32, special: false },
        { parent: this },
      );
      const account = new mysql.User(
        `${name}-${key}-user`,
        { user, host: "%", plaintextPassword: password.result },
        inMysql,
      );
      new MysqlUserLimits(
        `${name}-${key}-limits`,
        { connection: adminConnection, user: account.user, maxUserConnections: db.maxConnectionsPerService },
        { parent: this, dependsOn: [account] },
      );
      return { account, password };
    };

    const databases = DATABASE_SERVICES.map((svc) => {
      const dbName = databaseName(identity.tenantId, svc.name);
      const user = databaseUser(identity.tenantId, svc.name);
      const database = new mysql.Database(
        `${name}-${svc.name}`,
        { name: dbName, defaultCharacterSet: "utf8mb4", defaultCollation: "utf8mb4_unicode_ci" },
        { ...inMysql, protect: true },
      );
      const { account, password } = limitedAccount(svc.name, user);
      new mysql.Grant(
        `${name}-${svc.name}-grant`,
        { user: account.user, host: account.host, database: database.name, privileges: SERVICE_PRIVILEGES },
        inMysql,
      );
      secret(svc.name, databaseSecretName(svc.workloadName), (place) => ({
        DB_CONNECTION: "mysql",
        DB_HOST: place.host,
        DB_PORT: String(server.port),
        DB_DATABASE: dbName,
        DB_USERNAME: user,
        DB_PASSWORD: password.result,
      }));
      return dbName;
    });

    if (db.readReplicas > 0) {
      const user = reportingUser(identity.tenantId);
      const { account, password } = limitedAccount("reporting", user);
      databases.forEach((dbName, i) => {
        new mysql.Grant(
          `${name}-reporting-grant-${DATABASE_SERVICES[i]!.name}`,
          { user: account.user, host: account.host, database: dbName, privileges: ["SELECT", "SHOW VIEW"] },
          { ...inMysql, dependsOn: [account] },
        );
      });
      secret("reporting", REPORTING_SECRET, (place) => ({
        DB_CONNECTION: "mysql",
        DB_HOST: place.readHost,
        DB_PORT: String(server.port),
        DB_USERNAME: user,
        DB_PASSWORD: password.result,
        DB_DATABASES: databases.join(","),
      }));
    }

    this.databases = databases;
    this.registerOutputs({ databases: this.databases });
  }
}

import * as core from "@pulumi/kubernetes/core/v1";
import { Database } from "@pulumi/mysql/database";
import { Grant } from "@pulumi/mysql/grant";
import { User } from "@pulumi/mysql/user";
import { Provider as MysqlProvider } from "@pulumi/mysql/provider";
import * as pulumi from "@pulumi/pulumi";
import { RandomPassword } from "@pulumi/random/randomPassword";
import {
  databaseName,
  databaseUser,
  DATABASE_SERVICES,
  reportingUser,
  type EffectiveProfile,
} from "../../tiers";
import { databaseSecretName, REPORTING_SECRET } from "../shared/contracts";
import { tenantLabels, type TenantIdentity } from "../shared/labels";
import { MysqlUserLimits, type MysqlConnection } from "./mysqlUserLimits";
import { statefulOptions } from "../shared/statefulOptions";

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
    const adminPassword = pulumi.secret(server.admin.password);
    const provider = new MysqlProvider(
      `${name}-mysql`,
      {
        endpoint: pulumi.interpolate`${server.host}:${server.port}`,
        username: server.admin.user,
        password: adminPassword,
      },
      { parent: this },
    );
    const scope: Scope = {
      name,
      parent: this,
      provider,
      server,
      namespace: args.namespace,
      labels: tenantLabels(identity),
      maxConnections: profile.tier.database.maxConnectionsPerService,
      adminConnection: pulumi
        .all([server.host, server.admin.user, adminPassword])
        .apply(([host, user, password]) => ({ host, port: server.port, user, password })),
      placements: placementsOf(args, this),
    };
    const databases = DATABASE_SERVICES.map((svc) => serviceDatabase(scope, identity.tenantId, svc));
    if (profile.tier.database.readReplicas > 0) reportingAccess(scope, identity.tenantId, databases);

    this.databases = databases;
    this.registerOutputs({ databases: this.databases });
  }
}

/** Where one copy of the credentials Secrets goes: a region's cluster, and the hosts it reaches this server by. */
interface Placement {
  readonly suffix: string;
  readonly host: pulumi.Input<string>;
  readonly readHost: pulumi.Input<string>;
  readonly opts: pulumi.CustomResourceOptions;
}

/** What every builder of the component shares. */
interface Scope {
  readonly name: string;
  readonly parent: pulumi.Resource;
  readonly provider: MysqlProvider;
  readonly server: MysqlServer;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly maxConnections: number;
  readonly adminConnection: pulumi.Output<MysqlConnection>;
  readonly placements: readonly Placement[];
}

/** The home region's Secrets keep their names; another region's carry its name as a suffix. */
function placementsOf(args: TenantDatabasesArgs, parent: pulumi.Resource): Placement[] {
  const { server } = args;
  return [
    {
      suffix: "",
      host: server.host,
      readHost: server.readReplicaHost ?? server.host,
      opts: { parent, dependsOn: args.dependsOn ?? [] },
    },
    ...(args.otherRegions ?? []).map((r) => ({
      suffix: `-${r.region}`,
      host: r.host,
      readHost: r.host,
      opts: { parent, provider: r.provider, dependsOn: r.dependsOn },
    })),
  ];
}

/** One credentials Secret in every region the tenant runs in. */
function credentialsSecret(
  scope: Scope,
  key: string,
  secretName: string,
  data: (place: Placement) => Record<string, pulumi.Input<string>>,
): void {
  for (const place of scope.placements) {
    new core.Secret(
      `${scope.name}-${key}-credentials${place.suffix}`,
      {
        metadata: { name: secretName, namespace: scope.namespace, labels: scope.labels },
        type: "Opaque",
        stringData: data(place),
      },
      place.opts,
    );
  }
}

/** An account with a generated password, held to the tier's connections per service. */
function limitedAccount(
  scope: Scope,
  key: string,
  user: string,
): { readonly account: User; readonly password: pulumi.Output<string> } {
  const password = new RandomPassword(
    `${scope.name}-${key}-password`,
    { length: 32, special: false },
    { parent: scope.parent },
  ).result;
  const account = new User(
    `${scope.name}-${key}-user`,
    { user, host: "%", plaintextPassword: password },
    { parent: scope.parent, provider: scope.provider },
  );
  new MysqlUserLimits(
    `${scope.name}-${key}-limits`,
    { connection: scope.adminConnection, user: account.user, maxUserConnections: scope.maxConnections },
    { parent: scope.parent, dependsOn: [account] },
  );
  return { account, password };
}

/** A service's database (protected), its own user with privileges on it only, and its Secret. Returns the database name. */
function serviceDatabase(scope: Scope, tenantId: string, svc: (typeof DATABASE_SERVICES)[number]): string {
  const inMysql = { parent: scope.parent, provider: scope.provider };
  const dbName = databaseName(tenantId, svc.name);
  const user = databaseUser(tenantId, svc.name);
  const database = new Database(
    `${scope.name}-${svc.name}`,
    { name: dbName, defaultCharacterSet: "utf8mb4", defaultCollation: "utf8mb4_unicode_ci" },
    { ...inMysql, ...statefulOptions("protected") },
  );
  const { account, password } = limitedAccount(scope, svc.name, user);
  new Grant(
    `${scope.name}-${svc.name}-grant`,
    { user: account.user, host: account.host, database: database.name, privileges: SERVICE_PRIVILEGES },
    inMysql,
  );
  credentialsSecret(scope, svc.name, databaseSecretName(svc.workloadName), (place) => ({
    DB_CONNECTION: "mysql",
    DB_HOST: place.host,
    DB_PORT: String(scope.server.port),
    DB_DATABASE: dbName,
    DB_USERNAME: user,
    DB_PASSWORD: password,
  }));
  return dbName;
}

/** Tiers with read replicas: a read-only reporting user over every database, reading from the replica. */
function reportingAccess(scope: Scope, tenantId: string, databases: readonly string[]): void {
  const user = reportingUser(tenantId);
  const { account, password } = limitedAccount(scope, "reporting", user);
  databases.forEach((dbName, i) => {
    new Grant(
      `${scope.name}-reporting-grant-${DATABASE_SERVICES[i]!.name}`,
      { user: account.user, host: account.host, database: dbName, privileges: ["SELECT", "SHOW VIEW"] },
      { parent: scope.parent, provider: scope.provider, dependsOn: [account] },
    );
  });
  credentialsSecret(scope, "reporting", REPORTING_SECRET, (place) => ({
    DB_CONNECTION: "mysql",
    DB_HOST: place.readHost,
    DB_PORT: String(scope.server.port),
    DB_USERNAME: user,
    DB_PASSWORD: password,
    DB_DATABASES: databases.join(","),
  }));
}

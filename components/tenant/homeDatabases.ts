import { coreNamespace, crossRegionHost } from "../../tiers";
import { DedicatedMysqlCluster } from "../data/dedicatedMysqlCluster";
import { TenantDatabases, type MysqlServer } from "../data/tenantDatabases";
import type { RegionSite, TenantBuild } from "./tenantRegions";

/**
 * The tenant's databases, in its home region (on its dedicated InnoDB cluster where it has
 * one, the shared cluster otherwise); every other region gets their credentials.
 */
export function homeDatabases(
  build: TenantBuild,
  regions: readonly RegionSite[],
): { readonly server: MysqlServer; readonly databases: TenantDatabases } {
  const { name, args, identity, profile, parent } = build;
  const [homeRegion, ...others] = regions;
  const cluster = build.dedicatedDatabase
    ? new DedicatedMysqlCluster(
        `${name}-dedicated-mysql`,
        { identity, spec: build.dedicatedDatabase, backupNamespace: args.platform.backups.namespace },
        { parent },
      )
    : undefined;
  const { mysql } = args.platform.endpoints;
  const readReplicaHost = args.dataServices.mysqlReadReplicaHost;
  const server: MysqlServer = cluster
    ? { host: cluster.host, port: cluster.port, admin: { user: "root", password: cluster.rootPassword } }
    : {
        host: mysql.host,
        port: mysql.port,
        ...(readReplicaHost ? { readReplicaHost } : {}),
        admin: args.adminCredentials.mysql,
      };
  const databases = new TenantDatabases(
    `${name}-databases`,
    {
      identity,
      profile,
      namespace: coreNamespace(args.tenantId),
      server,
      dependsOn: [homeRegion!.guardrails],
      otherRegions: others.map((r) => ({
        region: r.name,
        provider: r.kubernetes,
        host: crossRegionHost(build.regionNames[0]!, "mysql"),
        dependsOn: [r.guardrails],
      })),
    },
    { parent, ...(cluster ? { dependsOn: [cluster] } : {}) },
  );
  return { server, databases };
}

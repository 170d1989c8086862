import * as core from "@pulumi/kubernetes/core/v1";
import * as networking from "@pulumi/kubernetes/networking/v1";
import * as pulumi from "@pulumi/pulumi";
import { RandomPassword } from "@pulumi/random/randomPassword";
import {
  BACKUP_NAMESPACE,
  databaseNamespace,
  dedicatedClusterQuota,
  OPERATOR_HELPER_RESOURCES,
  storageClassName,
  volumeAttributesClassName,
  type DedicatedClusterSpec,
} from "../../tiers";
import { formatCpu, formatMemory, formatStorage } from "../../lib/units";
import { customResource } from "../shared/crds";
import { LABEL, PART_OF, tenantLabels, type TenantIdentity } from "../shared/labels";
import { containerResources } from "../tenant/microservice";
import { formatQuota } from "../tenant/namespaceGuardrails";
import { statefulOptions } from "../shared/statefulOptions";

export const INNODB_CLUSTER_NAME = "tenant-mysql";
/** Host of the cluster's router in its namespace (the services' and the binlog archiver's). */
export const dedicatedClusterHost = (namespace: string): string =>
  `${INNODB_CLUSTER_NAME}.${namespace}.svc.cluster.local`;
/** MySQL Router's read-write port, the one the services use. */
export const ROUTER_PORT = 6446;

export interface DedicatedMysqlClusterArgs {
  readonly identity: TenantIdentity;
  readonly spec: DedicatedClusterSpec;
  /** Namespace of the MySQL operator, allowed to manage the cluster's pods. Default "mysql-operator". */
  readonly operatorNamespace?: string;
  /** The platform's backup namespace, whose runners dump the cluster and archive its binlogs through the router. Default BACKUP_NAMESPACE. */
  readonly backupNamespace?: string;
}

/** Spec of an InnoDBCluster (mysql.oracle.com/v2), the fields this component sets. */
export interface InnoDbClusterSpec {
  readonly secretName: string;
  readonly tlsUseSelfSigned: boolean;
  readonly instances: number;
  readonly podSpec: {
    readonly containers: readonly { readonly name: "mysql"; readonly resources: object }[];
  };
  readonly datadirVolumeClaimTemplate: {
    readonly accessModes: readonly string[];
    readonly storageClassName: string;
    readonly resources: { readonly requests: { readonly storage: string } };
  };
  readonly router: {
    readonly instances: number;
    readonly podSpec: {
      readonly containers: readonly { readonly name: "router"; readonly resources: object }[];
    };
  };
  readonly backupProfiles: readonly {
    readonly name: string;
    readonly dumpInstance: {
      readonly storage: { readonly persistentVolumeClaim: { readonly claimName: string } };
    };
  }[];
  readonly backupSchedules: readonly {
    readonly name: string;
    readonly schedule: string;
    readonly backupProfileName: string;
    readonly enabled: boolean;
    readonly deleteBackupData: boolean;
  }[];
}

/**
 * A Business tenant's dedicated MySQL InnoDB cluster (MySQL Operator): 5 servers and 3 routers in
 * a namespace of its own with its own quota, since its pods exceed the tenant's limit range
 * (docs/product.md, where the seeds are out of date). Container sizes go under `podSpec.containers[{name: mysql}]`. Backups are the
 * operator's scheduled dumps to a volume; the operator has no point-in-time recovery, so PITR
 * stays with the platform's binlog archiving. The cluster and its volumes are protected.
 */
export class DedicatedMysqlCluster extends pulumi.ComponentResource {
  /** Host the services connect to (the router's service). */
  readonly host: string;
  readonly port = ROUTER_PORT;
  readonly rootPassword: pulumi.Output<string>;

  constructor(name: string, args: DedicatedMysqlClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:tenant:DedicatedMysqlCluster", name, {}, opts);
    const { identity, spec } = args;
    const namespaceName = databaseNamespace(identity.tenantId);
    const labels = tenantLabels(identity);
    const namespace = databaseNamespaceOf(name, identity, namespaceName, this);
    const inNamespace: InNamespace = {
      name,
      namespace: namespaceName,
      labels,
      parent: this,
      dependsOn: [namespace],
    };
    guardrails(inNamespace, spec);
    networkPolicies(inNamespace, identity, args);
    const rootPassword = new RandomPassword(
      `${name}-root-password`,
      { length: 32, special: false },
      { parent: this },
    );
    const rootSecret = rootCredentials(inNamespace, rootPassword.result);
    const backupClaim = backupVolumeClaim(inNamespace, identity, spec);
    innoDbCluster(inNamespace, identity, spec, [rootSecret, backupClaim]);

    this.host = dedicatedClusterHost(namespaceName);
    this.rootPassword = rootPassword.result;
    this.registerOutputs({ host: this.host });
  }
}

/** Where the cluster's namespaced objects go, and how they are registered. */
interface InNamespace {
  /** The component's name, prefix of every resource name. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly parent: pulumi.Resource;
  readonly dependsOn: pulumi.Resource[];
}

const options = (at: InNamespace) => ({ parent: at.parent, dependsOn: at.dependsOn });

function databaseNamespaceOf(
  name: string,
  identity: TenantIdentity,
  namespaceName: string,
  parent: pulumi.Resource,
): core.Namespace {
  return new core.Namespace(
    `${name}-namespace`,
    {
      metadata: {
        name: namespaceName,
        labels: {
          ...tenantLabels(identity),
          [LABEL.namespaceType]: "database",
          // The operator's server pods need capabilities `restricted` forbids.
          "pod-security.kubernetes.io/enforce": "baseline",
          "pod-security.kubernetes.io/warn": "restricted",
        },
      },
    },
    { parent, ...statefulOptions("retained") },
  );
}

/** The namespace's own quota (the cluster at full size) and a limit range sized for the operator's helpers. */
function guardrails(at: InNamespace, spec: DedicatedClusterSpec): void {
  new core.ResourceQuota(
    `${at.name}-quota`,
    {
      metadata: { name: "database-quota", namespace: at.namespace, labels: at.labels },
      spec: { hard: formatQuota(dedicatedClusterQuota(spec)) },
    },
    options(at),
  );
  const helper = OPERATOR_HELPER_RESOURCES;
  new core.LimitRange(
    `${at.name}-limits`,
    {
      metadata: { name: "database-limits", namespace: at.namespace, labels: at.labels },
      spec: {
        limits: [
          {
            type: "Container",
            default: { cpu: formatCpu(helper.limits.cpu), memory: formatMemory(helper.limits.memory) },
            defaultRequest: {
              cpu: formatCpu(helper.requests.cpu),
              memory: formatMemory(helper.requests.memory),
            },
            max: {
              cpu: formatCpu(spec.instanceResources.limits.cpu),
              memory: formatMemory(spec.instanceResources.limits.memory),
            },
          },
        ],
      },
    },
    options(at),
  );
}

const namespaceNamed = (name: string) => ({
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } },
});

/**
 * Default deny, then: the cluster's own pods among themselves, the tenant's namespaces to the
 * router, the platform's backup runners (components/platform/backupBucket.ts: dumps and the
 * binlog archiver) to the router, and the operator both ways (with DNS and the Kubernetes API).
 */
function networkPolicies(at: InNamespace, identity: TenantIdentity, args: DedicatedMysqlClusterArgs): void {
  const policy = (suffix: string, policySpec: networking.NetworkPolicyArgs["spec"]) =>
    new networking.NetworkPolicy(
      `${at.name}-${suffix}`,
      { metadata: { name: suffix, namespace: at.namespace, labels: at.labels }, spec: policySpec },
      options(at),
    );
  const sameTenant = {
    namespaceSelector: { matchLabels: { [LABEL.tenant]: identity.tenantId, [LABEL.partOf]: PART_OF } },
  };
  policy("default-deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  policy("allow-cluster-internal", {
    podSelector: {},
    policyTypes: ["Ingress", "Egress"],
    ingress: [{ from: [{ podSelector: {} }] }],
    egress: [{ to: [{ podSelector: {} }] }],
  });
  policy("allow-tenant-to-router", {
    podSelector: {},
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: [sameTenant],
        ports: [
          { protocol: "TCP", port: ROUTER_PORT },
          { protocol: "TCP", port: ROUTER_PORT + 1 },
        ],
      },
    ],
  });
  policy("allow-platform-backups", {
    podSelector: {},
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: [namespaceNamed(args.backupNamespace ?? BACKUP_NAMESPACE)],
        ports: [{ protocol: "TCP", port: ROUTER_PORT }],
      },
    ],
  });
  policy("allow-operator", {
    podSelector: {},
    policyTypes: ["Ingress", "Egress"],
    ingress: [{ from: [namespaceNamed(args.operatorNamespace ?? "mysql-operator")] }],
    egress: [
      {
        to: [namespaceNamed("kube-system")],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
      // The operator's sidecar talks to the Kubernetes API.
      {
        ports: [
          { protocol: "TCP", port: 443 },
          { protocol: "TCP", port: 6443 },
        ],
      },
    ],
  });
}

function rootCredentials(at: InNamespace, rootPassword: pulumi.Output<string>): core.Secret {
  return new core.Secret(
    `${at.name}-root`,
    {
      metadata: { name: `${INNODB_CLUSTER_NAME}-root`, namespace: at.namespace, labels: at.labels },
      type: "Opaque",
      stringData: { rootUser: "root", rootHost: "%", rootPassword },
    },
    options(at),
  );
}

/** The volume the operator's scheduled dumps go to: protected and kept, like the data. */
function backupVolumeClaim(
  at: InNamespace,
  identity: TenantIdentity,
  spec: DedicatedClusterSpec,
): core.PersistentVolumeClaim {
  return new core.PersistentVolumeClaim(
    `${at.name}-backup`,
    {
      metadata: { name: `${INNODB_CLUSTER_NAME}-backup`, namespace: at.namespace, labels: at.labels },
      spec: {
        accessModes: ["ReadWriteOnce"],
        storageClassName: storageClassName(identity.tier),
        volumeAttributesClassName: volumeAttributesClassName(identity.tier),
        resources: { requests: { storage: formatStorage(spec.instanceStorageGi) } },
      },
    },
    { ...options(at), ...statefulOptions("retained"), ignoreChanges: ["spec.storageClassName"] },
  );
}

function innoDbCluster(
  at: InNamespace,
  identity: TenantIdentity,
  spec: DedicatedClusterSpec,
  dependsOn: pulumi.Resource[],
): void {
  customResource<InnoDbClusterSpec>(
    `${at.name}-cluster`,
    {
      apiVersion: "mysql.oracle.com/v2",
      kind: "InnoDBCluster",
      metadata: { name: INNODB_CLUSTER_NAME, namespace: at.namespace, labels: at.labels },
      spec: {
        secretName: `${INNODB_CLUSTER_NAME}-root`,
        tlsUseSelfSigned: true,
        instances: spec.instances,
        podSpec: { containers: [{ name: "mysql", resources: containerResources(spec.instanceResources) }] },
        datadirVolumeClaimTemplate: {
          accessModes: ["ReadWriteOnce"],
          storageClassName: storageClassName(identity.tier),
          resources: { requests: { storage: formatStorage(spec.instanceStorageGi) } },
        },
        router: {
          instances: spec.routers,
          podSpec: { containers: [{ name: "router", resources: containerResources(spec.routerResources) }] },
        },
        backupProfiles: [
          {
            name: "dump-to-volume",
            dumpInstance: {
              storage: { persistentVolumeClaim: { claimName: `${INNODB_CLUSTER_NAME}-backup` } },
            },
          },
        ],
        backupSchedules: [
          {
            name: "scheduled-dump",
            schedule: spec.backupSchedule,
            backupProfileName: "dump-to-volume",
            enabled: true,
            deleteBackupData: false,
          },
        ],
      },
    },
    { parent: at.parent, dependsOn, ...statefulOptions("protected") },
  );
}

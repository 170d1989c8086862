/**
 * Identities and what they may do, judged on meaning (policy/analysis/policyDocument.ts): the
 * tenant's MinIO policies, its backup role's permissions and trust policy, its RabbitMQ user, the
 * shovels and federation upstreams that read another broker's vhost, and its buckets' ACLs.
 * data-services-of-tenant (boundary.ts) reports what these find.
 */
import { tenantBackupPrefix, crossRegionHost } from "../../tiers";
import { hasWildcard, identityPolicyProblems, parsePolicyDocument } from "../analysis/policyDocument";
import type { Statement } from "../analysis/policyDocument";
import type { TierContext } from "../context";
import type { ResourceView } from "../define";
import { clusterHost, platformFacts, type PlatformFacts } from "../platformFacts";
import { tenantScope, type TenantScope } from "../scope";

/** What the services (components/data/tenantObjectStorage.ts) and the replicator (bucketReplication.ts) use. */
const MINIO_ACTIONS = new Set([
  "s3:ListBucket",
  "s3:GetBucketLocation",
  "s3:GetObject",
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:AbortMultipartUpload",
  "s3:ListMultipartUploadParts",
  "s3:ListBucketMultipartUploads",
  "s3:GetReplicationConfiguration",
  "s3:PutReplicationConfiguration",
  "s3:GetBucketVersioning",
  "s3:GetBucketObjectLockConfiguration",
  "s3:GetEncryptionConfiguration",
  "s3:ReplicateObject",
  "s3:ReplicateDelete",
  "s3:ReplicateTags",
  "s3:GetObjectVersion",
  "s3:GetObjectVersionTagging",
]);
/**
 * MinIO admin actions only the replicator's policy may hold, and only the bucket-target pair
 * `mc replicate` needs: open-source MinIO ignores Resource on admin statements.
 */
const REPLICATOR_ADMIN_ACTIONS = new Set(["admin:SetBucketTarget", "admin:GetBucketTarget"]);
/** What the backup runner does with the tenant's prefix and the bucket's key (components/operations/tenantBackups.ts). */
const BACKUP_ACTIONS = new Set([
  "s3:PutObject",
  "s3:PutObjectTagging",
  "s3:GetObject",
  "s3:ListBucket",
  "kms:GenerateDataKey",
  "kms:Decrypt",
]);
/** The offline synth's stand-in for a secret (the engine hands the pack secrets in plaintext). */
const OFFLINE_SECRET = "[secret]";

const S3_ARN = /^arn:aws:s3:::([^/]*)(?:\/(.*))?$/;
/** The part of a pattern before its first wildcard or variable. */
const literalPrefix = (text: string): string => text.split(/[*?]|\$\{/)[0]!;

function minioActionProblem(
  action: string,
  policyName: string | undefined,
  scope: TenantScope,
): string | undefined {
  if (/^admin:/i.test(action)) {
    if (scope.objectStorageReplicator === undefined || policyName !== scope.objectStorageReplicator)
      return `grants ${action}; only the replicator's policy (${scope.objectStorageReplicator ?? "tiers that replicate across regions"}) may hold MinIO admin actions`;
    return REPLICATOR_ADMIN_ACTIONS.has(action)
      ? undefined
      : `grants ${action}; the replicator needs only ${[...REPLICATOR_ADMIN_ACTIONS].join(" and ")}, and MinIO does not scope admin actions to buckets`;
  }
  if (MINIO_ACTIONS.has(action)) return undefined;
  return `grants ${action}; a tenant's object-storage policy holds only the actions its services and replicator use (policy/policies/identities.ts), never bucket policies, ACLs or admin`;
}

function minioResourceProblem(resource: string, scope: TenantScope): string | undefined {
  const m = S3_ARN.exec(resource);
  if (!m) return `grants ${resource}, which is not one of tenant ${scope.tenant}'s buckets`;
  const bucket = m[1]!;
  if (hasWildcard(bucket))
    return `grants ${resource}: the bucket name ${bucket} is a pattern, which reaches other tenants' buckets`;
  if (!scope.buckets.has(bucket)) return `grants ${resource}, outside tenant ${scope.tenant}'s buckets`;
  return undefined;
}

/** A MinIO IamPolicy's document. */
export function minioPolicyProblems(view: ResourceView, context: TierContext): string[] {
  const scope = tenantScope(context);
  const name = typeof view.props["name"] === "string" ? view.props["name"] : undefined;
  const document = view.props["policy"];
  if (typeof document !== "string") return ["its policy document is not known; the pack cannot judge it"];
  return identityPolicyProblems(parsePolicyDocument(document), {
    action: (action) => minioActionProblem(action, name, scope),
    resource: (resource) => minioResourceProblem(resource, scope),
  });
}

/** Whether a statement lists the bucket only under the prefix: StringLike/StringEquals s3:prefix, no IfExists, no set operators. */
function listsOnlyUnder(st: Statement, prefix: string): boolean {
  const values = ["StringLike", "StringEquals"].flatMap((op) => [
    ...(st.conditions.get(op)?.get("s3:prefix") ?? []),
  ]);
  return values.length > 0 && values.every((v) => literalPrefix(v).startsWith(prefix));
}

function backupResourceProblem(
  resource: string,
  st: Statement,
  tenant: string,
  facts: PlatformFacts,
): string | undefined {
  const prefix = tenantBackupPrefix(tenant);
  const bucket = facts.backups.bucket;
  if (resource === facts.backups.kmsKeyArn) return undefined;
  const m = S3_ARN.exec(resource);
  if (!m)
    return `grants ${resource}, which is neither tenant ${tenant}'s backup prefix nor the backup bucket's key ${facts.backups.kmsKeyArn}`;
  if (m[1] !== bucket) return `grants ${resource}: ${m[1]} is not the platform's backup bucket ${bucket}`;
  if (m[2] === undefined)
    return listsOnlyUnder(st, prefix) && st.actions.every((a) => a === "s3:ListBucket")
      ? undefined
      : `lists ${resource} beyond tenant ${tenant}'s prefix ${prefix} (ListBucket with a StringLike s3:prefix condition under it is all a tenant role may do on the bucket)`;
  if (!literalPrefix(m[2]).startsWith(prefix))
    return `grants ${resource}, outside tenant ${tenant}'s prefix ${prefix}`;
  return undefined;
}

/** The backup role's permissions (aws:iam/rolePolicy:RolePolicy). */
export function backupRolePolicyProblems(view: ResourceView, context: TierContext): string[] {
  const facts = platformFacts(context);
  if (typeof facts === "string") return [`cannot be judged: ${facts}`];
  const document = view.props["policy"];
  if (typeof document !== "string")
    return ["its policy document is not known at preview; the pack cannot judge it"];
  return identityPolicyProblems(parsePolicyDocument(document), {
    action: (action) =>
      BACKUP_ACTIONS.has(action)
        ? undefined
        : `grants ${action}; a tenant role reaches only its backup prefix and the bucket key (${[...BACKUP_ACTIONS].join(", ")})`,
    resource: (resource, st) => backupResourceProblem(resource, st, context.tenant, facts),
  });
}

/** Role inputs a tenant's backup role may set: no attached or inline policies beside its RolePolicy, no boundary games. */
const ROLE_KEYS = new Set(["name", "description", "tags", "assumeRolePolicy", "maxSessionDuration", "id"]);

function trustStatementProblems(st: Statement, i: number, facts: PlatformFacts): string[] {
  const where = `trust statement ${i + 1}`;
  if (st.effect === "Deny") return [];
  const problems: string[] = [];
  const federated = (st.principal as { Federated?: unknown } | undefined)?.Federated;
  const principals =
    typeof st.principal === "object" && st.principal !== null ? Object.keys(st.principal) : [];
  if (st.notPrincipal !== undefined) problems.push(`${where} allows NotPrincipal: everyone but those named`);
  if (
    principals.length !== 1 ||
    [federated].flat().length !== 1 ||
    [federated].flat()[0] !== facts.backups.oidcProviderArn
  )
    problems.push(
      `${where}: Principal ${JSON.stringify(st.principal)} may assume the role; only the platform cluster's identity provider ${facts.backups.oidcProviderArn} may`,
    );
  if (st.notActions || st.actions.length !== 1 || st.actions[0] !== "sts:AssumeRoleWithWebIdentity")
    problems.push(
      `${where} allows ${[...st.actions, ...(st.notActions ?? [])].join(", ")}; only sts:AssumeRoleWithWebIdentity`,
    );
  const subjects = st.conditions.get("StringEquals")?.get(`${facts.backups.oidcIssuer}:sub`) ?? [];
  const account = `system:serviceaccount:${facts.backups.namespace}:`;
  const like = st.conditions.get("StringLike")?.get(`${facts.backups.oidcIssuer}:sub`);
  if (like)
    problems.push(
      `${where} matches service accounts by pattern (${like.join(", ")}); name one with StringEquals`,
    );
  else if (
    subjects.length === 0 ||
    !subjects.every((s) => s.startsWith(account) && !hasWildcard(s) && !s.slice(account.length).includes(":"))
  )
    problems.push(
      `${where} lets any service account of the cluster assume the role; it must be a service account of the platform's backup namespace (StringEquals ${facts.backups.oidcIssuer}:sub ${account}<name>)`,
    );
  return problems;
}

/** The backup role itself (aws:iam/role:Role): its trust policy and nothing attached beside its RolePolicy. */
export function backupRoleProblems(view: ResourceView, context: TierContext): string[] {
  const facts = platformFacts(context);
  if (typeof facts === "string") return [`cannot be judged: ${facts}`];
  const problems = Object.keys(view.props)
    .filter((key) => !ROLE_KEYS.has(key))
    .map((key) => `sets ${key}; a tenant role's permissions are its one RolePolicy, judged on its own`);
  const document = view.props["assumeRolePolicy"];
  if (typeof document !== "string")
    return [...problems, "its trust policy is not known; the pack cannot judge it"];
  const parsed = parsePolicyDocument(document);
  problems.push(...parsed.problems);
  parsed.statements.forEach((st, i) => problems.push(...trustStatementProblems(st, i, facts)));
  return problems;
}

/** Why an AMQP URI (a shovel's or federation upstream's) reaches beyond the tenant's vhost on the platform's brokers. */
function amqpUriProblem(uri: unknown, context: TierContext, scope: TenantScope): string | undefined {
  if (uri === OFFLINE_SECRET) return undefined;
  if (typeof uri !== "string") return `an AMQP URI that is not a string cannot be judged`;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `${uri} is not an AMQP URI`;
  }
  if (url.protocol !== "amqp:" && url.protocol !== "amqps:") return `${url.protocol} is not an AMQP URI`;
  const facts = platformFacts(context);
  if (typeof facts === "string") return `cannot be judged: ${facts}`;
  const hosts = new Set(
    [facts.endpoints.rabbitmq.host, ...context.regions.map((r) => crossRegionHost(r, "rabbitmq"))].map(
      clusterHost,
    ),
  );
  const where = `${url.protocol}//${url.host}${url.pathname}`;
  if (url.hostname !== "" && !hosts.has(clusterHost(url.hostname)))
    return `${where}: broker ${url.hostname} is not one of the platform's (${[...hosts].join(", ")})`;
  const vhost = url.pathname === "" || url.pathname === "/" ? "/" : decodeURIComponent(url.pathname.slice(1));
  if (vhost !== scope.vhost)
    return `${where} reads vhost ${vhost}${vhost === "/" ? " (the default vhost)" : ""}; only tenant ${scope.tenant}'s vhost ${scope.vhost}`;
  return undefined;
}

/** Every AMQP URI of a shovel or federation upstream (keys named like *uri*, at any depth of its arguments). */
function amqpUris(value: unknown, key = ""): unknown[] {
  if (Array.isArray(value)) return value.flatMap((v) => amqpUris(v, key));
  if (value !== null && typeof value === "object")
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => amqpUris(v, k));
  return /uri/i.test(key) ? [value] : [];
}

/** Broker identities: the tenant's user has no tags; shovels and upstreams read only its vhost on the platform's brokers. */
export function brokerProblems(view: ResourceView, context: TierContext): string[] {
  const scope = tenantScope(context);
  if (view.type === "rabbitmq:index/user:User") {
    const tags = view.props["tags"];
    if (tags === undefined || (Array.isArray(tags) && tags.length === 0)) return [];
    return [
      `has tags ${JSON.stringify(tags)}; a tenant's user has none (administrator, monitoring, management and policymaker reach other vhosts or the broker)`,
    ];
  }
  const args =
    view.type === "rabbitmq:index/shovel:Shovel"
      ? view.props["info"]
      : view.type === "rabbitmq:index/federationUpstream:FederationUpstream"
        ? view.props["definition"]
        : undefined;
  if (args === undefined) return [];
  const uris = amqpUris(args);
  if (uris.length === 0) return ["names no AMQP URI, so it would use the local broker's default vhost"];
  return uris.flatMap((uri) => amqpUriProblem(uri, context, scope) ?? []);
}

/** A bucket's ACL: private (MinIO's default) only. */
export function bucketAclProblems(view: ResourceView): string[] {
  const acl = view.props["acl"];
  return acl === undefined || acl === "private"
    ? []
    : [`acl ${String(acl)} opens the bucket to anonymous users; a tenant's buckets are private`];
}

/**
 * Privileges that stay inside the database they are granted on (the tenant's own, judged by name):
 * ALL on a database is every database privilege of it, GRANT OPTION excluded.
 */
const DATABASE_PRIVILEGES = new Set([
  "ALL",
  "ALL PRIVILEGES",
  "SELECT",
  "INSERT",
  "UPDATE",
  "DELETE",
  "CREATE",
  "DROP",
  "ALTER",
  "INDEX",
  "REFERENCES",
  "CREATE TEMPORARY TABLES",
  "LOCK TABLES",
  "CREATE VIEW",
  "SHOW VIEW",
  "TRIGGER",
  "EXECUTE",
  "CREATE ROUTINE",
  "ALTER ROUTINE",
  "EVENT",
]);

/**
 * A MySQL grant gives database privileges only: no role (a role may hold other tenants'
 * databases), no GRANT OPTION (the user could hand its rights on), nothing global.
 */
export function mysqlGrantProblems(view: ResourceView): string[] {
  const problems: string[] = [];
  const roles = view.props["roles"];
  if (Array.isArray(roles) ? roles.length > 0 : roles !== undefined)
    problems.push(`grants roles ${JSON.stringify(roles)}; a role may hold other tenants' databases`);
  if (view.props["grant"] === true || view.props["grant"] === "true")
    problems.push("grants WITH GRANT OPTION: the user could hand its rights to any other user");
  const privileges = view.props["privileges"];
  const list = Array.isArray(privileges) ? privileges : [];
  if (!Array.isArray(privileges) && roles === undefined)
    problems.push("grants no privilege list the pack can judge");
  for (const privilege of list) {
    const name =
      typeof privilege === "string" ? privilege.trim().toUpperCase().replace(/\s+/g, " ") : String(privilege);
    if (!DATABASE_PRIVILEGES.has(name))
      problems.push(
        `grants ${String(privilege)}; a tenant's users hold only database privileges (${[...DATABASE_PRIVILEGES].join(", ")})`,
      );
  }
  return problems;
}

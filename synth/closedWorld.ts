/**
 * The closed-world check across the two stacks: every reference a tenant stack makes to its
 * region's platform (Gateway and listener, namespaces its network policies name, storage,
 * attribute and priority classes, Services behind the endpoints, CRD kinds, the backup identity,
 * KMS key and bucket) must resolve to something that region's platform synth declares. A missing
 * one fails the synth naming the reference and the platform object it expected.
 */
import { apiKindOf, BUILT_IN_SINCE } from "../components/platform/apiVersions";
import { CHART_APIS, chartOfRelease } from "../components/platform/chartApis";
import { offlineKmsKeyArn, offlineOidcProviderArn } from "./computedAttributes";
import type { RecordedResource, SynthResult } from "./engine";

/** The CRD groups a Helm release installs: its pinned chart's CRDs (components/platform/chartApis.ts). */
function releaseCrdGroups(chart: string): string[] {
  const name = chartOfRelease(chart);
  return name === undefined ? [] : [...new Set(CHART_APIS[name].crds.map((kind) => kind.split("/")[0]!))];
}
/** The client Service an operator creates for its resource, in the resource's namespace. */
const OPERATED_SERVICE: Readonly<Record<string, (name: string) => string>> = {
  InnoDBCluster: (name) => name,
  RabbitmqCluster: (name) => name,
  Prometheus: () => "prometheus-operated",
};

/** What one region's platform declares. */
export interface PlatformInventory {
  readonly namespaces: ReadonlySet<string>;
  /** "namespace/name" -> listener names. */
  readonly gateways: ReadonlyMap<string, ReadonlySet<string>>;
  readonly storageClasses: ReadonlySet<string>;
  readonly volumeAttributesClasses: ReadonlySet<string>;
  readonly priorityClasses: ReadonlySet<string>;
  /** "name.namespace" of every Service (its own, an operator's, a release's). */
  readonly services: ReadonlySet<string>;
  readonly crdGroups: ReadonlySet<string>;
  readonly oidcProviders: ReadonlySet<string>;
  readonly kmsKeys: ReadonlySet<string>;
  readonly buckets: ReadonlySet<string>;
}

interface Meta {
  metadata?: { name?: string; namespace?: string };
  spec?: Record<string, unknown>;
}
const meta = (r: RecordedResource) => r.inputs as Meta;
const kindOf = (r: RecordedResource): string | undefined => apiKindOf(r.type)?.split(":")[1];

/** The inventory of a platform synth (its resources, and what AWS computes for them offline). */
export function platformInventory(result: SynthResult, region: string): PlatformInventory {
  const names = (kind: string) =>
    new Set(result.resources.filter((r) => kindOf(r) === kind).map((r) => meta(r).metadata?.name ?? ""));
  const gateways = new Map<string, Set<string>>();
  const services = new Set<string>();
  const crdGroups = new Set<string>();
  for (const r of result.resources) {
    const { metadata, spec } = meta(r);
    const kind = kindOf(r);
    if (kind === "Gateway") {
      const listeners = (spec?.["listeners"] as { name: string }[] | undefined) ?? [];
      gateways.set(`${metadata?.namespace}/${metadata?.name}`, new Set(listeners.map((l) => l.name)));
    }
    if (kind === "Service") services.add(`${metadata?.name}.${metadata?.namespace}`);
    const operated = kind === undefined ? undefined : OPERATED_SERVICE[kind];
    if (operated) services.add(`${operated(metadata?.name ?? "")}.${metadata?.namespace}`);
    if (r.type === "kubernetes:helm.sh/v3:Release") {
      const { name, chart, namespace } = r.inputs as { name: string; chart: string; namespace: string };
      const chartName = chart.split("/").pop()!;
      for (const group of releaseCrdGroups(chart)) crdGroups.add(group);
      if (chartName === "minio") services.add(`${name}.${namespace}`);
    }
  }
  const aws = (type: string) => result.resources.filter((r) => r.type === type);
  return {
    // kube-system is the cluster's own (EKS's DNS and add-ons), there before the platform.
    namespaces: new Set([...names("Namespace"), "kube-system"]),
    gateways,
    storageClasses: names("StorageClass"),
    volumeAttributesClasses: names("VolumeAttributesClass"),
    priorityClasses: names("PriorityClass"),
    services,
    crdGroups,
    oidcProviders: new Set(
      aws("aws:iam/openIdConnectProvider:OpenIdConnectProvider").map((r) =>
        offlineOidcProviderArn(String(r.inputs["url"])),
      ),
    ),
    kmsKeys: new Set(aws("aws:kms/key:Key").map((r) => offlineKmsKeyArn(region, r.name))),
    buckets: new Set(aws("aws:s3/bucket:Bucket").map((r) => String(r.inputs["bucket"]))),
  };
}

type Problem = string;
const missing = (r: RecordedResource, reference: string, expected: string): Problem =>
  `${r.type} ${r.name} references ${reference}, but the platform declares no ${expected}`;

/** References of one Kubernetes object of the tenant to its cluster's platform. */
function objectProblems(r: RecordedResource, p: PlatformInventory, own: TenantOwn): Problem[] {
  const { metadata, spec } = meta(r);
  const kind = kindOf(r);
  const problems: Problem[] = [];
  const apiKind = apiKindOf(r.type);
  const group = apiKind?.split("/")[0];
  if (apiKind && !BUILT_IN_SINCE[apiKind] && group && !p.crdGroups.has(group))
    problems.push(missing(r, `kind ${apiKind.replace(":", " ")}`, `release installing the ${group} CRDs`));
  const refs = [
    ...((spec?.["parentRefs"] as GatewayRef[] | undefined) ?? []),
    ...((spec?.["targetRefs"] as GatewayRef[] | undefined) ?? []),
    ...(spec?.["targetRef"] ? [spec["targetRef"] as GatewayRef] : []),
  ].filter((ref) => ref.kind === "Gateway");
  for (const ref of refs) {
    const key = `${ref.namespace ?? metadata?.namespace}/${ref.name}`;
    const listeners = p.gateways.get(key);
    if (!listeners) problems.push(missing(r, `Gateway ${key}`, `Gateway ${key}`));
    else if (ref.sectionName && !listeners.has(ref.sectionName))
      problems.push(
        missing(
          r,
          `listener ${ref.sectionName} of Gateway ${key}`,
          `listener ${ref.sectionName} on Gateway ${key}`,
        ),
      );
  }
  if (kind === "NetworkPolicy") {
    for (const ns of peerNamespaces(spec))
      if (!own.namespaces.has(ns) && !p.namespaces.has(ns))
        problems.push(missing(r, `namespace ${ns}`, `Namespace ${ns}`));
  }
  const check = (value: unknown, set: ReadonlySet<string>, what: string) => {
    if (typeof value === "string" && !set.has(value))
      problems.push(missing(r, `${what} ${value}`, `${what} ${value}`));
  };
  if (kind === "PersistentVolumeClaim") {
    check(spec?.["storageClassName"], p.storageClasses, "StorageClass");
    check(spec?.["volumeAttributesClassName"], p.volumeAttributesClasses, "VolumeAttributesClass");
  }
  for (const pod of podSpecs(spec)) check(pod["priorityClassName"], p.priorityClasses, "PriorityClass");
  for (const host of serviceHosts(r.inputs))
    if (!own.services.has(host) && !p.services.has(host))
      problems.push(missing(r, `Service host ${host}`, `Service ${host}`));
  return problems;
}

interface GatewayRef {
  kind?: string;
  name: string;
  namespace?: string;
  sectionName?: string;
}

function peerNamespaces(spec: Record<string, unknown> | undefined): string[] {
  const rules = [
    ...((spec?.["ingress"] as { from?: unknown[] }[] | undefined) ?? []).flatMap((r) => r.from ?? []),
    ...((spec?.["egress"] as { to?: unknown[] }[] | undefined) ?? []).flatMap((r) => r.to ?? []),
  ] as { namespaceSelector?: { matchLabels?: Record<string, string> } }[];
  return rules.flatMap((peer) => {
    const name = peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"];
    return name ? [name] : [];
  });
}

function podSpecs(spec: Record<string, unknown> | undefined): Record<string, unknown>[] {
  const template = spec?.["template"] as { spec?: Record<string, unknown> } | undefined;
  const job = (
    spec?.["jobTemplate"] as { spec?: { template?: { spec?: Record<string, unknown> } } } | undefined
  )?.spec?.template?.spec;
  return [template?.spec, job].filter((s): s is Record<string, unknown> => s !== undefined);
}

const SERVICE_HOST = /\b([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?\b/g;

/**
 * Cluster-local Service hosts named anywhere in a resource's inputs, keys included
 * ("name.namespace"). Each string on its own, not the inputs' JSON: a host after an escaped
 * newline would read "n<name>" there, and the regex runs only where ".svc" is.
 */
function serviceHosts(inputs: unknown): string[] {
  const hosts: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === "string") {
      if (value.includes(".svc")) for (const m of value.matchAll(SERVICE_HOST)) hosts.push(`${m[1]}.${m[2]}`);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (value !== null && typeof value === "object") {
      // for-in over the recorded inputs (plain JSON objects): Object.entries would allocate a
      // pair for every property of every object, the largest share of this check's cost.
      for (const key in value) {
        visit(key);
        visit((value as Record<string, unknown>)[key]);
      }
    }
  };
  visit(inputs);
  return hosts;
}

interface TenantOwn {
  readonly namespaces: ReadonlySet<string>;
  readonly services: ReadonlySet<string>;
}

/** The tenant's AWS references: its backup role's identity, key and bucket. */
function awsProblems(r: RecordedResource, p: PlatformInventory): Problem[] {
  const text = JSON.stringify(r.inputs);
  const problems: Problem[] = [];
  for (const m of text.matchAll(/arn:aws:iam::\d{12}:oidc-provider\/[^"\\]+/g))
    if (!p.oidcProviders.has(m[0]))
      problems.push(missing(r, `IAM identity ${m[0]}`, `IAM OIDC provider ${m[0]}`));
  for (const m of text.matchAll(/arn:aws:kms:[a-z0-9-]+:\d{12}:key\/[^"\\]+/g))
    if (!p.kmsKeys.has(m[0])) problems.push(missing(r, `KMS key ${m[0]}`, `KMS key ${m[0]}`));
  for (const m of text.matchAll(/arn:aws:s3:::([a-z0-9.-]+)/g))
    if (!p.buckets.has(m[1]!)) problems.push(missing(r, `bucket ${m[1]}`, `S3 bucket ${m[1]}`));
  return problems;
}

/**
 * Every reference of the tenant synth that its region's platform does not declare. `inventoryOf`
 * answers a region's inventory; `regionOf` the region of a Kubernetes provider's resource name.
 */
export function closedWorldProblems(
  tenant: SynthResult,
  home: string,
  inventoryOf: (region: string) => PlatformInventory,
): Problem[] {
  const names = new Map(tenant.resources.map((r) => [r.urn, r.name]));
  const regionOf = (r: RecordedResource) =>
    /^kubernetes-([a-z0-9-]+)$/.exec(r.provider ? (names.get(r.provider) ?? "") : "")?.[1] ?? home;
  const ownOf = new Map<string, TenantOwn>();
  const own = (region: string): TenantOwn => {
    let found = ownOf.get(region);
    if (!found) {
      const objects = tenant.resources.filter(
        (r) => r.type.startsWith("kubernetes:") && regionOf(r) === region,
      );
      const of = (kind: string) =>
        objects.filter((r) => kindOf(r) === kind).map((r) => meta(r).metadata ?? {});
      // Its own Services, and those its own operator resources get (a dedicated InnoDB cluster's routers).
      const operated = Object.entries(OPERATED_SERVICE).flatMap(([kind, service]) =>
        of(kind).map((m) => `${service(m.name ?? "")}.${m.namespace}`),
      );
      found = {
        namespaces: new Set(of("Namespace").map((m) => m.name ?? "")),
        services: new Set([...of("Service").map((m) => `${m.name}.${m.namespace}`), ...operated]),
      };
      ownOf.set(region, found);
    }
    return found;
  };
  return tenant.resources.flatMap((r) => {
    if (!r.custom) return [];
    if (r.type.startsWith("aws:iam/")) return awsProblems(r, inventoryOf(home));
    // The data-service providers reach the home region's shared services by their Service hosts.
    if (r.type.startsWith("pulumi:providers:") && !r.type.endsWith(":kubernetes")) {
      const p = inventoryOf(home);
      return serviceHosts(r.inputs)
        .filter((host) => !p.services.has(host) && !own(home).services.has(host))
        .map((host) => missing(r, `Service host ${host}`, `Service ${host}`));
    }
    if (!r.type.startsWith("kubernetes:") || apiKindOf(r.type) === undefined) return [];
    const region = regionOf(r);
    return objectProblems(r, inventoryOf(region), own(region));
  });
}

export class ClosedWorldError extends Error {
  override readonly name = "ClosedWorldError";
}

/** Throws ClosedWorldError listing every unresolved reference. */
export function assertClosedWorld(
  tenant: SynthResult,
  home: string,
  inventoryOf: (region: string) => PlatformInventory,
): SynthResult {
  const problems = [...new Set(closedWorldProblems(tenant, home, inventoryOf))];
  if (problems.length > 0)
    throw new ClosedWorldError(`references the platform does not provide:\n  - ${problems.join("\n  - ")}`);
  return tenant;
}

/**
 * Network peers judged by the address space they cover (policy/analysis/addresses.ts): a tenant
 * reaches the internet only through narrow ranges, never every tenant's pods (the regions' VPCs,
 * where EKS gives pods their addresses) except the platform's services on their ports; Services
 * neither claim external addresses nor alias another name; routes attach only to the platform's
 * Gateways and never to another tenant's listener.
 */
import { PLATFORM_REGIONS, REGION_NAMES, tenantListenerName } from "../../tiers";
import {
  cidrRange,
  coversIpv4Alias,
  internetCovered,
  ipv6NetworksCovered,
  overlaps,
  subtract,
  union,
  type AddressRange,
} from "../analysis/addresses";
import { specOf, type KubeObject } from "../analysis/objects";
import type { TierContext } from "../context";
import { tierStackPolicy, type ResourceView } from "../define";
import { isAnyTenantNamespace, tenantScope } from "../scope";

/** Most internet addresses one namespace's pods may reach or be reached from (a /16; IPv6: a /48 of /64s). */
export const MAX_INTERNET_ADDRESSES = 65_536n;
const MAX_IPV6_NETWORKS = 65_536n;

/** Where pods of every tenant have their addresses: every region's VPC. */
const POD_SPACE: readonly AddressRange[] = REGION_NAMES.map((r) => cidrRange(PLATFORM_REGIONS[r].vpcCidr)!);

/** Where the node's instance metadata answers (169.254.169.254, and fd00:ec2::254 on IPv6): link-local space, both families, and EC2's metadata prefix. */
const METADATA_SPACE: readonly AddressRange[] = ["169.254.0.0/16", "fe80::/10", "fd00:ec2::/64"].map((c) =>
  cidrRange(c)!,
);

interface IpPeer {
  readonly ipBlock?: { readonly cidr?: unknown; readonly except?: unknown };
}
interface PeerRule {
  readonly from?: readonly IpPeer[];
  readonly to?: readonly IpPeer[];
  readonly ports?: readonly { readonly port?: unknown; readonly endPort?: unknown }[];
}

/** A peer's addresses (cidr minus except), or a problem. */
function peerAddresses(peer: IpPeer): AddressRange[] | string {
  const block = peer.ipBlock!;
  const cidr = typeof block.cidr === "string" ? cidrRange(block.cidr) : undefined;
  if (!cidr) return `ipBlock ${JSON.stringify(block.cidr)} is no CIDR`;
  const excepts = Array.isArray(block.except) ? block.except : [];
  const holes = excepts.map((e) => (typeof e === "string" ? cidrRange(e) : undefined));
  if (holes.some((h) => h === undefined))
    return `ipBlock except ${JSON.stringify(block.except)} is no list of CIDRs`;
  return subtract([cidr], holes as AddressRange[]);
}

/** The platform's service ports and addresses a tenant may reach inside the pod space. */
function platformServices(context: TierContext): { ports: Set<number>; ranges: AddressRange[] } {
  const endpoints = Object.values(context.platform?.endpoints ?? {});
  const cidrs = endpoints.flatMap((e) => (typeof e.cidr === "string" ? [e.cidr] : []));
  const ranges = [...cidrs, ...context.regions.map((r) => PLATFORM_REGIONS[r].vpcCidr)].flatMap(
    (c) => cidrRange(c) ?? [],
  );
  return { ports: new Set(endpoints.flatMap((e) => (typeof e.port === "number" ? [e.port] : []))), ranges };
}

/** Problems of one rule's address peers, given the direction; the addresses go to `covered`. */
function ruleProblems(
  rule: PeerRule,
  ingress: boolean,
  context: TierContext,
  covered: AddressRange[],
): string[] {
  const problems: string[] = [];
  const direction = ingress ? "ingress" : "egress";
  for (const peer of (ingress ? rule.from : rule.to) ?? []) {
    if (peer.ipBlock === undefined) continue;
    const addresses = peerAddresses(peer);
    if (typeof addresses === "string") {
      problems.push(`${direction} ${addresses}`);
      continue;
    }
    covered.push(...addresses);
    const cidr = String(peer.ipBlock.cidr);
    if (coversIpv4Alias(addresses))
      problems.push(
        `${direction} ipBlock ${cidr} is an IPv6 alias (IPv4-mapped, NAT64 or 6to4) of IPv4 addresses, the internet and every pod included`,
      );
    if (overlaps(addresses, METADATA_SPACE))
      problems.push(
        `${direction} ipBlock ${cidr} reaches link-local addresses, where the node's instance metadata (its IAM role's credentials) answers`,
      );
    if (!overlaps(addresses, POD_SPACE)) continue;
    if (ingress) {
      problems.push(
        `ingress ipBlock ${cidr} admits addresses of the regions' VPCs, where every tenant's pods are; admit pods by namespace instead`,
      );
      continue;
    }
    const services = platformServices(context);
    const ports = rule.ports ?? [];
    const onServices =
      subtract(addresses, services.ranges).length === 0 &&
      ports.length > 0 &&
      ports.every((p) => typeof p.port === "number" && p.endPort === undefined && services.ports.has(p.port));
    if (!onServices)
      problems.push(
        `egress ipBlock ${cidr} reaches addresses of the regions' VPCs, where every tenant's pods are, beyond the platform's services on their ports (${[...services.ports].join(", ")})`,
      );
  }
  return problems;
}

/** Problems of a NetworkPolicy's address peers; its addresses per direction go to `covered`. */
export function addressPeerProblems(
  o: KubeObject,
  context: TierContext,
  covered: { ingress: AddressRange[]; egress: AddressRange[] } = { ingress: [], egress: [] },
): string[] {
  const spec = specOf<{ ingress?: PeerRule[]; egress?: PeerRule[] }>(o);
  const problems = [
    ...(spec.ingress ?? []).flatMap((r) => ruleProblems(r, true, context, covered.ingress)),
    ...(spec.egress ?? []).flatMap((r) => ruleProblems(r, false, context, covered.egress)),
  ];
  for (const [direction, ranges] of Object.entries(covered))
    problems.push(...internetProblems(ranges, direction));
  return problems;
}

function internetProblems(ranges: readonly AddressRange[], what: string): string[] {
  const v4 = internetCovered(union(ranges));
  const v6 = ipv6NetworksCovered(union(ranges));
  if (v4 > MAX_INTERNET_ADDRESSES)
    return [
      `${what} covers ${v4} internet addresses (at most ${MAX_INTERNET_ADDRESSES}): that is the internet, other tenants' public endpoints included; name the ranges it needs`,
    ];
  if (v6 > MAX_IPV6_NETWORKS)
    return [
      `${what} covers ${v6} IPv6 internet networks (at most ${MAX_IPV6_NETWORKS} /64s): that is the internet`,
    ];
  return [];
}

/** A Service's problems: no external addresses, no alias of another name. */
export function serviceProblems(o: KubeObject): string[] {
  const spec = specOf<{ externalIPs?: unknown[]; type?: string; externalName?: string }>(o);
  const problems: string[] = [];
  if ((spec.externalIPs ?? []).length > 0)
    problems.push(
      `sets externalIPs ${JSON.stringify(spec.externalIPs)}: every node would take traffic for those addresses, another tenant's or the platform's included`,
    );
  if (spec.type === "ExternalName" || spec.externalName !== undefined)
    problems.push(
      `is an ExternalName Service (${spec.externalName ?? "?"}): an alias the pack cannot tie to the tenant`,
    );
  return problems;
}

/** Why a route's parent is not a platform Gateway listener the tenant may use. */
export function parentRefProblems(o: KubeObject, context: TierContext): string[] {
  const { tenant, namespaces } = tenantScope(context);
  const refs =
    specOf<{
      parentRefs?: {
        kind?: string;
        group?: string;
        namespace?: string;
        name?: string;
        sectionName?: string;
      }[];
    }>(o).parentRefs ?? [];
  const own = tenantListenerName(tenant);
  return refs.flatMap((ref) => {
    const what = `parent ${ref.kind ?? "Gateway"} ${ref.namespace ?? "(own namespace)"}/${ref.name ?? "?"}`;
    const problems: string[] = [];
    if (
      (ref.kind ?? "Gateway") !== "Gateway" ||
      (ref.group ?? "gateway.networking.k8s.io") !== "gateway.networking.k8s.io"
    )
      problems.push(
        `${what}: a route attaches only to a Gateway, not a ${ref.kind} (a mesh route to a Service takes that Service's traffic)`,
      );
    if (ref.namespace !== undefined && isAnyTenantNamespace(ref.namespace) && !namespaces.has(ref.namespace))
      problems.push(`${what}: namespace ${ref.namespace} is another tenant's`);
    if (ref.sectionName !== undefined && /^tenant-/.test(ref.sectionName) && ref.sectionName !== own)
      problems.push(`${what}: listener ${ref.sectionName} is another tenant's (its own is ${own})`);
    return problems;
  });
}

export const networkAddressSpaceOfTenant = tierStackPolicy({
  name: "network-address-space-of-tenant",
  description:
    "The address peers of all of a namespace's NetworkPolicies together (they add up) cover at most a /16 of the internet per direction, whichever way the ranges are split.",
  enforcementLevel: "mandatory",
  perCluster: true,
  validate: (context, resources, report) => {
    const byNamespace = new Map<string, { ingress: AddressRange[]; egress: AddressRange[] }>();
    for (const r of resources.filter((r: ResourceView) => r.object?.kind === "NetworkPolicy")) {
      const ns = r.object!.metadata?.namespace ?? "";
      const covered = byNamespace.get(ns) ?? { ingress: [], egress: [] };
      addressPeerProblems(r.object!, context, covered);
      byNamespace.set(ns, covered);
    }
    for (const [ns, covered] of byNamespace)
      for (const [direction, ranges] of Object.entries(covered))
        for (const problem of internetProblems(
          ranges,
          `the ${direction} of namespace ${ns}'s NetworkPolicies together`,
        ))
          report(problem);
  },
});

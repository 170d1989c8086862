/**
 * Origin lockdown (tiers/edge.ts ORIGIN_PULL): the gateway serves only the edge, so no client
 * can bypass Cloudflare or forge the trusted-client header. Every ClientTrafficPolicy (the
 * platform's on the Gateway, a tenant's on its listener: a listener's own policy replaces the
 * Gateway's) requires the platform's origin-pull client certificate and takes the client IP from
 * the edge's header, fail-closed; the platform stack has such a policy on every Gateway it
 * creates; a tenant stack enables Authenticated Origin Pulls on every zone its edge uses and never
 * turns it off.
 */
import type {
  PolicyResource,
  ReportViolation,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { originLockdownProblems } from "../../tiers/edge";
import { stackRole } from "../context";
import { describe, tierResourcePolicy, viewOf, type ResourceView } from "../define";

const AOP_SETTINGS = "cloudflare:index/authenticatedOriginPullsSettings:AuthenticatedOriginPullsSettings";
const AOP_CERTIFICATE =
  "cloudflare:index/authenticatedOriginPullsCertificate:AuthenticatedOriginPullsCertificate";
const EDGE_ZONE_TYPES = new Set([
  "cloudflare:index/ruleset:Ruleset",
  "cloudflare:index/customHostname:CustomHostname",
]);

function lockdownProblems(view: ResourceView): string[] {
  if (view.object?.kind === "ClientTrafficPolicy")
    return originLockdownProblems(view.object["spec"]).map((p) => `${describe(view)} ${p}`);
  if (view.type === AOP_SETTINGS && view.props["enabled"] !== true)
    return [
      `${describe(view)} turns Authenticated Origin Pulls off: the gateway would refuse the edge, or a weaker edge be allowed`,
    ];
  return [];
}

export const originLockedToEdge = tierResourcePolicy({
  name: "origin-locked-to-edge",
  description:
    "Every ClientTrafficPolicy requires the edge's origin-pull client certificate (the platform's CA, never optional) and takes the client IP from CF-Connecting-IP fail-closed; Authenticated Origin Pulls are never turned off on a zone.",
  enforcementLevel: "mandatory",
  validate: (_context, view, report) => lockdownProblems(view).forEach((p) => report(p)),
  validatePlatform: (view, report) => lockdownProblems(view).forEach((p) => report(p)),
});

type Target = { kind?: string; name?: string; sectionName?: string };

/** A platform stack's Gateways without a Gateway-wide lockdown policy beside them. */
export function unlockedGateways(views: readonly ResourceView[]): string[] {
  const gateways = views.filter(
    (v) => v.object?.kind === "Gateway" && v.object.apiVersion?.startsWith("gateway.networking.k8s.io/"),
  );
  const policies = views.filter((v) => v.object?.kind === "ClientTrafficPolicy");
  return gateways.flatMap((g) => {
    const { name, namespace } = g.object!.metadata ?? {};
    const locked = policies.some((p) => {
      const targets = (p.object!["spec"] as { targetRefs?: Target[] } | undefined)?.targetRefs ?? [];
      return (
        p.object!.metadata?.namespace === namespace &&
        targets.some((t) => t.kind === "Gateway" && t.name === name && t.sectionName === undefined) &&
        originLockdownProblems(p.object!["spec"]).length === 0
      );
    });
    return locked
      ? []
      : [
          `${describe(g)} has no Gateway-wide ClientTrafficPolicy requiring the edge's client certificate: any client could reach it`,
        ];
  });
}

/**
 * A tenant stack's edge zones without Authenticated Origin Pulls enabled, or without the client
 * certificate uploaded (the gateway would refuse the edge: an outage, not a bypass, but never
 * what a tenant should get).
 */
export function zonesWithoutOriginPulls(views: readonly ResourceView[]): string[] {
  const zonesOf = (keep: (v: ResourceView) => boolean) =>
    new Set(views.filter(keep).map((v) => String(v.props["zoneId"])));
  const zones = zonesOf((v) => EDGE_ZONE_TYPES.has(v.type));
  const enabled = zonesOf((v) => v.type === AOP_SETTINGS && v.props["enabled"] === true);
  const uploaded = zonesOf((v) => v.type === AOP_CERTIFICATE);
  return [...zones].flatMap((zone) => [
    ...(enabled.has(zone)
      ? []
      : [
          `zone ${zone} serves the tenant without Authenticated Origin Pulls (cloudflare AuthenticatedOriginPullsSettings enabled)`,
        ]),
    ...(uploaded.has(zone)
      ? []
      : [
          `zone ${zone} has no origin-pull client certificate (cloudflare AuthenticatedOriginPullsCertificate): the gateway refuses the edge without it`,
        ]),
  ]);
}

export const originLockdownPresent: StackValidationPolicy = {
  name: "origin-lockdown-present",
  description:
    "The platform stack locks every Gateway it creates to the edge (a Gateway-wide ClientTrafficPolicy with the origin-pull client certificate); a tenant stack enables Authenticated Origin Pulls on every zone its edge uses.",
  enforcementLevel: "mandatory",
  validateStack: (args: StackValidationArgs, report: ReportViolation) => {
    const views = args.resources.map((r: PolicyResource) => viewOf(r));
    const problems =
      stackRole(args.resources[0]?.urn) === "platform"
        ? unlockedGateways(views)
        : zonesWithoutOriginPulls(views);
    for (const problem of problems) report(problem);
  },
};

/**
 * The origin-pull PKI a region's platform uses (components/platform/originPullPki.ts): the primary
 * region's platform stack makes it; every other region's reads it from there, so one client
 * certificate opens every region's gateway (a tenant zone's load balancer may pick any of them).
 * Apply the primary region's platform stack first (docs/platform.md).
 */
import * as pulumi from "@pulumi/pulumi";
import { OriginPullPki, type OriginPull } from "../components/platform/originPullPki";
import { DEFAULT_PLATFORM_ORGANIZATION, platformStackName, PRIMARY_REGION, type RegionName } from "../tiers";
import {
  ORIGIN_PULL_CA_OUTPUT,
  ORIGIN_PULL_CLIENT_OUTPUT,
  parseOriginPullCa,
  parseOriginPullClient,
} from "./platformFacts";

export function regionOriginPull(region: RegionName): OriginPull {
  if (region === PRIMARY_REGION) return new OriginPullPki("origin-pull");
  const stack = platformStackName(DEFAULT_PLATFORM_ORGANIZATION, PRIMARY_REGION);
  const primary = new pulumi.StackReference(`platform-${PRIMARY_REGION}`, { name: stack });
  return {
    caCertificate: primary
      .requireOutput(ORIGIN_PULL_CA_OUTPUT)
      .apply((value) => parseOriginPullCa(value, stack)),
    client: pulumi.secret(
      primary.requireOutput(ORIGIN_PULL_CLIENT_OUTPUT).apply((value) => parseOriginPullClient(value, stack)),
    ),
  };
}

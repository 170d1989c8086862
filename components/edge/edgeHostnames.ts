import * as cloudflare from "./cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { TenantIdentity } from "../shared/labels";

/** The tenant's Cloudflare zone and account, and the cluster's public address. */
export interface EdgeZone {
  readonly accountId: string;
  /** The tenant's own zone (Cloudflare for SaaS): its hostnames are custom hostnames of it. */
  readonly zoneId: string;
  readonly zoneName: string;
  /** Zone of the platform domain, where the platform hostnames' CNAMEs go. */
  readonly platformZoneId: string;
  /** Public hostname of the platform gateway's load balancer (the origin). */
  readonly originAddress: string;
}

export interface EdgeHostnamesArgs {
  readonly identity: TenantIdentity;
  readonly zone: EdgeZone;
  /** Hostnames under the platform domain (the platform creates their DNS). */
  readonly platformHostnames: readonly string[];
  /** The customers' own domains (they create the DNS records shown in `customDomainRecords`). */
  readonly customDomains: readonly string[];
  readonly provider: pulumi.ProviderResource;
  /**
   * A load balancer named `origin.<zone>` (the tenant runs in several regions): it takes the place
   * of the origin DNS record, with which it would conflict, and the fallback origin waits for it.
   */
  readonly originLoadBalancer?: pulumi.Resource;
}

/** What a customer must create at their DNS provider for one custom domain. */
export interface CustomDomainRecords {
  readonly hostname: string;
  /** Routes the domain to the tenant's zone; the certificate is then validated over HTTP. */
  readonly cname: { readonly name: string; readonly type: "CNAME"; readonly content: string };
  /** Proves ownership (`_cf-custom-hostname.<domain>` TXT); known once Cloudflare created the hostname. */
  readonly ownership: pulumi.Output<{ readonly name: string; readonly type: string; readonly value: string }>;
}

/** Zone settings of every tenant zone: TLS to the origin verified, TLS 1.2 minimum, HTTPS only. */
export const TLS_SETTINGS = { ssl: "strict", min_tls_version: "1.2", always_use_https: "on" } as const;

export const originHostname = (zoneName: string): string => `origin.${zoneName}`;

/**
 * DNS and TLS for every hostname of a tenant, every tier. The tenant's zone is a Cloudflare for
 * SaaS zone: a proxied `origin.<zone>` record to the cluster (or, across regions, a load balancer
 * of that name) is its fallback origin, and every
 * hostname (platform and custom) is a custom hostname with a Cloudflare-issued DV certificate
 * (HTTP validation, TLS 1.2 minimum). Platform hostnames get a DNS-only CNAME in the platform
 * zone (proxied, the platform zone's own settings would apply first); custom domains are the
 * customer's to point, with the records surfaced in `customDomainRecords`.
 */
export class EdgeHostnames extends pulumi.ComponentResource {
  readonly origin: string;
  readonly customDomainRecords: readonly CustomDomainRecords[];

  constructor(name: string, args: EdgeHostnamesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("collect-verything:tenant:EdgeHostnames", name, {}, opts);
    const { zone, provider } = args;
    const inZone = { parent: this, provider };
    const tags = [`tenant:${args.identity.tenantId}`];
    this.origin = originHostname(zone.zoneName);

    const originRecord =
      args.originLoadBalancer ??
      new cloudflare.DnsRecord(
        `${name}-origin`,
        {
          zoneId: zone.zoneId,
          name: this.origin,
          type: "CNAME",
          content: zone.originAddress,
          proxied: true,
          ttl: 1,
          comment: "Fallback origin of the tenant's custom hostnames",
          tags,
        },
        inZone,
      );
    const fallback = new cloudflare.CustomHostnameFallbackOrigin(
      `${name}-fallback-origin`,
      { zoneId: zone.zoneId, origin: this.origin },
      { ...inZone, dependsOn: [originRecord] },
    );
    for (const [settingId, value] of Object.entries(TLS_SETTINGS)) {
      new cloudflare.ZoneSetting(
        `${name}-${settingId.replace(/_/g, "-")}`,
        { zoneId: zone.zoneId, settingId, value },
        inZone,
      );
    }

    const customHostname = (hostname: string) =>
      new cloudflare.CustomHostname(
        `${name}-${hostname}`,
        {
          zoneId: zone.zoneId,
          hostname,
          ssl: { method: "http", type: "dv", settings: { minTlsVersion: "1.2" } },
        },
        { ...inZone, dependsOn: [fallback] },
      );

    for (const hostname of args.platformHostnames) {
      customHostname(hostname);
      new cloudflare.DnsRecord(
        `${name}-${hostname}-cname`,
        {
          zoneId: zone.platformZoneId,
          name: hostname,
          type: "CNAME",
          content: this.origin,
          proxied: false,
          ttl: 1,
          comment: `Platform hostname of tenant ${args.identity.tenantId}`,
          tags,
        },
        inZone,
      );
    }
    this.customDomainRecords = args.customDomains.map((hostname) => ({
      hostname,
      cname: { name: hostname, type: "CNAME", content: this.origin },
      ownership: customHostname(hostname).ownershipVerification,
    }));
    this.registerOutputs({ origin: this.origin, customDomainRecords: this.customDomainRecords });
  }
}

import * as cloudflare from "./cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { loadBalancerPoolName, REGION_HEALTH_CHECK, type EdgeRegion } from "../../tiers";
import type { TenantIdentity } from "../shared/labels";

export interface GlobalLoadBalancerArgs {
  readonly identity: TenantIdentity;
  /** Account of the pools and the monitor (Load Balancing pools and monitors are account resources). */
  readonly accountId: string;
  /** Zone of the load balancers. */
  readonly zoneId: string;
  /** Hostnames to balance, one load balancer each; each must be in the zone. */
  readonly hostnames: readonly string[];
  /** Host header of the health checks: a hostname the gateways route to the tenant. */
  readonly monitorHost: string;
  /** Two or more; the first is the primary (the fallback when every region is unhealthy). */
  readonly regions: readonly EdgeRegion[];
  readonly provider: pulumi.ProviderResource;
}

/**
 * Cloudflare Load Balancing across a tenant's regions: one HTTPS monitor of the gateway's
 * readiness path (with the tenant's Host, so the gateway routes the probe to the tenant's own
 * api-gateway), one pool per region (`<tenant>-<region>`, that region's gateway as its only
 * origin) and one proxied load balancer per hostname over every pool, the primary's as fallback.
 */
export class GlobalLoadBalancer extends pulumi.ComponentResource {
  /** Pool names, in the regions' order. */
  readonly poolNames: readonly string[];
  readonly hostnames: readonly string[];

  constructor(name: string, args: GlobalLoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    const { identity, regions, provider } = args;
    if (regions.length < 2)
      throw new Error(`GlobalLoadBalancer ${name}: needs two or more regions, got ${regions.length}`);
    super("collect-verything:tenant:GlobalLoadBalancer", name, {}, opts);
    const inAccount = { parent: this, provider };
    const tenant = identity.tenantId;
    const check = REGION_HEALTH_CHECK;

    const monitor = new cloudflare.LoadBalancerMonitor(
      `${name}-monitor`,
      {
        accountId: args.accountId,
        type: "https",
        method: "GET",
        path: check.path,
        expectedCodes: check.expectedCodes,
        interval: check.intervalSeconds,
        timeout: check.timeoutSeconds,
        retries: check.retries,
        consecutiveDown: check.consecutiveDown,
        consecutiveUp: check.consecutiveUp,
        header: { Host: [args.monitorHost] },
        // The gateway's certificate is verified, as the zone's `ssl: strict` does for traffic.
        allowInsecure: false,
        followRedirects: false,
        description: `${tenant}: gateway readiness`,
      },
      inAccount,
    );
    const pools = regions.map(
      (region) =>
        new cloudflare.LoadBalancerPool(
          `${name}-${region.name}`,
          {
            accountId: args.accountId,
            name: loadBalancerPoolName(tenant, region.name),
            description: `Tenant ${tenant} in ${region.name}`,
            enabled: true,
            minimumOrigins: 1,
            monitor: monitor.id,
            origins: [{ name: region.name, address: region.originAddress, enabled: true }],
          },
          inAccount,
        ),
    );
    const poolIds = pools.map((p) => p.id);

    for (const hostname of args.hostnames) {
      new cloudflare.LoadBalancer(
        `${name}-${hostname}`,
        {
          zoneId: args.zoneId,
          name: hostname,
          description: `Tenant ${tenant} across ${regions.map((r) => r.name).join(", ")}`,
          enabled: true,
          proxied: true,
          defaultPools: poolIds,
          fallbackPool: poolIds[0]!,
          // dynamic_latency: a request goes to the healthy pool with the lowest round-trip time measured
          // by the health probes from its Cloudflare region, i.e. the nearest region by network, not by
          // map, with nothing to maintain. geo needs a region-to-pool table kept by hand (places not
          // listed fall back to the first pool); proximity needs each region's coordinates.
          steeringPolicy: "dynamic_latency",
          // No affinity: while its nearest region is healthy a client's data centre keeps choosing it,
          // and a failed-back region takes its clients back at once instead of after a cookie's lifetime.
          sessionAffinity: "none",
          // Each pool has one origin: a request that fails to connect (521-523) is retried on the next pool.
          adaptiveRouting: { failoverAcrossPools: true },
        },
        { parent: this, provider },
      );
    }

    this.poolNames = regions.map((r) => loadBalancerPoolName(tenant, r.name));
    this.hostnames = [...args.hostnames];
    this.registerOutputs({ poolNames: this.poolNames, hostnames: this.hostnames });
  }
}

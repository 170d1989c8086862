/**
 * Outside-in probes of the tenant's hostnames: one prometheus-operator Probe per hostname, for the
 * platform's blackbox exporter (components/platform/blackboxExporter.ts). Each probes the site's
 * readiness path through the public path (DNS, CDN, TLS, the platform gateway, the site's
 * api-gateway), and its `probe_success` series carries the labels the availability SLI reads
 * where the gateway saw nothing (components/operations/sloRules.ts).
 */
import { PROBE_PATHS } from "../../tiers";
import { BLACKBOX_EXPORTER } from "../shared/contracts";
import type { SiteEndpoints } from "./sloRules";

/** Probe (monitoring.coreos.com/v1), the fields set here. */
export interface ProbeSpec {
  readonly jobName: string;
  readonly interval: string;
  readonly scrapeTimeout: string;
  readonly module: string;
  readonly prober: { readonly url: string; readonly scheme: "http"; readonly path: "/probe" };
  readonly targets: {
    readonly staticConfig: {
      readonly static: readonly string[];
      readonly labels: Readonly<Record<string, string>>;
    };
  };
}

/** Seconds between probes: four failures in a row page (sloRules.ts ENDPOINT_DOWN_FOR is 2m). */
export const PROBE_INTERVAL_SECONDS = 30;
export const PROBE_JOB = "tenant-probes";

export interface TenantProbe {
  /** Kubernetes name: `probe-site-<n>-<i>` (a hostname can be longer than a name may be). */
  readonly name: string;
  readonly spec: ProbeSpec;
}

/** One Probe per hostname of every site, labelled with the tenant, tier, site and hostname. */
export function tenantProbes(
  identity: { readonly tenantId: string; readonly tier: string },
  sites: readonly SiteEndpoints[],
  monitoringNamespace: string,
): TenantProbe[] {
  const prober = `${BLACKBOX_EXPORTER.name}.${monitoringNamespace}.svc:${BLACKBOX_EXPORTER.port}`;
  return sites.flatMap((site) =>
    site.hostnames.map((hostname, i) => ({
      name: `probe-site-${site.site}-${i + 1}`,
      spec: {
        jobName: PROBE_JOB,
        interval: `${PROBE_INTERVAL_SECONDS}s`,
        scrapeTimeout: `${BLACKBOX_EXPORTER.timeoutSeconds + 1}s`,
        module: BLACKBOX_EXPORTER.module,
        prober: { url: prober, scheme: "http", path: "/probe" },
        targets: {
          staticConfig: {
            static: [`https://${hostname}${PROBE_PATHS.readiness}`],
            labels: { tenant: identity.tenantId, tier: identity.tier, site: String(site.site), hostname },
          },
        },
      },
    })),
  );
}

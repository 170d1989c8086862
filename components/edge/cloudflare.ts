/**
 * The Cloudflare resources the edge uses, from their own modules: `@pulumi/cloudflare`'s index
 * registers every one of its hundreds of resources on load, which costs the synth of every tenant
 * more than the program's own edge does. Import Cloudflare through this module.
 */
export { ArgoSmartRouting } from "@pulumi/cloudflare/argoSmartRouting";
export { AuthenticatedOriginPullsCertificate } from "@pulumi/cloudflare/authenticatedOriginPullsCertificate";
export { AuthenticatedOriginPullsSettings } from "@pulumi/cloudflare/authenticatedOriginPullsSettings";
export { CustomHostname } from "@pulumi/cloudflare/customHostname";
export { CustomHostnameFallbackOrigin } from "@pulumi/cloudflare/customHostnameFallbackOrigin";
export { DnsRecord } from "@pulumi/cloudflare/dnsRecord";
export { LoadBalancer } from "@pulumi/cloudflare/loadBalancer";
export { LoadBalancerMonitor } from "@pulumi/cloudflare/loadBalancerMonitor";
export { LoadBalancerPool } from "@pulumi/cloudflare/loadBalancerPool";
export { Provider } from "@pulumi/cloudflare/provider";
export { Ruleset } from "@pulumi/cloudflare/ruleset";
export { TieredCache } from "@pulumi/cloudflare/tieredCache";
export { ZoneSetting } from "@pulumi/cloudflare/zoneSetting";
export type * as types from "@pulumi/cloudflare/types";

/**
 * The running stack's config, read from the Pulumi runtime: the only part of the config that
 * needs @pulumi/pulumi, kept apart so the provisioning service's API, which validates requests
 * with the same schema (stacks/config.ts), does not load the Pulumi SDK at start.
 */
import * as pulumi from "@pulumi/pulumi";
import { platformConfigOf, tenantConfigOf, type PlatformConfig } from "./config";

/** The running tenant stack's request, validated before any resource is registered. */
export function loadTenantConfig(): ReturnType<typeof tenantConfigOf> {
  return tenantConfigOf(pulumi.runtime.allConfig());
}

/** The running platform stack's config, validated before any resource is registered. */
export function loadPlatformConfig(): PlatformConfig {
  return platformConfigOf(pulumi.runtime.allConfig());
}

/**
 * A tenant request (the same shape as the stack config, validated by the same schema) as stack
 * config values, and back. Admin credentials are written as secrets.
 */
import { createHash } from "node:crypto";
import { decodeConfigValue, parseStackConfig, parseTenantConfig, PROJECT, type TenantConfigInput } from "../stacks/config";
import type { TenantStackArgs } from "../components/tenantStack";
import type { StackConfigValues } from "./engine";

const SECRET_KEYS: ReadonlySet<string> = new Set(["adminCredentials", "cloudflare"]);

/**
 * Validates a request (typed `TenantConfigInput`, or raw values read back from a stack) with the
 * stack config's own schema, throwing TenantRequestError naming the field; returns its config.
 */
export function toStackConfig(request: TenantConfigInput | Readonly<Record<string, unknown>>): StackConfigValues {
  parseTenantConfig({ ...request });
  return Object.fromEntries(
    Object.entries(request)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [`${PROJECT}:${key}`, { value: typeof value === "string" ? value : JSON.stringify(value), secret: SECRET_KEYS.has(key) }]),
  );
}

/** The config's plain values ("tenant:tier" -> "premium"), as the program reads them. */
export function configValues(config: Readonly<Record<string, { readonly value: string }>>): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([k, e]) => [k, e.value]));
}

/** The typed request a stack's config holds (our entries, or the Automation API's). */
export function fromStackConfig(config: Readonly<Record<string, { readonly value: string }>>): TenantStackArgs {
  return parseStackConfig(configValues(config));
}

/** The config as raw request values (to change a field and write it back). */
export function rawRequest(config: StackConfigValues): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config)
      .filter(([k]) => k.startsWith(`${PROJECT}:`))
      .map(([k, e]) => [k.slice(PROJECT.length + 1), decodeConfigValue(e.value)]),
  );
}

/** A digest of the config, to recognise a request already applied. */
export function configDigest(config: StackConfigValues): string {
  const canonical = Object.keys(config)
    .sort()
    .map((k) => [k, config[k]!.value, config[k]!.secret]);
  return createHash("sha256").update(JSON.stringify(canonical)).digest("hex").slice(0, 16);
}

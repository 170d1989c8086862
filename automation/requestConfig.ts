/**
 * A tenant request (the same shape as the stack config, validated by the same schema) as stack
 * config values, and back. Keys holding credentials are written as secrets.
 */
import { createHmac } from "node:crypto";
import {
  parseStackConfig,
  parseTenantConfig,
  PROJECT,
  REQUEST_OUTPUT,
  splitOperatorState,
  tenantRequestOf,
  type OperatorState,
  type TenantConfig,
  type TenantConfigInput,
} from "../stacks/config";
import type { StackConfigValues } from "./engine";
import { holdsSecret } from "./secretFields";

/**
 * Whether a request key holds a credential, so Pulumi stores it encrypted: any key with a value
 * at a field the schema marks secret (automation/secretFields.ts): the admin accounts, Cloudflare
 * with its API token, the data services once they list federation upstreams (a URI with the other
 * region's password), alerting with a webhook or routing key. The whole key is the secret rather
 * than a field split out of it: the schema and the components stay as they are, and the engine
 * marks the whole key secret for the program anyway when any value inside it is (`--secret --path`).
 */
const holdsCredential = holdsSecret;

/**
 * Validates a request (typed `TenantConfigInput`, or raw values read back from a stack) with the
 * stack config's own schema, throwing TenantRequestError naming the field; returns its config.
 */
export function toStackConfig(
  request: TenantConfigInput | Readonly<Record<string, unknown>>,
): StackConfigValues {
  parseTenantConfig({ ...request });
  return Object.fromEntries(
    Object.entries(request)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [
        `${PROJECT}:${key}`,
        {
          value: typeof value === "string" ? value : JSON.stringify(value),
          secret: holdsCredential(key, value),
        },
      ]),
  );
}

/** The config's plain values ("tenant:tier" -> "premium"), as the program reads them. */
export function configValues(
  config: Readonly<Record<string, { readonly value: string }>>,
): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([k, e]) => [k, e.value]));
}

/** The typed request a stack's config holds (our entries, or the Automation API's). */
export function fromStackConfig(config: Readonly<Record<string, { readonly value: string }>>): TenantConfig {
  return parseStackConfig(configValues(config));
}

/** The config's request values, without the operator state (to change a field and write it back). */
export function rawRequest(config: StackConfigValues): Record<string, unknown> {
  return splitOperatorState(tenantRequestOf(configValues(config))).request;
}

/** What the operations set in a stack's config (`suspended`, `erasing`), validated. */
export function operatorStateOf(config: StackConfigValues): OperatorState {
  return splitOperatorState(tenantRequestOf(configValues(config))).state;
}

/**
 * The config with the given operator keys set (the others left as they are): a key is written only
 * while true, so an active tenant's config (and its applied-config tag) is what it was before any
 * suspension.
 */
export function withOperatorState(
  config: StackConfigValues,
  state: Partial<OperatorState>,
): StackConfigValues {
  const next: Record<string, StackConfigValues[string]> = { ...config };
  for (const [key, on] of Object.entries(state)) {
    delete next[`${PROJECT}:${key}`];
    if (on) next[`${PROJECT}:${key}`] = { value: "true", secret: false };
  }
  return next;
}

/**
 * The config the tenant program recorded in a stack's outputs (`request`, decrypted), validated
 * again; undefined when the stack has no such output (never updated).
 */
export function configFromOutputs(outputs: Readonly<Record<string, unknown>>): StackConfigValues | undefined {
  const recorded = outputs[REQUEST_OUTPUT];
  if (recorded === undefined) return undefined;
  if (recorded === null || typeof recorded !== "object" || Array.isArray(recorded)) {
    throw new Error(`the stack's "${REQUEST_OUTPUT}" output is not a request object`);
  }
  const { request, state } = splitOperatorState(recorded as Record<string, unknown>);
  return withOperatorState(toStackConfig(request), state);
}

/**
 * The applied-config tag: an HMAC-SHA256 of the config under a key the service keeps and no tag
 * or backend holds. Tags are plain text to anyone who can list the stacks; a bare hash of a
 * config holding passwords would let them test password guesses offline. The same config under
 * the same key gives the same tag (a repeated request is recognised), a changed password a
 * different one.
 */
export function appliedConfigTag(config: StackConfigValues, key: string | Buffer): string {
  const canonical = Object.keys(config)
    .sort()
    .map((k) => [k, config[k]!.value, config[k]!.secret]);
  return `hmac-sha256:${createHmac("sha256", key).update(JSON.stringify(canonical)).digest("hex").slice(0, 32)}`;
}

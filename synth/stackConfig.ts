import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { SECRET_PLACEHOLDER } from "./recorded";

export interface StackConfig {
  /** Fully qualified key ("tenant:tier") -> value as the Pulumi engine passes it (structured values as JSON). */
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
}

/** Pulumi's ciphertext: a map whose only key is `secure` (config.isSecureValue). */
function isSecure(value: unknown): value is { secure: string } {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { secure?: unknown }).secure === "string"
  );
}

/** `value` with every ciphertext, at any depth, replaced by the placeholder; whether there was one. */
function withPlaceholders(value: unknown): { value: unknown; secret: boolean } {
  if (isSecure(value)) return { value: SECRET_PLACEHOLDER, secret: true };
  if (Array.isArray(value)) {
    const items = value.map(withPlaceholders);
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => [k, withPlaceholders(v)] as const);
    return {
      value: Object.fromEntries(entries.map(([k, i]) => [k, i.value])),
      secret: entries.some(([, i]) => i.secret),
    };
  }
  return { value, secret: false };
}

/**
 * Reads `Pulumi.<stack>.yaml` the way the engine hands config to a program: a structured value
 * as JSON, and a key holding ciphertext anywhere inside (`pulumi config set --secret --path
 * a.b.password` writes `a: {b: {password: {secure: v1:...}}}`) is a secret key. The engine would
 * decrypt each ciphertext into its string; without the stack's secrets provider each becomes the
 * placeholder, a string like the value it stands for, so no ciphertext reaches the program.
 */
export function readStackConfig(path: string, project: string): StackConfig {
  const document = parse(readFileSync(path, "utf8")) as { config?: Record<string, unknown> } | null;
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [rawKey, raw] of Object.entries(document?.config ?? {})) {
    const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
    const { value, secret } = withPlaceholders(raw);
    config[key] =
      typeof value === "string"
        ? value
        : value !== null && typeof value === "object"
          ? JSON.stringify(value)
          : String(value);
    if (secret) secretKeys.push(key);
  }
  return { config, secretKeys };
}

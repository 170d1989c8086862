import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { SECRET_PLACEHOLDER } from "./engine";

export interface StackConfig {
  /** Fully qualified key ("tenant:tier") -> value as the Pulumi engine passes it (structured values as JSON). */
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
}

/**
 * Reads `Pulumi.<stack>.yaml` the way the engine hands config to a program. Secure values
 * cannot be decrypted without the stack's secrets provider: they become placeholders.
 */
export function readStackConfig(path: string, project: string): StackConfig {
  const document = parse(readFileSync(path, "utf8")) as { config?: Record<string, unknown> } | null;
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [rawKey, value] of Object.entries(document?.config ?? {})) {
    const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
    if (value !== null && typeof value === "object" && "secure" in value) {
      config[key] = SECRET_PLACEHOLDER;
      secretKeys.push(key);
    } else {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { config, secretKeys };
}

/**
 * Where the credentials of a tenant request are: every field the schema marks with SECRET_MARK
 * (stacks/config.ts), found by walking the valibot schema once. Redaction, encryption at rest,
 * the stack config's secret flags and the offline state's masking all use these paths, so a
 * credential field added to the schema with the mark is handled everywhere without another change.
 */
import { SECRET_MARK, tenantConfigSchema } from "../stacks/config";

/**
 * What a secret becomes when shown or masked: the synth's SECRET_PLACEHOLDER (synth/engine.ts;
 * tests/serviceSecrets.test.ts checks they agree), not imported so the API loads no synth module.
 */
export const SECRET_PLACEHOLDER = "[secret]";

/** A path into a request: object keys, and "*" for any array item or record value. */
export type SecretPath = readonly string[];

interface Walkable {
  readonly type?: string;
  readonly kind?: string;
  readonly pipe?: readonly Walkable[];
  readonly entries?: Readonly<Record<string, Walkable>>;
  readonly wrapped?: Walkable;
  readonly item?: Walkable;
  readonly value?: Walkable;
  readonly options?: readonly Walkable[];
  readonly metadata?: Readonly<Record<string, unknown>>;
}

const isMarked = (schema: Walkable): boolean =>
  (schema.pipe ?? []).some(
    (action) =>
      action.kind === "metadata" && Object.entries(SECRET_MARK).every(([k, v]) => action.metadata?.[k] === v),
  );

function walk(schema: Walkable, path: string[], found: string[][]): void {
  if (isMarked(schema)) {
    found.push(path);
    return;
  }
  const root = schema.pipe?.[0];
  if (root && root !== schema) walk(root, path, found);
  if (schema.entries)
    for (const [key, entry] of Object.entries(schema.entries)) walk(entry, [...path, key], found);
  if (schema.wrapped) walk(schema.wrapped, path, found);
  if (schema.type === "array" && schema.item) walk(schema.item, [...path, "*"], found);
  if (schema.type === "record" && schema.value) walk(schema.value, [...path, "*"], found);
  for (const option of schema.options ?? []) walk(option, path, found);
}

/** The secret paths of a valibot schema. */
export function secretPathsOf(schema: unknown): SecretPath[] {
  const found: string[][] = [];
  walk(schema as Walkable, [], found);
  const unique = new Map(found.map((p) => [p.join("."), p]));
  return [...unique.values()];
}

/** The tenant request's secret paths (adminCredentials.mysql.password, alerting.slackWebhookUrl, ...). */
export const TENANT_SECRET_PATHS: readonly SecretPath[] = secretPathsOf(tenantConfigSchema);

/**
 * `value` with `replace` applied to every string at a secret path (a copy; the rest is shared).
 * Values at a path that are not strings are left as they are.
 */
export function mapSecrets<T>(
  value: T,
  replace: (secret: string) => string,
  paths: readonly SecretPath[] = TENANT_SECRET_PATHS,
): T {
  const at = (node: unknown, path: SecretPath): unknown => {
    if (path.length === 0) return typeof node === "string" ? replace(node) : node;
    const [head, ...rest] = path as [string, ...string[]];
    if (head === "*") {
      if (Array.isArray(node)) return node.map((item) => at(item, rest));
      if (node !== null && typeof node === "object")
        return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, at(v, rest)]));
      return node;
    }
    if (node === null || typeof node !== "object" || Array.isArray(node) || !(head in node)) return node;
    return { ...node, [head]: at((node as Record<string, unknown>)[head], rest) };
  };
  return paths.reduce<unknown>((node, path) => at(node, path), value) as T;
}

/** Every secret string in `value`. */
export function secretValues(value: unknown, paths: readonly SecretPath[] = TENANT_SECRET_PATHS): string[] {
  const found: string[] = [];
  mapSecrets(value, (s) => (found.push(s), s), paths);
  return found;
}

/** `value` with every secret replaced by the placeholder: what clients and logs are shown. */
export const redactSecrets = <T>(value: T): T => mapSecrets(value, () => SECRET_PLACEHOLDER);

/**
 * A secret masked so that it still passes its field's checks (the offline state keeps masked
 * configs and reads them back): a URI keeps its scheme, user and host, loses its password, path
 * and query; anything else becomes the placeholder.
 */
export function maskSecret(secret: string): string {
  const uri = /^([a-z][a-z0-9+.-]*:\/\/)(?:([^:@/]*)(?::[^@/]*)?@)?([^/?#]*)/i.exec(secret);
  if (!uri) return SECRET_PLACEHOLDER;
  const [, scheme, user, host] = uri;
  return `${scheme}${user !== undefined ? `${user}:${SECRET_PLACEHOLDER}@` : ""}${host}/secret`;
}

/** Whether any secret of the request is under its top-level `key` (the stack config key is then a secret). */
export function holdsSecret(key: string, value: unknown): boolean {
  const under = TENANT_SECRET_PATHS.filter((p) => p[0] === key).map((p) => p.slice(1));
  return under.length > 0 && secretValues(value, under).length > 0;
}

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

/** Secret paths merged by their first keys, so a value is walked once whatever the number of paths. */
interface PathTree {
  /** A path ends here: the string found is replaced. */
  leaf: boolean;
  readonly children: Map<string, PathTree>;
  /** The children as an array, walked on every request (no Map iterator per node). */
  readonly list: (readonly [string, PathTree])[];
}

const trees = new WeakMap<readonly SecretPath[], PathTree>();

function pathTree(paths: readonly SecretPath[]): PathTree {
  let tree = trees.get(paths);
  if (tree) return tree;
  tree = { leaf: false, children: new Map(), list: [] };
  for (const path of paths) {
    let node = tree;
    for (const key of path) {
      let next = node.children.get(key);
      if (!next) {
        next = { leaf: false, children: new Map<string, PathTree>(), list: [] };
        node.children.set(key, next);
        node.list.push([key, next]);
      }
      node = next;
    }
    node.leaf = true;
  }
  trees.set(paths, tree);
  return tree;
}

/** `node` with `tree`'s paths replaced; the same object when nothing under it changed. */
function mapTree(node: unknown, tree: PathTree, replace: (secret: string) => string): unknown {
  if (tree.leaf && typeof node === "string") return replace(node);
  if (node === null || typeof node !== "object") return node;
  let result = node;
  // One copy of `node`, made at its first changed key (not one per changed key).
  let copy: Record<string, unknown> | undefined;
  for (const [key, child] of tree.list) {
    if (key === "*") {
      result = mapEvery(result, child, replace);
      copy = undefined;
    } else if (!Array.isArray(result) && key in result) {
      const before = (result as Record<string, unknown>)[key];
      const after = mapTree(before, child, replace);
      if (after === before) continue;
      copy ??= { ...(result as Record<string, unknown>) };
      copy[key] = after;
      result = copy;
    }
  }
  return result;
}

/** Every array item or record value of `node` through `tree`. */
function mapEvery(node: object, tree: PathTree, replace: (secret: string) => string): object {
  if (Array.isArray(node)) {
    const items = node.map((item: unknown) => mapTree(item, tree, replace));
    return items.some((item, i) => item !== node[i]) ? items : node;
  }
  let changed = false;
  const entries = Object.entries(node).map(([k, v]) => {
    const after = mapTree(v, tree, replace);
    changed ||= after !== v;
    return [k, after] as const;
  });
  return changed ? Object.fromEntries(entries) : node;
}

/**
 * `value` with `replace` applied to every string at a secret path (a copy of what changes; the
 * rest is shared). Values at a path that are not strings are left as they are.
 */
export function mapSecrets<T>(
  value: T,
  replace: (secret: string) => string,
  paths: readonly SecretPath[] = TENANT_SECRET_PATHS,
): T {
  return mapTree(value, pathTree(paths), replace) as T;
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
  const under = SECRET_PATHS_UNDER.get(key);
  return under !== undefined && secretValues(value, under).length > 0;
}

/** The tenant request's secret paths by their top-level key, the key taken off. */
const SECRET_PATHS_UNDER: ReadonlyMap<string, readonly SecretPath[]> = TENANT_SECRET_PATHS.reduce(
  (byKey, [head, ...rest]) => byKey.set(head!, [...(byKey.get(head!) ?? []), rest]),
  new Map<string, SecretPath[]>(),
);

/**
 * IAM-style policy documents (AWS IAM, MinIO) read for what they mean: each statement's effect,
 * its action and resource sets with their negations, principals and conditions. A statement the
 * reader cannot state the meaning of (unknown keys, another effect or version, a condition
 * operator it does not know) is a problem, never skipped: what cannot be judged is refused.
 */

export interface Statement {
  readonly effect: "Allow" | "Deny";
  readonly actions: readonly string[];
  readonly notActions?: readonly string[];
  readonly resources: readonly string[];
  readonly notResources?: readonly string[];
  /** `"*"` or `{AWS|Federated|Service|CanonicalUser: [...]}`, as written. */
  readonly principal?: unknown;
  readonly notPrincipal?: unknown;
  /** operator -> key -> values. */
  readonly conditions: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
}

export interface ParsedDocument {
  readonly statements: readonly Statement[];
  /** Why (parts of) the document cannot be judged. */
  readonly problems: readonly string[];
}

const VERSION = "2012-10-17";
const STATEMENT_KEYS = new Set([
  "Sid",
  "Effect",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Principal",
  "NotPrincipal",
  "Condition",
]);
/** Condition operators whose meaning is known (each with IfExists, which passes when the key is absent). */
const OPERATORS =
  /^(ForAnyValue:|ForAllValues:)?(String(Not)?Equals(IgnoreCase)?|String(Not)?Like|Numeric(Not)?Equals|Numeric(Less|Greater)Than(Equals)?|Date(Not)?Equals|Date(Less|Greater)Than(Equals)?|Bool|BinaryEquals|(Not)?IpAddress|Arn(Not)?(Equals|Like)|Null)(IfExists)?$/;

function strings(value: unknown, what: string, problems: string[]): string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || !list.every((v): v is string => typeof v === "string")) {
    problems.push(`${what} is neither a string nor a list of strings`);
    return [];
  }
  return list;
}

function conditionsOf(value: unknown, problems: string[]): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  if (value === undefined) return out;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    problems.push("Condition is not an object");
    return out;
  }
  for (const [operator, block] of Object.entries(value as Record<string, unknown>)) {
    if (!OPERATORS.test(operator))
      problems.push(`condition operator ${operator} is not one the pack can judge`);
    if (block === null || typeof block !== "object" || Array.isArray(block)) {
      problems.push(`condition ${operator} is not an object of keys`);
      continue;
    }
    const keys = new Map<string, string[]>();
    for (const [key, v] of Object.entries(block as Record<string, unknown>))
      keys.set(
        key,
        (typeof v === "boolean" || typeof v === "number"
          ? [String(v)]
          : strings(v, `condition ${operator} ${key}`, problems)) ?? [],
      );
    out.set(operator, keys);
  }
  return out;
}

function statementOf(raw: unknown, i: number, problems: string[]): Statement | undefined {
  const where = `statement ${i + 1}`;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    problems.push(`${where} is not an object`);
    return undefined;
  }
  const st = raw as Record<string, unknown>;
  for (const key of Object.keys(st))
    if (!STATEMENT_KEYS.has(key)) problems.push(`${where} has ${key}, which the pack cannot judge`);
  const effect = st["Effect"];
  if (effect !== "Allow" && effect !== "Deny") {
    problems.push(`${where}: Effect ${JSON.stringify(effect)} is neither "Allow" nor "Deny"`);
    return undefined;
  }
  const local: string[] = [];
  const actions = strings(st["Action"], `${where} Action`, local);
  const notActions = strings(st["NotAction"], `${where} NotAction`, local);
  const resources = strings(st["Resource"], `${where} Resource`, local);
  const notResources = strings(st["NotResource"], `${where} NotResource`, local);
  if ((actions === undefined) === (notActions === undefined))
    local.push(`${where} must have exactly one of Action and NotAction`);
  problems.push(...local);
  return {
    effect,
    actions: actions ?? [],
    ...(notActions ? { notActions } : {}),
    resources: resources ?? [],
    ...(notResources ? { notResources } : {}),
    ...(st["Principal"] !== undefined ? { principal: st["Principal"] } : {}),
    ...(st["NotPrincipal"] !== undefined ? { notPrincipal: st["NotPrincipal"] } : {}),
    conditions: conditionsOf(st["Condition"], problems),
  };
}

/** Parses a policy document (a JSON string, or already an object). */
export function parsePolicyDocument(document: unknown): ParsedDocument {
  let parsed: unknown = document;
  if (typeof document === "string") {
    try {
      parsed = JSON.parse(document);
    } catch {
      return { statements: [], problems: ["the policy document is not JSON"] };
    }
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    return { statements: [], problems: ["the policy document is not a JSON object"] };
  const doc = parsed as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(doc))
    if (key !== "Version" && key !== "Statement" && key !== "Id")
      problems.push(`the document has ${key}, which the pack cannot judge`);
  if (doc["Version"] !== VERSION)
    problems.push(
      `Version ${JSON.stringify(doc["Version"])} is not ${VERSION} (older versions read policy variables as text)`,
    );
  const raw = doc["Statement"];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const statements = list.flatMap((st, i) => statementOf(st, i, problems) ?? []);
  return { statements, problems };
}

export const hasWildcard = (text: string): boolean => /[*?]/.test(text) || text.includes("${");

/**
 * Problems of the Allow statements of an identity policy (a user's or role's): no principals, no
 * negated sets (an Allow with NotAction or NotResource grants everything but what it names), and
 * each action and resource accepted by the caller. Deny statements only take away; they are read
 * (a malformed one is still a problem) but not judged further.
 */
export function identityPolicyProblems(
  parsed: ParsedDocument,
  judge: {
    readonly action: (action: string) => string | undefined;
    readonly resource: (resource: string, statement: Statement) => string | undefined;
  },
): string[] {
  const problems = [...parsed.problems];
  parsed.statements.forEach((st, i) => {
    const where = `statement ${i + 1}`;
    if (st.principal !== undefined) problems.push(`${where} names a Principal; an identity policy has none`);
    if (st.notPrincipal !== undefined)
      problems.push(`${where} names a NotPrincipal; an identity policy has none`);
    if (st.effect !== "Allow") return;
    if (st.notActions)
      problems.push(`${where} allows NotAction ${st.notActions.join(", ")}: every other action`);
    if (st.notResources)
      problems.push(`${where} allows on NotResource ${st.notResources.join(", ")}: every other resource`);
    if (!st.notResources && st.resources.length === 0) problems.push(`${where} names no Resource`);
    for (const action of st.actions) {
      const problem = judge.action(action);
      if (problem) problems.push(`${where}: ${problem}`);
    }
    for (const resource of st.resources) {
      const problem = judge.resource(resource, st);
      if (problem) problems.push(`${where}: ${problem}`);
    }
  });
  return problems;
}

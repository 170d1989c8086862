/**
 * A checker for the part of the Cloudflare Rules language (the wirefilter grammar) the edge
 * rules use: logical operators (`not`/`!`, `and`/`&&`, `xor`/`^^`, `or`/`||`, that precedence),
 * comparisons (`eq ne lt le gt ge contains matches wildcard in` and their symbols), set literals
 * (`{...}` of strings, integers, IPv4 addresses and CIDRs), named lists (`$name`), map and array
 * access (`[\"key\"]`, `[0]`, `[*]`) and the functions `starts_with`, `ends_with`, `lower`, `upper`,
 * `len`, `any`, `all`. Every field must be one of FIELDS (names and types from Cloudflare's
 * fields reference), and operands are type-checked (an IP field is compared with IPs/CIDRs, a
 * string function takes a string...). It does not know which phase offers which field or
 * function, nor plan entitlements: Cloudflare's API remains the last judge of those.
 *
 * Pure and dependency-free: the edge component checks its expressions before registering a
 * rule, and the policy pack checks what a stack would deploy.
 */

export type RulesType =
  | { readonly kind: "String" | "Int" | "IP" | "Bool" }
  | { readonly kind: "Array"; readonly of: RulesType }
  | { readonly kind: "Map"; readonly of: RulesType };

const STRING: RulesType = { kind: "String" };
const INT: RulesType = { kind: "Int" };
const IP: RulesType = { kind: "IP" };
const BOOL: RulesType = { kind: "Bool" };
const arrayOf = (of: RulesType): RulesType => ({ kind: "Array", of });
const mapOf = (of: RulesType): RulesType => ({ kind: "Map", of });

/** Fields of developers.cloudflare.com/ruleset-engine/rules-language/fields/reference (the ones worth using here). */
export const FIELDS: Readonly<Record<string, RulesType>> = {
  "http.host": STRING,
  "http.referer": STRING,
  "http.user_agent": STRING,
  "http.cookie": STRING,
  "http.request.full_uri": STRING,
  "http.request.method": STRING,
  "http.request.uri": STRING,
  "http.request.uri.path": STRING,
  "http.request.uri.path.extension": STRING,
  "http.request.uri.query": STRING,
  "http.request.version": STRING,
  "http.request.headers": mapOf(arrayOf(STRING)),
  "http.request.headers.names": arrayOf(STRING),
  "http.request.uri.args": mapOf(arrayOf(STRING)),
  "http.response.code": INT,
  "ip.src": IP,
  "ip.src.asnum": INT,
  "ip.src.country": STRING,
  "ip.src.continent": STRING,
  "cf.colo.id": INT,
  "cf.client.bot": BOOL,
  "cf.tls_client_auth.cert_verified": BOOL,
  ssl: BOOL,
};

interface FunctionSignature {
  readonly params: readonly ("String" | "StringOrArray" | "BoolArray")[];
  readonly returns: RulesType;
}

const FUNCTIONS: Readonly<Record<string, FunctionSignature>> = {
  starts_with: { params: ["String", "String"], returns: BOOL },
  ends_with: { params: ["String", "String"], returns: BOOL },
  lower: { params: ["String"], returns: STRING },
  upper: { params: ["String"], returns: STRING },
  len: { params: ["StringOrArray"], returns: INT },
  any: { params: ["BoolArray"], returns: BOOL },
  all: { params: ["BoolArray"], returns: BOOL },
};

const WORD_OPERATORS: Readonly<Record<string, string>> = {
  eq: "eq",
  ne: "ne",
  lt: "lt",
  le: "le",
  gt: "gt",
  ge: "ge",
  contains: "contains",
  matches: "matches",
  wildcard: "wildcard",
  in: "in",
};
const SYMBOL_OPERATORS: Readonly<Record<string, string>> = {
  "==": "eq",
  "!=": "ne",
  "<": "lt",
  "<=": "le",
  ">": "gt",
  ">=": "ge",
  "~": "matches",
};

type Token =
  | { readonly t: "ident"; readonly v: string; readonly at: number }
  | { readonly t: "string"; readonly v: string; readonly at: number }
  | { readonly t: "int"; readonly v: number; readonly at: number }
  | { readonly t: "ip"; readonly v: string; readonly cidr: boolean; readonly at: number }
  | { readonly t: "list"; readonly v: string; readonly at: number }
  | { readonly t: "punct"; readonly v: string; readonly at: number }
  | { readonly t: "end"; readonly at: number };

export class RulesSyntaxError extends Error {
  override readonly name = "RulesSyntaxError";
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/(3[0-2]|[12]?\d))?/;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    const rest = source.slice(i);
    const ip = /^\d/.test(c) ? IPV4.exec(rest) : null;
    if (ip && !/^[\w.]/.test(rest.slice(ip[0].length))) {
      tokens.push({ t: "ip", v: ip[0], cidr: ip[0].includes("/"), at: i });
      i += ip[0].length;
      continue;
    }
    const int = /^\d+/.exec(rest);
    if (int) {
      tokens.push({ t: "int", v: Number(int[0]), at: i });
      i += int[0].length;
      continue;
    }
    if (c === '"') {
      let value = "";
      let j = i + 1;
      for (; j < source.length && source[j] !== '"'; j += 1) {
        if (source[j] === "\\") {
          const escaped = source[j + 1];
          if (escaped !== '"' && escaped !== "\\")
            throw new RulesSyntaxError(`invalid escape \\${escaped ?? ""} at ${j}`);
          j += 1;
        }
        value += source[j];
      }
      if (j >= source.length) throw new RulesSyntaxError(`unterminated string at ${i}`);
      tokens.push({ t: "string", v: value, at: i });
      i = j + 1;
      continue;
    }
    const word = /^[a-z_][a-z0-9_]*(\.[a-z0-9_]+)*/.exec(rest);
    if (word) {
      tokens.push({ t: "ident", v: word[0], at: i });
      i += word[0].length;
      continue;
    }
    const list = /^\$[a-z0-9_]+/.exec(rest);
    if (list) {
      tokens.push({ t: "list", v: list[0].slice(1), at: i });
      i += list[0].length;
      continue;
    }
    const punct = /^(==|!=|<=|>=|&&|\|\||\^\^|\.\.|[<>~!(){}[\],*])/.exec(rest);
    if (!punct) throw new RulesSyntaxError(`unexpected character "${c}" at ${i}`);
    tokens.push({ t: "punct", v: punct[0], at: i });
    i += punct[0].length;
  }
  tokens.push({ t: "end", at: source.length });
  return tokens;
}

const show = (type: RulesType): string =>
  type.kind === "Array" || type.kind === "Map" ? `${type.kind}<${show(type.of)}>` : type.kind;

/** What a value evaluates to; `each` = one per element of an array wildcard (`[*]`). */
interface Value {
  readonly type: RulesType;
  readonly each: boolean;
}

class Parser {
  private pos = 0;
  readonly fields = new Set<string>();

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    const token = this.tokens[this.pos]!;
    if (token.t !== "end") this.pos += 1;
    return token;
  }

  private fail(message: string, token: Token = this.peek()): never {
    throw new RulesSyntaxError(`${message} at ${token.at}`);
  }

  private isPunct(v: string): boolean {
    const token = this.peek();
    return token.t === "punct" && token.v === v;
  }

  private expectPunct(v: string): void {
    if (!this.isPunct(v)) this.fail(`expected "${v}"`);
    this.next();
  }

  private isWord(...words: string[]): boolean {
    const token = this.peek();
    return token.t === "ident" && words.includes(token.v);
  }

  parse(): void {
    this.or();
    if (this.peek().t !== "end") this.fail("unexpected token");
  }

  private binary(words: string[], symbol: string, operand: () => void): void {
    operand();
    while (this.isWord(...words) || this.isPunct(symbol)) {
      this.next();
      operand();
    }
  }

  private or(): void {
    this.binary(["or"], "||", () => this.xor());
  }

  private xor(): void {
    this.binary(["xor"], "^^", () => this.and());
  }

  private and(): void {
    this.binary(["and"], "&&", () => this.not());
  }

  private not(): void {
    if (this.isWord("not") || this.isPunct("!")) {
      this.next();
      this.not();
      return;
    }
    this.predicate();
  }

  /** A parenthesized expression, a comparison, or a boolean value. */
  private predicate(): void {
    if (this.isPunct("(")) {
      this.next();
      this.or();
      this.expectPunct(")");
      return;
    }
    if (this.isWord("true", "false")) {
      this.next();
      return;
    }
    const start = this.peek();
    const left = this.value();
    const op = this.operator();
    if (op === undefined) {
      if (left.each) this.fail("a value per element of [*]: wrap it in any() or all()", start);
      if (left.type.kind !== "Bool") this.fail(`a ${show(left.type)} is not a condition (compare it)`, start);
      return;
    }
    if (left.type.kind === "Array" || left.type.kind === "Map")
      this.fail(`cannot compare a ${show(left.type)} (index it first)`, start);
    if (left.each)
      this.fail("a comparison over [*] gives one result per element: wrap it in any() or all()", start);
    if (op === "in") this.setOf(left.type);
    else this.comparand(op, left.type);
  }

  private operator(): string | undefined {
    const token = this.peek();
    if (token.t === "ident" && token.v === "strict" && this.tokens[this.pos + 1]?.t === "ident") {
      const following = this.tokens[this.pos + 1] as { v: string };
      if (following.v !== "wildcard") this.fail('expected "wildcard" after "strict"');
      this.pos += 2;
      return "wildcard";
    }
    if (token.t === "ident" && WORD_OPERATORS[token.v]) {
      this.next();
      return WORD_OPERATORS[token.v];
    }
    if (token.t === "punct" && SYMBOL_OPERATORS[token.v]) {
      this.next();
      return SYMBOL_OPERATORS[token.v];
    }
    return undefined;
  }

  private comparand(op: string, left: RulesType): void {
    const token = this.next();
    const stringOnly = op === "contains" || op === "matches" || op === "wildcard";
    if (stringOnly && left.kind !== "String") this.fail(`"${op}" needs a String, not ${show(left)}`, token);
    if (
      (op === "lt" || op === "le" || op === "gt" || op === "ge") &&
      left.kind !== "Int" &&
      left.kind !== "String"
    ) {
      this.fail(`"${op}" needs an Int or a String, not ${show(left)}`, token);
    }
    if (left.kind === "Bool") this.fail("compare a Bool by using it as a condition", token);
    this.literalOf(left, token, false);
  }

  private literalOf(type: RulesType, token: Token, inSet: boolean): void {
    const ok =
      (type.kind === "String" && token.t === "string") ||
      (type.kind === "Int" && token.t === "int") ||
      (type.kind === "IP" && token.t === "ip" && (inSet || !token.cidr));
    if (!ok)
      this.fail(
        `expected a ${show(type)} literal${type.kind === "IP" && !inSet ? ' (a CIDR needs "in {...}")' : ""}`,
        token,
      );
  }

  private setOf(type: RulesType): void {
    const token = this.peek();
    if (token.t === "list") {
      if (type.kind !== "IP") this.fail("named lists are only used here for IP fields", token);
      this.next();
      return;
    }
    this.expectPunct("{");
    let count = 0;
    while (!this.isPunct("}")) {
      const element = this.next();
      if (element.t === "end") this.fail('expected "}"', element);
      this.literalOf(type, element, true);
      if (type.kind === "Int" && this.isPunct("..")) {
        this.next();
        this.literalOf(type, this.next(), true);
      }
      count += 1;
    }
    this.next();
    if (count === 0) this.fail("empty set", token);
  }

  /** A field (with indexes), a function call, or a literal used as an argument. */
  private value(): Value {
    const token = this.next();
    if (token.t === "string") return { type: STRING, each: false };
    if (token.t === "int") return { type: INT, each: false };
    if (token.t !== "ident") this.fail("expected a field or a function", token);
    if (this.isPunct("(")) return this.call(token.v, token);
    const fieldType = FIELDS[token.v];
    if (!fieldType) this.fail(`unknown field "${token.v}"`, token);
    this.fields.add(token.v);
    let type = fieldType;
    let each = false;
    while (this.isPunct("[")) {
      this.next();
      const index = this.next();
      if (type.kind === "Map" && index.t === "string") type = type.of;
      else if (type.kind === "Map" && index.t === "punct" && index.v === "*") {
        type = type.of;
        each = true;
      } else if (type.kind === "Array" && index.t === "int") type = type.of;
      else if (type.kind === "Array" && index.t === "punct" && index.v === "*") {
        type = type.of;
        each = true;
      } else this.fail(`cannot index a ${show(type)} with this`, index);
      this.expectPunct("]");
    }
    return { type, each };
  }

  private call(name: string, token: Token): Value {
    const signature = FUNCTIONS[name];
    if (!signature) this.fail(`unknown function "${name}"`, token);
    this.expectPunct("(");
    let each = false;
    signature.params.forEach((param, i) => {
      if (i > 0) this.expectPunct(",");
      const argStart = this.peek();
      if (param === "BoolArray") {
        const arg = this.boolArray();
        if (!arg) this.fail(`${name}() takes a comparison over an array ([*])`, argStart);
        return;
      }
      const arg = this.value();
      each ||= arg.each;
      const ok =
        param === "String"
          ? arg.type.kind === "String"
          : arg.type.kind === "String" || arg.type.kind === "Array";
      if (!ok)
        this.fail(
          `${name}() argument ${i + 1} must be ${param === "String" ? "a String" : "a String or an Array"}, not ${show(arg.type)}`,
          argStart,
        );
    });
    this.expectPunct(")");
    return { type: signature.returns, each };
  }

  /** any()/all() argument: a comparison whose left side is an array wildcard. */
  private boolArray(): boolean {
    const left = this.value();
    const op = this.operator();
    if (op === undefined) return left.each && left.type.kind === "Bool";
    if (op === "in") this.setOf(left.type);
    else this.comparand(op, left.type);
    return left.each;
  }
}

/** Problems of one expression (empty when it is valid in the subset described above). */
export function rulesExpressionProblems(expression: string): string[] {
  try {
    new Parser(tokenize(expression)).parse();
    return [];
  } catch (error) {
    if (error instanceof RulesSyntaxError) return [error.message];
    throw error;
  }
}

/** The fields an expression reads; throws RulesSyntaxError when it is not valid. */
export function rulesExpressionFields(expression: string): ReadonlySet<string> {
  const parser = new Parser(tokenize(expression));
  parser.parse();
  return parser.fields;
}

/** A string literal of the Rules language. */
export function rulesString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

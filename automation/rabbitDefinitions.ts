/**
 * A tenant vhost's RabbitMQ definitions (queues, exchanges, bindings, policies, parameters) through
 * the management API: exported as `GET /api/definitions/<vhost>` returns them (what the scheduled
 * runners store, components/platform/backupBucket.ts), and loaded back with `POST /api/definitions/<vhost>`.
 *
 * A restore recreates what the backup has and the vhost lacks; it never changes what exists:
 * RabbitMQ refuses to redeclare a queue with other arguments, and a policy or limit that differs
 * now is the stack's current (tier) setting, not lost data. The vhost limits are never loaded
 * (the stack sets them from the tier). Nothing is ever sent to another vhost than the tenant's,
 * and a file naming another vhost (another tenant's export, or a broker-wide one) is refused
 * before anything is written.
 */
import { rabbitVhost } from "../tiers";

/** The management API and an account allowed to read and write the tenant vhosts' definitions. */
export interface RabbitManagement {
  readonly url: string;
  readonly user: string;
  readonly password: string;
}

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
type Item = { readonly [key: string]: Json };

/** The kinds of object a vhost export holds, in the order an import creates them. */
export const DEFINITION_KINDS = ["parameters", "policies", "exchanges", "queues", "bindings"] as const;
export type DefinitionKind = (typeof DEFINITION_KINDS)[number];

export type VhostDefinitions = { readonly [K in DefinitionKind]: readonly Item[] };

/** Broker-wide sections: a vhost export has none of them. */
const BROKER_WIDE = ["vhosts", "users", "permissions", "topic_permissions", "global_parameters"] as const;
/** Parameters the stack owns (the tier's vhost limits): never restored. */
const STACK_OWNED_PARAMETERS = new Set(["vhost-limits"]);

export class DefinitionsError extends Error {
  /** Typed, so the provisioning service fails the operation instead of retrying it. */
  readonly outcome = "refused";
  constructor(message: string) {
    super(message);
    this.name = "DefinitionsError";
  }
}

const isItem = (value: unknown): value is Item =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** An object's identity within its kind: what "the same queue" means. */
function identity(kind: DefinitionKind, item: Item): string {
  switch (kind) {
    case "parameters":
      return `${String(item["component"])}/${String(item["name"])}`;
    case "bindings":
      return [
        item["source"],
        item["destination_type"],
        item["destination"],
        item["routing_key"],
        canonical(item["arguments"] ?? {}),
      ]
        .map(String)
        .join("|");
    default:
      return String(item["name"]);
  }
}

/** JSON with sorted keys, without the vhost field: equal definitions give equal text. */
export function canonical(value: Json | undefined): string {
  const sort = (v: Json | undefined): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (isItem(v))
      return Object.fromEntries(
        Object.keys(v)
          .filter((k) => k !== "vhost")
          .sort()
          .map((k) => [k, sort(v[k])]),
      );
    return v;
  };
  return JSON.stringify(sort(value));
}

/**
 * The definitions in `text`, checked to be a vhost export of `vhost`: every object that names a
 * vhost names this one, and no broker-wide section is present.
 */
export function parseVhostDefinitions(text: string, vhost: string, source = "definitions"): VhostDefinitions {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DefinitionsError(`${source}: not JSON (${(error as Error).message})`);
  }
  if (!isItem(raw)) throw new DefinitionsError(`${source}: not a definitions export (an object)`);
  const wide = BROKER_WIDE.filter((k) => Array.isArray(raw[k]) && (raw[k] as unknown[]).length > 0);
  if (wide.length > 0)
    throw new DefinitionsError(
      `${source}: a broker-wide export (${wide.join(", ")}), not the definitions of vhost ${vhost}`,
    );
  const result: Record<string, Item[]> = {};
  for (const kind of DEFINITION_KINDS) {
    const list = raw[kind] ?? [];
    if (!Array.isArray(list) || !list.every(isItem))
      throw new DefinitionsError(`${source}: ${kind} is not a list of objects`);
    const foreign = [...new Set(list.map((i) => i["vhost"]).filter((v) => v !== undefined && v !== vhost))];
    if (foreign.length > 0) {
      throw new DefinitionsError(
        `${source}: ${kind} of vhost ${foreign.map(String).join(", ")}, not ${vhost}: a restore never writes into another vhost`,
      );
    }
    const named =
      kind === "bindings"
        ? ["source", "destination"]
        : kind === "parameters"
          ? ["component", "name"]
          : ["name"];
    for (const item of list) {
      if (named.some((f) => typeof item[f] !== "string"))
        throw new DefinitionsError(`${source}: a ${kind} entry without ${named.join("/")}`);
    }
    result[kind] = list;
  }
  return result as unknown as VhostDefinitions;
}

export interface DefinitionsRestore {
  /** The backup object loaded. */
  readonly key: string;
  readonly vhost: string;
  /** Objects the vhost lacked and the restore created, by kind. */
  readonly created: { readonly [K in DefinitionKind]: readonly string[] };
  /** Objects present with another definition than the backup's: kept as they are (see the module comment). */
  readonly kept: readonly string[];
}

export class RabbitDefinitions {
  private readonly base: string;

  constructor(private readonly management: RabbitManagement) {
    this.base = management.url.replace(/\/+$/, "");
  }

  private async call(method: "GET" | "POST", vhost: string, body?: string): Promise<string> {
    const url = `${this.base}/api/definitions/${encodeURIComponent(vhost)}`;
    const auth = Buffer.from(`${this.management.user}:${this.management.password}`).toString("base64");
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { authorization: `Basic ${auth}`, ...(body ? { "content-type": "application/json" } : {}) },
        ...(body ? { body } : {}),
      });
    } catch (error) {
      throw new Error(`RabbitMQ management API at ${this.base}: ${(error as Error).message}`);
    }
    const text = await response.text();
    if (!response.ok) {
      const reason = /vhost_not_found/.test(text)
        ? `vhost ${vhost} does not exist (the tenant's stack creates it)`
        : text.slice(0, 500);
      throw new DefinitionsError(
        `${method} definitions of vhost ${vhost}: HTTP ${response.status}: ${reason}`,
      );
    }
    return text;
  }

  /** The tenant's vhost export, as the management API returns it (checked to be that vhost's). */
  async export(tenantId: string): Promise<string> {
    const vhost = rabbitVhost(tenantId);
    const text = await this.call("GET", vhost);
    parseVhostDefinitions(text, vhost);
    return text;
  }

  /** The tenant's vhost's definitions now. */
  async current(tenantId: string): Promise<VhostDefinitions> {
    const vhost = rabbitVhost(tenantId);
    return parseVhostDefinitions(await this.call("GET", vhost), vhost);
  }

  /**
   * Loads into the tenant's vhost every object of `backup` it lacks, then reads the vhost again and
   * verifies every object of the backup is there (those it created exactly as in the backup).
   */
  async restore(tenantId: string, backup: VhostDefinitions, key: string): Promise<DefinitionsRestore> {
    const vhost = rabbitVhost(tenantId);
    const wanted = restorable(backup);
    const before = await this.current(tenantId);
    const missing = {} as Record<DefinitionKind, Item[]>;
    const kept: string[] = [];
    for (const kind of DEFINITION_KINDS) {
      const present = new Map(before[kind].map((i) => [identity(kind, i), i]));
      missing[kind] = wanted[kind].filter((i) => !present.has(identity(kind, i)));
      for (const i of wanted[kind]) {
        const now = present.get(identity(kind, i));
        if (now && canonical(now) !== canonical(i)) kept.push(`${kind} ${identity(kind, i)}`);
      }
    }
    if (DEFINITION_KINDS.some((k) => missing[k].length > 0)) {
      // Without the vhost fields: the URL's vhost is the only one the import can write to.
      const body = Object.fromEntries(
        DEFINITION_KINDS.map((k) => [k, missing[k].map((i) => JSON.parse(canonical(i)) as Item)]),
      );
      await this.call("POST", vhost, JSON.stringify(body));
    }
    const after = await this.current(tenantId);
    const problems: string[] = [];
    for (const kind of DEFINITION_KINDS) {
      const present = new Map(after[kind].map((i) => [identity(kind, i), i]));
      for (const i of wanted[kind]) {
        const now = present.get(identity(kind, i));
        if (!now) problems.push(`${kind} ${identity(kind, i)} is missing`);
        else if (missing[kind].includes(i) && canonical(now) !== canonical(i))
          problems.push(`${kind} ${identity(kind, i)} was created as ${canonical(now)}, not ${canonical(i)}`);
      }
    }
    if (problems.length > 0)
      throw new DefinitionsError(
        `restore of ${key} into vhost ${vhost} did not verify: ${problems.join("; ")}`,
      );
    const created = { parameters: [], policies: [], exchanges: [], queues: [], bindings: [] } as Record<
      DefinitionKind,
      string[]
    >;
    for (const k of DEFINITION_KINDS) created[k] = missing[k].map((i) => identity(k, i));
    return { key, vhost, created, kept };
  }
}

/** What a restore loads: everything but the stack's own parameters. */
function restorable(definitions: VhostDefinitions): VhostDefinitions {
  return {
    ...definitions,
    parameters: definitions.parameters.filter((p) => !STACK_OWNED_PARAMETERS.has(String(p["component"]))),
  };
}

/**
 * One custom domain, one tenant: a provision request naming a custom domain another tenant
 * already holds is refused (409 `exists`), naming the domain and nothing else about the holder.
 * A tenant holds the hostnames its last successful run exported (`outputs.hostnames`) until it is
 * purged (a retained tenant may be restored with them), and the custom domains of its pending
 * provisions (the first request stored wins). Names compare as DNS does: case-insensitive,
 * without a trailing dot.
 */
import type { Operation, OperationStore, TenantRecord } from "./operations";

/** What the service answers for a taken domain (an `HttpError` built by the caller's `refuse`). */
export interface DomainRefusal {
  readonly outcome: "exists";
  readonly message: string;
  readonly details: { readonly field: string; readonly domain: string };
}

const normalize = (domain: string): string => domain.trim().toLowerCase().replace(/\.$/, "");

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];

/** The custom domains a provision payload asks for, with the field each is in ("sites[0].customDomains[1]"). */
export function requestedCustomDomains(payload: Readonly<Record<string, unknown>>): [string, string][] {
  const sites = Array.isArray(payload["sites"]) ? (payload["sites"] as unknown[]) : [];
  return sites.flatMap((site, i) => {
    const domains =
      site !== null && typeof site === "object" ? (site as Record<string, unknown>)["customDomains"] : [];
    return strings(domains).map((domain, j): [string, string] => [`sites[${i}].customDomains[${j}]`, domain]);
  });
}

/** Every hostname a tenant's record exports (`outputs.hostnames`: one list per site). */
function exportedHostnames(record: TenantRecord): string[] {
  const outputs = record.outputs;
  if (outputs === null || typeof outputs !== "object") return [];
  const hostnames = (outputs as Record<string, unknown>)["hostnames"];
  return Array.isArray(hostnames) ? hostnames.flatMap(strings) : [];
}

/** The domains another tenant holds: exported by its runs, or asked for by its pending provisions. */
async function heldDomains(store: OperationStore, exceptTenant: string): Promise<Set<string>> {
  const held = new Set<string>();
  const others = (await store.listTenants()).filter(
    (t) => t.tenantId !== exceptTenant && t.status !== "purged",
  );
  for (const tenant of others) {
    for (const host of exportedHostnames(tenant)) held.add(normalize(host));
    const pending: Operation[] = await store.pending(tenant.tenantId);
    for (const op of pending.filter((o) => o.kind === "provision"))
      for (const [, domain] of requestedCustomDomains(op.payload)) held.add(normalize(domain));
  }
  return held;
}

/**
 * The refusal of a provision request for `tenantId` naming a custom domain another tenant
 * holds, or undefined when every domain it names is free (or already its own).
 */
export async function takenCustomDomain(
  store: OperationStore,
  tenantId: string,
  payload: Readonly<Record<string, unknown>>,
): Promise<DomainRefusal | undefined> {
  const requested = requestedCustomDomains(payload);
  if (requested.length === 0) return undefined;
  const held = await heldDomains(store, tenantId);
  const taken = requested.find(([, domain]) => held.has(normalize(domain)));
  if (!taken) return undefined;
  const [field, domain] = taken;
  return {
    outcome: "exists",
    message: `${field}: custom domain ${domain} is already taken`,
    details: { field, domain },
  };
}

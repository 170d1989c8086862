/**
 * One custom domain, one tenant: a provision request naming a custom domain another tenant
 * already holds is refused (409 `exists`), naming the domain and nothing else about the holder.
 * A tenant holds the hostnames its last successful run exported (`outputs.hostnames`) until it is
 * purged (a retained tenant may be restored with them), and the custom domains of its pending
 * provisions (the first request stored wins). Names compare as DNS does: case-insensitive,
 * without a trailing dot.
 */
import type { OperationStore, TenantRecord } from "./operations";

/** What the service answers for a taken domain (an `HttpError` built by the caller's `refuse`). */
export interface DomainRefusal {
  readonly outcome: "exists";
  readonly message: string;
  readonly details: { readonly field: string; readonly domain: string };
}

/** A domain as DNS compares it. */
export const normalize = (domain: string): string => domain.trim().toLowerCase().replace(/\.$/, "");

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
export function exportedHostnames(record: TenantRecord): string[] {
  const outputs = record.outputs;
  if (outputs === null || typeof outputs !== "object") return [];
  const hostnames = (outputs as Record<string, unknown>)["hostnames"];
  return Array.isArray(hostnames) ? hostnames.flatMap(strings) : [];
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
  const held = await store.heldDomains(
    requested.map(([, domain]) => normalize(domain)),
    tenantId,
  );
  const taken = requested.find(([, domain]) => held.has(normalize(domain)));
  if (!taken) return undefined;
  const [field, domain] = taken;
  return {
    outcome: "exists",
    message: `${field}: custom domain ${domain} is already taken`,
    details: { field, domain },
  };
}

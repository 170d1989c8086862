/**
 * Which tenants name each domain, kept up to date as records change, so a custom-domain check
 * looks its domains up instead of reading every tenant (service/domainClaims.ts). A source is
 * one thing that names domains for one tenant: its exported hostnames, or one pending provision.
 */
export class DomainIndex {
  private readonly sources = new Map<string, { readonly tenantId: string; readonly domains: string[] }>();
  /** domain -> tenant -> how many of its sources name it. */
  private readonly tenants = new Map<string, Map<string, number>>();

  /** `source` (of `tenantId`) now names `domains` (normalized), and nothing else. */
  set(source: string, tenantId: string, domains: readonly string[]): void {
    this.delete(source);
    if (domains.length === 0) return; // most sources: no custom domain (no Set made per journal entry)
    const unique = [...new Set(domains)];
    this.sources.set(source, { tenantId, domains: unique });
    for (const domain of unique) {
      const named = this.tenants.get(domain) ?? new Map<string, number>();
      named.set(tenantId, (named.get(tenantId) ?? 0) + 1);
      this.tenants.set(domain, named);
    }
  }

  delete(source: string): void {
    const known = this.sources.get(source);
    if (!known) return;
    this.sources.delete(source);
    for (const domain of known.domains) {
      const named = this.tenants.get(domain)!;
      const count = named.get(known.tenantId)! - 1;
      if (count > 0) named.set(known.tenantId, count);
      else named.delete(known.tenantId);
      if (named.size === 0) this.tenants.delete(domain);
    }
  }

  /** The tenants naming `domain`. */
  holders(domain: string): Iterable<string> {
    return this.tenants.get(domain)?.keys() ?? [];
  }
}

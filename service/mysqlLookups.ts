/**
 * The MySQL store's statements that read by anything other than one unique key, each pinned to
 * the index it is written for.
 *
 * InnoDB refreshes a table's statistics in the background, after a tenth of it has changed. Until
 * then a table that grew fast (a new database under a burst of signups; any burst later) still
 * looks as small as it was, and a full scan of a one-page table costs the optimizer nothing: it
 * chose one for the admission lookups in some `bench:service-cost` runs and not in others
 * (8-9 million index rows read per 17,000 signups instead of 100,000; 3,400 signups/s instead of
 * 6,000; the "bimodal" database of docs/service.md). An index hint makes the plan the same
 * whatever the statistics say. tests/serviceMysqlPlans.test.ts EXPLAINs each of these (and the
 * writes below) under statistics that lag the table, and some without their hint as a control.
 */

/** An operation not ended yet (queued, or running under a lease). */
export const UNFINISHED = "status IN ('queued', 'running')";
/** An operation whose worker holds a lease that has not run out. */
const LEASE_LIVE = "(status = 'running' AND lease_until > NOW(3))";

export const LOOKUPS = {
  /** The tenant records of a group of ids (one round trip for the group: service/batch.ts). */
  tenants: "SELECT * FROM tenants FORCE INDEX (PRIMARY) WHERE tenant_id IN (?)",
  /** The unfinished operations of a group of tenants, each tenant's oldest first. */
  pending: `SELECT * FROM operations FORCE INDEX (tenant_seq) WHERE tenant_id IN (?) AND ${UNFINISHED} ORDER BY tenant_id, seq`,
  /** The latest operation of each of a group of tenants. */
  latest:
    "SELECT o.* FROM operations o JOIN (SELECT MAX(seq) AS seq FROM operations FORCE INDEX (tenant_seq) WHERE tenant_id IN (?) GROUP BY tenant_id) m ON o.seq = m.seq",
  /** Up to 20 operations a worker could claim, oldest first. */
  claimable: `SELECT id FROM operations FORCE INDEX (status_seq) WHERE ${UNFINISHED} AND NOT ${LEASE_LIVE} AND (not_before IS NULL OR not_before <= NOW(3)) ORDER BY seq LIMIT 20`,
  /** A tenant's oldest unfinished operation, locked (a scan would lock every row it passes). */
  head: `SELECT id, ${LEASE_LIVE} AS live, COALESCE(not_before > NOW(3), 0) AS early FROM operations FORCE INDEX (tenant_seq) WHERE tenant_id = ? AND ${UNFINISHED} ORDER BY seq LIMIT 1 FOR UPDATE`,
  /** Operations untouched for a while at the head of their tenant's queue, locked. */
  stale: `SELECT o.* FROM operations o FORCE INDEX (status_seq)
    WHERE o.${UNFINISHED} AND o.updated_at < NOW(3) - INTERVAL ? MICROSECOND
      AND (o.status = 'queued' OR o.lease_until < NOW(3) - INTERVAL ? MICROSECOND)
      AND NOT EXISTS (SELECT 1 FROM operations p FORCE INDEX (tenant_seq) WHERE p.tenant_id = o.tenant_id AND p.seq < o.seq AND p.${UNFINISHED})
    ORDER BY o.seq LIMIT 1000 FOR UPDATE`,
  /** Ended operations past their retention, oldest first. */
  expired:
    "SELECT id, seq FROM operations FORCE INDEX (status_seq) WHERE status IN ('succeeded', 'failed') AND finished_at < NOW(3) - INTERVAL ? MICROSECOND ORDER BY seq LIMIT 500",
} as const;

/**
 * Writes to rows a lookup above found, by their primary key: MariaDB's single-table DELETE takes no
 * index hint, and an IN list of hundreds of ids on the `id` key was planned as a full scan under
 * lagging statistics, locking every row (a signup's insert then waited for the lock).
 */
export const BY_SEQ = {
  /** The sweeper marks the operations it publishes again (in its transaction). */
  touch: "UPDATE operations SET updated_at = NOW(3) WHERE seq IN (?)",
  /** Compaction removes expired operations (their log rows first). */
  remove: "DELETE FROM operations WHERE seq IN (?)",
} as const;

/**
 * What a restore request may say, shared by the CLI and the provisioning service: which backup
 * (a dump of the tenant, by key, stamp or time) and which point (`to`). The valibot schema is
 * the one the service's JSON schema is generated from (service/http.ts); `parseRestoreRequest`
 * adds what JSON schema cannot say (the backup is this tenant's, the point is a real past time).
 */
import * as v from "valibot";
import { dumpKey, dumpPrefix, parseBackupStamp, TenantRequestError, type Problem } from "../tiers";

export class RestoreUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RestoreUsageError";
  }
}

const STAMP = String.raw`\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z`;
const INSTANT = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z`;
/** A dump by key (`tenants/<tenant>/dumps/<stamp>.sql`), stamp (`2026-11-30T14-05-09-000Z`) or time (`2026-11-30T14:05:09.000Z`). */
export const BACKUP_NAME = new RegExp(
  `^(?:tenants/[a-z0-9-]{1,63}/dumps/${STAMP}\\.sql|${STAMP}|${INSTANT})$`,
);
/** A restore point: ISO 8601 with a zone, or "YYYY-MM-DD HH:MM:SS" read as UTC. */
export const RESTORE_POINT =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})| \d{2}:\d{2}:\d{2})$/;

const INSTANT_PARTS =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))?$/;

/**
 * A calendar instant read strictly: every field within its range (February 30, hour 24, second
 * 60 and offset +24:00 are refused, where Date would roll them into another, real time), or
 * undefined. Without a zone it is UTC only when `zoneless` allows it.
 */
export function strictInstant(text: string, zoneless = false): Date | undefined {
  const m = INSTANT_PARTS.exec(text);
  if (!m || (m[8] === undefined && !zoneless) || (m[8] === undefined) !== text.includes(" "))
    return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const days =
    [
      31,
      year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28,
      31,
      30,
      31,
      30,
      31,
      31,
      30,
      31,
      30,
      31,
    ][month - 1] ?? 0;
  const offsetHours = Number(m[10] ?? 0);
  const offsetMinutes = Number(m[11] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > days || hour > 23 || minute > 59 || second > 59)
    return undefined;
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const millis = Number((m[7] ?? "0").padEnd(3, "0").slice(0, 3));
  const offset = (m[9] === "-" ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  // setUTCFullYear, not Date.UTC, which reads years 0-99 as 1900-1999.
  const at = new Date(0);
  at.setUTCFullYear(year, month - 1, day);
  at.setUTCHours(hour, minute, second, millis);
  return new Date(at.getTime() - offset);
}

/** A --to value: ISO 8601 with a zone, or "YYYY-MM-DD HH:MM:SS" read as UTC; impossible dates are refused. */
export function parseRestorePoint(value: string): Date {
  const at = strictInstant(value, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value));
  if (at === undefined || Number.isNaN(at.getTime()))
    throw new RestoreUsageError(
      `--to: expected a real UTC timestamp such as 2026-11-30T14:05:09Z, got ${JSON.stringify(value)}`,
    );
  return at;
}

/** The key of `tenantId`'s dump that `backup` names, or undefined when it names none of its dumps. */
export function dumpKeyOf(tenantId: string, backup: string): string | undefined {
  if (!BACKUP_NAME.test(backup)) return undefined;
  if (backup.includes("/"))
    return backup.startsWith(dumpPrefix(tenantId)) &&
      dumpKeyOf(tenantId, backup.slice(dumpPrefix(tenantId).length, -".sql".length)) === backup
      ? backup
      : undefined;
  const at = backup.includes(":") ? strictInstant(backup) : parseBackupStamp(`${backup}.sql`);
  if (!at || Number.isNaN(at.getTime())) return undefined;
  const key = dumpKey(tenantId, at);
  // The stamp names the time it was read as, not one Date rolled an impossible date into.
  return backup.includes(":") || key.endsWith(`/${backup}.sql`) ? key : undefined;
}

const isPoint = (value: string): boolean => {
  try {
    parseRestorePoint(value);
    return true;
  } catch {
    return false;
  }
};

/** The body of `POST /tenants/:id/restore`. Neither field: the retention window ends, no backup is loaded. */
export const restoreRequestSchema = v.strictObject({
  backup: v.optional(
    v.pipe(
      v.string(),
      v.maxLength(200),
      v.regex(
        BACKUP_NAME,
        "must name a dump: its key (tenants/<tenant>/dumps/<stamp>.sql), stamp (2026-11-30T14-05-09-000Z) or time (2026-11-30T14:05:09.000Z)",
      ),
    ),
  ),
  to: v.optional(
    v.pipe(
      v.string(),
      v.maxLength(40),
      v.regex(RESTORE_POINT, "must be a UTC timestamp such as 2026-11-30T14:05:09Z"),
      v.check(isPoint, "is not a real time"),
    ),
  ),
});
export type RestoreRequestBody = v.InferOutput<typeof restoreRequestSchema>;

export interface ParsedRestoreRequest {
  /** The dump's key. */
  readonly backup?: string;
  readonly to?: Date;
}

/** Whether a restore request loads a backup (rather than only ending the retention window). */
export const loadsBackup = (body: Readonly<Record<string, unknown>>): boolean =>
  body["backup"] !== undefined || body["to"] !== undefined;

/** The request of `tenantId`, checked; TenantRequestError (400 in the service) names each bad field. */
export function parseRestoreRequest(
  tenantId: string,
  body: unknown,
  now: number = Date.now(),
): ParsedRestoreRequest {
  const parsed = v.safeParse(restoreRequestSchema, body ?? {});
  if (!parsed.success) {
    throw new TenantRequestError(
      parsed.issues.map((i): Problem => ({ field: v.getDotPath(i) ?? "(body)", message: i.message })),
    );
  }
  const problems: Problem[] = [];
  const { backup, to } = parsed.output;
  const key = backup === undefined ? undefined : dumpKeyOf(tenantId, backup);
  if (backup !== undefined && key === undefined)
    problems.push({
      field: "backup",
      message: `${backup} is not one of ${tenantId}'s dumps (${dumpPrefix(tenantId)}<stamp>.sql)`,
    });
  const at = to === undefined ? undefined : parseRestorePoint(to);
  if (at && at.getTime() > now) problems.push({ field: "to", message: `${to} is in the future` });
  if (problems.length > 0) throw new TenantRequestError(problems);
  return { ...(key ? { backup: key } : {}), ...(at ? { to: at } : {}) };
}

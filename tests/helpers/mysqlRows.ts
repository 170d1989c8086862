import type { Connection } from "mysql2/promise";

/** Rows by table (`database.table`). */
export type Snapshot = Record<string, unknown[]>;

/** Every row of every table of `databases`, ordered: what a restore must give back, to compare with toEqual. */
export async function snapshot(db: Connection, databases: readonly string[]): Promise<Snapshot> {
  const [tables] = await db.query(
    "SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?) ORDER BY 1, 2",
    [databases],
  );
  const result: Snapshot = {};
  for (const { s, t } of tables as { s: string; t: string }[]) {
    const [rows] = await db.query(`SELECT * FROM \`${s}\`.\`${t}\` ORDER BY 1`);
    result[`${s}.${t}`] = rows as unknown[];
  }
  return result;
}

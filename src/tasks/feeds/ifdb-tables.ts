// Refuses to run an IFDB task against a database without IFDB's tables (the embedded demo database,
// a wrong DATABASE_URL): a permanent failure naming what is missing, and never a CREATE TABLE.
import type pg from 'pg';
import { PermanentError } from '../../runner/errors.ts';

/** Throws a PermanentError naming the first missing table and the database that lacks it. */
export async function requireIfdbTables(pool: pg.Pool, task: string, tables: readonly string[]): Promise<void> {
  const result = await pool.query<{ table_name: string; present: boolean; database: string }>(
    `SELECT t.table_name, to_regclass(t.table_name) IS NOT NULL AS present, current_database() AS database
       FROM unnest($1::text[]) WITH ORDINALITY AS t(table_name, position)
      ORDER BY t.position`,
    [tables],
  );
  const missing = result.rows.find((row) => !row.present);
  if (missing) {
    throw new PermanentError(
      `${task}: table ${missing.table_name} is missing in database "${missing.database}"; point DATABASE_URL at IFDB's database`,
    );
  }
}

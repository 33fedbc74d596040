// The IFDB tasks run only against IFDB's own database: they check its tables exist and never create them.
import type pg from 'pg';
import { PermanentError } from '../../runner/errors.ts';

const present = new WeakMap<pg.Pool, Set<string>>();

/** Fails at once, permanently, naming the first missing table (positive answers are cached per pool). */
export async function requireIfdbTables(pool: pg.Pool, tables: readonly string[]): Promise<void> {
  const known = present.get(pool) ?? new Set<string>();
  present.set(pool, known);
  const unknown = tables.filter((t) => !known.has(t));
  if (unknown.length === 0) return;
  const { rows } = await pool.query<{ table_name: string; db: string }>(
    `SELECT t.table_name::text AS table_name, current_database() AS db
       FROM unnest($1::text[]) AS wanted(name)
       JOIN information_schema.tables t ON t.table_name = wanted.name AND t.table_schema = ANY (current_schemas(false))`,
    [unknown],
  );
  for (const row of rows) known.add(row.table_name);
  const missing = unknown.find((t) => !known.has(t));
  if (missing) {
    const { rows: db } = await pool.query<{ db: string }>('SELECT current_database() AS db');
    throw new PermanentError(
      `IFDB table ${missing} is missing in database "${db[0]?.db}": DATABASE_URL must point at IFDB's database (ifqueue never creates IFDB tables)`,
    );
  }
}

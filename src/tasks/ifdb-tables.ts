// Which IFDB tables each task needs, and which of them this database lacks: so the dashboard can say before
// enqueueing that such a job would fail at once (the embedded demo database has none of IFDB's tables).
import type pg from 'pg';
import { IMPORT_TABLES } from './import/updater/require-tables.ts';
import { DISCORD_TABLES } from './discord/payload.ts';
import { RECODE_TABLES } from './uploads/recode-game.ts';

/** The tables each task checks for before it starts (the same lists the tasks use). */
export const IFDB_TABLES: Readonly<Record<string, readonly string[]>> = {
  'clone-file': ['games_url'],
  'mark-broken': ['games_url'],
  'recode-game': RECODE_TABLES,
  'fetch-feeds': ['core_feedcache'],
  'post-to-discord': DISCORD_TABLES,
  'import-games': IMPORT_TABLES,
  'import-force-update-urls': IMPORT_TABLES,
  'force-reimport': IMPORT_TABLES,
};

/** Task → the IFDB tables it needs that this database lacks; tasks that lack nothing are left out. */
export async function missingIfdbTables(pool: pg.Pool): Promise<Record<string, string[]>> {
  const wanted = [...new Set(Object.values(IFDB_TABLES).flat())];
  const { rows } = await pool.query<{ name: string }>('SELECT t.name FROM unnest($1::text[]) AS t(name) WHERE to_regclass(t.name) IS NULL', [wanted]);
  const absent = new Set(rows.map((r) => r.name));
  const missing: Record<string, string[]> = {};
  for (const [task, tables] of Object.entries(IFDB_TABLES)) {
    const lacking = tables.filter((t) => absent.has(t));
    if (lacking.length) missing[task] = lacking;
  }
  return missing;
}

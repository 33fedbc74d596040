// Refuses to run against a database without IFDB's tables (the embedded demo database, a wrong DATABASE_URL).
import { PermanentError } from '../../../runner/errors.ts';
import type { Queryable } from './db.ts';

/** Every table the import reads or writes. */
export const IMPORT_TABLES = [
  'core_user',
  'auth_group',
  'core_user_groups',
  'games_game',
  'games_url',
  'games_gameurl',
  'games_gameurlcategory',
  'games_gametag',
  'games_gametagcategory',
  'games_game_tags',
  'games_gamedescriptionattribution',
  'games_game_description_attributions',
  'games_gameauthor',
  'games_gameauthorrole',
  'games_personality',
  'games_personalityalias',
  'games_personalityaliasredirect',
  'games_personalityurl',
  'games_personalityurlcategory',
] as const;

/** Throws a PermanentError naming the first missing table and the database. */
export async function requireTables(db: Queryable, tables: readonly string[], task: string): Promise<void> {
  const { rows } = await db.query<{ name: string; present: boolean; database: string }>(
    'SELECT t.name, to_regclass(t.name) IS NOT NULL AS present, current_database() AS database FROM unnest($1::text[]) AS t(name)',
    [tables],
  );
  const missing = rows.filter((r) => !r.present).map((r) => r.name);
  if (missing.length === 0) return;
  const more = missing.length > 1 ? ` (and ${missing.length - 1} more)` : '';
  throw new PermanentError(
    `table ${missing[0]}${more} is missing in database "${rows[0]!.database}": ${task} needs IFDB's database, point DATABASE_URL at it`,
  );
}

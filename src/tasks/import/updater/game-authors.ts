// Legacy UpdateGameAuthors (tasks.md §2.6): the game's (role, alias) pairs become the imported ones,
// and each author's page on the source site is attached to their personality.
import type { TaskLogger } from '../../../runner/types.ts';
import type { PayloadAuthor } from '../to-json.ts';
import type { Catalog } from './catalog.ts';
import { clip, type Queryable } from './db.ts';
import type { FollowUp } from './follow-ups.ts';
import { updatePersonalityUrls, type AuthorImporter, type PersonalityUrlInput } from './personality-urls.ts';

export interface AuthorCounts {
  added: number;
  removed: number;
  aliasesCreated: number;
  personalitiesCreated: number;
}

/** Legacy GetOrCreateAlias; null for a blank name or a redirect that points nowhere. */
async function aliasFor(db: Queryable, log: TaskLogger, name: string, counts: AuthorCounts): Promise<number | null> {
  if (!name.trim()) return null;
  const redirect = await db.query<{ hidden_for_id: string | null }>(
    'SELECT hidden_for_id FROM games_personalityaliasredirect WHERE name = $1',
    [name],
  );
  if (redirect.rows.length > 0) {
    const target = redirect.rows[0]!.hidden_for_id;
    if (target === null) log.warn(`author "${name}" has a redirect with no target, skipped`);
    return target === null ? null : Number(target);
  }
  const alias = await db.query<{ id: string }>('SELECT id FROM games_personalityalias WHERE name = $1 ORDER BY id LIMIT 1', [name]);
  if (alias.rows.length > 0) return Number(alias.rows[0]!.id);
  const created = await db.query<{ id: string }>(
    'INSERT INTO games_personalityalias (name, personality_id, keep_if_empty) VALUES ($1, NULL, false) RETURNING id',
    [name],
  );
  counts.aliasesCreated++;
  return Number(created.rows[0]!.id);
}

export async function updateGameAuthors(
  db: Queryable,
  catalog: Catalog,
  importer: AuthorImporter,
  log: TaskLogger,
  gameId: number,
  authors: readonly PayloadAuthor[],
  update: boolean,
  followUps: FollowUp[],
): Promise<AuthorCounts> {
  const counts: AuthorCounts = { added: 0, removed: 0, aliasesCreated: 0, personalitiesCreated: 0 };
  const pair = (roleId: number, aliasId: number) => `${roleId} ${aliasId}`;
  const existing = new Map<string, number>();
  if (update) {
    const { rows } = await db.query<{ id: string; role_id: string; author_id: string }>(
      'SELECT id, role_id, author_id FROM games_gameauthor WHERE game_id = $1',
      [gameId],
    );
    for (const r of rows) existing.set(pair(Number(r.role_id), Number(r.author_id)), Number(r.id));
  }

  const otherSite = catalog.personalityUrlCategories.get('other_site')?.id;
  const aliasUrls = new Map<number, PersonalityUrlInput[]>();
  const toAdd = new Map<string, { roleId: number; aliasId: number }>();
  for (const author of authors) {
    const aliasId = await aliasFor(db, log, clip(author.name.trim()), counts);
    if (aliasId === null) continue;
    const urls = aliasUrls.get(aliasId) ?? [];
    aliasUrls.set(aliasId, urls);
    if (author.url && otherSite !== undefined) urls.push({ categoryId: otherSite, description: author.urlDescription ?? null, url: author.url });
    const k = pair(author.roleId, aliasId);
    if (existing.delete(k)) continue;
    toAdd.set(k, { roleId: author.roleId, aliasId });
  }

  for (const { roleId, aliasId } of toAdd.values()) {
    await db.query('INSERT INTO games_gameauthor (game_id, author_id, role_id) VALUES ($1, $2, $3)', [gameId, aliasId, roleId]);
    counts.added++;
  }
  if (existing.size > 0) {
    const result = await db.query('DELETE FROM games_gameauthor WHERE id = ANY($1::bigint[])', [[...existing.values()]]);
    counts.removed = result.rowCount ?? 0;
  }

  for (const [aliasId, urls] of aliasUrls) {
    if (await updatePersonalityUrls(db, catalog, importer, log, aliasId, urls, followUps)) counts.personalitiesCreated++;
  }
  return counts;
}

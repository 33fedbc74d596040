// Legacy UpdateGameUrls (tasks.md §2.6): add the game's new links, refresh changed descriptions, keep the rest.
import type { TaskLogger } from '../../../runner/types.ts';
import type { PayloadLink } from '../to-json.ts';
import type { Catalog } from './catalog.ts';
import { clip, URL_MAX, type Queryable } from './db.ts';
import type { FollowUp } from './follow-ups.ts';
import { createUrl, findUrls, makeClonable } from './urls.ts';

/** Links of this category are recoded for the in-browser interpreter. */
export const RECODABLE = 'play_in_interpreter';

export interface UrlCounts {
  added: number;
  redescribed: number;
}

export async function updateGameUrls(
  db: Queryable,
  catalog: Catalog,
  log: TaskLogger,
  gameId: number,
  links: readonly PayloadLink[],
  update: boolean,
  followUps: FollowUp[],
): Promise<UrlCounts> {
  const counts: UrlCounts = { added: 0, redescribed: 0 };
  const key = (categoryId: number, url: string) => `${categoryId} ${url}`;
  const existing = new Map<string, { id: number; description: string }>();
  if (update) {
    const { rows } = await db.query<{ id: string; category_id: string; original_url: string | null; description: string | null }>(
      `SELECT gu.id, gu.category_id, u.original_url, gu.description
         FROM games_gameurl gu JOIN games_url u ON u.id = gu.url_id WHERE gu.game_id = $1 ORDER BY gu.id`,
      [gameId],
    );
    for (const r of rows) {
      if (r.original_url !== null) existing.set(key(Number(r.category_id), r.original_url), { id: Number(r.id), description: r.description ?? '' });
    }
  }

  const toAdd: PayloadLink[] = [];
  const seen = new Set<string>();
  for (const link of links) {
    if (link.url.length > URL_MAX) {
      log.warn(`game ${gameId}: URL longer than ${URL_MAX} characters skipped: ${link.url.slice(0, 80)}…`);
      continue;
    }
    const k = key(link.categoryId, link.url);
    if (seen.has(k)) continue;
    seen.add(k);
    const description = link.description === null ? null : clip(link.description);
    const current = existing.get(k);
    if (current === undefined) {
      toAdd.push({ ...link, description });
    } else if ((description ?? '') !== current.description) {
      await db.query('UPDATE games_gameurl SET description = $1 WHERE id = $2', [description, current.id]);
      counts.redescribed++;
    }
  }
  if (toAdd.length === 0) return counts;

  const urlRows = await findUrls(db, toAdd.map((l) => l.url));
  const recodable = catalog.urlCategories.get(RECODABLE)?.id;
  for (const link of toAdd) {
    let row = urlRows.get(link.url);
    if (row === undefined) {
      const okToClone = [...catalog.urlCategories.values()].some((c) => c.id === link.categoryId && c.allowCloning);
      row = await createUrl(db, link.url, { okToClone, creatorId: catalog.maintenanceUser.id }, followUps);
      urlRows.set(link.url, row);
    }
    const { rows } = await db.query<{ id: string }>(
      'INSERT INTO games_gameurl (game_id, url_id, category_id, description) VALUES ($1, $2, $3, $4) RETURNING id',
      [gameId, row.id, link.categoryId, link.description || null],
    );
    counts.added++;
    if (link.categoryId === recodable) {
      // The recode needs the file: make sure a clone exists to wait for (legacy raced and retried).
      if (!row.hasLocalFile) await makeClonable(db, row, followUps);
      followUps.push({ kind: 'recode', gameUrlId: Number(rows[0]!.id), waitForCloneOf: row.hasLocalFile ? null : row.id });
    }
  }
  return counts;
}

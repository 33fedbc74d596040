// Legacy UpdateGameTags (tasks.md §2.6): the game's tags become the imported ones, except in categories
// the maintenance user may not edit, whose tags are never removed.
import type { TaskLogger } from '../../../runner/types.ts';
import type { PayloadTag } from '../to-json.ts';
import type { Catalog } from './catalog.ts';
import { clip, type Queryable } from './db.ts';

export interface TagCounts {
  added: number;
  removed: number;
}

async function tagIdByName(db: Queryable, catalog: Catalog, categoryId: number, name: string): Promise<number | null> {
  if (catalog.tagCategoryAllowsNew.get(categoryId)) {
    await db.query('INSERT INTO games_gametag (name, category_id) VALUES ($1, $2) ON CONFLICT (category_id, name) DO NOTHING', [name, categoryId]);
  }
  const { rows } = await db.query<{ id: string }>('SELECT id FROM games_gametag WHERE category_id = $1 AND name = $2', [categoryId, name]);
  return rows.length > 0 ? Number(rows[0]!.id) : null;
}

export async function updateGameTags(
  db: Queryable,
  catalog: Catalog,
  log: TaskLogger,
  gameId: number,
  tags: readonly PayloadTag[],
  update: boolean,
): Promise<TagCounts> {
  const stale = new Set<number>();
  if (update) {
    const { rows } = await db.query<{ id: string; category_id: string }>(
      'SELECT t.id, t.category_id FROM games_game_tags gt JOIN games_gametag t ON t.id = gt.gametag_id WHERE gt.game_id = $1',
      [gameId],
    );
    for (const r of rows) if (catalog.editableTagCategories.has(Number(r.category_id))) stale.add(Number(r.id));
  }

  const wanted: number[] = [];
  for (const tag of tags) {
    let id: number | null;
    if (typeof tag.tag === 'number') id = tag.tag;
    else {
      const name = clip(tag.tag.trim());
      if (!name) continue;
      // Legacy kept the tag object instead of its id here, so a closed category's tag was removed as stale.
      id = await tagIdByName(db, catalog, tag.categoryId, name);
      if (id === null) {
        log.warn(`game ${gameId}: tag "${name}" does not exist in closed category ${tag.categoryId}, skipped`);
        continue;
      }
    }
    if (stale.delete(id) || wanted.includes(id)) continue;
    wanted.push(id);
  }

  let added = 0;
  for (const id of wanted) {
    const result = await db.query(
      'INSERT INTO games_game_tags (game_id, gametag_id) VALUES ($1, $2) ON CONFLICT (game_id, gametag_id) DO NOTHING',
      [gameId, id],
    );
    added += result.rowCount ?? 0;
  }
  let removed = 0;
  if (stale.size > 0) {
    const result = await db.query('DELETE FROM games_game_tags WHERE game_id = $1 AND gametag_id = ANY($2::bigint[])', [gameId, [...stale]]);
    removed = result.rowCount ?? 0;
  }
  return { added, removed };
}

// Reads IFDB's games and URLs as the import run needs them (one query each, not one per game).
import { hashizeUrl } from '../../http/quote.ts';
import type { StoredGame } from '../imported-game.ts';
import type { Queryable } from './db.ts';

export async function loadStoredGames(db: Queryable): Promise<StoredGame[]> {
  const games = await db.query<{ id: string; title: string; username: string | null; edit_time: Date | null }>(
    `SELECT g.id, g.title, u.username, g.edit_time
       FROM games_game g LEFT JOIN core_user u ON u.id = g.added_by_id ORDER BY g.id`,
  );
  const links = await db.query<{ game_id: string; original_url: string; symbolic_id: string | null }>(
    `SELECT gu.game_id, u.original_url, c.symbolic_id
       FROM games_gameurl gu
       JOIN games_url u ON u.id = gu.url_id
       JOIN games_gameurlcategory c ON c.id = gu.category_id
      WHERE u.original_url IS NOT NULL ORDER BY gu.id`,
  );
  const urls = new Map<number, { url: string; category: string | null }[]>();
  for (const l of links.rows) {
    const list = urls.get(Number(l.game_id)) ?? [];
    list.push({ url: l.original_url, category: l.symbolic_id });
    urls.set(Number(l.game_id), list);
  }
  return games.rows.map((g) => ({
    id: Number(g.id),
    title: g.title,
    addedBy: g.username,
    editTime: g.edit_time,
    urls: urls.get(Number(g.id)) ?? [],
  }));
}

/** Hashes of every URL IFDB knows, game and personality URLs alike. */
export async function loadKnownUrlHashes(db: Queryable): Promise<Set<string>> {
  const { rows } = await db.query<{ original_url: string }>('SELECT original_url FROM games_url WHERE original_url IS NOT NULL');
  return new Set(rows.map((r) => hashizeUrl(r.original_url)));
}

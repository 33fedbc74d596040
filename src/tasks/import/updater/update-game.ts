// Legacy UpdateGame as run by the importer (tasks.md §2.6): the game row, its attributions, URLs, tags
// and authors. Runs inside the caller's transaction; edit_time is never touched, stale URLs are kept.
import type { TaskLogger } from '../../../runner/types.ts';
import type { UpdatePayload } from '../to-json.ts';
import type { Catalog } from './catalog.ts';
import { clip, nowUtc, type Queryable } from './db.ts';
import type { FollowUp } from './follow-ups.ts';
import { updateGameAuthors, type AuthorCounts } from './game-authors.ts';
import { updateGameTags, type TagCounts } from './game-tags.ts';
import { updateGameUrls, type UrlCounts } from './game-urls.ts';
import { canMaintenanceUser } from './permissions.ts';
import type { AuthorImporter } from './personality-urls.ts';

/** Django's defaults for the permission columns of a new game. */
const GAME_PERMS = {
  view: '(alias game_view)',
  edit: '(alias game_edit)',
  comment: '(alias game_comment)',
  delete: '(alias game_delete)',
  vote: '(alias game_vote)',
};

export interface UpdateEnv {
  db: Queryable;
  catalog: Catalog;
  importer: AuthorImporter;
  log: TaskLogger;
}

export interface UpdateResult {
  gameId: number;
  created: boolean;
  urls: UrlCounts;
  tags: TagCounts;
  authors: AuthorCounts;
  followUps: FollowUp[];
}

/** Thrown when the game may not be written (a human edited it since the run started, or no permission). */
export class NotUpdateableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotUpdateableError';
  }
}

/** Locks the game row and re-checks, inside the transaction, that the importer still owns it. */
export async function lockOwnedGame(env: UpdateEnv, gameId: number): Promise<void> {
  const { rows } = await env.db.query<{ edit_perm: string; edit_time: Date | null; added_by_id: string | null }>(
    'SELECT edit_perm, edit_time, added_by_id FROM games_game WHERE id = $1 FOR UPDATE',
    [gameId],
  );
  const game = rows[0];
  if (game === undefined) throw new NotUpdateableError(`game ${gameId} no longer exists`);
  if (game.edit_time !== null || Number(game.added_by_id) !== env.catalog.maintenanceUser.id) {
    throw new NotUpdateableError(`game ${gameId} was edited by a person, left alone`);
  }
  if (!canMaintenanceUser(env.catalog.maintenanceUser, game.edit_perm)) {
    throw new NotUpdateableError(`game ${gameId}: the maintenance user may not edit it (${game.edit_perm})`);
  }
}

async function writeAttributions(db: Queryable, gameId: number, names: readonly string[]): Promise<void> {
  await db.query('DELETE FROM games_game_description_attributions WHERE game_id = $1', [gameId]);
  const distinct = [...new Set(names.map((n) => clip(n.trim())).filter(Boolean))];
  for (const name of distinct) {
    await db.query('INSERT INTO games_gamedescriptionattribution (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [name]);
    await db.query(
      `INSERT INTO games_game_description_attributions (game_id, gamedescriptionattribution_id)
       SELECT $1, id FROM games_gamedescriptionattribution WHERE name = $2
       ON CONFLICT (game_id, gamedescriptionattribution_id) DO NOTHING`,
      [gameId, name],
    );
  }
}

/** Writes one game; `gameId` null creates it. The caller commits, then queues `followUps`. */
export async function updateGame(env: UpdateEnv, payload: UpdatePayload, gameId: number | null): Promise<UpdateResult> {
  const { db } = env;
  const title = clip(payload.title);
  const description = payload.desc ?? null;
  const releaseDate = payload.release_date ?? null;
  let id: number;
  if (gameId !== null) {
    await lockOwnedGame(env, gameId);
    await db.query('UPDATE games_game SET title = $1, description = $2, release_date = $3 WHERE id = $4', [title, description, releaseDate, gameId]);
    id = gameId;
  } else {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO games_game (title, description, release_date, creation_time, edit_time, added_by_id,
                               view_perm, edit_perm, comment_perm, delete_perm, vote_perm)
       VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [title, description, releaseDate, nowUtc(), env.catalog.maintenanceUser.id, GAME_PERMS.view, GAME_PERMS.edit, GAME_PERMS.comment, GAME_PERMS.delete, GAME_PERMS.vote],
    );
    id = Number(rows[0]!.id);
  }
  const update = gameId !== null;
  if (payload.description_attributions !== undefined) await writeAttributions(db, id, payload.description_attributions);

  const followUps: FollowUp[] = [];
  const urls = await updateGameUrls(db, env.catalog, env.log, id, payload.links, update, followUps);
  const tags = await updateGameTags(db, env.catalog, env.log, id, payload.tags, update);
  const authors = await updateGameAuthors(db, env.catalog, env.importer, env.log, id, payload.authors, update, followUps);
  if (!update) followUps.push({ kind: 'discord', gameId: id });
  return { gameId: id, created: !update, urls, tags, authors, followUps };
}

/** Legacy StoreOnlyUrls for a game a person edited: only add its new links (with --append-urls). */
export async function updateOnlyUrls(env: UpdateEnv, payload: UpdatePayload, gameId: number): Promise<{ urls: UrlCounts; followUps: FollowUp[] }> {
  const followUps: FollowUp[] = [];
  const urls = await updateGameUrls(env.db, env.catalog, env.log, gameId, payload.links, true, followUps);
  return { urls, followUps };
}

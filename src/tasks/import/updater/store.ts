// Legacy Store()/StoreOnlyUrls(): one game written in one transaction, its follow-up jobs queued after
// the commit. A dry run does the same writes and rolls them back, so it reports exactly what would change.
import type pg from 'pg';
import { inTransaction as runInTransaction } from '../../../runner/db.ts';
import type { TaskContext } from '../../../runner/types.ts';
import type { ImportedGame } from '../imported-game.ts';
import type { Importer } from '../importer.ts';
import { importerToJson } from '../to-json.ts';
import type { Catalog } from './catalog.ts';
import { describeFollowUp, enqueueFollowUps, type FollowUp } from './follow-ups.ts';
import type { AuthorImporter } from './personality-urls.ts';
import { updateGame, updateOnlyUrls, type UpdateEnv } from './update-game.ts';

export interface StoreDeps {
  pool: pg.Pool;
  catalog: Catalog;
  importer: Importer;
  /** ImportAuthor with a per-run cache */
  authors: AuthorImporter;
  ctx: Pick<TaskContext, 'log' | 'enqueueOrGet' | 'signal'>;
  dryRun: boolean;
}

export type StoreOutcome =
  | { kind: 'created' | 'updated' | 'urls-only'; gameId: number; summary: string }
  | { kind: 'fetch-failed'; reason: string };

function inTransaction<T>(pool: pg.Pool, dryRun: boolean, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return runInTransaction(pool, work, { rollback: dryRun });
}

async function afterCommit(deps: StoreDeps, followUps: readonly FollowUp[]): Promise<void> {
  if (followUps.length === 0) return;
  if (deps.dryRun) {
    for (const f of followUps) deps.ctx.log.info(`  dry run: would enqueue ${describeFollowUp(f)}`);
    return;
  }
  await enqueueFollowUps(deps.ctx, followUps);
}

/**
 * Stores a game (fetching it first if needed). `urlsOnly` adds the links of a game a person edited.
 * Throws on a database error or unknown slug; the transaction is rolled back and nothing is queued.
 */
export async function storeGame(deps: StoreDeps, game: ImportedGame, urlsOnly = false): Promise<StoreOutcome> {
  if (game.content === null && !(await game.fetch(deps.importer))) {
    return { kind: 'fetch-failed', reason: game.fetchError ?? 'fetch failed' };
  }
  const payload = importerToJson(game.content!, deps.catalog);
  const verb = deps.dryRun ? 'dry run: would' : '';
  const envFor = (client: pg.PoolClient): UpdateEnv => ({ db: client, catalog: deps.catalog, importer: deps.authors, log: deps.ctx.log });

  if (urlsOnly) {
    if (game.game === null) throw new Error('only existing games can get URLs only');
    const gameId = game.game.id;
    const result = await inTransaction(deps.pool, deps.dryRun, (client) => updateOnlyUrls(envFor(client), payload, gameId));
    const summary = `${game.label}: ${verb ? `${verb} add` : 'added'} ${result.urls.added} URLs only (edited by a person)`;
    deps.ctx.log.info(summary);
    await afterCommit(deps, result.followUps);
    return { kind: 'urls-only', gameId, summary };
  }

  const result = await inTransaction(deps.pool, deps.dryRun, (client) => updateGame(envFor(client), payload, game.game?.id ?? null));
  const action = result.created ? (verb ? `${verb} create` : 'created') : verb ? `${verb} update` : 'updated';
  const who = result.created ? `game "${payload.title}"${deps.dryRun ? '' : ` (id ${result.gameId})`}` : game.label;
  const summary =
    `${action} ${who}: URLs +${result.urls.added} (${result.urls.redescribed} redescribed), ` +
    `tags +${result.tags.added} -${result.tags.removed}, authors +${result.authors.added} -${result.authors.removed}`;
  deps.ctx.log.info(summary);
  await afterCommit(deps, result.followUps);
  return { kind: result.created ? 'created' : 'updated', gameId: result.gameId, summary };
}

/** ImportAuthor results cached for the run (legacy fetched the same author page twice per alias). */
export function cachedAuthorImporter(importer: Importer): AuthorImporter {
  const cache = new Map<string, ReturnType<Importer['importAuthor']>>();
  return {
    importAuthor(url) {
      let pending = cache.get(url);
      if (pending === undefined) {
        pending = importer.importAuthor(url);
        cache.set(url, pending);
      }
      return pending;
    },
  };
}

// The import runs (tasks.md §2.4): ImportGames (with or without append-urls) and ForceReimport.
// Every source and every game is isolated: a failure is logged and counted, and the run goes on.
import type pg from 'pg';
import { errorMessage } from '../../../runner/errors.ts';
import type { TaskContext } from '../../../runner/types.ts';
import { hashizeUrl } from '../../http/quote.ts';
import { GameSet } from '../game-set.ts';
import { ImportedGame } from '../imported-game.ts';
import type { Importer, SourceCandidates } from '../importer.ts';
import { loadCatalog } from './catalog.ts';
import { loadKnownUrlHashes, loadStoredGames } from './load-games.ts';
import { cachedAuthorImporter, storeGame, type StoreDeps } from './store.ts';
import { NotUpdateableError } from './update-game.ts';

export interface RunDeps {
  pool: pg.Pool;
  maintenanceUser: string;
  importer: Importer;
  ctx: TaskContext;
}

export interface RunOptions {
  dryRun: boolean;
  /** also add new URLs to games a person edited (legacy append_urls / ImportForceUpdateUrls) */
  appendUrls: boolean;
  /** URLs to import besides the sources' listings */
  extraUrls: readonly string[];
}

export interface ImportSummary {
  dryRun: boolean;
  candidates: number;
  new: number;
  merged: number;
  updated: number;
  urlsOnly: number;
  /** candidates already in IFDB, and changed games nobody may update */
  skipped: number;
  /** pages that gave no game (not a game page, or a broken page of an existing game) */
  fetchFailed: number;
  errors: number;
  failedSources: string[];
  durationMs: number;
}

function emptySummary(dryRun: boolean): ImportSummary {
  return { dryRun, candidates: 0, new: 0, merged: 0, updated: 0, urlsOnly: 0, skipped: 0, fetchFailed: 0, errors: 0, failedSources: [], durationMs: 0 };
}

async function prepare(deps: RunDeps, dryRun: boolean) {
  const catalog = await loadCatalog(deps.pool, deps.maintenanceUser);
  const storeDeps: StoreDeps = { pool: deps.pool, catalog, importer: deps.importer, authors: cachedAuthorImporter(deps.importer), ctx: deps.ctx, dryRun };
  const set = new GameSet(deps.ctx.log);
  for (const stored of await loadStoredGames(deps.pool)) set.addGame(ImportedGame.fromStored(stored, deps.importer, deps.maintenanceUser));
  return { storeDeps, set };
}

/** Stores one game; every failure is logged and counted here. */
async function storeCounted(storeDeps: StoreDeps, game: ImportedGame, urlsOnly: boolean, summary: ImportSummary): Promise<void> {
  const { log } = storeDeps.ctx;
  try {
    const outcome = await storeGame(storeDeps, game, urlsOnly);
    if (outcome.kind === 'fetch-failed') {
      summary.fetchFailed++;
      log.warn(`${game.label}: not updated, import failed: ${outcome.reason}`);
    } else if (outcome.kind === 'created') summary.new++;
    else if (outcome.kind === 'updated') summary.updated++;
    else summary.urlsOnly++;
  } catch (error) {
    storeDeps.ctx.signal.throwIfAborted();
    if (error instanceof NotUpdateableError) {
      summary.skipped++;
      log.warn(error.message);
    } else {
      summary.errors++;
      log.error(`${game.label}: not stored: ${errorMessage(error)}`);
    }
  }
}

async function importCandidates(deps: RunDeps, set: GameSet, groups: readonly SourceCandidates[], known: Set<string>, summary: ImportSummary) {
  const { ctx, importer } = deps;
  for (const group of groups) {
    let current = 0;
    for (const url of group.urls) {
      ctx.signal.throwIfAborted();
      ctx.progress({ label: group.source, current: ++current, total: group.urls.length });
      summary.candidates++;
      if (set.hasUrl(url) || known.has(hashizeUrl(url))) {
        if (!set.hasUrl(url)) ctx.log.debug(`${url} is known to IFDB but no game has it as a game URL, skipped`);
        summary.skipped++;
        continue;
      }
      try {
        const game = new ImportedGame();
        game.addUrl(url);
        if (!(await game.fetch(importer))) {
          summary.fetchFailed++;
          ctx.log.info(`${url}: no game imported: ${game.fetchError}`);
          continue;
        }
        const outcome = set.tryMerge(game);
        if (outcome.kind === 'merged') {
          summary.merged++;
          ctx.log.info(`${url}: "${game.title}" merged into ${outcome.into.label} (${outcome.added} new URLs)`);
        } else ctx.log.info(`${url}: new game "${game.title}"`);
      } catch (error) {
        ctx.signal.throwIfAborted();
        summary.errors++;
        ctx.log.error(`${url}: import failed: ${errorMessage(error)}`);
      }
    }
  }
}

/** ImportGames(append_urls): new games from the sources' listings, then every changed game stored. */
export async function runImportGames(deps: RunDeps, options: RunOptions): Promise<ImportSummary> {
  const started = Date.now();
  const { ctx, importer } = deps;
  const summary = emptySummary(options.dryRun);
  // Listings first: rilarhiv recognises only URLs of its freshly loaded listing (legacy built the set first).
  const { candidates, failed } = await importer.collectCandidates();
  summary.failedSources = [...failed.keys()];
  if (options.extraUrls.length > 0) candidates.push({ source: 'manual', urls: [...options.extraUrls] });
  const known = await loadKnownUrlHashes(deps.pool);
  const { storeDeps, set } = await prepare(deps, options.dryRun);

  await importCandidates(deps, set, candidates, known, summary);
  for (const url of await importer.collectDirtyUrls()) set.dirtifyUrl(url);

  const modified = set.games.filter((g) => g.modified);
  let current = 0;
  for (const game of modified) {
    ctx.signal.throwIfAborted();
    ctx.progress({ label: 'store', current: ++current, total: modified.length });
    if (game.updateable) await storeCounted(storeDeps, game, false, summary);
    else if (options.appendUrls && game.newUrls.length > 0) await storeCounted(storeDeps, game, true, summary);
    else {
      summary.skipped++;
      const what = game.newUrls.length > 0 ? `new URLs (${game.newUrls.join(', ')})` : 'changes on its source pages';
      ctx.log.warn(`${game.label}: ${what}, but a person edited it: not updated`);
    }
  }
  return finish(ctx, importer, summary, started);
}

/** ForceReimport: every game the importer owns is imported again from its seed URLs and stored. */
export async function runForceReimport(deps: RunDeps, options: Pick<RunOptions, 'dryRun'>): Promise<ImportSummary> {
  const started = Date.now();
  const { ctx, importer } = deps;
  const summary = emptySummary(options.dryRun);
  const { failed } = await importer.collectCandidates();
  summary.failedSources = [...failed.keys()];
  const { storeDeps, set } = await prepare(deps, options.dryRun);

  let current = 0;
  for (const game of set.games) {
    ctx.signal.throwIfAborted();
    ctx.progress({ label: 'reimport', current: ++current, total: set.games.length });
    if (game.updateable) await storeCounted(storeDeps, game, false, summary);
    else {
      summary.skipped++;
      ctx.log.debug(`${game.label}: edited by a person or not added by the importer, left alone`);
    }
  }
  return finish(ctx, importer, summary, started);
}

function finish(ctx: TaskContext, importer: Importer, summary: ImportSummary, started: number): ImportSummary {
  summary.durationMs = Date.now() - started;
  const failedSources = summary.failedSources.length > 0 ? `, failed sources: ${summary.failedSources.join(', ')}` : '';
  const pages = [...importer.stats].map(([source, s]) => `${source} ${s.pages} pages/${s.errors} errors`).join(', ');
  if (pages) ctx.log.info(`pages fetched: ${pages}`);
  ctx.log.info(
    `${summary.dryRun ? 'dry run, nothing written: ' : ''}${summary.candidates} candidates, ${summary.new} new, ${summary.merged} merged, ` +
      `${summary.updated} updated, ${summary.urlsOnly} URLs only, ${summary.skipped} skipped, ${summary.fetchFailed} not imported, ` +
      `${summary.errors} errors${failedSources} in ${(summary.durationMs / 1000).toFixed(1)} s`,
  );
  return summary;
}

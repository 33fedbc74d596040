// recode-game: prepares a game URL for the in-browser URQ interpreter (tasks.md §1.4, with the §1.5 fixes).
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { PermanentError } from '../../runner/errors.ts';
import { defineTask } from '../../runner/task.ts';
import type { TaskContext } from '../../runner/types.ts';
import type { TaskDeps } from '../deps.ts';
import { lastExtension, makeDirectory, placeFile, PRIVATE_FILE_MODE, PUBLISHED_DIR_MODE, resolveStored, safeBaseName, storeDir, storeUrl, temporaryPath, urlLastSegment } from '../files/index.ts';
import { repackArchive } from './archive.ts';
import { decodeCp1251Strict } from './cp1251.ts';
import { requireIfdbTables } from './ifdb-tables.ts';
import { createStaleSweeper, type StaleSweeper } from './stale-sweeper.ts';

export const RECODE_TABLES = ['games_gameurl', 'games_gameurlcategory', 'games_url', 'games_interpretedgameurl', 'games_game_tags', 'games_gametag', 'games_gametagcategory'];
const RECODABLE = 'play_in_interpreter';
const KEPT_AS_IS = new Set(['.zip', '.qsz']);
const VARCHAR = 255;

interface GameUrlRow {
  id: string;
  game_id: string;
  category: string | null;
  url_id: string;
  original_url: string | null;
  original_filename: string | null;
  local_filename: string | null;
  is_uploaded: boolean;
}

/** IFDB's configuration_json, byte for byte as Python's json.dumps wrote it. */
export function interpreterConfiguration(variant: string | null): string {
  return `{"interpreter": "urqw", "variant": ${variant === null ? 'null' : JSON.stringify(variant)}}`;
}

export function variantFromPlatforms(platforms: readonly string[]): string | null {
  if (platforms.some((p) => /dosurq/i.test(p))) return 'dosurq';
  if (platforms.some((p) => /ripurq/i.test(p))) return 'ripurq';
  return null;
}

/** Legacy's recode name: spaces become `_`, anything but letters, digits, `_ - .` is dropped; then made safe. */
export function recodeName(localFilename: string): string {
  const base = localFilename.split(/[/\\]/).pop() ?? '';
  return safeBaseName(base.replace(/\s/g, '_').replace(/[^-\p{L}\p{M}\p{N}_.]/gu, ''));
}

export function recodeGameTask(deps: TaskDeps, sweep: StaleSweeper = createStaleSweeper(deps.config)) {
  const { pool, config } = deps;

  async function loadRow(gameUrlId: number): Promise<GameUrlRow> {
    const { rows } = await pool.query<GameUrlRow>(
      `SELECT gu.id, gu.game_id, c.symbolic_id AS category, u.id AS url_id, u.original_url, u.original_filename,
              u.local_filename, u.is_uploaded
         FROM games_gameurl gu
         JOIN games_gameurlcategory c ON c.id = gu.category_id
         JOIN games_url u ON u.id = gu.url_id
        WHERE gu.id = $1`,
      [gameUrlId],
    );
    if (!rows[0]) throw new PermanentError(`games_gameurl ${gameUrlId} does not exist`);
    return rows[0];
  }

  async function platforms(gameId: string): Promise<string[]> {
    const { rows } = await pool.query<{ name: string }>(
      `SELECT t.name
         FROM games_game_tags gt
         JOIN games_gametag t ON t.id = gt.gametag_id
         JOIN games_gametagcategory tc ON tc.id = t.category_id
        WHERE gt.game_id = $1 AND tc.symbolic_id = 'platform'`,
      [gameId],
    );
    return rows.map((r) => r.name);
  }

  async function upsert(gameUrlId: number, recoded: string | null, configuration: string): Promise<string | null> {
    const { rows } = await pool.query<{ recoded_filename: string | null }>(
      'SELECT recoded_filename FROM games_interpretedgameurl WHERE original_id = $1',
      [gameUrlId],
    );
    await pool.query(
      `INSERT INTO games_interpretedgameurl (original_id, recoded_filename, recoded_url, recoding_date, is_playable, configuration_json)
       VALUES ($1, $2, $3, now(), NULL, $4)
       ON CONFLICT (original_id) DO UPDATE
          SET recoded_filename = EXCLUDED.recoded_filename, recoded_url = EXCLUDED.recoded_url,
              recoding_date = EXCLUDED.recoding_date, configuration_json = EXCLUDED.configuration_json`,
      [gameUrlId, recoded, recoded === null ? null : storeUrl(config, 'recodes', recoded), configuration],
    );
    return rows[0]?.recoded_filename ?? null;
  }

  /** The legacy ordering race, fixed: wait for the URL's clone-file job instead of failing. */
  async function waitForClone(row: GameUrlRow, gameUrlId: number, ctx: TaskContext) {
    const urlId = Number(row.url_id);
    const clone = await ctx.enqueueOrGet('clone-file', { urlId }, { name: `CloneUrl(${urlId})`, onFail: 'mark-broken' });
    const next = await ctx.enqueue('recode-game', { gameUrlId, afterClone: true }, { name: `RecodeGame(${gameUrlId})`, dependsOn: clone.id });
    ctx.log.info(
      `url ${urlId} is not cloned yet: ${clone.created ? 'enqueued' : 'found'} clone-file job ${clone.id}; recode re-enqueued as ${next}, after it`,
    );
    return { gameUrlId, waitingForClone: clone.id, requeued: next };
  }

  async function produce(row: GameUrlRow, ext: string, ctx: TaskContext): Promise<{ name: string; bytes: number }> {
    const source = resolveStored(config, row.is_uploaded ? 'uploads' : 'backups', row.local_filename!);
    if (!source) throw new PermanentError(`url ${row.url_id} has an unsafe local_filename: ${JSON.stringify(row.local_filename)}`);
    const size = await stat(source).then(
      (s) => s.size,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') throw new PermanentError(`local file of url ${row.url_id} is missing: ${path.basename(source)}`);
        throw error;
      },
    );
    const dir = storeDir(config, 'recodes');
    await makeDirectory(dir, PUBLISHED_DIR_MODE);
    const temporary = temporaryPath(dir);
    const fits = (name: string) => storeUrl(config, 'recodes', name).length <= VARCHAR;
    try {
      if (ext === '.qst') {
        if (size > config.limits.fileBytes) throw new PermanentError(`${row.local_filename} is larger than ${config.limits.fileBytes} bytes`);
        const text = decodeCp1251Strict(await readFile(source), row.local_filename!);
        await writeFile(temporary, text, { flag: 'wx', mode: PRIVATE_FILE_MODE, signal: ctx.signal });
        const name = await placeFile(dir, recodeName(row.local_filename!), temporary, { fits });
        ctx.log.info(`recoded ${size} bytes of cp1251 into ${Buffer.byteLength(text)} bytes of UTF-8 → recodes/${name}`);
        return { name, bytes: Buffer.byteLength(text) };
      }
      const result = await repackArchive(config, source, temporary, ctx);
      const name = await placeFile(dir, `${recodeName(row.local_filename!)}.zip`, temporary, { fits });
      ctx.log.info(`re-zipped ${result.files} files (${result.unpackedBytes} bytes) into ${result.zipBytes} bytes → recodes/${name}`);
      return { name, bytes: result.zipBytes };
    } finally {
      await rm(temporary, { force: true });
    }
  }

  return defineTask({
    name: 'recode-game',
    description: 'Prepares a play_in_interpreter game URL for UrqW (cp1251 .qst to UTF-8, archives re-zipped)',
    schema: z.object({ gameUrlId: z.number().int().positive(), afterClone: z.boolean().optional() }).strict(),
    concurrency: 2,
    retry: { retries: 2, delaySeconds: 60, backoff: true, maxDelaySeconds: 1800 },
    expireSeconds: Math.ceil(config.limits.extractorTimeoutMs / 1000) * 3 + 300,
    async handler({ gameUrlId, afterClone }, ctx) {
      const started = Date.now();
      await requireIfdbTables(pool, RECODE_TABLES);
      await sweep(ctx);
      const row = await loadRow(gameUrlId);
      if (row.category !== RECODABLE) {
        ctx.log.error(`game url ${gameUrlId} is in category ${row.category}, not ${RECODABLE}: nothing to recode`);
        return { gameUrlId, skipped: 'category' };
      }
      const configuration = interpreterConfiguration(variantFromPlatforms(await platforms(row.game_id)));
      const fileName = safeBaseName(row.original_filename ?? row.local_filename ?? urlLastSegment(row.original_url ?? ''));
      const ext = lastExtension(fileName);
      if (KEPT_AS_IS.has(ext)) {
        await upsert(gameUrlId, null, configuration);
        ctx.log.info(`game url ${gameUrlId}: ${fileName} is played as it is (${configuration})`);
        return { gameUrlId, kept: true, configuration };
      }
      if (!row.local_filename) {
        if (afterClone) throw new PermanentError(`url ${row.url_id} still has no local file after its clone-file job`);
        return waitForClone(row, gameUrlId, ctx);
      }
      const produced = await produce(row, ext, ctx);
      let previous: string | null;
      try {
        previous = await upsert(gameUrlId, produced.name, configuration);
      } catch (error) {
        await rm(path.join(storeDir(config, 'recodes'), produced.name), { force: true });
        throw error;
      }
      // the row now points at the new file; an older recode of this URL is no one's any more
      const stale = previous && previous !== produced.name ? resolveStored(config, 'recodes', previous) : null;
      if (stale) await rm(stale, { force: true });
      const ms = Date.now() - started;
      ctx.log.info(`game url ${gameUrlId} recoded in ${ms} ms (${configuration})`);
      return { gameUrlId, recodedFilename: produced.name, bytes: produced.bytes, durationMs: ms, configuration };
    },
    summarize: (a) => `game url ${a.gameUrlId}`,
  });
}

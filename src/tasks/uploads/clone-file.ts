// clone-file: a local backup of a remote game file (tasks.md §1.2, with the §1.5 fixes).
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { PermanentError } from '../../runner/errors.ts';
import { defineTask } from '../../runner/task.ts';
import type { TaskContext } from '../../runner/types.ts';
import type { TaskDeps } from '../deps.ts';
import { FALLBACK_NAME, makeDirectory, placeFile, PUBLISHED_DIR_MODE, safeBaseName, withoutControls, storeDir, storeUrl, temporaryPath, urlLastSegment } from '../files/index.ts';
import type { HttpClient } from '../http/index.ts';
import { toTaskError } from '../http/index.ts';
import { requireIfdbTables } from './ifdb-tables.ts';
import { findPlacedCopy } from './placed-copy.ts';
import { createStaleSweeper, type StaleSweeper } from './stale-sweeper.ts';

const VARCHAR = 255;
const INT_MAX = 2 ** 31 - 1;
const PROGRESS_STEP = 4 * 1024 * 1024;

interface UrlRow {
  id: string;
  original_url: string | null;
  is_uploaded: boolean;
}

/**
 * Content-Disposition's name, else the request URL's last segment if it names a file, else the final
 * URL's; the first that is still a name after sanitising wins.
 */
export function chooseFileName(dispositionFilename: string | null, requestUrl: string, finalUrl: string): string {
  const requested = urlLastSegment(requestUrl);
  const looksLikeFile = requested !== null && /\.[\p{L}\p{N}]{1,10}$/u.test(requested);
  const candidates = [dispositionFilename, looksLikeFile ? requested : null, urlLastSegment(finalUrl), requested];
  for (const candidate of candidates) {
    const name = safeBaseName(candidate);
    if (name !== FALLBACK_NAME) return name;
  }
  return FALLBACK_NAME;
}

/** Fits a header value into a varchar(255) column: no control characters (PostgreSQL refuses NUL), at most 255 characters. */
function clip(value: string | null, max = VARCHAR): string | null {
  return value === null ? null : [...withoutControls(value)].slice(0, max).join('');
}

export function progressLogger(ctx: TaskContext, label: string) {
  let next = PROGRESS_STEP;
  return (bytes: number) => {
    if (bytes < next) return;
    next = bytes + PROGRESS_STEP;
    ctx.progress({ label, current: bytes });
  };
}

export function cloneFileTask(deps: TaskDeps, http: HttpClient, sweep: StaleSweeper = createStaleSweeper(deps.config)) {
  const { pool, config } = deps;
  return defineTask({
    name: 'clone-file',
    description: 'Downloads a games_url to the backups store and records the local copy',
    schema: z.object({ urlId: z.number().int().positive() }).strict(),
    concurrency: 4,
    retry: { retries: 3, delaySeconds: 60, backoff: true, maxDelaySeconds: 3600 },
    expireSeconds: Math.ceil(config.limits.requestTimeoutMs / 1000) + 300,
    onFail: 'mark-broken',
    async handler({ urlId }, ctx) {
      await requireIfdbTables(pool, ['games_url']);
      await sweep(ctx);
      const { rows } = await pool.query<UrlRow>('SELECT id, original_url, is_uploaded FROM games_url WHERE id = $1', [urlId]);
      const url = rows[0];
      if (!url) throw new PermanentError(`games_url ${urlId} does not exist`);
      if (url.is_uploaded) {
        ctx.log.info(`url ${urlId} is an upload; it has its own local file, nothing to clone`);
        return { urlId, skipped: 'uploaded' };
      }
      if (!url.original_url) throw new PermanentError(`games_url ${urlId} has no original_url`);

      const dir = storeDir(config, 'backups');
      await makeDirectory(dir, PUBLISHED_DIR_MODE);
      const temporary = temporaryPath(dir);
      const started = Date.now();
      let storedPath: string | null = null;
      let reused = false;
      try {
        const log = (level: 'info' | 'warn', message: string) => ctx.log[level](message);
        const result = await http
          .download(url.original_url, temporary, { signal: ctx.signal, onProgress: progressLogger(ctx, 'download'), log })
          .catch((error: unknown) => Promise.reject(toTaskError(error, `url ${urlId}`)));
        ctx.signal.throwIfAborted();
        const wanted = chooseFileName(result.dispositionFilename, url.original_url, result.finalUrl);
        const earlier = await findPlacedCopy(pool, dir, wanted, result, urlId);
        const name = earlier ?? (await placeFile(dir, wanted, temporary, { fits: (n) => storeUrl(config, 'backups', n).length <= VARCHAR }));
        reused = earlier !== null;
        if (reused) ctx.log.info(`backups/${name} already holds these bytes (same name, size and SHA-256, recorded by no other URL): an earlier run placed it and was stopped before recording it; reusing it`);
        // a reused file was there before this run: a failure below must not delete it
        storedPath = reused ? null : path.join(dir, name);
        const { size } = await stat(path.join(dir, name));
        if (size > INT_MAX) ctx.log.warn(`file_size ${size} does not fit games_url.file_size (integer); stored as NULL`);
        const update = await pool.query(
          `UPDATE games_url
              SET local_url = $2, local_filename = $3, original_filename = $4, content_type = $5, file_size = $6, is_broken = false
            WHERE id = $1`,
          [urlId, storeUrl(config, 'backups', name), name, clip(result.dispositionFilename), clip(result.contentType), size > INT_MAX ? null : size],
        );
        if (update.rowCount === 0) throw new PermanentError(`games_url ${urlId} was deleted during the download`);
        const ms = Date.now() - started;
        ctx.log.info(`cloned url ${urlId}: ${size} bytes in ${ms} ms (${result.contentType}) → backups/${name}`);
        storedPath = null;
        return { urlId, bytes: size, durationMs: ms, localFilename: name, contentType: result.contentType, ...(reused ? { reused: true } : {}) };
      } finally {
        // any failure after the download leaves neither the temporary file nor an unrecorded copy
        await rm(temporary, { force: true });
        if (storedPath) await rm(storedPath, { force: true });
      }
    },
    summarize: (a) => `url ${a.urlId}`,
  });
}

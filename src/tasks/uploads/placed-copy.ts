// Makes clone-file's placement idempotent: a run killed between placing the file and recording it
// leaves a stored file no row points at. A re-run of the same URL that downloads the same bytes
// takes that file instead of placing a second copy under a random suffix.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { splitExtension } from '../files/index.ts';

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The stored names an earlier run for `wanted` could have used: `wanted` itself, then `<root>_XXXXXXX<ext>`. */
async function candidates(dir: string, wanted: string): Promise<string[]> {
  const exact = await lstat(path.join(dir, wanted)).catch(() => null);
  // a suffixed name is only ever chosen while `wanted` is taken
  if (!exact) return [];
  const { root, ext } = splitExtension(wanted);
  const suffixed = new RegExp(`^${escapeRegExp(root)}_[A-Za-z0-9]{7}${escapeRegExp(ext)}$`);
  const names = await readdir(dir).catch(() => [] as string[]);
  return [wanted, ...names.filter((name) => suffixed.test(name))];
}

/**
 * A file in `dir`, named for this download, with the same size and SHA-256, that no other
 * games_url row records: the copy an interrupted earlier run of `urlId` placed. Null when none.
 */
export async function findPlacedCopy(
  pool: pg.Pool,
  dir: string,
  wanted: string,
  download: { bytes: number; sha256: string },
  urlId: number,
): Promise<string | null> {
  for (const name of await candidates(dir, wanted)) {
    const info = await lstat(path.join(dir, name)).catch(() => null);
    if (!info?.isFile() || info.size !== download.bytes) continue;
    if ((await sha256Of(path.join(dir, name))) !== download.sha256) continue;
    const { rowCount } = await pool.query('SELECT 1 FROM games_url WHERE local_filename = $1 AND id <> $2 AND NOT is_uploaded LIMIT 1', [name, urlId]);
    if (rowCount === 0) return name;
  }
  return null;
}

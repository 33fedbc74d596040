// Shared set-up for the upload task tests: an IFDB database with rows to work on, a pool for the
// tasks, and hand-built archives (tar, tar.gz and zip) including hostile ones.
import { gzipSync } from 'node:zlib';
import { readdir } from 'node:fs/promises';
import pg from 'pg';
import yazl from 'yazl';
import { createTestDatabase, loadIfdbSchema, type TestDatabase } from '../../helpers/db.ts';

export interface IfdbFixture {
  db: TestDatabase;
  pool: pg.Pool;
  close(): Promise<void>;
}

export async function ifdbFixture(label: string, withSchema = true): Promise<IfdbFixture> {
  const db = await createTestDatabase(label);
  if (withSchema) await loadIfdbSchema(db);
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  pool.on('error', () => {});
  return {
    db,
    pool,
    async close() {
      await pool.end().catch(() => {});
      await db.drop();
    },
  };
}

export async function insertUrl(pool: pg.Pool, values: { originalUrl?: string | null; localFilename?: string | null; originalFilename?: string | null; isUploaded?: boolean; isBroken?: boolean } = {}): Promise<number> {
  const { rows } = await pool.query(
    `INSERT INTO games_url (original_url, local_filename, original_filename, ok_to_clone, is_uploaded, is_broken, creation_date, use_count)
     VALUES ($1, $2, $3, true, $4, $5, now(), 0) RETURNING id`,
    [values.originalUrl ?? null, values.localFilename ?? null, values.originalFilename ?? null, values.isUploaded ?? false, values.isBroken ?? false],
  );
  return Number(rows[0].id);
}

export async function insertGame(pool: pg.Pool, title = 'Игра', platforms: string[] = []): Promise<number> {
  const { rows } = await pool.query(
    `INSERT INTO games_game (title, creation_time, view_perm, edit_perm, comment_perm, delete_perm, vote_perm)
     VALUES ($1, now(), '@all', '@admin', '@all', '@admin', '@all') RETURNING id`,
    [title],
  );
  const gameId = Number(rows[0].id);
  for (const name of platforms) {
    const tag = await pool.query(
      `INSERT INTO games_gametag (name, category_id) VALUES ($1, (SELECT id FROM games_gametagcategory WHERE symbolic_id = 'platform'))
       ON CONFLICT (category_id, name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
      [name],
    );
    await pool.query('INSERT INTO games_game_tags (game_id, gametag_id) VALUES ($1, $2)', [gameId, tag.rows[0].id]);
  }
  return gameId;
}

export async function insertGameUrl(pool: pg.Pool, gameId: number, urlId: number, category = 'play_in_interpreter'): Promise<number> {
  const { rows } = await pool.query(
    `INSERT INTO games_gameurl (game_id, url_id, category_id) VALUES ($1, $2, (SELECT id FROM games_gameurlcategory WHERE symbolic_id = $3)) RETURNING id`,
    [gameId, urlId, category],
  );
  return Number(rows[0].id);
}

/** Every file below `dir`, relative, sorted (empty when `dir` does not exist). */
export async function listTree(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true })).map(String).sort();
  } catch {
    return [];
  }
}

export interface TarEntry {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'fifo' | 'chardev' | 'blockdev';
  data?: Buffer | string;
  /** declared size, when it should differ from the data (lying headers) */
  size?: number;
  link?: string;
}

const TYPE_FLAG = { file: '0', hardlink: '1', symlink: '2', chardev: '3', blockdev: '4', fifo: '6', dir: '5' } as const;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** A POSIX ustar archive, built by hand so that hostile entries (../, absolute, links) are possible. */
export function tar(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const data = type === 'file' ? Buffer.from(entry.data ?? '') : Buffer.alloc(0);
    const header = Buffer.alloc(512);
    header.write(entry.name, 0, 100, 'utf8');
    header.write(octal(type === 'dir' ? 0o755 : 0o644, 8), 100, 'ascii');
    header.write(octal(0, 8), 108, 'ascii');
    header.write(octal(0, 8), 116, 'ascii');
    header.write(octal(entry.size ?? data.length, 12), 124, 'ascii');
    header.write(octal(1_700_000_000, 12), 136, 'ascii');
    header.write('        ', 148, 'ascii');
    header.write(TYPE_FLAG[type], 156, 'ascii');
    if (entry.link) header.write(entry.link, 157, 100, 'utf8');
    header.write('ustar\u000000', 257, 'ascii');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export function tarGz(entries: TarEntry[]): Buffer {
  return gzipSync(tar(entries));
}

/** A zip made with yazl; `mode` 0o120777 turns an entry into a symlink whose data is the target. */
export async function zip(entries: { name: string; data: Buffer | string; mode?: number }[]): Promise<Buffer> {
  const file = new yazl.ZipFile();
  for (const e of entries) file.addBuffer(Buffer.from(e.data), e.name, e.mode ? { mode: e.mode } : {});
  file.end();
  const chunks: Buffer[] = [];
  for await (const chunk of file.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

// games_url rows: exact-string lookup and legacy CreateUrl (insert, mark clonable, queue the clone).
import type { FollowUp } from './follow-ups.ts';
import { nowUtc, type Queryable } from './db.ts';

export interface UrlRow {
  id: number;
  okToClone: boolean;
  /** a file IFDB already holds (uploaded or cloned) */
  hasLocalFile: boolean;
}

/** games_url rows by exact original_url; with duplicates (no unique constraint) the oldest wins. */
export async function findUrls(db: Queryable, urls: readonly string[]): Promise<Map<string, UrlRow>> {
  const found = new Map<string, UrlRow>();
  if (urls.length === 0) return found;
  const { rows } = await db.query<{ id: string; original_url: string; ok_to_clone: boolean; local_filename: string | null; is_uploaded: boolean }>(
    'SELECT id, original_url, ok_to_clone, local_filename, is_uploaded FROM games_url WHERE original_url = ANY($1::text[]) ORDER BY id',
    [[...new Set(urls)]],
  );
  for (const r of rows) {
    if (found.has(r.original_url)) continue;
    found.set(r.original_url, { id: Number(r.id), okToClone: r.ok_to_clone, hasLocalFile: r.is_uploaded || r.local_filename !== null });
  }
  return found;
}

/** Marks a URL clonable and queues its clone (legacy CreateUrl's second half). */
export async function makeClonable(db: Queryable, row: UrlRow, followUps: FollowUp[]): Promise<void> {
  if (row.okToClone) return;
  await db.query('UPDATE games_url SET ok_to_clone = true WHERE id = $1', [row.id]);
  row.okToClone = true;
  followUps.push({ kind: 'clone', urlId: row.id });
}

/** Legacy CreateUrl: the URL row (found or inserted), clonable when its category allows cloning. */
export async function createUrl(
  db: Queryable,
  url: string,
  options: { okToClone: boolean; creatorId: number | null },
  followUps: FollowUp[],
): Promise<UrlRow> {
  let row = (await findUrls(db, [url])).get(url);
  if (row === undefined) {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO games_url (original_url, creation_date, ok_to_clone, is_uploaded, is_broken, use_count, creator_id)
       VALUES ($1, $2, false, false, false, 0, $3) RETURNING id`,
      [url, nowUtc(), options.creatorId],
    );
    row = { id: Number(rows[0]!.id), okToClone: false, hasLocalFile: false };
  }
  if (options.okToClone) await makeClonable(db, row, followUps);
  return row;
}

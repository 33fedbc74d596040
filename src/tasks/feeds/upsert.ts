// Writes one feed's items into IFDB's core_feedcache in a single statement.
import type pg from 'pg';
import { storableText } from '../../text/storable.ts';
import type { FeedId, FeedItem } from './types.ts';

export interface UpsertCounts {
  /** rows inserted (date_discovered set to this batch's now) */
  inserted: number;
  /** existing rows whose date, title, authors or url changed */
  updated: number;
  /** existing rows already up to date */
  unchanged: number;
  /** items dropped because a later item of the batch had the same (truncated) item_id */
  duplicates: number;
}

// Lengths come from IFDB's columns; left() counts characters as varchar does.
// DISTINCT ON keeps the last occurrence of an item_id (legacy saved the items one after another), and
// ON CONFLICT cannot touch one row twice in one statement anyway. `xmax = 0` marks freshly inserted rows.
// The DO UPDATE ... WHERE skips identical rows, so "updated" counts real changes only.
const UPSERT_SQL = `
WITH input AS (
  SELECT DISTINCT ON (left(i.item_id, 512))
         left(i.item_id, 512) AS item_id, i.published, left(i.title, 512) AS title,
         left(i.authors, 256) AS authors, left(i.url, 2048) AS url
    FROM unnest($2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[])
         WITH ORDINALITY AS i(item_id, published, title, authors, url, position)
   ORDER BY left(i.item_id, 512), i.position DESC
), upserted AS (
  INSERT INTO core_feedcache (feed_id, item_id, date_published, date_discovered, title, authors, url)
  SELECT $1, item_id, published, now(), title, authors, url FROM input
  ON CONFLICT (feed_id, item_id) DO UPDATE
     SET date_published = EXCLUDED.date_published, title = EXCLUDED.title,
         authors = EXCLUDED.authors, url = EXCLUDED.url
   WHERE (core_feedcache.date_published, core_feedcache.title, core_feedcache.authors, core_feedcache.url)
         IS DISTINCT FROM (EXCLUDED.date_published, EXCLUDED.title, EXCLUDED.authors, EXCLUDED.url)
  RETURNING (xmax = 0) AS inserted
)
SELECT (SELECT count(*) FROM input)::int AS distinct_items,
       count(*) FILTER (WHERE inserted)::int AS inserted,
       count(*) FILTER (WHERE NOT inserted)::int AS updated
  FROM upserted`;

/** PostgreSQL text cannot hold NUL or lone surrogates; a hostile feed must not fail the whole batch with them. */
const clean = (text: string) => storableText(text);

/** Inserts new items and overwrites date/title/authors/url of known ones; never touches date_discovered. */
export async function upsertFeedItems(pool: pg.Pool, feedId: FeedId, items: readonly FeedItem[]): Promise<UpsertCounts> {
  if (items.length === 0) return { inserted: 0, updated: 0, unchanged: 0, duplicates: 0 };
  const result = await pool.query<{ distinct_items: number; inserted: number; updated: number }>(UPSERT_SQL, [
    feedId,
    items.map((item) => clean(item.itemId)),
    items.map((item) => item.published.toISOString()),
    items.map((item) => clean(item.title)),
    items.map((item) => clean(item.authors)),
    items.map((item) => clean(item.url)),
  ]);
  const { distinct_items: distinct, inserted, updated } = result.rows[0];
  return { inserted, updated, unchanged: distinct - inserted - updated, duplicates: items.length - distinct };
}

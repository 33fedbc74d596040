// What every feed parser produces, whatever the site's format.

/** The `feed_id` values IFDB stores and its home page reads. */
export type FeedId = 'ifhub' | 'ifru' | 'urq' | 'inst';

export interface FeedItem {
  itemId: string;
  title: string;
  /** '' when the entry names no author */
  authors: string;
  /** as written in the document: fetch-feeds resolves it (against urlBases, then the document) and keeps http(s) only */
  url: string;
  /** xml:base values in scope of the link, outermost first (Atom) */
  urlBases?: string[];
  published: Date;
}

export interface ParsedFeed {
  items: FeedItem[];
  /** one line per entry that could not be used, saying why */
  skipped: string[];
}

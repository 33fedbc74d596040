// What every feed parser produces, whatever the site's format.

/** The `feed_id` values IFDB stores and its home page reads. */
export type FeedId = 'ifhub' | 'ifru' | 'urq' | 'inst';

export interface FeedItem {
  itemId: string;
  title: string;
  /** '' when the entry names no author */
  authors: string;
  url: string;
  published: Date;
}

export interface ParsedFeed {
  items: FeedItem[];
  /** one line per entry that could not be used, saying why */
  skipped: string[];
}

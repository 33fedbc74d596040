// What a feed may put in core_feedcache, which IFDB's home page shows to everyone: plain one-line text
// (no controls, escape sequences or bidi tricks) and http(s) links only, resolved against the feed.
import { plainText } from '../../text/terminal.ts';
import { storableText } from '../../text/storable.ts';
import { httpLink } from '../http/web-link.ts';
import type { FeedItem, ParsedFeed } from './types.ts';

const field = (text: string) => storableText(plainText(text).trim());

/** The base a link is relative to: the document's URL, refined by each xml:base in scope. */
function linkBase(documentUrl: string, bases: readonly string[] = []): string | null {
  let base: string | null = documentUrl;
  for (const next of bases) base = httpLink(next, base);
  return base;
}

/** Items with storable fields; an item whose link is not http(s) after resolution is skipped and named. */
export function cleanFeedItems(parsed: ParsedFeed, documentUrl: string): ParsedFeed {
  const items: FeedItem[] = [];
  const skipped = [...parsed.skipped];
  for (const item of parsed.items) {
    const itemId = field(item.itemId);
    const url = httpLink(item.url, linkBase(documentUrl, item.urlBases));
    if (!itemId) {
      skipped.push(`entry ${JSON.stringify(item.itemId.slice(0, 80))}: id is empty once control characters are removed`);
      continue;
    }
    if (url === null) {
      skipped.push(`entry ${JSON.stringify(itemId.slice(0, 80))}: ${item.url ? `link ${JSON.stringify(item.url.slice(0, 80))} is not an http(s) URL` : 'no link'}`);
      continue;
    }
    items.push({ itemId, title: field(item.title), authors: field(item.authors), url: storableText(url), published: item.published });
  }
  return { items, skipped };
}

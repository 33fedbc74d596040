// forum.ifiction.ru's RSS: each item's non-standard <description_int> holds "topic<br />url<br />author<br />unix time".
import { decodeHTML } from 'entities';
import { fromUnixSeconds } from './dates.ts';
import type { FeedItem, ParsedFeed } from './types.ts';
import { asArray, child, parseFeedXml, rawInnerText, textOf } from './xml.ts';

const PART_SEPARATOR = /<br\s*\/?>/i;


/** Parses the forum's feed; items whose description_int is not four parts are skipped and named. */
export function parseIfruFeed(text: string): ParsedFeed {
  const document = parseFeedXml(text);
  const channel = asArray(child(child(document, 'rss'), 'channel'))[0];
  if (channel === undefined) throw new Error('not an RSS feed (no <rss><channel>)');
  const items: FeedItem[] = [];
  const skipped: string[] = [];
  asArray(child(channel, 'item')).forEach((item, index) => {
    const link = textOf(child(item, 'link'))?.trim() ?? '';
    const label = link ? `item ${JSON.stringify(link.slice(0, 80))}` : `item #${index + 1}`;
    if (!link) return void skipped.push(`${label}: no link`);
    const raw = textOf(child(item, 'description_int'));
    if (raw === null) return void skipped.push(`${label}: no description_int`);
    const parts = rawInnerText(raw).split(PART_SEPARATOR).map((part) => decodeHTML(part).trim());
    if (parts.length !== 4) return void skipped.push(`${label}: description_int has ${parts.length} parts, expected 4`);
    const [, , author, timestamp] = parts;
    const published = fromUnixSeconds(timestamp);
    if (!published) return void skipped.push(`${label}: unreadable time ${JSON.stringify(timestamp.slice(0, 40))}`);
    items.push({ itemId: link, title: textOf(child(item, 'title'))?.trim() ?? '', authors: author, url: link, published });
  });
  return { items, skipped };
}

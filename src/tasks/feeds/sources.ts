// The four feeds IFDB's home page shows, in the legacy order, with their default addresses.
import { parseIfruFeed } from './ifru.ts';
import { parseRssOrAtom } from './rss.ts';
import type { FeedId, ParsedFeed } from './types.ts';
import { parseUrqPage, URQ_FORUM_URL } from './urq.ts';

export interface FeedSource {
  id: FeedId;
  /** used unless config.sources[id] overrides it */
  defaultUrl: string;
  /** charset when neither the Content-Type header nor the document names one */
  encoding: 'utf-8' | 'windows-1251';
  headers?: Record<string, string>;
  parse(text: string): ParsedFeed;
}

export const FEED_SOURCES: readonly FeedSource[] = [
  { id: 'ifhub', defaultUrl: 'https://ifhub.club/rss/full', encoding: 'utf-8', parse: parseRssOrAtom },
  { id: 'ifru', defaultUrl: 'http://forum.ifiction.ru/extern.php?action=active&type=rss', encoding: 'utf-8', parse: parseIfruFeed },
  { id: 'urq', defaultUrl: URQ_FORUM_URL, encoding: 'windows-1251', headers: { 'accept-language': 'ru' }, parse: parseUrqPage },
  { id: 'inst', defaultUrl: 'http://instead-games.ru/forum/index.php?p=/discussions/feed.rss', encoding: 'utf-8', parse: parseRssOrAtom },
];

export function feedUrl(source: FeedSource, overrides: Record<string, string>): string {
  return overrides[source.id] ?? source.defaultUrl;
}

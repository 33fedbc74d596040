// Generic RSS 2.0 / RSS 1.0 / Atom entries (ifhub, inst), mapped as feedparser did for the legacy code.
import { decodeHTML } from 'entities';
import { parseFeedDate } from './dates.ts';
import type { FeedItem, ParsedFeed } from './types.ts';
import { asArray, child, parseFeedXml, textOf } from './xml.ts';

interface RawEntry {
  id: string | null;
  date: string | null;
  title: string | null;
  authors: string;
  link: RawLink | null;
}


/** A link and the xml:base values (outermost first) it is relative to. */
interface RawLink {
  href: string;
  bases: string[];
}

/** xml:base of an element (fast-xml-parser names it `@_base` once the namespace prefix is removed). */
function xmlBase(node: unknown): string[] {
  const base = child(node, '@_base');
  return typeof base === 'string' && base.trim() ? [base.trim()] : [];
}

/** RSS items carry `<link>text</link>`; Atom (also atom:link inside RSS) carries `<link rel href>`. */
function pickLink(links: unknown, bases: string[] = []): RawLink | null {
  const candidates = asArray(links);
  for (const link of candidates) if (typeof link === 'string' && link.trim()) return { href: link.trim(), bases };
  for (const link of candidates) {
    const rel = child(link, '@_rel');
    const href = child(link, '@_href');
    if (typeof href === 'string' && (rel === undefined || rel === 'alternate')) return { href: href.trim(), bases: [...bases, ...xmlBase(link)] };
  }
  return null;
}

/** Atom text constructs of type html/xhtml hold markup; feeds show plain text. */
function atomText(node: unknown): string | null {
  const text = textOf(node);
  if (text === null) return null;
  const type = child(node, '@_type');
  if (type === 'html' || type === 'xhtml') return decodeHTML(text.replace(/<[^>]*>/g, '')).trim();
  return text;
}

function fromRssItem(item: unknown): RawEntry {
  const author = textOf(child(item, 'author')) ?? textOf(child(item, 'creator'));
  const link = pickLink(child(item, 'link'), xmlBase(item));
  return {
    id: textOf(child(item, 'guid')) ?? link?.href ?? null,
    date: textOf(child(item, 'pubDate')) ?? textOf(child(item, 'date')) ?? textOf(child(item, 'published')),
    title: textOf(child(item, 'title')),
    authors: author?.trim() ?? '',
    link,
  };
}

function fromAtomEntry(entry: unknown, feedBases: string[]): RawEntry {
  const names = asArray(child(entry, 'author'))
    .map((author) => textOf(child(author, 'name')) ?? (typeof author === 'string' ? author : null))
    .filter((name): name is string => Boolean(name?.trim()));
  const link = pickLink(child(entry, 'link'), [...feedBases, ...xmlBase(entry)]);
  return {
    id: textOf(child(entry, 'id')) ?? link?.href ?? null,
    date: textOf(child(entry, 'published')) ?? textOf(child(entry, 'updated')),
    title: atomText(child(entry, 'title')),
    authors: names.map((name) => name.trim()).join(', '),
    link,
  };
}

/** Turns raw entries into items, skipping (and naming) those without an id or a readable date. */
function toFeedItems(entries: RawEntry[]): ParsedFeed {
  const items: FeedItem[] = [];
  const skipped: string[] = [];
  entries.forEach((entry, index) => {
    const label = entry.id ? `entry ${JSON.stringify(entry.id.slice(0, 80))}` : `entry #${index + 1}`;
    if (!entry.id?.trim()) return void skipped.push(`${label}: no id or link`);
    const published = parseFeedDate(entry.date);
    if (!published) return void skipped.push(`${label}: ${entry.date ? `unreadable date ${JSON.stringify(entry.date.slice(0, 40))}` : 'no date'}`);
    items.push({ itemId: entry.id.trim(), title: entry.title?.trim() ?? '', authors: entry.authors, url: entry.link?.href ?? '', published, ...(entry.link?.bases.length ? { urlBases: entry.link.bases } : {}) });
  });
  return { items, skipped };
}

/** Parses an RSS 2.0, RSS 1.0 (RDF) or Atom document. */
export function parseRssOrAtom(text: string): ParsedFeed {
  const document = parseFeedXml(text);
  const rss = child(document, 'rss');
  if (rss !== undefined) return toFeedItems(asArray(child(asArray(child(rss, 'channel'))[0], 'item')).map(fromRssItem));
  const rdf = child(document, 'RDF');
  if (rdf !== undefined) return toFeedItems(asArray(child(rdf, 'item')).map(fromRssItem));
  const feed = child(document, 'feed');
  if (feed !== undefined) return toFeedItems(asArray(child(feed, 'entry')).map((entry) => fromAtomEntry(entry, xmlBase(feed))));
  const root = Object.keys(document).find((key) => !key.startsWith('?') && !key.startsWith('#')) ?? 'none';
  throw new Error(`not an RSS or Atom feed (root element <${root.slice(0, 40)}>)`);
}

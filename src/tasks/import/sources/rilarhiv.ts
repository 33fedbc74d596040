// rilarhiv.ru (tasks.md §3.3): a static cp1251 archive; no priority, no description or date.
// Games are known only from the listings that getUrlCandidates() loads into this source's cache.
import type { AnyNode } from 'domhandler';
import { categorizeUrl } from '../categorize.ts';
import { cleanStrings, findAll, parseHtml, textOf, type Element } from '../html.ts';
import type { ImportResult, Source } from '../types.ts';
import { Site } from './site.ts';
import { urljoin } from './url.ts';

/** (platform label, listing page); null: games outside any platform. */
export const RILARHIV_PAGES: readonly (readonly [string | null, string])[] = [
  ['Rinform', 'rinform'], ['RTADS', 'rtads'], ['URQ', 'urq'], ['QSP', 'qsp'], ['AeroQSP', 'aeroqsp'], ['INSTEAD', 'instead'],
  ['ADRIFT', 'adrift'], ['Милена', 'milena'], ['6 days', '6days'], ['ЯРИЛ', 'yaril'], ['Twine', 'tweebox'], ['TGE', 'tge2'],
  ['ТКР-2', 'tkr'], ['ZX Spectrum', 'spectrum'], [null, 'vneplatform'],
];
const HOME = 'http://rilarhiv.ru/';

const firstElement = (nodes: AnyNode[]): Element | null => {
  const node = nodes.find((n) => n.type !== 'text' || textOf(n).trim() !== '');
  return node && node.type === 'tag' ? (node as Element) : null;
};

/** Authors from the text after the quoted title: "(…)" and "/…/" asides dropped, split on ", " and " и ". */
export function rilarhivAuthors(info: string): string[] {
  return info
    .replace(/\s*(?:\([^)]+\)|\/\S+\/)\s*/gu, ' ')
    .split(/, | и /u)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Entries of one listing page: `<P><b><a href>"Title" info</a></b> text <b>[platforms]</b>`. */
export function parseRilarhivListing(html: string, label: string | null): ImportResult[] {
  const results: ImportResult[] = [];
  for (const p of findAll(parseHtml(html), (el) => el.name === 'p')) {
    const first = firstElement(p.children);
    const bold = first?.name === 'b' ? first : null;
    const link = bold ? firstElement(bold.children) : null;
    if (!bold || !link || link.name !== 'a' || !link.attribs.href || !link.children.every((c) => c.type === 'text')) continue;
    const entry = /^"([^"]+)"([\s\S]*)$/u.exec(textOf(link));
    if (!entry) continue;
    const tags: ImportResult['tags'] = label ? [{ cat_slug: 'platform', tag: label }] : [];
    let after = bold.next;
    if (after?.type === 'text') after = after.next;
    if (after?.type === 'tag' && (after as Element).name === 'b') {
      const platforms = /^\[([^\]]+)\]$/u.exec(textOf(after));
      for (const platform of platforms ? platforms[1].split(', ') : []) tags.push({ cat_slug: 'platform', tag: platform });
    }
    results.push({
      title: entry[1].trim(),
      authors: rilarhivAuthors(entry[2]).map((name) => ({ role_slug: 'author', name })),
      tags,
      urls: [categorizeUrl(link.attribs.href, '', null, HOME)],
    });
  }
  return results;
}

export function createRilarhiv(baseUrls: Record<string, string> = {}): Source {
  const site = new Site({ id: 'rilarhiv', home: 'http://rilarhiv.ru', defaultBase: 'http://rilarhiv.ru', hosts: ['rilarhiv.ru'] }, baseUrls);
  let cache: Map<string, ImportResult> | null = null;

  return {
    id: 'rilarhiv',
    priority: null,
    match: (url) => cache?.has(site.canonical(url)) ?? false,
    matchWithCat: (url, cat) => cat === 'download_direct' && (cache?.has(site.canonical(url)) ?? false),

    async importUrl(url) {
      if (!cache) return { error: 'Не проинициализирован импортер рилархива', priority: null };
      const found = cache.get(site.canonical(url));
      return found ? structuredClone(found) : { error: 'Неизвестный URL.', priority: null };
    },

    async getUrlCandidates(ctx) {
      const next = new Map<string, ImportResult>();
      let failures = 0;
      for (const [label, page] of RILARHIV_PAGES) {
        try {
          const html = await site.getText(site.at(`/${page}.htm`, ctx), ctx, { encoding: 'windows-1251' });
          for (const entry of parseRilarhivListing(html, label)) {
            const url = site.canonical(urljoin(HOME, entry.urls![0].url));
            if (!next.has(url)) next.set(url, cleanStrings({ ...entry, priority: null }));
          }
        } catch (error) {
          failures += 1;
          ctx.log.warn(`rilarhiv: cannot read ${page}.htm: ${(error as Error).message}`);
          if (failures === RILARHIV_PAGES.length) throw error;
        }
      }
      cache = next;
      return [...next.keys()];
    },

    async getDirtyUrls() {
      return [];
    },
  };
}

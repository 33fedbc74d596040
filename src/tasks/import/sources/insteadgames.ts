// instead-games.ru (tasks.md §3.4): INSTEAD games; priority 80; candidates from the site's XML lists.
import { parseFeedXml } from '../../feeds/xml.ts';
import { addDescriptionAttribution, categorizeUrl } from '../categorize.ts';
import { findAll, findFirst, htmlToMarkdown, innerHtml, parseHtml, tag, tagWithClass, textOf, type Element } from '../html.ts';
import type { ImportResult, Source } from '../types.ts';
import { fetchPage, importGuarded, isoDate, ParseFailure, Site, unique } from './site.ts';

const GAME_URL = /^https?:\/\/instead-games\.ru\/game\.php\?ID=\d+/u;
const LISTINGS = ['/xml.php', '/xml.php?approved=0'];
const PRIORITY = 80;

/** The text right after `<b>label</b>` in the panel, e.g. ": Alice, Bob". */
function labelledText(panel: Element, label: string): string | null {
  const b = findFirst(panel.children, (el) => el.name === 'b' && textOf(el).trim() === label);
  const next = b?.next;
  return next && next.type === 'text' ? textOf(next) : null;
}

export function parseInsteadGame(html: string, pageUrl: string): ImportResult {
  const doc = parseHtml(html);
  const heading = findFirst(doc, tag('h2'));
  const title = textOf(heading).trim().replace(/^\[URQ\] /u, '').trim();
  if (!title) throw new ParseFailure('no <h2> title');
  const result: ImportResult = {
    title,
    authors: [],
    tags: [{ cat_slug: 'platform', tag: 'INSTEAD' }],
    urls: [categorizeUrl(pageUrl)],
  };

  const descBox = findFirst(doc, tagWithClass('div', 'gamedsc'));
  const desc = descBox ? htmlToMarkdown(innerHtml(descBox)) : '';
  if (desc) {
    result.desc = desc;
    addDescriptionAttribution(result, 'instead-games.ru');
  }

  const shots = findFirst(doc, tag('div', { id: 'screenshots' }));
  for (const img of shots ? findAll(shots.children, (el) => el.name === 'img' && !!el.attribs.src && (el.attribs.class ?? '').split(/\s+/u).includes('border')) : []) {
    result.urls!.push(categorizeUrl(img.attribs.src, 'Скриншот', 'screenshot', pageUrl));
  }

  const panel = findFirst(doc, tag('div', { id: 'panel' }));
  if (panel) {
    const authors = labelledText(panel, 'Автор')?.replace(/^\s*:\s*/u, '').trim() ?? '';
    for (const name of authors.split(/,\s*/u).map((n) => n.trim()).filter(Boolean)) result.authors!.push({ role_slug: 'author', name });

    const date = /^\s*:\s*(\d{4})\.(\d{2})\.(\d{2})/u.exec(labelledText(panel, 'Дата') ?? '');
    const iso = date ? isoDate(Number(date[1]), Number(date[2]), Number(date[3])) : undefined;
    if (iso) result.release_date = iso;

    for (const link of findAll(panel.children, (el) => el.name === 'a' && !!el.attribs.href)) {
      const text = textOf(link).trim();
      if (!text) continue;
      const href = link.attribs.href.replace(/^instead-games\.ru/u, '');
      result.urls!.push(categorizeUrl(href, text, null, pageUrl));
    }
  }
  return result;
}

/** The text of every `<descurl>` element at any depth of the parsed XML. */
export function collectDescUrls(node: unknown, into: string[] = []): string[] {
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push(current[i]);
    } else if (current && typeof current === 'object') {
      const entries = Object.entries(current as Record<string, unknown>).reverse();
      for (const [key, value] of entries) {
        if (key === 'descurl') for (const v of Array.isArray(value) ? value : [value]) {
          const text = typeof v === 'string' ? v : v && typeof v === 'object' ? (v as Record<string, unknown>)['#text'] : undefined;
          if (typeof text === 'string' && text.trim()) into.push(text.trim());
        }
        else stack.push(value);
      }
    }
  }
  return into;
}

export function createInsteadGames(baseUrls: Record<string, string> = {}): Source {
  const site = new Site({ id: 'insteadgames', home: 'http://instead-games.ru', defaultBase: 'https://instead-games.ru', hosts: ['instead-games.ru'] }, baseUrls);
  const isGame = (url: string) => GAME_URL.test(site.canonical(url));

  return {
    id: 'insteadgames',
    priority: PRIORITY,
    match: isGame,
    matchWithCat: (url, cat) => cat === 'game_page' && isGame(url),

    importUrl(url, ctx) {
      return importGuarded(site, url, ctx, PRIORITY, async () => parseInsteadGame(await fetchPage(site, url, ctx), site.canonical(url)));
    },

    async getUrlCandidates(ctx) {
      const found: string[] = [];
      let failures = 0;
      for (const listing of LISTINGS) {
        try {
          collectDescUrls(parseFeedXml(await site.getText(site.at(listing, ctx), ctx)), found);
        } catch (error) {
          failures += 1;
          ctx.log.warn(`insteadgames: cannot read ${listing}: ${(error as Error).message}`);
          if (failures === LISTINGS.length) throw error;
        }
      }
      return unique(found.map((u) => site.canonical(u)));
    },

    async getDirtyUrls() {
      return [];
    },
  };
}

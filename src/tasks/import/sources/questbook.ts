// quest-book.ru (tasks.md §3.5): online gamebooks; priority 51; cp1251 game pages; bounded listing pages.
import { addDescriptionAttribution, categorizeUrl } from '../categorize.ts';
import { attr, findAll, findFirst, htmlToMarkdown, innerHtml, nextElement, parseHtml, tag, tagWithClass, textOf, type Element } from '../html.ts';
import type { ImportResult, Source } from '../types.ts';
import { fetchPage, importGuarded, isoDate, ParseFailure, Site } from './site.ts';
import { urljoin } from './url.ts';

const GAME_URL = /^https?:\/\/quest-book.ru\/online\/view\/.*/u;
const MONTHS = ['Янв', 'Фев', 'Мар', 'Апр', 'Май', 'Июн', 'Июл', 'Авг', 'Сен', 'Окт', 'Ноя', 'Дек'];
const PRIORITY = 51;
/** Listing pages hold 10 games; the site has a few hundred. Legacy paged without end if `s` was ignored. */
export const QUESTBOOK_MAX_PAGES = 100;

/** The `<td>` after the `<td class="text-left">` whose text is `label`. */
function cellAfter(root: Element[], label: string, extra: (el: Element) => boolean = () => true): Element | null {
  const cell = findFirst(root, (el) => el.name === 'td' && tagWithClass('td', 'text-left')(el) && textOf(el).trim() === label && extra(el));
  const next = cell ? nextElement(cell) : null;
  return next?.name === 'td' ? next : null;
}

function postDate(card: Element): string | undefined {
  const clock = findFirst(card.children, (el) => el.name === 'i' && tagWithClass('i', 'fa-clock')(el));
  const small = clock ? nextElement(clock) : null;
  if (small?.name !== 'small') return undefined;
  const match = /^\S{2} (\S{3}) (\d{2}), (\d{4}) \d{2}:\d{2}/u.exec(textOf(small).trim());
  const month = match ? MONTHS.indexOf(match[1]) + 1 : 0;
  return match && month > 0 ? isoDate(Number(match[3]), month, Number(match[2])) : undefined;
}

export function parseQuestbookGame(html: string, pageUrl: string): ImportResult {
  const doc = parseHtml(html);
  const root = doc.children as Element[];
  const title = textOf(findFirst(root, (el) => tagWithClass('h2', 'mt-1')(el))).trim();
  if (!title) throw new ParseFailure('no <h2 class="mt-1"> title');
  const result: ImportResult = {
    title,
    authors: [],
    tags: [{ cat_slug: 'platform', tag: 'Questbook' }],
    urls: [{ urlcat_slug: 'game_page', description: 'Страница на квестбуке', url: pageUrl }],
  };

  const parts: string[] = [];
  const summary = textOf(cellAfter(root, 'Краткое описание')).trim();
  if (summary) parts.push(summary);
  const card = findFirst(root, tagWithClass('div', 'card-body'));
  const post = card ? findFirst(card.children, tagWithClass('div', 'postbody')) : null;
  const body = post ? htmlToMarkdown(innerHtml(post)) : '';
  if (body) parts.push(body);
  if (parts.length > 0) {
    result.desc = parts.join('\n\n');
    addDescriptionAttribution(result, 'quest-book.ru');
  }
  const date = card ? postDate(card) : undefined;
  if (date) result.release_date = date;

  const authorCell = cellAfter(root, 'Автор', (el) => /width:\s*35%/u.test(el.attribs.style ?? ''));
  if (authorCell) {
    const links = findAll(authorCell.children, (el) => el.name === 'a');
    const all = links.find((a) => textOf(a).trim() === 'все сторигеймы автора' && a.attribs.href);
    const name = links.map((a) => textOf(a).trim()).find((t) => t && t !== 'все сторигеймы автора');
    if (name) {
      result.authors!.push(
        all ? { role_slug: 'author', name, url: urljoin(pageUrl, all.attribs.href), urldesc: 'Страница автора на quest-book.ru' } : { role_slug: 'author', name },
      );
    }
  }

  const categories = cellAfter(root, 'Категории');
  for (const link of categories ? findAll(categories.children, tag('a')) : []) {
    const text = textOf(link).trim();
    if (text) result.tags!.push({ cat_slug: 'tag', tag: text });
  }

  const poster = attr(findFirst(root, tag('meta', { property: 'og:image' })), 'content');
  if (poster) result.urls!.push({ urlcat_slug: 'poster', description: 'Обложка', url: urljoin(pageUrl, poster) });
  for (const button of findAll(root, (el) => tagWithClass('a', 'btn')(el) && !!el.attribs.href && textOf(el).trim().endsWith('ать'))) {
    result.urls!.push(categorizeUrl(button.attribs.href, '', null, pageUrl));
  }
  return result;
}

/** The game pages a listing page links to, as absolute URLs on the site's home origin. */
export function questbookListingLinks(html: string, listingUrl: string): string[] {
  const links = findAll(parseHtml(html), (el) => el.name === 'a' && /^view\//u.test(el.attribs.href ?? ''));
  return links.map((a) => urljoin(listingUrl, a.attribs.href));
}

export function createQuestbook(baseUrls: Record<string, string> = {}, maxPages = QUESTBOOK_MAX_PAGES): Source {
  const site = new Site({ id: 'questbook', home: 'https://quest-book.ru', defaultBase: 'https://quest-book.ru', hosts: ['quest-book.ru'] }, baseUrls);
  const isGame = (url: string) => GAME_URL.test(site.canonical(url));

  return {
    id: 'questbook',
    priority: PRIORITY,
    match: isGame,
    matchWithCat: (url, cat) => cat === 'game_page' && isGame(url),

    importUrl(url, ctx) {
      return importGuarded(site, url, ctx, PRIORITY, async () =>
        parseQuestbookGame(await fetchPage(site, url, ctx, { encoding: 'windows-1251' }), site.canonical(url)),
      );
    },

    async getUrlCandidates(ctx) {
      const found = new Set<string>();
      for (let page = 0; page < maxPages; page++) {
        const path = `/online/?s=${page * 10 + 1}`;
        const links = questbookListingLinks(await site.getText(site.at(path, ctx), ctx), `https://quest-book.ru${path}`);
        const before = found.size;
        for (const link of links) found.add(link);
        if (links.length === 0 || found.size === before) break;
        if (page === maxPages - 1) ctx.log.warn(`questbook: stopped after ${maxPages} listing pages`);
      }
      return [...found];
    },

    async getDirtyUrls() {
      return [];
    },
  };
}

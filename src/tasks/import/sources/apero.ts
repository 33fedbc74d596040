// apero.ru (tasks.md §3.2): online menu games; priority 49; also imports author pages.
import { legacyQuote } from '../../http/quote.ts';
import { addDescriptionAttribution, categorizeAuthorUrl, categorizeUrl } from '../categorize.ts';
import { attr, findAll, findFirst, htmlToMarkdown, innerHtml, nextElement, parseHtml, tag, textOf, type Element } from '../html.ts';
import type { AuthorImport, ImportResult, Source, SourceContext } from '../types.ts';
import { fetchPage, importGuarded, isoDate, ParseFailure, Site, unique } from './site.ts';
import { quote, unquote, urljoin } from './url.ts';

const GAMES_PATH = '/' + quote('Текстовые-игры');
const GAME_URL = /^https?:\/\/apero\.ru\/%D0%A2%D0%B5%D0%BA%D1%81%D1%82%D0%BE%D0%B2%D1%8B%D0%B5-%D0%B8%D0%B3%D1%80%D1%8B\/.*/u;
const AUTHOR_URL = /^https?:\/\/apero\.ru\/%D0%A3%D1%87%D0%B0%D1%81%D1%82%D0%BD%D0%B8%D0%BA%D0%B8\/(.*)/u;
const DEFAULT_GAME_IMAGE = 'http://apero.ru/public/img/games/game.png';
const DEFAULT_AVATAR = 'http://apero.ru/public/img/members/avatar.jpg';
const PRIORITY = 49;

/** The `<dd>` after the `<dt>` whose text is `label` (e.g. "Описание:"). */
function definition(root: Element[] | Element, label: string): Element | null {
  const dt = findFirst(root, (el) => el.name === 'dt' && textOf(el).trim() === label);
  const dd = dt ? nextElement(dt) : null;
  return dd?.name === 'dd' ? dd : null;
}

/** Compares image URLs ignoring the scheme, as the site moved to https. */
const sameImage = (a: string, b: string) => a.replace(/^https?:/u, '') === b.replace(/^https?:/u, '');

export function parseAperoGame(html: string, pageUrl: string): ImportResult {
  const doc = parseHtml(html);
  const nameBox = findFirst(doc, (el) => el.name === 'div' && el.attribs.title !== undefined && el.parent?.type === 'tag' && (el.parent as Element).name === 'dd' && (el.parent as Element).attribs.itemprop === 'name');
  const title = textOf(nameBox).trim();
  if (!title) throw new ParseFailure('no <dd itemprop="name"> title');
  const result: ImportResult = { title, authors: [], tags: [{ cat_slug: 'platform', tag: 'Аперо' }], urls: [categorizeUrl(pageUrl)] };

  const descBox = definition(doc.children as Element[], 'Описание:');
  const descDiv = descBox ? findFirst(descBox.children, tag('div')) : null;
  const desc = descDiv ? htmlToMarkdown(innerHtml(descDiv)) : '';
  if (desc) {
    result.desc = desc;
    addDescriptionAttribution(result, 'apero.ru');
  }

  const published = /^(\d{4})-(\d{2})-(\d{2})$/u.exec(attr(findFirst(doc, tag('meta', { itemprop: 'datePublished' })), 'content')?.trim() ?? '');
  const date = published ? isoDate(Number(published[1]), Number(published[2]), Number(published[3])) : undefined;
  if (date) result.release_date = date;

  for (const link of findAll(doc, tag('a', { itemprop: 'author' }))) {
    const name = textOf(link).trim();
    if (!name) continue;
    result.authors!.push({ role_slug: 'author', name, url: `http://apero.ru${quote(`/Участники/${name}`)}`, urldesc: 'Страница автора на apero.ru' });
  }

  const image = findFirst(doc, (el) => el.name === 'img' && el.attribs.itemprop === 'image' && !!el.attribs.src);
  const src = image ? urljoin(pageUrl, attr(image, 'src')!) : null;
  if (src && !sameImage(src, DEFAULT_GAME_IMAGE)) result.urls!.push(categorizeUrl(src));
  return result;
}

export function parseAperoAuthor(html: string, authorUrl: string, name: string): AuthorImport {
  const doc = parseHtml(html);
  const about = definition(doc.children as Element[], 'О себе:');
  const bio = about ? htmlToMarkdown(innerHtml(about)) : '';
  const result: AuthorImport = { name, bio: `${bio}\n\n_(описание взято с сайта apero.ru)_`, urls: [categorizeAuthorUrl(authorUrl)] };
  const avatar = findFirst(doc, (el) => el.name === 'img' && (el.attribs.class ?? '').split(/\s+/u).includes('img-circle') && !!el.attribs.src);
  const src = avatar ? urljoin(authorUrl, attr(avatar, 'src')!) : null;
  if (src && !sameImage(src, DEFAULT_AVATAR)) result.urls!.push(categorizeAuthorUrl(src, '', 'avatar'));
  return result;
}

export function createApero(baseUrls: Record<string, string> = {}): Source {
  const site = new Site({ id: 'apero', home: 'http://apero.ru', defaultBase: 'https://apero.ru', hosts: ['apero.ru'] }, baseUrls);
  const isGame = (url: string) => GAME_URL.test(legacyQuote(site.canonical(url)));
  const authorMatch = (url: string) => AUTHOR_URL.exec(legacyQuote(site.canonical(url)));

  return {
    id: 'apero',
    priority: PRIORITY,
    match: isGame,
    matchWithCat: (url, cat) => cat === 'play_online' && isGame(url),
    matchAuthor: (url) => authorMatch(url) !== null,

    importUrl(url, ctx) {
      return importGuarded(site, url, ctx, PRIORITY, async () => parseAperoGame(await fetchPage(site, url, ctx), site.canonical(url)));
    },

    async importAuthor(url: string, ctx: SourceContext): Promise<AuthorImport> {
      try {
        const match = authorMatch(url);
        if (!match) return {};
        const canonical = legacyQuote(site.canonical(url));
        return parseAperoAuthor(await fetchPage(site, canonical, ctx), canonical, unquote(match[1]));
      } catch (error) {
        ctx.log.warn(`apero: cannot import author ${url}: ${(error as Error).message}`);
        return {};
      }
    },

    async getUrlCandidates(ctx) {
      // Links are resolved against the page's address on the real site, so root-relative ones keep working under a base with a path.
      const listing = `${site.spec.home}${GAMES_PATH}`;
      const doc = parseHtml(await site.getText(site.at(GAMES_PATH, ctx), ctx));
      const links = findAll(doc, (el) => el.name === 'a' && !!el.attribs.href && el.parent?.type === 'tag' && (el.parent as Element).name === 'h2');
      return unique(links.map((a) => legacyQuote(site.canonical(urljoin(listing, a.attribs.href)))).filter(isGame));
    },

    async getDirtyUrls() {
      return [];
    },
  };
}

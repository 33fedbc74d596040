// An ifwiki.ru page's raw wikitext → a game (tasks.md §3.1 "Parse") or an author (ImportAuthor).
import { addDescriptionAttribution, categorizeAuthorUrl, categorizeUrl } from '../categorize.ts';
import type { AuthorImport, ImportedAuthorUrl, ImportResult } from '../types.ts';
import { expandTemplates, type GamePageState } from './ifwiki-templates.ts';
import { wikiToMarkdown } from './ifwiki-markup.ts';
import { linkText, parseWikiLink, type WikiLink, wikiQuote } from './ifwiki-syntax.ts';
import { unquote, urljoin } from './url.ts';

/** Wikitext beyond this is cut: real pages are a few KiB, and the conversion is regex-driven. */
export const MAX_WIKITEXT = 256 * 1024;

const AUTHOR_ROLES: Record<string, string> = {
  'автор': 'author',
  'переводчик': 'translator',
  'персонаж': 'character',
  'тестировщик': 'tester',
  'участник': 'member',
  'иллюстратор': 'artist',
  'программист': 'programmer',
  'композитор': 'composer',
};
const MEDIA_ROLES = new Set(['Медиа', 'Media', 'Image']);

/** The page name of a wiki URL path: percent-decoded, `_` as spaces. */
export function pageNameOf(path: string): string {
  return unquote(path).replaceAll('_', ' ');
}

const fileUrl = (pageUrl: string, name: string) => urljoin(pageUrl, `/files/${wikiQuote(name)}`);

/** ProcessLink for game pages. */
function processGameLink(link: WikiLink, state: GamePageState): string {
  const { result, pageUrl } = state;
  const role = link.role;
  if (role === 'Категория') return '';
  const authorRole = role ? AUTHOR_ROLES[role.toLowerCase()] : undefined;
  if (authorRole) {
    const name = link.display ?? link.name;
    if (name) result.authors.push({ role_slug: authorRole, name, url: `http://ifwiki.ru/${wikiQuote(link.name)}`, urldesc: 'Страница автора на ifwiki' });
    return link.display ?? '';
  }
  if (role && MEDIA_ROLES.has(role)) result.urls.push(categorizeUrl(fileUrl(pageUrl, link.name), link.display ?? ''));
  else if (role === 'Изображение') result.urls.push(categorizeUrl(fileUrl(pageUrl, link.name), link.display ?? '', 'screenshot'));
  else if (role === 'Тема') result.tags.push({ cat_slug: 'tag', tag: link.name });
  else if (role === 'ifwiki-en') result.urls.push(categorizeUrl(`http://ifwiki.org/index.php/${wikiQuote(link.name)}`, '', 'game_page'));
  else if (role) state.note(`link role ${role} ignored`);
  return linkText(link);
}

function processLinksIn(text: string, state: GamePageState): void {
  for (const m of text.matchAll(/\[\[(.{1,500}?)\]\]/gu)) {
    const link = parseWikiLink(m[1]);
    if (link) processGameLink(link, state);
  }
}

/** A game page: `pageUrl` is the page's URL as IFDB knows it, `pagePath` its path after the site root. */
export function parseIfwikiGame(wikitext: string, pageUrl: string, pagePath: string, note: (message: string) => void = () => {}): ImportResult {
  const pageName = pageNameOf(pagePath.split('/').at(-1) ?? pagePath);
  const state: GamePageState = {
    pageUrl,
    pageName,
    result: { title: pageNameOf(pagePath), authors: [], tags: [], urls: [categorizeUrl(pageUrl)] },
    processLinks: (text) => processLinksIn(text, state),
    note,
  };
  const source = wikitext.slice(0, MAX_WIKITEXT).replace(/<!--[\s\S]*?(?:-->|$)/gu, '');
  const expanded = expandTemplates(source, state);
  const desc = wikiToMarkdown(expanded, {
    processLink: (link) => processGameLink(link, state),
    mediaBullet: (link, description) =>
      state.result.urls.push(categorizeUrl(fileUrl(pageUrl, link.name), description, link.role === 'Изображение' ? 'screenshot' : null)),
    externalLink: (url, text) => state.result.urls.push(categorizeUrl(url, text, null, pageUrl)),
  });
  const result: ImportResult = { ...state.result };
  if (desc) {
    result.desc = desc;
    addDescriptionAttribution(result, 'ifwiki.ru');
  }
  return result;
}

/** The target of `#REDIRECT [[T]]` / `#ПЕРЕНАПРАВЛЕНИЕ [[T]]` at the start of a page, or null. */
export function redirectTarget(wikitext: string): string | null {
  const m = /^\s*#(?:REDIRECT|ПЕРЕНАПРАВЛЕНИЕ)\s*\[\[([^\]|]+)(?:\|[^\]]*)?\]\]/iu.exec(wikitext);
  return m ? m[1].trim() : null;
}

/** An author page (templates are not expanded, as in legacy). */
export function parseIfwikiAuthor(wikitext: string, authorUrl: string, pagePath: string): AuthorImport {
  const urls: ImportedAuthorUrl[] = [categorizeAuthorUrl(authorUrl)];
  const bio = wikiToMarkdown(wikitext.slice(0, MAX_WIKITEXT), {
    processLink(link) {
      if (link.role && MEDIA_ROLES.has(link.role)) {
        urls.push(categorizeAuthorUrl(fileUrl(authorUrl, link.name), link.display ?? '', link.type === 'thumb' ? 'avatar' : 'download_direct'));
      }
      return link.role === 'Категория' ? '' : link.display ?? link.name;
    },
  });
  return { name: pageNameOf(pagePath), bio: `${bio}\n\n_(описание взято с сайта ifwiki.ru)_`, urls };
}

// ifwiki.ru (tasks.md §3.1): the MediaWiki of Russian IF; priority 100. Candidates and recent
// changes come from its API, pages from `index.php?action=raw`.
import type { AuthorImport, Source, SourceContext } from '../types.ts';
import { parseIfwikiAuthor, parseIfwikiGame, redirectTarget } from './ifwiki-page.ts';
import { wikiQuote } from './ifwiki-syntax.ts';
import { fetchPage, importGuarded, Site, unique } from './site.ts';
import { quote } from './url.ts';

const PAGE_URL = /^(https?:\/\/ifwiki.ru)\/([^?]+)/u;
const CATEGORY_PAGE = 'ifwiki.ru/%D0%9A%D0%B0%D1%82%D0%B5%D0%B3%D0%BE%D1%80%D0%B8%D1%8F:';
const PRIORITY = 100;
const MEMBERS_PER_PAGE = 400;
/** Legacy asked for the next page when one held more than 300 members. */
const MORE_THRESHOLD = 300;
/** 400 members a page: far above the few thousand games the wiki lists. */
export const IFWIKI_MAX_MEMBER_PAGES = 50;
const INFO_BATCH = 40;
const DIRTY_WINDOW_SECONDS = 14 * 3600;
const MAX_REDIRECTS = 3;

interface MembersAnswer { query?: { categorymembers?: { pageid?: number; sortkey?: string }[] } }
interface InfoAnswer { query?: { pages?: Record<string, { fullurl?: string }> } }
interface ChangesAnswer { query?: { recentchanges?: { pageid?: number }[] } }

export function createIfwiki(baseUrls: Record<string, string> = {}): Source {
  const site = new Site({ id: 'ifwiki', home: 'http://ifwiki.ru', defaultBase: 'https://ifwiki.ru', hosts: ['ifwiki.ru'] }, baseUrls);
  const pageMatch = (url: string) => PAGE_URL.exec(site.canonical(url));
  const api = (ctx: SourceContext, query: string) => site.at(`/api.php?${query}`, ctx);

  async function getJson<T>(url: string, ctx: SourceContext): Promise<T> {
    return (await ctx.http.getJson(url, { signal: ctx.signal })) as T;
  }

  async function rawPage(url: string, ctx: SourceContext): Promise<{ text: string; path: string; pageUrl: string }> {
    const match = pageMatch(url);
    if (!match) throw new Error(`not an ifwiki page: ${url}`);
    const path = match[2];
    // The path goes into a query string: characters that mean something there are escaped.
    const title = path.replace(/[&+#]/gu, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const raw = await fetchPage(site, `http://ifwiki.ru/index.php?title=${title}&action=raw`, ctx);
    return { text: `${raw}\n`, path, pageUrl: site.canonical(url) };
  }

  /** Page ids → their full URLs, 40 per request; category pages dropped when asked. */
  async function fullUrls(ids: number[], ctx: SourceContext, skipCategories: boolean): Promise<string[]> {
    const urls: string[] = [];
    for (let i = 0; i < ids.length; i += INFO_BATCH) {
      const batch = ids.slice(i, i + INFO_BATCH).join('%7C');
      const answer = await getJson<InfoAnswer>(api(ctx, `action=query&prop=info&format=json&inprop=url&pageids=${batch}`), ctx);
      const pages = answer.query?.pages;
      for (const page of pages && typeof pages === 'object' ? Object.values(pages) : []) {
        if (typeof page?.fullurl !== 'string') continue;
        if (skipCategories && page.fullurl.includes(CATEGORY_PAGE)) continue;
        urls.push(site.canonical(page.fullurl));
      }
    }
    return unique(urls);
  }

  async function importAuthor(url: string, ctx: SourceContext, depth = 0): Promise<AuthorImport> {
    try {
      const { text, path, pageUrl } = await rawPage(url, ctx);
      const target = redirectTarget(text);
      if (target && depth < MAX_REDIRECTS) {
        const canonicalUrl = `http://ifwiki.ru/${wikiQuote(target)}`;
        return { ...(await importAuthor(canonicalUrl, ctx, depth + 1)), canonical: target, canonical_url: canonicalUrl };
      }
      return parseIfwikiAuthor(text, pageUrl, path);
    } catch (error) {
      ctx.log.warn(`ifwiki: cannot import author ${url}: ${(error as Error).message}`);
      return {};
    }
  }

  return {
    id: 'ifwiki',
    priority: PRIORITY,
    match: (url) => pageMatch(url) !== null,
    matchWithCat: (url, cat) => cat === 'game_page' && pageMatch(url) !== null,
    matchAuthor: (url) => pageMatch(url) !== null,

    importUrl(url, ctx) {
      return importGuarded(site, url, ctx, PRIORITY, async () => {
        const { text, path, pageUrl } = await rawPage(url, ctx);
        return parseIfwikiGame(text, pageUrl, path, (message) => ctx.log.debug(`ifwiki: ${pageUrl}: ${message}`));
      });
    },

    importAuthor: (url, ctx) => importAuthor(url, ctx),

    async getUrlCandidates(ctx) {
      const ids: number[] = [];
      let key = '';
      for (let page = 0; page < IFWIKI_MAX_MEMBER_PAGES; page++) {
        const query =
          `action=query&list=categorymembers&cmtitle=${quote('Категория:Игры', '')}&rawcontinue=1&cmlimit=${MEMBERS_PER_PAGE}` +
          `&format=json&cmsort=sortkey&cmprop=ids%7Ctitle%7Csortkey&cmstarthexsortkey=${encodeURIComponent(key)}`;
        const answer = (await getJson<MembersAnswer>(api(ctx, query), ctx)).query?.categorymembers;
        const members = Array.isArray(answer) ? answer.filter((m) => m && typeof m === 'object') : [];
        for (const m of members) if (typeof m.pageid === 'number' && m.pageid > 0) ids.push(m.pageid);
        const next = members.at(-1)?.sortkey;
        if (members.length <= MORE_THRESHOLD || typeof next !== 'string' || next === key) break;
        key = next;
      }
      return fullUrls(unique(ids.map(String)).map(Number), ctx, true);
    },

    async getDirtyUrls(ctx) {
      const since = Math.floor(Date.now() / 1000) - DIRTY_WINDOW_SECONDS;
      const answer = await getJson<ChangesAnswer>(api(ctx, `action=query&list=recentchanges&rclimit=500&format=json&rcend=${since}`), ctx);
      const changes = answer.query?.recentchanges;
      const ids = unique((Array.isArray(changes) ? changes : []).map((c) => c?.pageid).filter((id): id is number => typeof id === 'number' && id > 0).map(String));
      return fullUrls(ids.map(Number), ctx, false);
    },
  };
}

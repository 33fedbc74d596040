// forum.ifiction.ru (tasks.md §3.6): game topics of the forum; priority 45; cp1251 pages;
// file.php links are resolved through their meta-refresh page (one bounded fetch each).
import type { AnyNode } from 'domhandler';
import { addDescriptionAttribution, categorizeUrl } from '../categorize.ts';
import { attr, findAll, findFirst, htmlToMarkdown, innerHtml, parseHtml, tag, textOf, type Element } from '../html.ts';
import type { ImportResult, Source, SourceContext } from '../types.ts';
import { fetchPage, importGuarded, ParseFailure, Site, unique } from './site.ts';
import { urljoin } from './url.ts';

const GAME_URL = /^https?:\/\/forum\.ifiction\.ru\/viewtopic\.php\?id=\d+/u;
// Legacy `php?` made the last p optional; kept.
const FILE_URL = /^https?:\/\/forum\.ifiction\.ru\/file\.php?.*/u;
const LISTING_PATH = '/viewforum.php?id=36d';
const PRIORITY = 45;
const DESC_STYLE = 'font-size:1.2em; margin-top:10px;';
const LINKS_STYLE = 'border:0; padding:0px 0 0 5px;';
/** At most this many file.php pages are resolved per game page; the rest keep their URL. */
const MAX_FILE_RESOLUTIONS = 20;
const FILE_PAGE_BYTES = 256 * 1024;

type Resolve = (href: string) => Promise<string>;

const isElement = (node: AnyNode): node is Element => node.type === 'tag' || node.type === 'script' || node.type === 'style';

/** Walks the author block: the text before each link (·, : and , removed) names what the link is. */
function authorBlock(block: Element, pageUrl: string, result: ImportResult): void {
  let label: string | null = null;
  let between = '';
  let tainted = false;
  const visit = (nodes: AnyNode[]) => {
    for (const node of nodes) {
      if (node.type === 'text') between += textOf(node);
      else if (isElement(node) && node.name === 'a' && node.attribs.href && node.children.every((c) => c.type === 'text') && textOf(node).trim()) {
        const text = between.replace(/[·:,]/gu, '').trim();
        if (text || tainted) label = tainted ? null : text;
        between = '';
        tainted = false;
        const name = textOf(node).trim();
        if (label === 'Автор' || label === 'Авторы') {
          result.authors!.push({ role_slug: 'author', name, url: urljoin(pageUrl, node.attribs.href), urldesc: 'Страница автора на forum.ifiction.ru' });
        } else if (label === 'Платформа') {
          result.tags!.push({ cat_slug: 'platform', tag: name });
        }
      } else if (isElement(node)) {
        // Legacy matched links in the raw HTML: any other tag between two links spoils the label.
        tainted = true;
        visit(node.children);
        tainted = true;
      }
    }
  };
  visit(block.children);
}

export async function parseIfictionGame(html: string, pageUrl: string, resolve: Resolve): Promise<ImportResult> {
  const doc = parseHtml(html);
  const root = doc.children as Element[];
  const h1 = findFirst(root, tag('h1'));
  const span = h1 ? findFirst(h1.children, (el) => el.name === 'span' && el.parent?.type === 'tag' && (el.parent as Element).name === 'b') : null;
  const title = textOf(span).trim();
  if (!title) throw new ParseFailure('no <h1><b><span> title');
  const block = findFirst(root, tag('div', { id: 'game_authors' }));
  if (!block) throw new ParseFailure('no <div id="game_authors">');
  const result: ImportResult = {
    title,
    authors: [],
    tags: [],
    urls: [{ urlcat_slug: 'game_page', description: 'Страница на ifiction.ru', url: pageUrl }],
  };
  authorBlock(block, pageUrl, result);

  const descBox = findFirst(root, tag('div', { align: 'justify', style: DESC_STYLE }));
  const desc = descBox ? htmlToMarkdown(innerHtml(descBox)) : '';
  if (desc) {
    result.desc = desc;
    addDescriptionAttribution(result, 'ifiction.ru');
  }

  const cell = findFirst(root, tag('td', { valign: 'top', style: LINKS_STYLE }));
  for (const link of cell ? findAll(cell.children, (el) => el.name === 'a' && !!el.attribs.href && !el.attribs.href.startsWith('#')) : []) {
    const kids = link.children.filter((c) => c.type !== 'text' || textOf(c).trim());
    const bold = kids.length === 1 && isElement(kids[0]) && kids[0].name === 'b' ? kids[0] : null;
    const text = bold && bold.children.every((c) => c.type === 'text') ? textOf(bold).trim() : '';
    if (!text) continue;
    result.urls!.push(categorizeUrl(await resolve(link.attribs.href), text, null, pageUrl));
  }

  const poster = findFirst(root, (el) => el.name === 'img' && el.attribs.style === 'max-width:320px;' && !!el.attribs.src);
  if (poster) result.urls!.push({ urlcat_slug: 'poster', description: 'Постер с ifiction.ru', url: urljoin(pageUrl, attr(poster, 'src')!) });
  const shots = findFirst(root, tag('div', { id: 'screenshots' }));
  for (const img of shots ? findAll(shots.children, (el) => el.name === 'img' && !!el.attribs.src) : []) {
    result.urls!.push({ urlcat_slug: 'screenshot', description: 'Скриншот с ifiction.ru', url: urljoin(pageUrl, img.attribs.src) });
  }
  return result;
}

/** The target of `<meta http-equiv="refresh" content="0; URL=…">`, or null. */
export function metaRefreshTarget(html: string): string | null {
  const meta = findFirst(parseHtml(html), (el) => el.name === 'meta' && (el.attribs['http-equiv'] ?? '').toLowerCase() === 'refresh');
  const match = /URL=(.+)$/iu.exec(attr(meta, 'content') ?? '');
  return match ? match[1].trim().replace(/^['"]|['"]$/gu, '') : null;
}

export function createIfiction(baseUrls: Record<string, string> = {}): Source {
  const site = new Site({ id: 'ifiction', home: 'http://forum.ifiction.ru', defaultBase: 'http://forum.ifiction.ru', hosts: ['forum.ifiction.ru'] }, baseUrls);
  const isGame = (url: string) => GAME_URL.test(site.canonical(url));

  function fileResolver(pageUrl: string, ctx: SourceContext): Resolve {
    let budget = MAX_FILE_RESOLUTIONS;
    return async (href) => {
      const absolute = site.canonical(urljoin(pageUrl, href));
      if (!FILE_URL.test(absolute) || budget <= 0) return absolute;
      budget -= 1;
      try {
        const target = metaRefreshTarget(await site.getText(site.fetchUrl(absolute, ctx), ctx, { maxBytes: FILE_PAGE_BYTES }));
        return target ? urljoin(absolute, target) : absolute;
      } catch (error) {
        ctx.log.warn(`ifiction: cannot resolve ${absolute}: ${(error as Error).message}`);
        return absolute;
      }
    };
  }

  return {
    id: 'ifiction',
    priority: PRIORITY,
    match: isGame,
    matchWithCat: (url, cat) => cat === 'game_page' && isGame(url),

    importUrl(url, ctx) {
      const pageUrl = site.canonical(url);
      return importGuarded(site, url, ctx, PRIORITY, async () =>
        parseIfictionGame(await fetchPage(site, url, ctx, { encoding: 'windows-1251' }), pageUrl, fileResolver(pageUrl, ctx)),
      );
    },

    async getUrlCandidates(ctx) {
      const listing = `${site.spec.home}${LISTING_PATH}`;
      const doc = parseHtml(await site.getText(site.at(LISTING_PATH, ctx), ctx));
      const links = findAll(doc, (el) => el.name === 'a' && /^\.\/viewtopic\.php\?id=\d+$/u.test(el.attribs.href ?? ''));
      return unique(links.map((a) => urljoin(listing, a.attribs.href)));
    },

    async getDirtyUrls() {
      return [];
    },
  };
}

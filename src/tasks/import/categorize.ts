// CategorizeUrl and CategorizeAuthorUrl (reference tasks.md §3.8): rule tables mapping a URL to its
// games_gameurlcategory / games_personalityurlcategory slug and a default description.
import { splitUrl, urljoin } from './sources/url.ts';
import type { ImportedUrl } from './types.ts';

interface Rule {
  /** "" any host, an exact hostname, or "@regex" matched at the start of the hostname */
  host: string;
  /** regexes anchored at the start only (Python re.match); "" matches anything */
  path: string;
  query: string;
  slug: string | null;
  desc: string;
  /** case-insensitive path regex (legacy `(?i)`) */
  icase?: boolean;
}

const rule = (host: string, path: string, query: string, slug: string | null, desc = '', icase = false): Rule => ({
  host, path, query, slug, desc, icase,
});
const root = (host: string) => rule(host, '^/?$', '^$', null);

export const URL_RULES: readonly Rule[] = [
  ...['qsp.su', 'urq.plut.info', 'rilarhiv.ru', 'ifwiki.ru', 'www.youtube.com', 'youtube.com', 'youtu.be', 'apero.ru', 'storymaze.ru'].map(root),
  rule('', '.*screenshot.*\\.(png|jpg|gif|bmp|jpeg)', '', 'screenshot', 'Скриншот', true),
  rule('', '.*\\.(png|jpg|gif|bmp|jpeg)', '', 'poster', 'Обложка', true),
  rule('db.crem.xyz', '/f/uploads/.*', '', 'download_direct', 'Скачать'),
  rule('ifiction.ru', '/game.php', '', 'download_landing', 'Скачать с ifiction.ru'),
  rule('ifwiki.ru', '/files/.*', '', 'download_direct', 'Скачать с IfWiki'),
  rule('ifwiki.ru', '', '', 'game_page', 'Страница на IfWiki'),
  rule('ifwiki.org', '', '', 'game_page', 'Страница на ifwiki.org'),
  rule('ludumdare.com', '', '', 'game_page', 'Страница на Ludum Dare'),
  rule('urq.plut.info', '.*/files/.*', '', 'download_direct', 'Скачать с плута'),
  rule('plut.info', '/urq/.*/files/.*', '', 'download_direct', 'Скачать с плута'),
  rule('urq.plut.info', '', '', 'game_page', 'Страница на плуте'),
  rule('plut.info', '/urq/.*', '', 'game_page', 'Страница на плуте'),
  rule('store.steampowered.com', '', '', 'game_page', 'Страница на стиме'),
  rule('yadi.sk', '', '', 'download_landing', 'Скачать с Яндекс.диска'),
  rule('rilarhiv.ru', '', '', 'download_direct', 'Скачать с РилАрхива'),
  rule('instead-games.ru', '.*/download/.*', '', 'download_direct', 'Скачать с инстеда'),
  rule('quest-book.ru', '/online/view/.*', '', 'game_page', 'Страница на квестбуке'),
  rule('quest-book.ru', '/online/mitril/download/.*/pdf/', '', 'download_direct', 'PDF версия'),
  rule('quest-book.ru', '/online/[^/]+/', '', 'play_online', 'Играть на квестбуке'),
  rule('instead-games.ru', '/instead-em/.*', '', 'play_online', 'Играть онлайн'),
  rule('instead-games.ru', '/forum/.*', '', 'forum', 'Форум на инстеде'),
  rule('instead-games.ru', '', '', 'game_page', 'Страница на инстеде'),
  rule('gamin.me', '/posts/.*', '', 'forum', 'Обсуждение на gamin.me'),
  rule('instead.syscall.ru', '.*/forum/.*', '', 'forum', 'Форум на инстеде'),
  ...['youtube.com', 'youtu.be', 'www.youtube.com'].map((h) => rule(h, '', '', 'video', 'Видео игры')),
  rule('forum.ifiction.ru', '/file.php', '', 'download_direct', 'Скачать с ifiction.ru'),
  rule('forum.ifiction.ru', '', '', 'forum', 'Обсуждение на форуме'),
  rule('urq.borda.ru', '', '', 'forum', 'Обсуждение на форуме'),
  rule('ifhub.club', '', '', 'review', 'Обзор на ifhub.club'),
  rule('qsp.su', '', '.*=dd_download.*', 'download_direct', 'Скачать с qsp.ru'),
  rule('qsp.su', '/tools/aero/.*', '', 'play_online', 'Играть онлайн на qsp.ru'),
  rule('qsp.su', '', '', 'game_page', 'Игра на qsp.ru'),
  rule('@.*\\.github\\.io', '', '', 'play_online', 'Играть онлайн'),
  ...['iplayif.com', 'apero.ru', 'storymaze.ru'].map((h) => rule(h, '', '', 'play_online', 'Играть онлайн')),
  rule('hyperbook.ru', '/download.php', '', 'download_direct', 'Скачать с hyperbook.ru'),
  rule('hyperbook.ru', '/comments.php', '', 'forum', 'Обсуждение на hyperbook.ru'),
  rule('', '.*\\.(zip|rar|z5)', '', 'download_direct', 'Ссылка для скачивания', true),
];

export const AUTHOR_URL_RULES: readonly Rule[] = [
  ...[
    'apero.ru', 'forum.ifiction.ru', 'ifhub.club', 'ifiction.ru', 'ifwiki.ru', 'plut.info', 'qsp.su', 'rilarhiv.ru',
    'storymaze.ru', 'urq.plut.info', 'www.youtube.com', 'youtu.be', 'youtube.com',
  ].map(root),
  rule('kril.ifiction.ru', '', '', null),
  rule('', '.*\\.(png|jpg|gif|bmp|jpeg)', '', 'avatar', 'Изображение'),
  rule('ifwiki.ru', '', '', 'other_site', 'Страница на IfWiki'),
  rule('apero.ru', '.*/%D0%A3%D1%87%D0%B0%D1%81%D1%82%D0%BD%D0%B8%D0%BA%D0%B8/', '', 'other_site', 'Страница на Аперо'),
  rule('twitter.com', '', '', 'social', 'Страница в Твиттере'),
  rule('@.+\\.ifiction\\.ru', '^/?$', '', 'personal_page', 'Блог на ifiction.ru'),
  rule('vk.com', '', '', 'social', 'Страница вКонтакте'),
];

const compiled = new Map<string, RegExp>();
function startMatch(pattern: string, text: string, icase = false): boolean {
  const key = `${icase ? 'i' : ''}:${pattern}`;
  let re = compiled.get(key);
  if (!re) {
    re = new RegExp(`^(?:${pattern})`, icase ? 'iu' : 'u');
    compiled.set(key, re);
  }
  return re.test(text);
}

function hostMatches(ruleHost: string, hostname: string | null, missingRegexHostMatches: boolean): boolean {
  if (ruleHost === '') return true;
  if (ruleHost.startsWith('@')) {
    if (hostname === null) return missingRegexHostMatches;
    return startMatch(ruleHost.slice(1), hostname);
  }
  return hostname === ruleHost;
}

function firstRule(rules: readonly Rule[], url: string, missingRegexHostMatches: boolean): Rule | null {
  const { hostname, path, query } = splitUrl(url);
  for (const r of rules) {
    if (!hostMatches(r.host, hostname, missingRegexHostMatches)) continue;
    if (r.path && !startMatch(r.path, path, r.icase)) continue;
    if (r.query && !startMatch(r.query, query)) continue;
    return r;
  }
  return null;
}

/** Categorises a game URL; `base` resolves a relative URL first (as a string, RFC 3986). */
export function categorizeUrl(url: string, desc?: string | null, category?: string | null, base?: string | null): ImportedUrl {
  let description = desc ?? '';
  if (description === url) description = '';
  const resolved = base ? urljoin(base, url) : url;
  const matched = firstRule(URL_RULES, resolved, false);
  let slug: string | null = matched ? matched.slug : 'unknown';
  if (matched && !description) description = matched.desc;
  if (!matched) {
    const lower = description.toLowerCase();
    if (lower === 'играть онлайн') slug = 'play_online';
    else if (lower.includes('скачать')) slug = 'download_landing';
    else if (lower.includes('обсуждение')) slug = 'forum';
  }
  if (!description) description = resolved;
  if (category) slug = category;
  return { urlcat_slug: slug, description, url: resolved };
}

/** Categorises a personality URL (legacy quirk kept: an `@regex` host rule matches a URL without a host). */
export function categorizeAuthorUrl(url: string, desc?: string | null, category?: string | null, base?: string | null): ImportedUrl {
  let description = desc ?? '';
  if (description === url) description = '';
  const resolved = base ? urljoin(base, url) : url;
  const matched = firstRule(AUTHOR_URL_RULES, resolved, true);
  let slug: string | null = matched ? matched.slug : 'other';
  if (matched && !description) description = matched.desc;
  if (!matched) {
    const lower = description.toLowerCase();
    if (lower === 'интервью') slug = 'interview';
    else if (lower.includes('сайт') || lower.includes('блог')) slug = 'personal_page';
  }
  if (!description) description = resolved;
  if (category) slug = category;
  return { urlcat_slug: slug, description, url: resolved };
}

/** Appends a site name to description_attributions once (AddDescriptionAttribution). */
export function addDescriptionAttribution(result: { description_attributions?: string[] }, name: string): void {
  const list = (result.description_attributions ??= []);
  if (!list.includes(name)) list.push(name);
}

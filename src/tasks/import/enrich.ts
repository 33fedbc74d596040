// The enricher (reference tasks.md §3.9), run on the merged import: platform tags imply parser/menu/OS tags,
// URQ games get "play in interpreter" links, a default language, then LowerCaseTags and TagsToGenre.
import { splitUrl } from './sources/url.ts';
import type { ImportedTag, ImportedUrl, ImportResult } from './types.ts';

/** Platform regexes are anchored at the start only, so `.*qsp` means "contains qsp" and `qsp` means "starts with qsp". */
const PLATFORM_RULES: readonly { patterns: readonly string[]; slugs: readonly string[] }[] = [
  { patterns: ['6days.*', 'adrift', 'r?inform.*', 'r?tads.*', 'tom 2', 'ярил'], slugs: ['parser'] },
  { patterns: ['.*qsp', '.*urq( .*)?', 'apero', 'axma.*', 'ink.*', 'questbox', 'tweebox', 'twine', 'аперо', 'квестер'], slugs: ['menu'] },
  { patterns: ['aeroqsp', 'apero', 'axma.*', 'r?inform.*', 'tweebox', 'twine', 'urqw', 'аперо', 'квестер'], slugs: ['os_web'] },
  { patterns: ['.*qsp', 'akurq.*', 'fireurq', 'r?inform.*', 'r?tads.*', 'ripurq', 'instead'], slugs: ['os_win'] },
  { patterns: ['r?tads.*', 'r?inform.*', 'instead'], slugs: ['os_linux', 'os_macos'] },
  { patterns: ['dosurq'], slugs: ['os_dos'] },
];

/** Lower-cased `tag` text → [genre tag slug, replace the original tag]. */
export const TAGS_TO_GENRE: ReadonlyMap<string, readonly [string, boolean]> = new Map<string, [string, boolean]>([
  ['18+', ['g_adult', true]], ['action', ['g_action', false]], ['horror', ['g_horror', false]], ['rpg', ['g_rpg', true]],
  ['боевик', ['g_action', true]], ['викторина', ['g_puzzle', false]], ['головоломка', ['g_puzzle', true]],
  ['головоломки', ['g_puzzle', true]], ['детектив', ['g_detective', true]], ['детская', ['g_kids', true]],
  ['детское', ['g_kids', true]], ['дистопия', ['g_dystopy', true]], ['доисторическое', ['g_historical', true]],
  ['дорожное приключение', ['g_adventure', true]], ['драма', ['g_drama', true]], ['историческое', ['g_historical', true]],
  ['казка', ['g_fairytale', true]], ['космос', ['g_scifi', false]], ['логическая', ['g_puzzle', true]],
  ['мистика', ['g_mystic', true]], ['містыка', ['g_mystic', true]], ['научная фантастика', ['g_scifi', false]],
  ['непонятное', ['g_experimental', false]], ['паззл', ['g_puzzle', true]], ['паззлы', ['g_puzzle', true]],
  ['пазл', ['g_puzzle', true]], ['пазлы', ['g_puzzle', true]], ['постапокалипсис', ['g_dystopy', false]],
  ['постапокалиптика', ['g_dystopy', false]], ['преступление', ['g_detective', false]],
  ['приключение', ['g_adventure', true]], ['приключения', ['g_adventure', true]], ['рамантыка', ['g_romance', true]],
  ['ребус', ['g_puzzle', false]], ['роботы', ['g_scifi', false]], ['романтика', ['g_romance', true]], ['рпг', ['g_rpg', true]],
  ['секс', ['g_adult', false]], ['симулятор', ['g_simulation', true]], ['сказка', ['g_fairytale', true]],
  ['сюр', ['g_experimental', false]], ['сюрреализм', ['g_experimental', false]], ['триллер', ['g_horror', false]],
  ['убийство', ['g_detective', false]], ['ужас', ['g_horror', true]], ['ужасы', ['g_horror', true]],
  ['фантастика', ['g_scifi', true]], ['фанфик', ['g_fanfic', true]], ['фентези', ['g_fantasy', true]],
  ['фэнтези', ['g_fantasy', true]], ['хоррор', ['g_horror', false]], ['черный юмор', ['g_humor', false]],
  ['чёрный юмор', ['g_humor', false]], ['чёрти что', ['g_experimental', false]], ['шутер', ['g_action', false]],
  ['экспериментальное', ['g_experimental', true]], ['экшн', ['g_action', false]], ['эротика', ['g_adult', false]],
  ['юмор', ['g_humor', true]],
]);

const startRegex = (patterns: readonly string[]) => new RegExp(`^(?:${patterns.join('|')})`, 'u');
const COMPILED_RULES = PLATFORM_RULES.map((r) => ({ re: startRegex(r.patterns), slugs: r.slugs }));
const QSP = startRegex(['qsp']);
const ANY_URQ = startRegex(['.*urq.*']);

function platforms(tags: readonly ImportedTag[]): string[] {
  return tags.filter((t) => t.cat_slug === 'platform' && t.tag !== undefined).map((t) => t.tag!.toLowerCase());
}

/** Adds `{tag_slug}` for each slug that is not present yet (AddTag). */
function addTagSlugs(tags: ImportedTag[], slugs: readonly string[]): void {
  for (const slug of slugs) if (!tags.some((t) => t.tag_slug === slug)) tags.push({ tag_slug: slug });
}

function interpreterUrls(urls: readonly ImportedUrl[]): ImportedUrl[] {
  const seen = new Set<string>();
  const added: ImportedUrl[] = [];
  for (const u of urls) {
    if (u.urlcat_slug !== 'download_direct' || seen.has(u.url)) continue;
    seen.add(u.url);
    added.push({ urlcat_slug: 'play_in_interpreter', url: u.url, description: `Открыть в UrqW: ${[...u.description].slice(0, 30).join('')}` });
  }
  return added;
}

/** The legacy enricher rules 1–9, in order. */
export function enrichPlatforms(result: ImportResult): ImportResult {
  const tags = [...(result.tags ?? [])];
  const urls = [...(result.urls ?? [])];
  const names = platforms(tags);
  for (const r of COMPILED_RULES) if (names.some((n) => r.re.test(n))) addTagSlugs(tags, r.slugs);
  if (names.some((n) => QSP.test(n)) && urls.some((u) => u.urlcat_slug === 'play_online')) addTagSlugs(tags, ['os_web']);
  const plutPage = urls.some((u) => u.urlcat_slug === 'game_page' && splitUrl(u.url).netloc === 'urq.plut.info');
  if (names.some((n) => ANY_URQ.test(n)) || plutPage) urls.push(...interpreterUrls(urls));
  if (!tags.some((t) => t.cat_slug === 'language')) tags.push({ cat_slug: 'language', tag: 'русский' });
  return { ...result, tags, urls };
}

/** Lower-cases the text of every `tag`-category tag. */
export function lowerCaseTags(result: ImportResult): ImportResult {
  const tags = (result.tags ?? []).map((t) => (t.cat_slug === 'tag' && t.tag !== undefined ? { ...t, tag: t.tag.toLowerCase() } : t));
  return { ...result, tags };
}

/** Maps known `tag` texts to genre tags, replacing or keeping the original; a genre is emitted once. */
export function tagsToGenre(result: ImportResult): ImportResult {
  const tags: ImportedTag[] = [];
  const appended: ImportedTag[] = [];
  const genres = new Set((result.tags ?? []).filter((t) => t.tag_slug?.startsWith('g_')).map((t) => t.tag_slug!));
  for (const t of result.tags ?? []) {
    const hit = t.cat_slug === 'tag' && t.tag !== undefined ? TAGS_TO_GENRE.get(t.tag.toLowerCase()) : undefined;
    if (!hit) {
      tags.push(t);
      continue;
    }
    const [slug, replace] = hit;
    const genre = { cat_slug: 'genre', tag_slug: slug };
    const fresh = !genres.has(slug);
    genres.add(slug);
    if (replace) {
      if (fresh) tags.push(genre);
    } else {
      tags.push(t);
      if (fresh) appended.push(genre);
    }
  }
  return { ...result, tags: [...tags, ...appended] };
}

/** Enricher + LowerCaseTags + TagsToGenre, as run on the merged result. Does not modify its argument. */
export function enrich(result: ImportResult): ImportResult {
  return tagsToGenre(lowerCaseTags(enrichPlatforms(result)));
}

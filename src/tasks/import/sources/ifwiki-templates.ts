// Expansion of the ifwiki.ru templates a game page uses (tasks.md §3.1 step 1): each template adds
// to the result (title, date, tags, URLs, authors) and is replaced by its text.
import { categorizeUrl } from '../categorize.ts';
import type { ImportResult } from '../types.ts';
import { ParseFailure, isoDate } from './site.ts';
import { parseTemplates, preOrder, type Template, wikiQuote } from './ifwiki-syntax.ts';
import { urljoin } from './url.ts';

/** What template and link handlers share while one page is converted. */
export interface GamePageState {
  pageUrl: string;
  /** the page name from the URL (`_` as spaces), for {{PAGENAME}} */
  pageName: string;
  result: ImportResult & Required<Pick<ImportResult, 'authors' | 'tags' | 'urls'>>;
  /** handles a `[[…]]` inside a parameter (game info `автор`) */
  processLinks(text: string): void;
  note(message: string): void;
}

const COMPETITIONS: Record<string, (p1: string) => string> = {
  'Конкурс': (p1) => p1,
  'ЛОК': (p1) => `ЛОК-${p1}`,
  'ЗОК': (p1) => `ЗОК-${p1}`,
  'КРИЛ': (p1) => `КРИЛ-${p1}`,
  'goldhamster': (p1) => `Золотой Хомяк ${p1}`,
  'qspcompo': (p1) => `QSP-Compo ${p1}`,
  'Ludum Dare': (p1) => `Ludum Dare ${p1}`,
};
const IGNORED_GAME_INFO = new Set(['ширинаобложки', 'высотаобложки']);

function param(template: Template, key: string, state: GamePageState): string | undefined {
  const value = template.params.get(key);
  return value === '{{PAGENAME}}' ? state.pageName : value;
}

function required(template: Template, key: string, state: GamePageState): string {
  const value = param(template, key, state);
  if (value === undefined) throw new ParseFailure(`{{${template.name}}} without parameter ${key}`);
  return value;
}

function addUrl(state: GamePageState, url: string, desc = '', category: string | null = null): void {
  if (url) state.result.urls.push(categorizeUrl(url, desc, category, state.pageUrl));
}

function gameInfo(template: Template, state: GamePageState): string {
  const { result } = state;
  for (const key of template.params.keys()) {
    const value = param(template, key, state) ?? '';
    if (!value) continue;
    switch (key) {
      case 'название':
        result.title = value;
        break;
      case 'вышла': {
        const m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/u.exec(value);
        const date = m ? isoDate(Number(m[3]), Number(m[2]), Number(m[1])) : undefined;
        if (date) result.release_date = date;
        else delete result.release_date;
        break;
      }
      case 'платформа':
        result.tags.push({ cat_slug: 'platform', tag: value });
        break;
      case 'язык':
        result.tags.push({ cat_slug: 'language', tag: value });
        break;
      case 'темы':
        for (const t of value.split(',').map((s) => s.trim()).filter(Boolean)) result.tags.push({ cat_slug: 'tag', tag: t });
        break;
      case 'обложка':
        result.urls.push({ urlcat_slug: 'poster', description: 'Обложка', url: urljoin(state.pageUrl, `/files/${wikiQuote(value)}`) });
        break;
      case 'IFID':
        result.tags.push({ cat_slug: 'ifid', tag: value });
        break;
      case 'автор':
        state.processLinks(value);
        break;
      default:
        if (!IGNORED_GAME_INFO.has(key) && key !== '1' && key !== '2') state.note(`game info: unknown parameter ${key}`);
    }
  }
  return '';
}

/** One template's effect on the result, and the text it is replaced with. */
function expand(template: Template, state: GamePageState): string {
  const { result } = state;
  const competition = COMPETITIONS[template.name];
  if (competition) {
    result.tags.push({ cat_slug: 'competition', tag: competition(required(template, '1', state)) });
    return '';
  }
  switch (template.name) {
    case 'game info':
      return gameInfo(template, state);
    case 'PAGENAME':
      return result.title ?? state.pageName;
    case 'Избранная игра':
      result.tags.push({ tag_slug: 'ifwiki_featured' });
      return '';
    case 'Тема': {
      const topic = param(template, '1', state);
      if (topic) result.tags.push({ cat_slug: 'tag', tag: topic });
      return '';
    }
    case 'РИЛФайл': {
      const url = required(template, '1', state);
      addUrl(state, url);
      return `[${url} Ссылка на РилАрхив]`;
    }
    case 'Ссылка': {
      const target = required(template, 'на', state);
      const label = param(template, '1', state);
      addUrl(state, target, label ?? '');
      const archive = param(template, 'архив', state);
      if (archive) addUrl(state, archive);
      return `[${target} ${label || 'ссылка'}]`;
    }
    case 'URQStead':
      addUrl(state, required(template, '1', state), 'Игра на URQ-модуле INSTEAD');
      return '';
    case 'Проект 31':
      result.tags.push({ cat_slug: 'competition', tag: 'Проект 31' });
      return '';
    case 'ns:6':
      return 'Media';
    default:
      return '';
  }
}

/**
 * Runs every template's handler (outer before inner, so inner side effects still happen) and
 * returns the text with the outermost templates replaced by their results.
 */
export function expandTemplates(text: string, state: GamePageState): string {
  const roots = parseTemplates(text);
  const replacements = new Map<Template, string>();
  for (const template of preOrder(roots)) replacements.set(template, expand(template, state));
  let out = '';
  let at = 0;
  for (const root of roots) {
    out += text.slice(at, root.start) + replacements.get(root)!;
    at = root.end;
  }
  return out + text.slice(at);
}

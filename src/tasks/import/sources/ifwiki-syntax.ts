// Wikitext syntax of ifwiki.ru pages: templates (nested, as mwparserfromhell sees them), [[links]] and WikiQuote.
import { quote } from './url.ts';

export interface Template {
  /** offsets of `{{` and just past `}}` in the text it was parsed from */
  start: number;
  end: number;
  name: string;
  /** parameters in order; positional ones are named "1", "2", … */
  params: Map<string, string>;
  children: Template[];
}

/** Deeper `{{`/`[[` nesting is read as text: re-splitting every level would be quadratic. */
export const MAX_WIKI_NESTING = 100;

interface Open {
  kind: 'tpl' | 'link';
  start: number;
  children: Template[];
  /** the nearest template this one sits in */
  enclosing: Open | null;
}

/** The page's templates, outermost first; unbalanced braces stay text. Comments hide their content. */
export function parseTemplates(text: string): Template[] {
  const roots: Template[] = [];
  const stack: Open[] = [];
  const open = { tpl: 0, link: 0 };
  const nearestTemplate = (): Open | null => {
    const top = stack.at(-1);
    return top ? (top.kind === 'tpl' ? top : top.enclosing) : null;
  };
  const pop = (): Open => {
    const entry = stack.pop()!;
    open[entry.kind] -= 1;
    return entry;
  };
  const push = (kind: Open['kind'], start: number) => {
    stack.push({ kind, start, children: [], enclosing: nearestTemplate() });
    open[kind] += 1;
  };
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('<!--', i)) {
      const close = text.indexOf('-->', i + 4);
      i = close === -1 ? text.length : close + 3;
    } else if (text.startsWith('{{', i) && stack.length < MAX_WIKI_NESTING) {
      push('tpl', i);
      i += 2;
    } else if (text.startsWith('[[', i) && stack.length < MAX_WIKI_NESTING) {
      push('link', i);
      i += 2;
    } else if (text.startsWith('}}', i) && open.tpl > 0) {
      let entry = pop();
      while (entry.kind !== 'tpl') entry = pop();
      const template = buildTemplate(text, entry.start, i + 2, entry.children);
      (entry.enclosing?.children ?? roots).push(template);
      i += 2;
    } else if (text.startsWith(']]', i) && open.link > 0) {
      // A link closes over templates opened inside it that never closed: those stay text.
      let entry = pop();
      while (entry.kind !== 'link') {
        (entry.enclosing?.children ?? roots).push(...entry.children);
        entry = pop();
      }
      i += 2;
    } else {
      i += 1;
    }
  }
  // Unclosed templates: their complete inner templates still count.
  while (stack.length > 0) {
    const entry = pop();
    (entry.enclosing?.children ?? roots).push(...entry.children);
  }
  sortTree(roots);
  return roots;
}

function sortTree(templates: Template[]): void {
  templates.sort((a, b) => a.start - b.start);
  for (const t of templates) sortTree(t.children);
}

/** Splits a template body at top-level `|` (not inside nested templates or links). */
function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < body.length; i++) {
    if (body.startsWith('{{', i) || body.startsWith('[[', i)) {
      depth += 1;
      i += 1;
    } else if ((body.startsWith('}}', i) || body.startsWith(']]', i)) && depth > 0) {
      depth -= 1;
      i += 1;
    } else if (body[i] === '|' && depth === 0) {
      parts.push(body.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(body.slice(from));
  return parts;
}

function buildTemplate(text: string, start: number, end: number, children: Template[]): Template {
  const [name, ...rest] = splitTopLevel(text.slice(start + 2, end - 2));
  const params = new Map<string, string>();
  let position = 0;
  for (const part of rest) {
    const eq = topLevelEquals(part);
    if (eq === -1) params.set(String(++position), part.trim());
    else params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return { start, end, name: name.trim(), params, children };
}

function topLevelEquals(part: string): number {
  let depth = 0;
  for (let i = 0; i < part.length; i++) {
    if (part.startsWith('{{', i) || part.startsWith('[[', i)) {
      depth += 1;
      i += 1;
    } else if ((part.startsWith('}}', i) || part.startsWith(']]', i)) && depth > 0) {
      depth -= 1;
      i += 1;
    } else if (part[i] === '=' && depth === 0) return i;
  }
  return -1;
}

/** Templates in pre-order: each outer template before the ones inside it. */
export function* preOrder(templates: readonly Template[]): Generator<Template> {
  for (const t of templates) {
    yield t;
    yield* preOrder(t.children);
  }
}

export interface WikiLink {
  role: string | null;
  name: string;
  /** the middle part of a three-part link, e.g. "thumb" */
  type: string | null;
  display: string | null;
}

/** ParseIfwikiLink: the inside of `[[…]]`, or null when it is not a link (more than three parts). */
export function parseWikiLink(inner: string): WikiLink | null {
  const parts = inner.replace(/^:/u, '').split('|');
  if (parts.length > 3) return null;
  const head = parts[0];
  const sep = head.includes('::') ? head.indexOf('::') : head.indexOf(':');
  const sepLength = head.includes('::') ? 2 : 1;
  const role = sep === -1 ? null : head.slice(0, sep).trim();
  const name = (sep === -1 ? head : head.slice(sep + sepLength)).trim();
  const nonEmpty = (s: string | undefined) => (s && s.trim() ? s.trim() : null);
  if (parts.length === 3) return { role, name, type: nonEmpty(parts[1]), display: nonEmpty(parts[2]) };
  return { role, name, type: null, display: parts.length === 2 ? nonEmpty(parts[1]) : null };
}

/** The text ProcessLink shows for a link: display name, else role:name, else name. */
export function linkText(link: WikiLink): string {
  return link.display ?? (link.role ? `${link.role}:${link.name}` : link.name);
}

/** MediaWiki page name → URL path: spaces to `_`, first letter upper-cased, percent-encoded (`/` kept). */
export function wikiQuote(name: string): string {
  const underscored = name.replaceAll(' ', '_');
  const first = [...underscored][0] ?? '';
  return quote(first.toUpperCase() + underscored.slice(first.length), '/');
}

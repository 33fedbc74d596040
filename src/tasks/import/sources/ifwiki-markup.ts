// Wikitext → Markdown for ifwiki.ru pages (tasks.md §3.1 step 4), with the short "bullet with one
// link" lines turned into game URLs and removed from the text.
import { type WikiLink, parseWikiLink } from './ifwiki-syntax.ts';

export interface MarkupHooks {
  /** ProcessLink: side effects (authors, tags, URLs) and the text to show ("" removes the link) */
  processLink(link: WikiLink): string;
  /** a media link on a short bullet line (the line is removed); absent: such lines stay text */
  mediaBullet?(link: WikiLink, description: string): void;
  /** an external link; `bullet` when it came from a short bullet line (the line is removed) */
  externalLink?(url: string, text: string): void;
}

const MEDIA_ROLES = new Set(['Медиа', 'Media', 'Image', 'Изображение']);
const MAX_LABEL = 80;
const MAX_PREFIX = 40;
const MAX_SUFFIX = 80;
const MAX_URL = 2048;

/** Description of a short bullet: side text cleaned, whitespace collapsed, trailing dots stripped. */
export function bulletDescription(prefix: string, label: string, suffix: string): string {
  const side = (s: string) => s.replace(/\*\*|__/gu, ' ');
  return `${side(prefix)}${label}${side(suffix)}`
    .replace(/\s+/gu, ' ')
    .replace(/ +'/gu, "'")
    .trim()
    .replace(/[.。 ]+$/u, '');
}

const cleanSide = (s: string, max: number) => s.length <= max && !/https?:\/\/|\[|\]\(/u.test(s);

/** Keeps every line except the `* bullet` lines whose body `keep` rejects (it reports them instead). */
function dropBullets(text: string, keep: (body: string) => boolean): string {
  return text
    .split('\n')
    .filter((line) => {
      const m = /^\s*\*\s+(.*)$/u.exec(line);
      return !m || keep(m[1]);
    })
    .join('\n');
}

function mediaBullets(text: string, hooks: MarkupHooks): string {
  if (!hooks.mediaBullet) return text;
  return dropBullets(text, (body) => {
    const links = [...body.matchAll(/\[\[(.{1,500}?)\]\]/gu)];
    if (links.length !== 1) return true;
    const link = parseWikiLink(links[0][1]);
    if (!link || !link.role || !MEDIA_ROLES.has(link.role)) return true;
    const label = link.display ?? link.name;
    const prefix = body.slice(0, links[0].index);
    const suffix = body.slice(links[0].index! + links[0][0].length);
    if (label.length > MAX_LABEL || !cleanSide(prefix, MAX_PREFIX) || !cleanSide(suffix, MAX_SUFFIX)) return true;
    hooks.mediaBullet!(link, bulletDescription(prefix, label, suffix));
    return false;
  });
}

// Bounded repetitions: pages are scraped text, and unbounded ones go quadratic on long bracket runs.
const MD_LINK = /\[([^\]\n]{1,500})\]\((https?:\/\/[^)\s]{1,2048})\)/gu;
const WIKI_EXTERNAL = /\[(https?:\/\/[^\s\]]{1,2048})[ \t]+([^\]\n]{1,500})\]/gu;

function linkBullets(text: string, hooks: MarkupHooks): string {
  if (!hooks.externalLink) return text;
  return dropBullets(text, (body) => {
    const found = [...body.matchAll(MD_LINK)].map((x) => ({ at: x.index!, length: x[0].length, label: x[1], url: x[2] }));
    for (const x of body.matchAll(WIKI_EXTERNAL)) found.push({ at: x.index!, length: x[0].length, label: x[2], url: x[1] });
    if (found.length !== 1) return true;
    const [link] = found;
    const prefix = body.slice(0, link.at);
    const suffix = body.slice(link.at + link.length);
    if (link.label.trim().length > MAX_LABEL || link.url.length > MAX_URL || !cleanSide(prefix, MAX_PREFIX) || !cleanSide(suffix, MAX_SUFFIX)) return true;
    if (/[[\]]/u.test(prefix + suffix)) return true;
    hooks.externalLink!(link.url, bulletDescription(prefix, link.label.trim(), suffix));
    return false;
  });
}

function headings(text: string): string {
  return text.replace(/^(={1,6})[ \t]*(.+?)[ \t]*=*[ \t]*$/gmu, (_all, marks: string, title: string) => `${'#'.repeat(marks.length)} ${title}`);
}

/** Converts expanded wikitext to Markdown, reporting links through the hooks. */
export function wikiToMarkdown(wikitext: string, hooks: MarkupHooks): string {
  let text = wikitext.replace(/<!--[\s\S]*?(?:-->|$)/gu, '');
  text = text.replace(/'''(.{1,500}?)'''/gu, '**$1**').replace(/''(.{1,500}?)''/gu, '_$1_');
  // Numbered lists before headings, so a level-1 heading does not become "1." (a legacy quirk).
  text = text.replace(/^#[ \t]+/gmu, '1. ');
  text = headings(text);
  text = text.replace(/^\*[ \t]+/gmu, '* ');
  text = mediaBullets(text, hooks);
  text = text.replace(/\[\[(.{1,500}?)\]\]/gu, (all, inner: string) => {
    const link = parseWikiLink(inner);
    if (!link) return all;
    const shown = hooks.processLink(link);
    return shown ? `**${shown}**` : '';
  });
  text = linkBullets(text, hooks);
  text = text.replace(MD_LINK, (all, label: string, url: string) => {
    hooks.externalLink?.(url, label);
    return all;
  });
  text = text.replace(WIKI_EXTERNAL, (_all, url: string, label: string) => {
    hooks.externalLink?.(url, label.trim());
    return `[${label.trim()}](${url})`;
  });
  text = text.replace(/\[(https?:\/\/[^\s\]]{1,2048})\](?!\()/gu, (_all, url: string) => {
    hooks.externalLink?.(url, '');
    return `[${url}](${url})`;
  });
  return text
    .replace(/^----+/gmu, '===')
    .replace(/\n{3,}/gu, '\n\n')
    .replace(/\*{4,}/gu, '****')
    .replace(/\*\*\*\* \*\*\*\*|\*\* \*\*/gu, '****')
    .trim();
}

// HTML helpers for the importer sources: a bounded parse into htmlparser2's DOM, small queries over it,
// HTML→Markdown through turndown, and neutralising control characters in scraped text.
import { DomUtils, parseDocument, Tokenizer } from 'htmlparser2';
import type { TokenizerCallbacks } from 'htmlparser2';
import type { AnyNode, Document, Element } from 'domhandler';
import TurndownService from 'turndown';

export type { Document, Element };

/** Deeper pages are refused: htmlparser2's open-element stack and turndown's DOM both go quadratic on deep nesting. */
export const MAX_HTML_DEPTH = 500;
/** HTML longer than this is cut before the Markdown conversion (descriptions are a few KiB). */
export const MAX_MARKDOWN_INPUT = 256 * 1024;

export class HtmlTooDeepError extends Error {
  constructor(depth: number) {
    super(`HTML nested deeper than ${depth} elements`);
    this.name = 'HtmlTooDeepError';
  }
}

const VOID_ELEMENTS = new Set([
  'area', 'base', 'basefont', 'bgsound', 'br', 'col', 'command', 'embed', 'frame', 'hr', 'image', 'img', 'input',
  'isindex', 'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr',
]);
// Elements whose end tag is commonly omitted; counting them would make ordinary old pages look deep.
const OPTIONAL_END = new Set([
  'p', 'li', 'dt', 'dd', 'option', 'optgroup', 'tr', 'td', 'th', 'tbody', 'thead', 'tfoot', 'colgroup', 'rb', 'rt',
  'rp', 'html', 'head', 'body',
]);

/** Estimates the element depth with htmlparser2's tokenizer (linear time) and throws when it passes the limit. */
export function assertHtmlDepth(html: string, limit = MAX_HTML_DEPTH): void {
  let depth = 0;
  let openName = '';
  const nameAt = (start: number, end: number) => html.slice(start, end).toLowerCase();
  const counted = (name: string) => !VOID_ELEMENTS.has(name) && !OPTIONAL_END.has(name);
  const noop = () => {};
  const opened = () => {
    if (!counted(openName)) return;
    depth += 1;
    if (depth > limit) throw new HtmlTooDeepError(limit);
  };
  const callbacks: TokenizerCallbacks = {
    onattribdata: noop, onattribentity: noop, onattribend: noop, onattribname: noop, oncdata: noop,
    oncomment: noop, ondeclaration: noop, onend: noop, onprocessinginstruction: noop, ontext: noop,
    ontextentity: noop,
    onopentagname: (start, end) => { openName = nameAt(start, end); },
    onopentagend: opened,
    onselfclosingtag: opened,
    onclosetag: (start, end) => {
      if (counted(nameAt(start, end)) && depth > 0) depth -= 1;
    },
  };
  const tokenizer = new Tokenizer({ decodeEntities: false }, callbacks);
  tokenizer.write(html);
  tokenizer.end();
}

/** Parses a page after the depth check; entities are decoded in text and attribute values. */
export function parseHtml(html: string): Document {
  assertHtmlDepth(html);
  return parseDocument(html, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true });
}

type Root = AnyNode | AnyNode[];
const asNodes = (root: Root): AnyNode[] => (Array.isArray(root) ? root : [root]);
export type ElementTest = (el: Element) => boolean;

/** All elements under root (document order) that pass the test. */
export function findAll(root: Root, test: ElementTest): Element[] {
  return DomUtils.findAll(test, asNodes(root));
}

export function findFirst(root: Root, test: ElementTest): Element | null {
  return DomUtils.findOne(test, asNodes(root), true);
}

/** An element test: tag name and exact attribute values (`class` compares the whole attribute). */
export function tag(name: string, attrs: Record<string, string> = {}): ElementTest {
  return (el) => el.name === name && Object.entries(attrs).every(([k, v]) => el.attribs[k] === v);
}

/** An element test for a tag carrying a CSS class among others. */
export function tagWithClass(name: string, cls: string): ElementTest {
  return (el) => el.name === name && (el.attribs.class ?? '').split(/\s+/u).includes(cls);
}

export function attr(el: Element | null | undefined, name: string): string | undefined {
  return el?.attribs[name];
}

/** Decoded text content, with control characters neutralised. */
export function textOf(node: AnyNode | AnyNode[] | null | undefined): string {
  if (!node) return '';
  return cleanText(DomUtils.textContent(node));
}

export function innerHtml(el: Element): string {
  // Text was entity-decoded when parsed; it must be re-encoded, or &lt;b&gt; in a page would turn into markup.
  return DomUtils.getInnerHTML(el, { encodeEntities: 'utf8' });
}

/** The element's next sibling elements, skipping text and comments. */
export function nextElement(el: Element): Element | null {
  return DomUtils.nextElementSibling(el);
}

let turndown: TurndownService | null = null;

function markdownConverter(): TurndownService {
  if (!turndown) {
    // html2text defaults as the legacy used them: inline links and images, **bold**, _em_, no wrapping.
    turndown = new TurndownService({
      headingStyle: 'atx',
      emDelimiter: '_',
      strongDelimiter: '**',
      bulletListMarker: '*',
      codeBlockStyle: 'indented',
      linkStyle: 'inlined',
    });
    turndown.remove(['script', 'style', 'noscript', 'iframe', 'object', 'embed']);
  }
  return turndown;
}

/** HTML fragment → Markdown; bounded input, depth-checked, control characters neutralised. */
export function htmlToMarkdown(html: string): string {
  const input = html.length > MAX_MARKDOWN_INPUT ? html.slice(0, MAX_MARKDOWN_INPUT) : html;
  assertHtmlDepth(input);
  return cleanText(markdownConverter().turndown(input)).trim();
}

// C0 controls except tab and newline, DEL, C1 controls, and the bidi overrides/isolates that can disguise text.
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/gu;

/** Removes NUL, ESC and other control characters from scraped text; CR/CRLF become LF. */
export function cleanText(text: string): string {
  return text.replace(/\r\n?/gu, '\n').replace(CONTROL_CHARS, '');
}

/** Applies cleanText to every string inside a JSON-like value (importer results). */
export function cleanStrings<T>(value: T): T {
  if (typeof value === 'string') return cleanText(value) as T;
  if (Array.isArray(value)) return value.map((v) => cleanStrings(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = cleanStrings(v);
    return out as T;
  }
  return value;
}

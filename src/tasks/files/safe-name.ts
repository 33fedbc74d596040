// Reduces any file name (from Content-Disposition, a URL or the database) to one safe base name.
import path from 'node:path';

export const FALLBACK_NAME = 'unknown';

// C0/C1 controls, DEL, bidi overrides and isolates, zero-width and BOM characters: invisible or
// terminal-hostile, never wanted in a stored name.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\.|$)/i;

/** The text without control and invisible characters (PostgreSQL refuses NUL; terminals mind the rest). */
export function withoutControls(text: string): string {
  return text.replace(INVISIBLE, '');
}

/** The last path segment of a URL, percent-decoded (undecodable escapes are kept as written). */
export function urlLastSegment(url: string): string | null {
  let pathname: string;
  try {
    pathname = new URL(url).pathname;
  } catch {
    pathname = url.split(/[?#]/)[0];
  }
  const segment = pathname.split('/').pop() ?? '';
  if (!segment) return null;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * A base name with no directory part, no `..`, no control or invisible characters, no leading dots
 * or spaces and no trailing dots or spaces; Windows device names get a `_` prefix. Length limits are
 * the store's business (see allocate.ts). Empty results become `unknown`.
 */
export function safeBaseName(raw: string | null | undefined): string {
  if (!raw) return FALLBACK_NAME;
  let name = raw.normalize('NFC').replace(INVISIBLE, '');
  name = name.split(/[/\\]/).pop() ?? '';
  name = name.replace(/\.{2,}/g, '.').replace(/^[\s.]+/, '').replace(/[\s.]+$/, '');
  if (!name) return FALLBACK_NAME;
  if (WINDOWS_RESERVED.test(name)) name = '_' + name;
  return name;
}

/** The name's extension for the collision scheme: the last suffix, with `.tar` kept before `.gz`-like ones. */
export function splitExtension(name: string): { root: string; ext: string } {
  const last = path.extname(name);
  if (!last || last.length > 10 || last === name) return { root: name, ext: '' };
  const before = path.extname(name.slice(0, -last.length));
  const ext = before.toLowerCase() === '.tar' && name.length > before.length + last.length ? before + last : last;
  return { root: name.slice(0, -ext.length), ext };
}

/** The last suffix, lower-cased (RecodeGame's choice of branch). */
export function lastExtension(name: string): string {
  return path.extname(name).toLowerCase();
}

// The one gate for links found in pages and feeds before they are stored: only absolute http(s)
// URLs pass. A browser reads " JaVa\tScRiPt:…" as javascript: (it drops tabs and line breaks and
// ignores case), so the scheme is judged after the same clean-up a browser does.

// C0 controls, DEL, C1 controls, bidi controls, zero-width characters and the BOM: never part of a
// link anyone meant, and some of them hide a scheme from a naive check.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

function absoluteHttp(candidate: string): URL | null {
  try {
    const url = new URL(candidate);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' ? url : null;
  } catch {
    return null;
  }
}

/**
 * `raw` as a storable http(s) link, or null. Absolute http(s) links keep their spelling (the importer
 * hashes and compares them as written) minus invisible characters; relative ones (also "//host/x")
 * are resolved against `base`, which must itself be http(s). Every other scheme is dropped.
 */
export function httpLink(raw: string | null | undefined, base?: string | null): string | null {
  if (raw == null) return null;
  const cleaned = raw.replace(INVISIBLE, '').trim().replace(/ /g, '%20');
  if (cleaned === '') return null;
  const scheme = SCHEME.exec(cleaned)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (scheme !== 'http' && scheme !== 'https') return null;
    return absoluteHttp(cleaned) ? cleaned : null;
  }
  const resolvedBase = base ? absoluteHttp(base.replace(INVISIBLE, '').trim()) : null;
  if (!resolvedBase) return null;
  try {
    return absoluteHttp(new URL(cleaned, resolvedBase).href)?.href ?? null;
  } catch {
    return null;
  }
}

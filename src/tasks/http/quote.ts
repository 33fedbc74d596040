// IFDB's URL quoting (Python's QuoteUtf8) and the "same URL" key (HashizeUrl), tasks.md §0.
// Not encodeURI: that leaves , ' [ ] alone, and IFDB stores hashes built with these rules.

const SAFE = /[A-Za-z0-9_.\-~/+=&?%:@;!#$*()]/;
const encoder = new TextEncoder();

/** Percent-encodes the UTF-8 bytes of every character outside IFDB's safe set; existing %xx stay as they are. */
export function legacyQuote(url: string): string {
  let out = '';
  for (const ch of url) {
    if (ch.length === 1 && SAFE.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of encoder.encode(ch)) out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

const SCHEME_CHARS = /^[A-Za-z][A-Za-z0-9+\-.]*$/;

/** Python's urlsplit(url, allow_fragments=False), reduced to what HashizeUrl uses. */
function splitWithoutFragment(url: string): { netloc: string; path: string; query: string } {
  let rest = url;
  const colon = rest.indexOf(':');
  if (colon > 0 && SCHEME_CHARS.test(rest.slice(0, colon))) rest = rest.slice(colon + 1);
  let netloc = '';
  if (rest.startsWith('//')) {
    let end = rest.length;
    for (const delimiter of ['/', '?', '#']) {
      const at = rest.indexOf(delimiter, 2);
      if (at >= 0 && at < end) end = at;
    }
    netloc = rest.slice(2, end);
    rest = rest.slice(end);
  }
  const question = rest.indexOf('?');
  if (question < 0) return { netloc, path: rest, query: '' };
  return { netloc, path: rest.slice(0, question), query: rest.slice(question + 1) };
}

/** The key IFDB uses to decide that two URLs are the same: scheme dropped, host case kept, `#…` kept. */
export function hashizeUrl(url: string): string {
  const { netloc, path, query } = splitWithoutFragment(legacyQuote(url.trim()));
  return '//' + netloc + path + (query ? '?' + query : '');
}

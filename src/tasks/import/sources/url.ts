// URL string helpers that keep the legacy (Python urllib) behaviour: split and resolve as strings,
// never re-serialised through WHATWG URL, which would change the stored and hashed forms.

export interface SplitUrl {
  scheme: string;
  /** user:pass@host:port as written */
  netloc: string;
  /** lower-cased host without port or user info; null when there is none */
  hostname: string | null;
  path: string;
  query: string;
  fragment: string;
  hasNetloc: boolean;
  hasQuery: boolean;
  hasFragment: boolean;
}

/** urllib.parse.urlsplit: scheme, //netloc, path, ?query, #fragment. */
export function splitUrl(url: string): SplitUrl {
  let rest = url;
  let scheme = '';
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):/u.exec(rest);
  if (schemeMatch) {
    scheme = schemeMatch[1].toLowerCase();
    rest = rest.slice(schemeMatch[0].length);
  }
  let netloc = '';
  let hasNetloc = false;
  if (rest.startsWith('//')) {
    hasNetloc = true;
    const end = rest.slice(2).search(/[/?#]/u);
    netloc = end === -1 ? rest.slice(2) : rest.slice(2, end + 2);
    rest = end === -1 ? '' : rest.slice(end + 2);
  }
  let fragment = '';
  const hash = rest.indexOf('#');
  const hasFragment = hash !== -1;
  if (hasFragment) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  let query = '';
  const q = rest.indexOf('?');
  const hasQuery = q !== -1;
  if (hasQuery) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  return { scheme, netloc, hostname: hostnameOf(netloc), path: rest, query, fragment, hasNetloc, hasQuery, hasFragment };
}

function hostnameOf(netloc: string): string | null {
  const host = netloc.slice(netloc.lastIndexOf('@') + 1);
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    const v6 = host.slice(1, close === -1 ? undefined : close);
    return v6 ? v6.toLowerCase() : null;
  }
  const colon = host.indexOf(':');
  const name = colon === -1 ? host : host.slice(0, colon);
  return name ? name.toLowerCase() : null;
}

/** The origin as written ("https://x.ru:8080"), or "" for a relative URL. */
export function originOf(url: string): string {
  const s = splitUrl(url);
  return s.hasNetloc ? `${s.scheme ? `${s.scheme}:` : ''}//${s.netloc}` : '';
}

function removeDotSegments(path: string): string {
  const input = path.split('/');
  const output: string[] = [];
  for (let i = 0; i < input.length; i++) {
    const seg = input[i];
    const last = i === input.length - 1;
    if (seg === '.') {
      if (last) output.push('');
    } else if (seg === '..') {
      if (output.length > 1 || (output.length === 1 && output[0] !== '')) output.pop();
      if (last) output.push('');
    } else {
      output.push(seg);
    }
  }
  return output.join('/');
}

function join(s: { scheme: string; netloc: string; hasNetloc: boolean; path: string; query: string; hasQuery: boolean; fragment: string; hasFragment: boolean }): string {
  let out = s.scheme ? `${s.scheme}:` : '';
  if (s.hasNetloc) out += `//${s.netloc}`;
  out += s.path;
  if (s.hasQuery) out += `?${s.query}`;
  if (s.hasFragment) out += `#${s.fragment}`;
  return out;
}

/** RFC 3986 §5.2 reference resolution on strings (urllib.parse.urljoin for http-like URLs). */
export function urljoin(base: string, ref: string): string {
  if (!base) return ref;
  if (!ref) return base;
  const r = splitUrl(ref);
  const b = splitUrl(base);
  if (r.scheme && r.scheme !== b.scheme) return ref;
  const scheme = b.scheme;
  if (r.hasNetloc) return join({ ...r, scheme, path: removeDotSegments(r.path) });
  if (r.scheme && !r.hasNetloc && r.path === '' && !r.hasQuery) {
    return join({ ...b, scheme, hasFragment: r.hasFragment, fragment: r.fragment });
  }
  let path: string;
  let query = r.query;
  let hasQuery = r.hasQuery;
  if (r.path === '') {
    path = b.path;
    if (!r.hasQuery) {
      query = b.query;
      hasQuery = b.hasQuery;
    }
  } else if (r.path.startsWith('/')) {
    path = removeDotSegments(r.path);
  } else {
    const merged = b.hasNetloc && b.path === '' ? `/${r.path}` : b.path.slice(0, b.path.lastIndexOf('/') + 1) + r.path;
    path = removeDotSegments(merged);
  }
  return join({ scheme, netloc: b.netloc, hasNetloc: b.hasNetloc, path, query, hasQuery, fragment: r.fragment, hasFragment: r.hasFragment });
}

/** urllib.parse.unquote: percent-decodes UTF-8, leaving invalid sequences as they are. */
export function unquote(text: string): string {
  return text.replace(/(?:%[0-9a-fA-F]{2})+/gu, (run) => {
    const bytes = Buffer.from(run.replace(/%/gu, ''), 'hex');
    const decoded = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    return decoded.includes('\uFFFD') ? tryDecodeEach(run) : decoded;
  });
}

function tryDecodeEach(run: string): string {
  try {
    return decodeURIComponent(run);
  } catch {
    return run;
  }
}

/** urllib.parse.quote(text, safe): UTF-8 percent-encoding; letters, digits, `_.-~` and the safe characters stay. */
export function quote(text: string, safe = '/'): string {
  let out = '';
  for (const ch of text) {
    if (/^[A-Za-z0-9_.~-]$/u.test(ch) || safe.includes(ch)) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

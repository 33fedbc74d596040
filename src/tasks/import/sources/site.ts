// What every source shares: where its site lives (real hosts vs. the configured base URL), fetching
// through the shared client, and the wrapper that turns any failure of a fetch or parse into `{ error }`.
import { legacyQuote } from '../../http/quote.ts';
import { cleanStrings } from '../html.ts';
import type { ImportResult, SourceContext, SourceId } from '../types.ts';
import { splitUrl } from './url.ts';

/** Legacy messages (tasks.md §3), kept because IFDB users know them. */
export const PARSE_FAILURE = 'Не найдена игра на странице';
export const FETCH_FAILURE = 'Не открывается что-то этот URL.';

export interface SiteSpec {
  id: SourceId;
  /** the origin URLs are written with in IFDB (legacy scheme kept: hashes ignore it) */
  home: string;
  /** where requests go when config.sources has no override */
  defaultBase: string;
  /** the real host names of the site */
  hosts: readonly string[];
}

export class ParseFailure extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'ParseFailure';
  }
}

const trimSlash = (url: string) => url.replace(/\/+$/u, '');

/** Maps between a site's real URLs and the configured base URL (tests point every site at 127.0.0.1). */
export class Site {
  readonly spec: SiteSpec;
  private readonly bases = new Set<string>();

  constructor(spec: SiteSpec, baseUrls: Record<string, string> = {}) {
    this.spec = spec;
    this.remember(baseUrls);
  }

  /** Registers a base URL override so that match() also recognises URLs on that host. */
  remember(baseUrls: Record<string, string>): void {
    const base = baseUrls[this.spec.id];
    if (base) this.bases.add(trimSlash(base));
  }

  base(ctx: SourceContext): string {
    this.remember(ctx.baseUrls);
    return trimSlash(ctx.baseUrls[this.spec.id] ?? this.spec.defaultBase);
  }

  /** The URL written with the site's home origin when it points at a configured base; else unchanged. */
  canonical(url: string): string {
    for (const base of this.bases) {
      if (url === base || url.startsWith(`${base}/`) || url.startsWith(`${base}?`)) return this.spec.home + url.slice(base.length);
    }
    return url;
  }

  isSiteUrl(url: string): boolean {
    const { hostname, scheme } = splitUrl(this.canonical(url));
    return (scheme === 'http' || scheme === 'https') && hostname !== null && this.spec.hosts.includes(hostname);
  }

  /** Where to fetch a site URL from: the same path and query under the configured base, legacy-quoted. */
  fetchUrl(url: string, ctx: SourceContext): string {
    const base = this.base(ctx);
    const canonical = this.canonical(url);
    if (!this.isSiteUrl(canonical)) return legacyQuote(url);
    const { path, query, hasQuery } = splitUrl(canonical);
    return legacyQuote(`${base}${path}${hasQuery ? `?${query}` : ''}`);
  }

  /** A path on the site, fetched from the configured base. */
  at(path: string, ctx: SourceContext): string {
    return `${this.base(ctx)}${path}`;
  }

  async getText(url: string, ctx: SourceContext, options: { encoding?: 'utf-8' | 'windows-1251'; maxBytes?: number } = {}): Promise<string> {
    const response = await ctx.http.getText(url, { signal: ctx.signal, ...options });
    return response.text;
  }
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}

const isFetchError = (error: unknown) => error instanceof Error && (error.name === 'HttpError' || error.name === 'AbortError' || 'status' in error);

/**
 * Runs a source's fetch and parse for one URL: every exception becomes `{ error }` (logged with its
 * reason), and every string of the result is cleaned of control characters.
 */
export async function importGuarded(
  site: Site,
  url: string,
  ctx: SourceContext,
  priority: number | null,
  run: () => Promise<ImportResult>,
): Promise<ImportResult> {
  try {
    const result = await run();
    return cleanStrings({ ...result, priority });
  } catch (error) {
    const fetchFailed = error instanceof FetchFailure || (!(error instanceof ParseFailure) && isFetchError(error));
    ctx.log.warn(`${site.spec.id}: ${fetchFailed ? 'cannot fetch' : 'cannot parse'} ${url}: ${describe(error)}`);
    return { error: fetchFailed ? FETCH_FAILURE : PARSE_FAILURE, priority };
  }
}

/** Marks an error as a failed fetch (the cause keeps the client's error). */
export class FetchFailure extends Error {
  constructor(url: string, cause: unknown) {
    super(`${url}: ${describe(cause)}`, { cause });
    this.name = 'FetchFailure';
  }
}

/** Fetches a page; a failure is a FetchFailure, so the guard reports it as one whatever the client threw. */
export async function fetchPage(
  site: Site,
  url: string,
  ctx: SourceContext,
  options: { encoding?: 'utf-8' | 'windows-1251'; maxBytes?: number } = {},
): Promise<string> {
  try {
    return await site.getText(site.fetchUrl(url, ctx), ctx, options);
  } catch (error) {
    throw new FetchFailure(url, error);
  }
}

/** A YYYY-MM-DD string when the parts make a real calendar date, else undefined. */
export function isoDate(year: number, month: number, day: number): string | undefined {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  if (year < 1900 || year > 2100) return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** De-duplicates strings keeping the first occurrence. */
export function unique(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

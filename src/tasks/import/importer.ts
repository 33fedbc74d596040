// The source-merging importer (legacy Importer, tasks.md §2.1): imports one game from its seed URLs,
// following the familiar URLs each accepted page links to, and merges the pages by priority.
import { errorMessage } from '../../runner/errors.ts';
import { AddressGuard } from '../http/address-guard.ts';
import { hashizeUrl } from '../http/quote.ts';
import { httpLink } from '../http/web-link.ts';
import { similarEnough } from './similarity.ts';
import type { AuthorImport, ImportedAuthor, ImportedTag, ImportedUrl, ImportResult, Source, SourceContext, SourceId } from './types.ts';

export const UNKNOWN_RESOURCE = 'Ссылка на неизвестный ресурс.';
export const SOURCE_DISABLED = 'Источник отключён после ошибок в этом запуске.';

/** What Import(*seeds) returns: the merged game and the error of each URL that failed. */
export interface ImportOutcome {
  merged: ImportResult;
  errors: Map<string, string>;
}

export interface SourceCandidates {
  /** a source id, or "manual" for URLs given to the task */
  source: string;
  urls: string[];
}

export interface ImporterOptions {
  sources: readonly Source[];
  context: SourceContext;
  /** runs on the merged result (the enricher, §3.9) */
  enrich?: (result: ImportResult) => ImportResult;
  /**
   * After this many errors in a row from one source, its pages are not fetched again in this run
   * (a site that went down would otherwise cost a timeout per candidate). 0 disables.
   */
  maxConsecutiveErrors?: number;
  /** IFQUEUE_ALLOW_HOSTS: links to a refused IP address or a local/private name are not stored, except these (a name must be listed by name) */
  allowHosts?: readonly string[];
}

export class Importer {
  readonly sources: readonly Source[];
  private readonly context: SourceContext;
  private readonly enrich: (result: ImportResult) => ImportResult;
  private readonly maxConsecutiveErrors: number;
  private readonly addressGuard: AddressGuard;
  private readonly consecutiveErrors = new Map<SourceId, number>();
  /** sources skipped for the rest of the run, with the reason */
  readonly disabled = new Map<SourceId, string>();
  /** pages imported and pages that failed, per source */
  readonly stats = new Map<SourceId, { pages: number; errors: number }>();

  constructor(options: ImporterOptions) {
    this.sources = options.sources;
    this.context = options.context;
    this.enrich = options.enrich ?? ((result) => result);
    this.maxConsecutiveErrors = options.maxConsecutiveErrors ?? 20;
    this.addressGuard = new AddressGuard(options.allowHosts ?? []);
  }

  /**
   * A link found on `pageUrl` as it may be stored: http(s) only, resolved against the page, and not
   * an IP address the clone step would refuse (a metadata or private address). Null drops it.
   */
  storableLink(link: string, pageUrl: string): string | null {
    const url = httpLink(link, pageUrl);
    if (url === null) return null;
    return this.addressGuard.linkHostRefusal(new URL(url).hostname) === null ? url : null;
  }

  /** Drops (and logs) the links of a page result that may not be stored; resolves relative ones. */
  private keepStorableLinks<T extends { url?: string }>(items: T[] | undefined, pageUrl: string, what: string): T[] | undefined {
    if (items === undefined) return undefined;
    const kept: T[] = [];
    for (const item of items) {
      if (item.url === undefined || item.url === '') {
        kept.push(item);
        continue;
      }
      const url = this.storableLink(item.url, pageUrl);
      if (url === null) this.context.log.warn(`${pageUrl}: ${what} link ${JSON.stringify(item.url.slice(0, 200))} dropped (only http(s) links to public hosts are stored)`);
      else kept.push({ ...item, url });
    }
    return kept;
  }

  private withStorableLinks(result: ImportResult, pageUrl: string): ImportResult {
    if (!result.urls && !result.authors) return result;
    const urls = this.keepStorableLinks(result.urls, pageUrl, 'game')?.filter((u) => u.url !== '');
    return { ...result, ...(urls ? { urls } : {}), ...(result.authors ? { authors: this.keepStorableLinks(result.authors, pageUrl, 'author') } : {}) };
  }

  isFamiliarUrl(url: string, cat: string | null): boolean {
    return this.sources.some((source) => source.matchWithCat(url, cat));
  }

  sourceOf(url: string): Source | undefined {
    return this.sources.find((source) => source.match(url));
  }

  /** Imports one page with the first source that matches it; never throws except on abort. */
  async dispatchImport(url: string): Promise<ImportResult> {
    const source = this.sourceOf(url);
    if (!source) return { error: UNKNOWN_RESOURCE };
    const disabledReason = this.disabled.get(source.id);
    if (disabledReason !== undefined) return { error: SOURCE_DISABLED };
    let result: ImportResult;
    try {
      result = this.withStorableLinks(await source.importUrl(url, this.context), url);
    } catch (error) {
      this.context.signal.throwIfAborted();
      this.context.log.error(`${source.id}: import of ${url} threw: ${errorMessage(error)}`);
      result = { error: errorMessage(error) };
    }
    this.context.signal.throwIfAborted();
    this.count(source, Boolean(result.error));
    return result;
  }

  private count(source: Source, failed: boolean): void {
    const stats = this.stats.get(source.id) ?? { pages: 0, errors: 0 };
    stats.pages++;
    if (failed) stats.errors++;
    this.stats.set(source.id, stats);
    const run = failed ? (this.consecutiveErrors.get(source.id) ?? 0) + 1 : 0;
    this.consecutiveErrors.set(source.id, run);
    if (this.maxConsecutiveErrors > 0 && run >= this.maxConsecutiveErrors && !this.disabled.has(source.id)) {
      const reason = `${run} failed pages in a row`;
      this.disabled.set(source.id, reason);
      this.context.log.error(`${source.id}: skipped for the rest of this run (${reason})`);
    }
  }

  /** Legacy Import(*seeds): follows familiar URLs of accepted pages, merges by priority, enriches. */
  async import(seeds: readonly string[]): Promise<ImportOutcome> {
    const seedSet = new Set(seeds);
    const queue = [...seedSet];
    const queued = new Set(queue);
    const checked = new Set<string>();
    const errors = new Map<string, string>();
    const results: ImportResult[] = [];
    let title: string | undefined;

    while (queue.length > 0) {
      const url = queue.shift()!;
      const hash = hashizeUrl(url);
      if (checked.has(hash)) continue;
      checked.add(hash);

      const result = await this.dispatchImport(url);
      if (result.error) errors.set(url, result.error);

      let append: boolean;
      if (result.title) {
        if (title !== undefined && !seedSet.has(url)) {
          append = similarEnough(title, result.title);
        } else {
          title = result.title;
          append = true;
        }
      } else {
        append = title === undefined;
      }
      if (!append) continue;

      results.push(result);
      for (const link of result.urls ?? []) {
        if (queued.has(link.url) || !this.isFamiliarUrl(link.url, link.urlcat_slug)) continue;
        queued.add(link.url);
        queue.push(link.url);
      }
    }

    return { merged: this.enrich(mergeResults(results)), errors };
  }

  /** Each source's listing; a source whose listing fails is logged and left out. */
  async collectCandidates(): Promise<{ candidates: SourceCandidates[]; failed: Map<SourceId, string> }> {
    const candidates: SourceCandidates[] = [];
    const failed = new Map<SourceId, string>();
    for (const source of this.sources) {
      this.context.signal.throwIfAborted();
      try {
        const urls = await source.getUrlCandidates(this.context);
        candidates.push({ source: source.id, urls: [...new Set(urls)] });
        this.context.log.info(`${source.id}: ${urls.length} candidate URLs`);
      } catch (error) {
        this.context.signal.throwIfAborted();
        failed.set(source.id, errorMessage(error));
        this.context.log.error(`${source.id}: listing failed, source skipped: ${errorMessage(error)}`);
      }
    }
    return { candidates, failed };
  }

  /** URLs changed recently on their sites (only ifwiki reports any); a failing source is logged and left out. */
  async collectDirtyUrls(): Promise<string[]> {
    const dirty: string[] = [];
    for (const source of this.sources) {
      this.context.signal.throwIfAborted();
      try {
        dirty.push(...(await source.getDirtyUrls(this.context)));
      } catch (error) {
        this.context.signal.throwIfAborted();
        this.context.log.error(`${source.id}: recent changes failed: ${errorMessage(error)}`);
      }
    }
    return dirty;
  }

  /** Legacy ImportAuthor: the author page of the first source that recognises it, or {}. */
  async importAuthor(url: string): Promise<AuthorImport> {
    const source = this.sources.find((s) => s.importAuthor && s.matchAuthor?.(url));
    if (!source?.importAuthor) return {};
    try {
      const author = await source.importAuthor(url, this.context);
      const urls = this.keepStorableLinks(author.urls, url, 'author page')?.filter((u) => u.url !== '');
      const canonical = author.canonical_url ? this.storableLink(author.canonical_url, url) : null;
      const { canonical_url: _dropped, ...rest } = author;
      return { ...rest, ...(urls ? { urls } : {}), ...(canonical ? { canonical_url: canonical } : {}) };
    } catch (error) {
      this.context.signal.throwIfAborted();
      this.context.log.warn(`${source.id}: author import of ${url} failed: ${errorMessage(error)}`);
      return {};
    }
  }
}

const NO_PRIORITY = -1000;
const DESC_SEPARATOR = '\n\n---\n\n';

function dedupe<T>(items: Iterable<T>, key: (item: T) => string): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(item);
  }
  return out;
}

/**
 * Merges the accepted pages of one game (§2.1 steps 3–5): highest priority first, first title/date/error wins,
 * descriptions joined, URLs/tags/authors de-duplicated (first wins), and the attributions of the descriptions used.
 */
export function mergeResults(results: readonly ImportResult[]): ImportResult {
  const ordered = results
    .map((result, index) => ({ result, index, priority: result.priority ?? NO_PRIORITY }))
    .sort((a, b) => b.priority - a.priority || a.index - b.index)
    .map(({ result }) => result);

  const merged: ImportResult = {};
  const descriptions: string[] = [];
  const attributions: string[] = [];
  for (const result of ordered) {
    merged.title ||= result.title || undefined;
    merged.release_date ||= result.release_date || undefined;
    merged.error ||= result.error || undefined;
    if (result.desc) {
      descriptions.push(result.desc);
      for (const name of result.description_attributions ?? []) if (!attributions.includes(name)) attributions.push(name);
    }
  }
  if (descriptions.length > 0) merged.desc = descriptions.join(DESC_SEPARATOR);
  merged.description_attributions = attributions;

  const all = <T>(pick: (r: ImportResult) => T[] | undefined): T[] => ordered.flatMap((r) => pick(r) ?? []);
  merged.urls = dedupe(
    all((r) => r.urls).filter((u: ImportedUrl) => Boolean(u.urlcat_slug)),
    (u) => JSON.stringify([hashizeUrl(u.url), u.urlcat_slug]),
  );
  merged.tags = dedupe(all((r) => r.tags), (t: ImportedTag) => JSON.stringify([t.tag_slug ?? null, t.tag ?? null, t.cat_slug ?? null]));
  merged.authors = dedupe(all((r) => r.authors), (a: ImportedAuthor) => JSON.stringify([a.role_slug ?? null, a.name]));

  if (merged.title) delete merged.error;
  for (const key of ['title', 'release_date', 'error'] as const) if (merged[key] === undefined) delete merged[key];
  return merged;
}

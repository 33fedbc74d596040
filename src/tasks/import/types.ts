// The importer's result schema (reference tasks.md §2.1): one ImportResult per source page, and the merged one.
// Field names keep the legacy snake_case so payloads, logs and fixtures read like IFDB's.
import type { TaskLogger } from '../../runner/types.ts';

/** A game URL with its `games_gameurlcategory.symbolic_id`; a null slug (a site root) is dropped by the merge. */
export interface ImportedUrl {
  urlcat_slug: string | null;
  description: string;
  url: string;
}

/** An author with a `games_gameauthorrole.symbolic_id` (author, translator, character, tester, member, artist, programmer, composer). */
export interface ImportedAuthor {
  role_slug: string;
  name: string;
  /** the author's page on the source site (becomes an `other_site` personality URL) */
  url?: string;
  urldesc?: string;
}

/**
 * A tag, in one of three shapes:
 * - `{cat_slug, tag}`: a tag by name in a category (platform, language, tag, genre, competition, ifid);
 * - `{tag_slug}`: an existing tag by its `games_gametag.symbolic_id` (parser, menu, os_*, ifwiki_featured);
 * - `{cat_slug, tag_slug}` / `{cat_slug, tag, tag_slug}`: as the previous one (the slug wins, cat_slug is informative).
 */
export interface ImportedTag {
  cat_slug?: string;
  tag?: string;
  tag_slug?: string;
}

export interface ImportResult {
  title?: string;
  /** markdown */
  desc?: string;
  /** site names whose description was used, e.g. "ifwiki.ru" */
  description_attributions?: string[];
  /** YYYY-MM-DD */
  release_date?: string;
  /** merge order, higher first; null/absent counts as −1000 */
  priority?: number | null;
  /** one line, Russian as in legacy (e.g. "Не найдена игра на странице") */
  error?: string;
  authors?: ImportedAuthor[];
  tags?: ImportedTag[];
  urls?: ImportedUrl[];
}

/** A personality URL; slugs from `games_personalityurlcategory` (other_site, avatar, social, personal_page, interview, other, download_direct). */
export type ImportedAuthorUrl = ImportedUrl;

/** What ImportAuthor returns; `{}` when the page could not be read. */
export interface AuthorImport {
  name?: string;
  /** markdown, ending with the "(описание взято с сайта …)" note */
  bio?: string;
  urls?: ImportedAuthorUrl[];
  /** the redirect target's title, when the page was a redirect (ifwiki) */
  canonical?: string;
  canonical_url?: string;
}

export type SourceId = 'ifwiki' | 'apero' | 'rilarhiv' | 'insteadgames' | 'questbook' | 'ifiction';

/** A fetched page as the sources need it (a subset of the HTTP client's answer). */
export interface SourceTextResponse {
  finalUrl: string;
  status: number;
  text: string;
}

/** The part of the shared HTTP client (src/tasks/http) that the sources use. */
export interface SourceHttpClient {
  getText(
    url: string,
    options: { signal?: AbortSignal; headers?: Record<string, string>; maxBytes?: number; encoding?: 'utf-8' | 'windows-1251' },
  ): Promise<SourceTextResponse>;
  getJson(url: string, options: { signal?: AbortSignal }): Promise<unknown>;
}

export interface SourceContext {
  http: SourceHttpClient;
  signal: AbortSignal;
  log: TaskLogger;
  /** config.sources overrides: source id → base URL (e.g. "http://127.0.0.1:4321/ifwiki") */
  baseUrls: Record<string, string>;
}

export interface Source {
  id: SourceId;
  /** ifwiki 100, insteadgames 80, questbook 51, apero 49, ifiction 45, rilarhiv null */
  priority: number | null;
  match(url: string): boolean;
  /** whether a URL of that category is this source's (Importer.IsFamiliarUrl) */
  matchWithCat(url: string, cat: string | null): boolean;
  /** never throws: failures become `{ error }` */
  importUrl(url: string, ctx: SourceContext): Promise<ImportResult>;
  /** may throw (network); the importer logs and skips the source */
  getUrlCandidates(ctx: SourceContext): Promise<string[]>;
  getDirtyUrls(ctx: SourceContext): Promise<string[]>;
  matchAuthor?(url: string): boolean;
  /** never throws: failures become `{}` */
  importAuthor?(url: string, ctx: SourceContext): Promise<AuthorImport>;
}

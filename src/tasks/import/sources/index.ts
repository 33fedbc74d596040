// The six importer sources, in the legacy registry order (tasks.md §2.1), and the interface the importer uses.
import type { Source } from '../types.ts';
import { createApero } from './apero.ts';
import { createIfiction } from './ifiction.ts';
import { createIfwiki } from './ifwiki.ts';
import { createInsteadGames } from './insteadgames.ts';
import { createQuestbook } from './questbook.ts';
import { createRilarhiv } from './rilarhiv.ts';

export type { AuthorImport, ImportResult, Source, SourceContext, SourceHttpClient, SourceId } from '../types.ts';
export { categorizeAuthorUrl, categorizeUrl } from '../categorize.ts';
export { enrich } from '../enrich.ts';

/**
 * Fresh source instances (rilarhiv keeps its listing cache per instance). `baseUrls` is config.sources:
 * with it, match() also recognises URLs on an overridden host (tests); the sources learn it from the
 * SourceContext of their first call otherwise.
 */
export function createSources(baseUrls: Record<string, string> = {}): Source[] {
  return [
    createIfwiki(baseUrls),
    createApero(baseUrls),
    createRilarhiv(baseUrls),
    createInsteadGames(baseUrls),
    createQuestbook(baseUrls),
    createIfiction(baseUrls),
  ];
}

// Small in-test Source fakes for the import tests: pages are served from a map, nothing touches the network.
import type { AuthorImport, ImportResult, Source, SourceContext, SourceHttpClient, SourceId } from '../../../src/tasks/import/types.ts';
import type { TaskLogger } from '../../../src/runner/types.ts';

export interface FakeSourceOptions {
  id: SourceId;
  priority: number | null;
  /** URLs of this source start with http://<host>/ */
  host: string;
  pages?: Record<string, ImportResult>;
  candidates?: string[] | (() => Promise<string[]>);
  dirty?: string[];
  authors?: Record<string, AuthorImport>;
  /** importUrl throws instead of answering (a contract breach the importer must survive) */
  throwOnImport?: boolean;
}

export interface FakeSource extends Source {
  imported: string[];
  pages: Record<string, ImportResult>;
}

export function fakeSource(options: FakeSourceOptions): FakeSource {
  const prefix = `http://${options.host}/`;
  const imported: string[] = [];
  const pages = options.pages ?? {};
  const source: FakeSource = {
    id: options.id,
    priority: options.priority,
    imported,
    pages,
    match: (url) => url.startsWith(prefix),
    matchWithCat: (url, cat) => url.startsWith(prefix) && cat === 'game_page',
    async importUrl(url) {
      imported.push(url);
      if (options.throwOnImport) throw new Error(`${options.id} exploded`);
      const page = pages[url];
      if (page === undefined) return { error: 'Не найдена игра на странице', priority: options.priority };
      return structuredClone({ ...page, priority: options.priority });
    },
    async getUrlCandidates() {
      if (typeof options.candidates === 'function') return options.candidates();
      return options.candidates ?? Object.keys(pages);
    },
    async getDirtyUrls() {
      return options.dirty ?? [];
    },
    matchAuthor: (url) => url.startsWith(`${prefix}author/`),
    async importAuthor(url) {
      return options.authors?.[url] ?? {};
    },
  };
  return source;
}

export const silentLog: TaskLogger = { debug() {}, info() {}, warn() {}, error() {} };

const noHttp: SourceHttpClient = {
  async getText() {
    throw new Error('fake sources never fetch');
  },
  async getJson() {
    throw new Error('fake sources never fetch');
  },
};

export function fakeSourceContext(log: TaskLogger = silentLog, signal = new AbortController().signal): SourceContext {
  return { http: noHttp, signal, log, baseUrls: {} };
}

export function gamePage(url: string, description = 'Страница'): { urlcat_slug: string; description: string; url: string } {
  return { urlcat_slug: 'game_page', description, url };
}

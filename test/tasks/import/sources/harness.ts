// A local 127.0.0.1 server standing in for the six source sites (each under /<source id>/), with the
// shared HTTP client and a recording SourceContext pointed at it through config.sources.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { createHttpClient } from '../../../../src/tasks/http/index.ts';
import type { SourceContext } from '../../../../src/tasks/import/types.ts';
import { startLocalServer, type LocalServer, type Route } from '../../http/local-server.ts';
import { makeTestConfig, type TestConfig } from '../../http/test-config.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../../../fixtures/import');
const SOURCE_IDS = ['ifwiki', 'apero', 'rilarhiv', 'insteadgames', 'questbook', 'ifiction'] as const;

export function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

/** Serves a fixture as UTF-8 or, re-encoded, as windows-1251 (with or without a charset in the header). */
export function serve(name: string, options: { cp1251?: boolean; charsetHeader?: boolean; type?: string } = {}): Route {
  return (_request, response) => {
    const text = fixture(name);
    const type = options.type ?? 'text/html';
    const charset = options.cp1251 ? 'windows-1251' : 'utf-8';
    const header = options.charsetHeader === false ? type : `${type}; charset=${charset}`;
    response.writeHead(200, { 'content-type': header }).end(options.cp1251 ? iconv.encode(text, 'windows-1251') : Buffer.from(text, 'utf8'));
  };
}

export const serveText = (body: string | Buffer, type = 'text/html; charset=utf-8'): Route => (_q, res) => res.writeHead(200, { 'content-type': type }).end(body);

export interface Harness {
  server: LocalServer;
  /** base URL of a source on the local server, e.g. http://127.0.0.1:1234/apero */
  base(id: (typeof SOURCE_IDS)[number]): string;
  baseUrls: Record<string, string>;
  ctx: SourceContext;
  controller: AbortController;
  lines: string[];
  route(path: string, handler: Route): void;
  /** a context with its own signal (e.g. already aborted) */
  withSignal(signal: AbortSignal): SourceContext;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const server = await startLocalServer();
  const baseUrls = Object.fromEntries(SOURCE_IDS.map((id) => [id, server.url(`/${id}`)]));
  let setup: TestConfig | null = null;
  try {
    setup = await makeTestConfig({ IFQUEUE_SOURCES: JSON.stringify(baseUrls), IFQUEUE_MAX_PAGE_BYTES: '4MiB' });
  } catch (error) {
    await server.close();
    throw error;
  }
  const lines: string[] = [];
  const http = createHttpClient(setup.config, (level, message) => lines.push(`${level} ${message}`), { retries: 0, retryDelayMs: 1 });
  const controller = new AbortController();
  const logAt = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  const log = { debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error') };
  const ctx: SourceContext = { http, signal: controller.signal, log, baseUrls: setup.config.sources };
  const config = setup;
  return {
    server,
    base: (id) => baseUrls[id],
    baseUrls,
    ctx,
    controller,
    lines,
    route: (p, handler) => server.route(p, handler),
    withSignal: (signal) => ({ ...ctx, signal }),
    async close() {
      controller.abort();
      await server.close();
      await config.cleanup();
    },
  };
}

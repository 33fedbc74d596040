// Hostile XML: entity expansion bombs and external entities must never be expanded, read or fetched.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { TaskDefinition } from '../../src/runner/types.ts';
import { loadTasksConfig } from '../../src/tasks/config.ts';
import { feedTasks, type FeedReport } from '../../src/tasks/feeds/index.ts';
import { parseRssOrAtom } from '../../src/tasks/feeds/rss.ts';
import { parseFeedXml } from '../../src/tasks/feeds/xml.ts';
import { createTestDatabase, loadIfdbSchema, type TestDatabase } from '../helpers/db.ts';
import { makeTaskContext } from '../helpers/task-context.ts';
import { startFixtureServer, type FixtureServer } from '../tasks/feeds/fixture-server.ts';

const ITEM = (title: string) =>
  `<item><title>${title}</title><guid>bomb-1</guid><link>http://x.test/1</link><pubDate>Mon, 20 Nov 2023 10:00:00 GMT</pubDate></item>`;

function billionLaughs(): string {
  const levels = ['<!ENTITY lol0 "lol">'];
  for (let i = 1; i <= 9; i++) levels.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
  return `<?xml version="1.0"?>\n<!DOCTYPE rss [\n${levels.join('\n')}\n]>\n<rss version="2.0"><channel>${ITEM('Смех &lol9;')}</channel></rss>`;
}

/** One 10 000-character entity referenced 5 000 times: 50 MB if expanded, a few KB if not. */
function quadraticBlowup(): string {
  const references = '&big;'.repeat(5000);
  return `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "${'x'.repeat(10_000)}">]><rss version="2.0"><channel>${ITEM(references)}</channel></rss>`;
}

const externalEntity = (target: string) =>
  `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "${target}">]><rss version="2.0"><channel>${ITEM('leak: &xxe;')}</channel></rss>`;

const externalDtd = (target: string) =>
  `<?xml version="1.0"?><!DOCTYPE rss SYSTEM "${target}"><rss version="2.0"><channel>${ITEM('leak: &xxe;')}</channel></rss>`;

describe('hostile XML in feeds', () => {
  let server: FixtureServer;
  let db: TestDatabase;
  let pool: pg.Pool;
  let task: TaskDefinition;

  before(async () => {
    server = await startFixtureServer();
    server.routes.set('/leak', { body: 'SECRET-FROM-THE-NETWORK' });
    db = await createTestDatabase('hostile_xml');
    await loadIfdbSchema(db);
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    const config = loadTasksConfig({
      IFQUEUE_ALLOW_HOSTS: '127.0.0.1',
      IFQUEUE_SOURCES: JSON.stringify({ ifhub: `${server.base}/ifhub`, ifru: `${server.base}/ifru`, urq: `${server.base}/urq`, inst: `${server.base}/inst` }),
    });
    [task] = feedTasks({ pool, config }, { httpTuning: { retries: 0 } });
  });

  after(async () => {
    await server?.close();
    await pool?.end();
    await db?.drop();
  });

  test('a billion-laughs document keeps its entity reference as inert text', () => {
    const { items } = parseRssOrAtom(billionLaughs());
    assert.equal(items.length, 1);
    assert.equal(items[0].title, 'Смех &lol9;');
  });

  test('a quadratic-blowup document is not expanded', () => {
    const { items } = parseRssOrAtom(quadraticBlowup());
    assert.equal(items[0].title, '&big;'.repeat(5000));
    assert.doesNotMatch(items[0].title, /xxxx/);
  });

  test('an external entity on file:///etc/passwd is refused, never read', () => {
    assert.throws(() => parseFeedXml(externalEntity('file:///etc/passwd')), /External entities are not supported/);
  });

  test('an external DTD is never loaded and its entities stay unresolved', () => {
    const { items } = parseRssOrAtom(externalDtd('file:///etc/passwd'));
    assert.equal(items[0].title, 'leak: &xxe;');
  });

  test('parameter entities are refused', () => {
    const document = `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % remote SYSTEM "file:///etc/passwd"> %remote;]><rss version="2.0"><channel>${ITEM('x')}</channel></rss>`;
    assert.throws(() => parseFeedXml(document), /entity name %/, 'refused for its parameter entity, not for some other reason');
  });

  test('absurdly deep nesting is an error, not a stack overflow', () => {
    const depth = 5000;
    const document = `<rss>${'<a>'.repeat(depth)}x${'</a>'.repeat(depth)}</rss>`;
    assert.throws(() => parseFeedXml(document), /nested/i);
  });

  test('through the task: bombs are stored inert, external entities fail only their feed, nothing is fetched', async () => {
    server.routes.set('/ifhub', { contentType: 'application/rss+xml', body: billionLaughs() });
    server.routes.set('/ifru', { contentType: 'application/rss+xml', body: externalEntity('file:///etc/passwd') });
    server.routes.set('/urq', { contentType: 'text/html', body: '<html></html>' });
    server.routes.set('/inst', { contentType: 'application/rss+xml', body: externalDtd(`${server.base}/leak`).replace('leak: &xxe;', 'dtd') });
    const ctx = makeTaskContext('fetch-feeds');
    const { feeds } = (await task.handler({}, ctx)) as { feeds: FeedReport[] };

    assert.deepEqual(feeds.map((f) => [f.feed, f.ok]), [['ifhub', true], ['ifru', false], ['urq', true], ['inst', true]]);
    assert.match(ctx.text(), /error: ifru: failed after \d+ ms: External entities are not supported/);
    const stored = await db.query<{ feed_id: string; title: string }>('SELECT feed_id, title FROM core_feedcache ORDER BY feed_id');
    assert.deepEqual(stored.rows, [{ feed_id: 'ifhub', title: 'Смех &lol9;' }, { feed_id: 'inst', title: 'dtd' }]);
    assert.doesNotMatch(JSON.stringify(stored.rows), /root:|SECRET-FROM-THE-NETWORK/);
    assert.deepEqual(server.requests.map((r) => r.path), ['/ifhub', '/ifru', '/urq', '/inst'], 'no request for an external DTD or entity');
  });
});

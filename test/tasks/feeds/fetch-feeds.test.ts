import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import pg from 'pg';
import { isPermanent } from '../../../src/runner/errors.ts';
import type { TaskDefinition } from '../../../src/runner/types.ts';
import { loadTasksConfig } from '../../../src/tasks/config.ts';
import { feedTasks, type FeedReport } from '../../../src/tasks/feeds/index.ts';
import { createTestDatabase, loadIfdbSchema, type TestDatabase } from '../../helpers/db.ts';
import { makeTaskContext } from '../../helpers/task-context.ts';
import { startFixtureServer, type FixtureServer } from './fixture-server.ts';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../fixtures/feeds/${name}`, import.meta.url)), 'utf8');
const RSS = 'application/rss+xml';

interface Row {
  feed_id: string;
  item_id: string;
  date_published: Date;
  date_discovered: Date;
  title: string;
  authors: string;
  url: string;
}

/** urq.borda.ru serves cp1251 with CRLF lines and no charset in the header: the task's fallback must apply. */
function urqPage(text = fixture('urq.utf8.html')) {
  return { contentType: 'text/html', body: iconv.encode(text.replace(/\r?\n/g, '\r\n'), 'windows-1251') };
}

function serveAllFixtures(server: FixtureServer): void {
  server.routes.set('/ifhub', { contentType: RSS, body: fixture('ifhub.xml') });
  server.routes.set('/ifru', { contentType: RSS, body: fixture('ifru.xml') });
  server.routes.set('/urq', urqPage());
  server.routes.set('/inst', { contentType: RSS, body: fixture('inst.xml') });
}

function rssWith(items: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>${items}</channel></rss>`;
}

describe('fetch-feeds', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let server: FixtureServer;
  let task: TaskDefinition;

  async function rows(feedId?: string): Promise<Row[]> {
    const result = await db.query<Row>(
      `SELECT feed_id, item_id, date_published, date_discovered, title, authors, url FROM core_feedcache
        WHERE $1::text IS NULL OR feed_id = $1 ORDER BY feed_id, item_id`,
      [feedId ?? null],
    );
    return result.rows;
  }

  async function run() {
    const ctx = makeTaskContext('fetch-feeds');
    const output = (await task.handler({}, ctx)) as { feeds: FeedReport[] };
    return { ctx, output, report: (feed: string) => output.feeds.find((r) => r.feed === feed)! };
  }

  before(async () => {
    db = await createTestDatabase('fetch_feeds');
    await loadIfdbSchema(db);
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    server = await startFixtureServer();
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

  beforeEach(async () => {
    await db.query('TRUNCATE core_feedcache');
    server.routes.clear();
    server.requests.length = 0;
  });

  test('is declared as an exclusive, retried task without arguments', () => {
    assert.equal(task.name, 'fetch-feeds');
    assert.equal(task.exclusive, true);
    assert.equal(task.retry?.retries, 2);
    assert.equal(task.retry?.backoff, true);
    assert.deepEqual(task.schema.parse({}), {});
    assert.throws(() => task.schema.parse({ feed: 'ifhub' }));
  });

  test('stores the items of all four feeds, in UTC, with the legacy ids and urls', async () => {
    serveAllFixtures(server);
    const { ctx, report } = await run();

    assert.deepEqual(server.requests.map((r) => r.path), ['/ifhub', '/ifru', '/urq', '/inst']);
    assert.equal(server.requests[2].headers['accept-language'], 'ru');

    const ifhub = await rows('ifhub');
    assert.deepEqual(
      ifhub.map((r) => [r.item_id, r.title, r.authors, r.url, r.date_published.toISOString()]),
      [
        ['https://ifhub.club/blog/misc/1003.html', 'Запись без автора', '', 'https://ifhub.club/blog/misc/1003.html', '2023-11-16T08:30:00.000Z'],
        ['https://ifhub.club/blog/news/1001.html', 'Итоги КРИЛ-2023 & планы', 'Странник', 'https://ifhub.club/blog/news/1001.html', '2023-11-14T19:13:20.000Z'],
        ['https://ifhub.club/blog/reviews/1002.html', 'Обзор: «Лунный свет»', 'Критик', 'https://ifhub.club/blog/reviews/1002.html', '2023-11-15T10:00:00.000Z'],
      ],
    );

    const ifru = await rows('ifru');
    assert.deepEqual(
      ifru.map((r) => [r.item_id, r.title, r.authors, r.url, r.date_published.toISOString()]),
      [
        ['http://forum.ifiction.ru/viewtopic.php?pid=5001#p5001', 'Конкурс "ЗОК-2023"', 'Ёжик & Ко', 'http://forum.ifiction.ru/viewtopic.php?pid=5001#p5001', '2023-11-14T22:13:20.000Z'],
        ['http://forum.ifiction.ru/viewtopic.php?pid=5002#p5002', 'Вопросы по INSTEAD', 'Пётр', 'http://forum.ifiction.ru/viewtopic.php?pid=5002#p5002', '2023-11-14T23:13:20.000Z'],
      ],
    );

    const urq = await rows('urq');
    assert.deepEqual(
      urq.map((r) => [r.item_id, r.title, r.authors, r.url, r.date_published.toISOString()]),
      [
        ['00000007', 'Помогите с URQ', 'Новичок', 'http://urq.borda.ru/?1-1-0-7-0-0-0-1700001000', '2023-11-14T22:30:00.000Z'],
        ['00000042', 'Игра "A"', 'Вася', 'http://urq.borda.ru/?1-3-0-42-0-40-0-1700000000', '2023-11-14T22:13:20.000Z'],
      ],
    );

    const inst = await rows('inst');
    assert.deepEqual(
      inst.map((r) => [r.item_id, r.title, r.authors, r.url, r.date_published.toISOString()]),
      [['900@/forum/index.php?p=/discussions', 'Новая игра: «Замок»', 'Разработчик', 'http://instead-games.ru/forum/index.php?p=/discussion/900/novaya-igra-zamok', '2023-11-17T11:00:00.000Z']],
    );

    const discovered = new Set((await rows()).map((r) => r.date_discovered.toISOString()));
    assert.equal(discovered.size, 4, 'one "now" per feed batch');

    assert.deepEqual(
      ['ifhub', 'ifru', 'urq', 'inst'].map((f) => [report(f).fetched, report(f).new, report(f).updated, report(f).skipped]),
      [[3, 3, 0, 0], [2, 2, 0, 1], [2, 2, 0, 2], [1, 1, 0, 1]],
    );
    const log = ctx.text();
    assert.match(log, /info: ifhub: fetched 3, new 3, updated 0, unchanged 0, skipped 0 \(\d+ bytes, \d+ ms\)/);
    assert.match(log, /warn: ifru: skipped item "http:\/\/forum.ifiction.ru\/viewtopic.php\?pid=5003#p5003": description_int has 3 parts, expected 4/);
    assert.match(log, /warn: urq: skipped line \d+: 13 arguments, expected 12/);
    assert.match(log, /warn: urq: skipped line \d+: unreadable arguments/);
    assert.match(log, /warn: inst: skipped entry "901@\/forum\/index.php\?p=\/discussions": no date/);
    assert.deepEqual(ctx.progressUpdates.at(-1), { current: 4, total: 4, detail: 'ifhub ✓ ifru ✓ urq ✓ inst ✓' });
  });

  test('a second run overwrites title, date, authors and url but never date_discovered', async () => {
    serveAllFixtures(server);
    await run();
    const before = new Map((await rows()).map((r) => [`${r.feed_id} ${r.item_id}`, r]));

    server.routes.set(
      '/ifhub',
      { contentType: RSS, body: fixture('ifhub.xml').replace('Итоги КРИЛ-2023 &amp; планы', 'Итоги КРИЛ-2023 (исправлено)').replace('</channel>', `<item><title>Свежая</title><guid>https://ifhub.club/blog/news/1004.html</guid><link>https://ifhub.club/blog/news/1004.html</link><pubDate>Sat, 18 Nov 2023 09:00:00 GMT</pubDate></item></channel>`) },
    );
    const { ctx, report } = await run();

    assert.deepEqual([report('ifhub').new, report('ifhub').updated, report('ifhub').unchanged], [1, 1, 2]);
    assert.deepEqual([report('urq').new, report('urq').updated, report('urq').unchanged], [0, 0, 2]);
    assert.match(ctx.text(), /ifhub: fetched 4, new 1, updated 1, unchanged 2/);

    const afterRows = await rows();
    assert.equal(afterRows.length, before.size + 1);
    for (const row of afterRows) {
      const previous = before.get(`${row.feed_id} ${row.item_id}`);
      if (previous) assert.equal(row.date_discovered.toISOString(), previous.date_discovered.toISOString(), `${row.item_id} keeps date_discovered`);
    }
    const changed = afterRows.find((r) => r.item_id === 'https://ifhub.club/blog/news/1001.html')!;
    assert.equal(changed.title, 'Итоги КРИЛ-2023 (исправлено)');
    const fresh = afterRows.find((r) => r.item_id === 'https://ifhub.club/blog/news/1004.html')!;
    assert.ok(fresh.date_discovered > before.get('ifhub https://ifhub.club/blog/news/1001.html')!.date_discovered);
  });

  test('a feed answering 500 and one answering garbage are logged while the others still land', async () => {
    serveAllFixtures(server);
    server.routes.set('/ifhub', { status: 500, body: 'Internal Server Error' });
    server.routes.set('/ifru', { contentType: 'text/html', body: '<html><body><h1>Сайт на ремонте</h1>' });
    const { ctx, output, report } = await run();

    assert.equal(report('ifhub').ok, false);
    assert.match(report('ifhub').error!, /HTTP 500/);
    assert.equal(report('ifru').ok, false);
    assert.deepEqual((await rows()).map((r) => r.feed_id).sort(), ['inst', 'urq', 'urq']);
    assert.match(ctx.text(), /error: ifhub: failed after \d+ ms: .*HTTP 500/);
    assert.match(ctx.text(), /error: ifru: failed after \d+ ms: /);
    assert.equal(output.feeds.length, 4);
  });

  test('the job fails when every feed fails, permanently when every failure is permanent', async () => {
    const ctx = makeTaskContext('fetch-feeds');
    await assert.rejects(task.handler({}, ctx), (error: Error) => {
      assert.match(error.message, /^every feed failed: ifhub: .*HTTP 404.*; inst: .*HTTP 404/);
      assert.equal(isPermanent(error), true);
      return true;
    });
    assert.equal(server.requests.length, 4);

    for (const feed of ['ifhub', 'ifru', 'urq', 'inst']) server.routes.set(`/${feed}`, { status: 503, body: 'busy' });
    await assert.rejects(task.handler({}, makeTaskContext('fetch-feeds')), (error: Error) => {
      assert.match(error.message, /HTTP 503/);
      assert.equal(isPermanent(error), false, '5xx is worth a retry');
      return true;
    });
    assert.equal((await rows()).length, 0);
  });

  test('an entry without an author is stored with authors ""', async () => {
    server.routes.set('/inst', { contentType: RSS, body: rssWith(`<item><title>Анонимно</title><link>http://x.test/1</link><guid>anon-1</guid><pubDate>Mon, 20 Nov 2023 10:00:00 GMT</pubDate></item>`) });
    const { report } = await run();
    assert.equal(report('inst').new, 1);
    const [row] = await rows('inst');
    assert.deepEqual([row.item_id, row.title, row.authors, row.url], ['anon-1', 'Анонимно', '', 'http://x.test/1']);
  });

  test('overlong fields are truncated to the column lengths instead of failing the feed', async () => {
    const longId = 'id-' + 'я'.repeat(600);
    const longTitle = 'Т'.repeat(700);
    const longAuthor = 'А'.repeat(300);
    const longUrl = 'http://x.test/' + 'u'.repeat(3000);
    server.routes.set('/ifhub', {
      contentType: RSS,
      body: rssWith(`<item><title>${longTitle}</title><link>${longUrl}</link><guid>${longId}</guid><author>${longAuthor}</author><pubDate>Mon, 20 Nov 2023 10:00:00 GMT</pubDate></item>`),
    });
    const { report } = await run();
    assert.equal(report('ifhub').new, 1);
    const [row] = await rows('ifhub');
    assert.equal(row.item_id, longId.slice(0, 512));
    assert.equal(row.title, longTitle.slice(0, 512));
    assert.equal(row.authors, longAuthor.slice(0, 256));
    assert.equal(row.url, longUrl.slice(0, 2048));
  });

  test('items whose ids collide after truncation, or repeat, are stored once (the last wins)', async () => {
    const prefix = 'p'.repeat(512);
    server.routes.set('/ifhub', {
      contentType: RSS,
      body: rssWith(
        `<item><title>first</title><link>http://ifhub.example/a</link><guid>${prefix}A</guid><pubDate>Mon, 20 Nov 2023 10:00:00 GMT</pubDate></item>` +
          `<item><title>second</title><link>http://ifhub.example/b</link><guid>${prefix}B</guid><pubDate>Mon, 20 Nov 2023 11:00:00 GMT</pubDate></item>`,
      ),
    });
    const { report } = await run();
    assert.deepEqual([report('ifhub').fetched, report('ifhub').new, report('ifhub').skipped], [2, 1, 1]);
    const [row] = await rows('ifhub');
    assert.equal(row.title, 'second');
  });

  test('a cancelled job stops before the next feed and fails', async () => {
    serveAllFixtures(server);
    const ctx = makeTaskContext('fetch-feeds');
    ctx.controller.abort();
    await assert.rejects(task.handler({}, ctx), /cancelled/);
    assert.equal(server.requests.length, 0);
    assert.equal((await rows()).length, 0);
  });

  test('refuses at once, permanently and without fetching, when core_feedcache is missing', async () => {
    const empty = await createTestDatabase('fetch_feeds_empty');
    const emptyPool = new pg.Pool({ connectionString: empty.url, max: 1 });
    try {
      const config = loadTasksConfig({ IFQUEUE_ALLOW_HOSTS: '127.0.0.1', IFQUEUE_SOURCES: JSON.stringify({ ifhub: `${server.base}/ifhub` }) });
      const [emptyTask] = feedTasks({ pool: emptyPool, config });
      await assert.rejects(emptyTask.handler({}, makeTaskContext('fetch-feeds')), (error: Error) => {
        assert.equal(isPermanent(error), true);
        assert.match(error.message, new RegExp(`table core_feedcache is missing in database "${empty.name}"`));
        return true;
      });
      assert.equal(server.requests.length, 0);
    } finally {
      await emptyPool.end();
      await empty.drop();
    }
  });
});

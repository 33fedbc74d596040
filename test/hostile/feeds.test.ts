// Hostile feeds through the real fetch-feeds task into core_feedcache (what IFDB's home page shows):
// only http(s) links, resolved against the feed and Atom's xml:base; no controls, escape sequences or
// bidi overrides in any stored text field.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import pg from 'pg';
import type { TaskDefinition } from '../../src/runner/types.ts';
import { loadTasksConfig } from '../../src/tasks/config.ts';
import { feedTasks, type FeedReport } from '../../src/tasks/feeds/index.ts';
import { httpLink } from '../../src/tasks/http/web-link.ts';
import { plainText } from '../../src/text/terminal.ts';
import { createTestDatabase, loadIfdbSchema, type TestDatabase } from '../helpers/db.ts';
import { makeTaskContext } from '../helpers/task-context.ts';
import { startFixtureServer, type FixtureServer } from '../tasks/feeds/fixture-server.ts';

const ESC = '\u001b';
const DATE = 'Mon, 20 Nov 2023 10:00:00 GMT';
/** Anything a browser or terminal could act on: C0/C1 controls (tab and newline included), bidi controls. */
const ACTIVE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Link spellings that must never be stored, whatever their case or hidden characters. */
const HOSTILE_LINKS = [
  'javascript:alert(1)',
  'JaVaScRiPt:alert(document.cookie)',
  'java\tscript:alert(1)',
  ' \u0001javascript:alert(1)',
  'java&#x0A;script:alert(1)',
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  'vbscript:msgbox(1)',
  'file:///etc/passwd',
  'FILE:///etc/shadow',
  'jav\u200bascript:alert(1)',
  'ftp://files.example/game.zip',
  'http://',
];

const HOSTILE_TITLES = [
  `${ESC}[31mred${ESC}[0m title`,
  `clip ${ESC}]52;c;cm0gLXJmIH4=${ESC}\\ board`,
  `link ${ESC}]8;;http://evil.example/${ESC}\\text${ESC}]8;;${ESC}\\`,
  'bell\u0007 and back\bspace',
  'Download 100% OK\rFAILED: rm -rf ~',
  'invoice\u202egpj.exe',
  'isolate \u2066x\u2069 and C1 \u009b31m',
  'two\nlines\tand tab',
];

function rss(items: string[]): string {
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>${items.join('')}</channel></rss>`;
}

const xmlEscape = (text: string) => text.replace(/&(?!#x0A;)/g, '&amp;').replace(/</g, '&lt;').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => `&#${c.charCodeAt(0)};`);

describe('hostile feeds', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let server: FixtureServer;
  let task: TaskDefinition;

  const rows = async (feedId: string) =>
    (await db.query<{ item_id: string; title: string; authors: string; url: string }>(`SELECT item_id, title, authors, url FROM core_feedcache WHERE feed_id = $1 ORDER BY item_id`, [feedId])).rows;

  async function run(): Promise<{ report: (feed: string) => FeedReport; log: string[] }> {
    const ctx = makeTaskContext('fetch-feeds');
    const output = (await task.handler({}, ctx)) as { feeds: FeedReport[] };
    return { report: (feed) => output.feeds.find((r) => r.feed === feed)!, log: ctx.lines.map((l) => l.text) };
  }

  before(async () => {
    db = await createTestDatabase('hostile_feeds');
    await loadIfdbSchema(db);
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    server = await startFixtureServer();
    const config = loadTasksConfig({
      IFQUEUE_ALLOW_HOSTS: '127.0.0.1',
      IFQUEUE_SOURCES: JSON.stringify({ ifhub: `${server.base}/feeds/ifhub.xml`, ifru: `${server.base}/ifru`, urq: `${server.base}/urq`, inst: `${server.base}/atom/inst.xml` }),
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
  });

  test('links that are not http(s) are never stored, in any case or with hidden characters; the entries are skipped and named', async () => {
    const items = HOSTILE_LINKS.map((link, i) => `<item><title>t${i}</title><guid>bad-${i}</guid><link>${xmlEscape(link)}</link><pubDate>${DATE}</pubDate></item>`);
    items.push(`<item><title>good</title><guid>good</guid><link>  HTTPS://ifhub.example/games/1  </link><pubDate>${DATE}</pubDate></item>`);
    server.routes.set('/feeds/ifhub.xml', { contentType: 'application/rss+xml', body: rss(items) });
    const { report, log } = await run();
    assert.equal(report('ifhub').ok, true);
    const stored = await rows('ifhub');
    assert.deepEqual(stored.map((r) => [r.item_id, r.url]), [['good', 'HTTPS://ifhub.example/games/1']]);
    assert.equal(report('ifhub').skipped, HOSTILE_LINKS.length);
    assert.ok(log.some((line) => /ifhub: skipped entry "bad-0": link "javascript:alert\(1\)" is not an http\(s\) URL/.test(line)), log.join('\n'));
  });

  test('titles, authors and ids lose escape sequences, controls and bidi overrides; the words stay', async () => {
    const items = HOSTILE_TITLES.map(
      (title, i) => `<item><title>${xmlEscape(title)}</title><author>${xmlEscape(`auth${ESC}[2J${ESC}[Hor ${i}\u202e`)}</author><guid>${xmlEscape(`id-${i}${ESC}[K`)}</guid><link>http://ifhub.example/${i}</link><pubDate>${DATE}</pubDate></item>`,
    );
    server.routes.set('/feeds/ifhub.xml', { contentType: 'application/rss+xml', body: rss(items) });
    await run();
    const stored = await rows('ifhub');
    assert.equal(stored.length, HOSTILE_TITLES.length);
    for (const row of stored) {
      for (const value of [row.item_id, row.title, row.authors, row.url]) assert.doesNotMatch(value, ACTIVE, JSON.stringify(value));
      assert.match(row.authors, /^author \d$/);
      assert.match(row.item_id, /^id-\d$/);
    }
    const titles = stored.map((r) => r.title);
    assert.ok(titles.includes('red title'), titles.join(' | '));
    assert.ok(titles.includes('clip  board'));
    assert.ok(titles.includes('link text'));
    assert.ok(titles.includes('Download 100% OK FAILED: rm -rf ~'));
    assert.ok(titles.includes('invoicegpj.exe'));
    assert.ok(titles.includes('two lines and tab'));
  });

  test('Atom: relative links are resolved against xml:base and the feed URL; empty and unusable ones drop their entry', async () => {
    const atom = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://games.example/base/">
  <entry><id>a-rel</id><updated>2023-11-20T10:00:00Z</updated><title>rel</title><link href="game.zip"/></entry>
  <entry><id>a-root</id><updated>2023-11-20T10:00:00Z</updated><title>root</title><link href="/files/game.qst"/></entry>
  <entry xml:base="sub/"><id>a-nested</id><updated>2023-11-20T10:00:00Z</updated><title>nested</title><link xml:base="deeper/" href="x.html"/></entry>
  <entry><id>a-js</id><updated>2023-11-20T10:00:00Z</updated><title>js</title><link href="javascript:alert(1)"/></entry>
  <entry><id>a-schemeless</id><updated>2023-11-20T10:00:00Z</updated><title>schemeless</title><link href="//cdn.example/g.zip"/></entry>
  <entry><id>a-none</id><updated>2023-11-20T10:00:00Z</updated><title>none</title></entry>
</feed>`;
    const noBase = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <entry><id>b-rel</id><updated>2023-11-20T10:00:00Z</updated><title>rel</title><link href="game.zip"/></entry>
  <entry><id>b-base-js</id><updated>2023-11-20T10:00:00Z</updated><title>js base</title><link xml:base="javascript:alert(1)//" href="x"/></entry>
</feed>`;
    server.routes.set('/atom/inst.xml', { contentType: 'application/atom+xml', body: atom });
    await run();
    assert.deepEqual(
      (await rows('inst')).map((r) => [r.item_id, r.url]),
      [
        ['a-nested', 'http://games.example/base/sub/deeper/x.html'],
        ['a-rel', 'http://games.example/base/game.zip'],
        ['a-root', 'http://games.example/files/game.qst'],
        ['a-schemeless', 'http://cdn.example/g.zip'],
      ],
    );
    await db.query('TRUNCATE core_feedcache');
    server.routes.set('/atom/inst.xml', { contentType: 'application/atom+xml', body: noBase });
    await run();
    assert.deepEqual((await rows('inst')).map((r) => [r.item_id, r.url]), [['b-rel', `${server.base}/atom/game.zip`]]);
  });

  test('ifru and urq pages: hostile links and titles get the same treatment', async () => {
    const ifru = rss([
      `<item><title>${xmlEscape(`${ESC}]0;pwned${ESC}\\topic`)}</title><link>JAVASCRIPT:alert(1)</link><description_int>t&lt;br /&gt;u&lt;br /&gt;a&lt;br /&gt;1700000000</description_int></item>`,
      `<item><title>${xmlEscape(`ok\u202e topic`)}</title><link>http://forum.example/t/1</link><description_int>t&lt;br /&gt;u&lt;br /&gt;${xmlEscape(`au${ESC}[1mthor`)}&lt;br /&gt;1700000000</description_int></item>`,
    ]);
    server.routes.set('/ifru', { contentType: 'application/rss+xml', body: ifru });
    server.routes.set('/urq', { contentType: 'text/html', body: iconv.encode(`ubb('x','y','3','00000042','z','\\x1b[31mИгра\\x07\\r','45','a','b','Вася\\u202e','1700000000','c');\r\n`, 'windows-1251') });
    await run();
    assert.deepEqual((await rows('ifru')).map((r) => [r.item_id, r.title, r.authors, r.url]), [['http://forum.example/t/1', 'ok topic', 'author', 'http://forum.example/t/1']]);
    const [urq] = await rows('urq');
    assert.equal(urq.title, 'Игра');
    assert.equal(urq.authors, 'Вася');
  });
});

describe('the link gate and the plain-text stripper', () => {
  test('httpLink resolves relative links only against an http(s) base', () => {
    assert.equal(httpLink('game.zip', 'https://x.example/a/feed'), 'https://x.example/a/game.zip');
    assert.equal(httpLink('game.zip', 'file:///etc/'), null);
    assert.equal(httpLink('game.zip', null), null);
    assert.equal(httpLink('http://x.example/my game.zip'), 'http://x.example/my%20game.zip');
    for (const link of HOSTILE_LINKS) assert.equal(httpLink(link, 'http://x.example/'), link.startsWith('java&') ? 'http://x.example/java&#x0A;script:alert(1)' : null, link);
  });

  test('plainText keeps words and drops everything a terminal or browser could act on', () => {
    for (const title of HOSTILE_TITLES) assert.doesNotMatch(plainText(title), ACTIVE, title);
    assert.equal(plainText(`a${ESC}[1;31mb${ESC}(0c${ESC}Pq#0;2;0;0;0${ESC}\\d`), 'abcd');
  });
});

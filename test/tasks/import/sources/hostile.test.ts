// Hostile and broken sites: every source answers `{ error }` instead of throwing, stays bounded on
// huge or deeply nested pages, keeps control characters out of its results, and honours the signal.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSources } from '../../../../src/tasks/import/sources/index.ts';
import type { Source } from '../../../../src/tasks/import/types.ts';
import { serveText, startHarness, type Harness } from './harness.ts';

const FETCH_FAILURE = 'Не открывается что-то этот URL.';
const PARSE_FAILURE = 'Не найдена игра на странице';
/** A game page URL per source (rilarhiv has no page of its own) and the local path it is fetched from. */
const PAGES = {
  ifwiki: ['https://ifwiki.ru/Игра', '/ifwiki/index.php'],
  apero: ['https://apero.ru/Текстовые-игры/Игра', '/apero/%D0%A2%D0%B5%D0%BA%D1%81%D1%82%D0%BE%D0%B2%D1%8B%D0%B5-%D0%B8%D0%B3%D1%80%D1%8B/%D0%98%D0%B3%D1%80%D0%B0'],
  insteadgames: ['http://instead-games.ru/game.php?ID=1', '/insteadgames/game.php'],
  questbook: ['https://quest-book.ru/online/view/game', '/questbook/online/view/game'],
  ifiction: ['http://forum.ifiction.ru/viewtopic.php?id=1', '/ifiction/viewtopic.php'],
} as const;
type PageSource = keyof typeof PAGES;
const PAGE_SOURCES = Object.keys(PAGES) as PageSource[];
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u;

let h: Harness;
let sources: Map<string, Source>;
const serveAll = (handler: Parameters<Harness['route']>[1]) => {
  for (const id of PAGE_SOURCES) h.route(PAGES[id][1], handler);
};

before(async () => {
  h = await startHarness();
  sources = new Map(createSources(h.baseUrls).map((s) => [s.id, s]));
});
after(() => h.close());

describe('broken sites give { error }, never a throw', () => {
  test('HTTP 500 on every page: a fetch failure from each source, logged', async () => {
    serveAll((_q, res) => res.writeHead(500).end('Internal Server Error'));
    for (const id of PAGE_SOURCES) {
      assert.deepEqual(await sources.get(id)!.importUrl(PAGES[id][0], h.ctx), { error: FETCH_FAILURE, priority: sources.get(id)!.priority }, id);
    }
    assert.match(h.lines.join('\n'), /apero: cannot fetch https:\/\/apero\.ru\/Текстовые-игры\/Игра: .*500/);
  });

  test('garbage bytes and broken markup: a parse failure from each HTML source; ifwiki keeps the page title', async () => {
    const garbage = Buffer.concat([randomBytes(20_000), Buffer.from('<h2 <dd itemprop="name"><div title=">< </P><b><a href=" <h1><b><span>')]);
    serveAll(serveText(garbage, 'text/html'));
    for (const id of PAGE_SOURCES.filter((s) => s !== 'ifwiki')) {
      const result = await sources.get(id)!.importUrl(PAGES[id][0], h.ctx);
      assert.equal(result.error, PARSE_FAILURE, id);
    }
    const wiki = await sources.get('ifwiki')!.importUrl(PAGES.ifwiki[0], h.ctx);
    assert.equal(wiki.title, 'Игра');
    assert.ok(!CONTROL.test(JSON.stringify(wiki).replace(/\\[nt]/gu, '')));
  });

  test('listings that fail make getUrlCandidates reject (the importer logs and skips the source)', async () => {
    for (const path of ['/ifwiki/api.php', '/apero/%D0%A2%D0%B5%D0%BA%D1%81%D1%82%D0%BE%D0%B2%D1%8B%D0%B5-%D0%B8%D0%B3%D1%80%D1%8B', '/insteadgames/xml.php', '/questbook/online/', '/ifiction/viewforum.php']) {
      h.route(path, (_q, res) => res.writeHead(500).end());
    }
    for (const source of sources.values()) await assert.rejects(source.getUrlCandidates(h.ctx), source.id);
  });

  test('an IFWiki API answer that is not JSON rejects; one with an unexpected shape gives no URLs', async () => {
    h.route('/ifwiki/api.php', serveText('<html>maintenance</html>'));
    await assert.rejects(sources.get('ifwiki')!.getUrlCandidates(h.ctx));
    h.route('/ifwiki/api.php', serveText('{"query": {"categorymembers": "nope", "pages": [1, null]}}', 'application/json'));
    assert.deepEqual(await sources.get('ifwiki')!.getUrlCandidates(h.ctx), []);
  });
});

describe('huge and deeply nested pages stay bounded', () => {
  test('3 MB of nested elements: each HTML source refuses the page with a parse failure', async () => {
    const depth = 300_000;
    const nested = `<html><body>${'<div>'.repeat(depth)}x${'</div>'.repeat(depth)}</body></html>`;
    serveAll(serveText(nested));
    for (const id of PAGE_SOURCES.filter((s) => s !== 'ifwiki')) {
      assert.deepEqual(await sources.get(id)!.importUrl(PAGES[id][0], h.ctx), { error: PARSE_FAILURE, priority: sources.get(id)!.priority }, id);
    }
    assert.match(h.lines.join('\n'), /cannot parse .*nested deeper than 500/);
  });

  test('a deeply nested description inside a valid page fails the page, not the run', async () => {
    const page = `<h2>Игра</h2><div class="gamedsc">${'<b>'.repeat(100_000)}текст</div>`;
    h.route(PAGES.insteadgames[1], serveText(page));
    assert.equal((await sources.get('insteadgames')!.importUrl(PAGES.insteadgames[0], h.ctx)).error, PARSE_FAILURE);
  });

  test('a 3 MB flat description is cut, not choked on', async () => {
    const paragraph = '<p>Очень длинное описание игры, абзац за абзацем.</p>';
    h.route(PAGES.insteadgames[1], serveText(`<h2>Длинная</h2><div class="gamedsc">${paragraph.repeat(Math.ceil(3e6 / Buffer.byteLength(paragraph)))}</div>`));
    const result = await sources.get('insteadgames')!.importUrl(PAGES.insteadgames[0], h.ctx);
    assert.equal(result.title, 'Длинная');
    assert.ok(result.desc!.length > 10_000 && result.desc!.length < 300_000, `desc length ${result.desc!.length}`);
  });

  test('megabytes of wikitext brackets and braces: the wiki parser finishes', async () => {
    const text = `${'{{'.repeat(200_000)}${'[['.repeat(200_000)}${"'''".repeat(100_000)}\n* ${'[http://x.ru '.repeat(50_000)}`;
    h.route(PAGES.ifwiki[1], serveText(text, 'text/x-wiki; charset=utf-8'));
    const result = await sources.get('ifwiki')!.importUrl(PAGES.ifwiki[0], h.ctx);
    assert.equal(result.title, 'Игра');
  });

  test('a page over the size limit is a fetch failure', async () => {
    h.route(PAGES.apero[1], serveText(Buffer.alloc(5 * 1024 * 1024, 0x20)));
    assert.equal((await sources.get('apero')!.importUrl(PAGES.apero[0], h.ctx)).error, FETCH_FAILURE);
  });
});

describe('control characters and cancellation', () => {
  test('NUL, ESC and other control bytes in the page are removed from every string of the result', async () => {
    const dirty = 'Игра\u0000\u001b[31m красная\u0007\u009b\u202e';
    h.route(PAGES.apero[1], serveText(
      `<dd itemprop="name"><div title="t">${dirty}</div></dd><dt>Описание:</dt><dd><div>Текст\u0000\u001b]52;c;ZXZpbA==\u0007 &#27;конец</div></dd>` +
        `<a itemprop="author" href="/x">Автор\u0001\u001b</a><img src="/i\u0000.png" itemprop="image" />`,
    ));
    const result = await sources.get('apero')!.importUrl(PAGES.apero[0], h.ctx);
    assert.equal(result.title, 'Игра[31m красная');
    assert.equal(result.desc, 'Текст\\]52;c;ZXZpbA== конец');
    assert.equal(result.authors![0].name, 'Автор');
    assert.ok(!CONTROL.test(JSON.stringify(result).replace(/\\[nt]/gu, '')), JSON.stringify(result));
  });

  test('escaped markup in a description stays text: &lt;b&gt; is not bold, &lt;script&gt; is not dropped as a tag', async () => {
    h.route(PAGES.insteadgames[1], serveText('<h2>Игра</h2><div class="gamedsc">a &lt;b&gt;x&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; b</div>'));
    assert.equal((await sources.get('insteadgames')!.importUrl(PAGES.insteadgames[0], h.ctx)).desc, 'a <b>x</b> <script>alert(1)</script> & b');
  });

  test('cp1251 pages with control bytes are cleaned too', async () => {
    const { default: iconv } = await import('iconv-lite');
    h.route(PAGES.questbook[1], serveText(iconv.encode('<h2 class="mt-1">Башня\u0000\u001b[2J</h2>', 'windows-1251'), 'text/html'));
    assert.equal((await sources.get('questbook')!.importUrl(PAGES.questbook[0], h.ctx)).title, 'Башня[2J');
  });

  test('an aborted signal: no request is made and the import answers { error }', async () => {
    let hits = 0;
    serveAll((_q, res) => {
      hits += 1;
      res.writeHead(200).end('<h2>x</h2>');
    });
    const controller = new AbortController();
    controller.abort();
    const ctx = h.withSignal(controller.signal);
    for (const id of PAGE_SOURCES) assert.equal((await sources.get(id)!.importUrl(PAGES[id][0], ctx)).error, FETCH_FAILURE, id);
    for (const source of sources.values()) await assert.rejects(source.getUrlCandidates(ctx), source.id);
    assert.equal(hits, 0);
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createInsteadGames } from '../../../../src/tasks/import/sources/insteadgames.ts';
import type { Source } from '../../../../src/tasks/import/types.ts';
import { serve, serveText, startHarness, type Harness } from './harness.ts';

let h: Harness;
let instead: Source;

before(async () => {
  h = await startHarness();
  h.route('/insteadgames/xml.php', (request, response) =>
    serve(request.url?.includes('approved=0') ? 'insteadgames/xml-unapproved.xml' : 'insteadgames/xml.xml', { type: 'application/xml' })(request, response),
  );
  h.route('/insteadgames/game.php', (request, response) => {
    const id = new URL(request.url ?? '/', 'http://x').searchParams.get('ID');
    if (id === '101') return serve('insteadgames/game.html')(request, response);
    if (id === '102') return serveText('<html><body><div class="gamedsc">Нет заголовка</div></body></html>')(request, response);
    response.writeHead(404).end();
  });
  instead = createInsteadGames(h.baseUrls);
});
after(() => h.close());

describe('instead-games source', () => {
  test('candidates: every <descurl> of both XML lists, at any depth, once each', async () => {
    assert.deepEqual((await instead.getUrlCandidates(h.ctx)).sort(), [
      'http://instead-games.ru/game.php?ID=101',
      'http://instead-games.ru/game.php?ID=102',
      'http://instead-games.ru/game.php?ID=201',
    ]);
  });

  test('a game page: [URQ] prefix dropped, description, authors, date, screenshots and panel links categorised', async () => {
    assert.deepEqual(await instead.importUrl('http://instead-games.ru/game.php?ID=101', h.ctx), {
      title: 'Моя игра',
      desc: 'Вы — **герой**.  \nСпасите принцессу.',
      description_attributions: ['instead-games.ru'],
      release_date: '2020-05-06',
      priority: 80,
      authors: [{ role_slug: 'author', name: 'Alice' }, { role_slug: 'author', name: 'Bob & Co' }],
      tags: [{ cat_slug: 'platform', tag: 'INSTEAD' }],
      urls: [
        { urlcat_slug: 'game_page', description: 'Страница на инстеде', url: 'http://instead-games.ru/game.php?ID=101' },
        { urlcat_slug: 'screenshot', description: 'Скриншот', url: 'http://instead-games.ru/screens/1_small.png' },
        { urlcat_slug: 'screenshot', description: 'Скриншот', url: 'http://instead-games.ru/screens/2_small.png' },
        { urlcat_slug: 'download_direct', description: 'Скачать', url: 'http://instead-games.ru/download/instead-mygame-1.2.zip' },
        { urlcat_slug: 'play_online', description: 'Играть онлайн', url: 'http://instead-games.ru/instead-em/index.html?game=mygame' },
        { urlcat_slug: 'forum', description: 'Обсуждение', url: 'http://instead-games.ru/forum/viewtopic.php?t=5' },
      ],
    });
  });

  test('a page without <h2> is a parse failure; a missing page is a fetch failure', async () => {
    assert.deepEqual(await instead.importUrl('http://instead-games.ru/game.php?ID=102', h.ctx), { error: 'Не найдена игра на странице', priority: 80 });
    assert.deepEqual(await instead.importUrl('https://instead-games.ru/game.php?ID=999', h.ctx), { error: 'Не открывается что-то этот URL.', priority: 80 });
    assert.match(h.lines.join('\n'), /insteadgames: cannot fetch https:\/\/instead-games\.ru\/game\.php\?ID=999/);
  });

  test('match: game.php?ID=<n> on the real host or the base; matchWithCat needs game_page', () => {
    assert.ok(instead.match('https://instead-games.ru/game.php?ID=7'));
    assert.ok(instead.match(`${h.base('insteadgames')}/game.php?ID=7`));
    assert.ok(!instead.match('http://instead-games.ru/game.php?ID=x'));
    assert.ok(!instead.match('http://instead-games.ru/download/x.zip'));
    assert.ok(instead.matchWithCat('http://instead-games.ru/game.php?ID=7', 'game_page'));
    assert.ok(!instead.matchWithCat('http://instead-games.ru/game.php?ID=7', 'download_direct'));
    assert.equal(instead.matchAuthor, undefined);
  });

  test('one broken XML list is logged, the other still gives candidates; both broken throws', async () => {
    const source = createInsteadGames(h.baseUrls);
    const broken = await startHarness();
    try {
      broken.route('/insteadgames/xml.php', (request, response) =>
        request.url?.includes('approved=0') ? response.writeHead(500).end('down') : serve('insteadgames/xml.xml', { type: 'application/xml' })(request, response),
      );
      assert.equal((await source.getUrlCandidates(broken.ctx)).length, 2);
      assert.match(broken.lines.join('\n'), /insteadgames: cannot read \/xml\.php\?approved=0/);
      broken.route('/insteadgames/xml.php', (_q, response) => response.writeHead(500).end('down'));
      await assert.rejects(source.getUrlCandidates(broken.ctx));
    } finally {
      await broken.close();
    }
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createQuestbook } from '../../../../src/tasks/import/sources/questbook.ts';
import type { Source } from '../../../../src/tasks/import/types.ts';
import { serve, startHarness, type Harness } from './harness.ts';

let h: Harness;
let questbook: Source;
const offset = (url: string | undefined) => new URL(url ?? '/', 'http://x').searchParams.get('s');

before(async () => {
  h = await startHarness();
  h.route('/questbook/online/', (request, response) => {
    const file = { '1': 'questbook/list-1.html', '11': 'questbook/list-11.html' }[offset(request.url) ?? ''] ?? 'questbook/list-21.html';
    return serve(file)(request, response);
  });
  // Game pages are windows-1251; the header names no charset, so the source's own encoding must apply.
  h.route('/questbook/online/view/temnaya-bashnya', serve('questbook/game.html', { cp1251: true, charsetHeader: false }));
  h.route('/questbook/online/view/broken', serve('questbook/game-broken-author.html', { cp1251: true, charsetHeader: false }));
  questbook = createQuestbook(h.baseUrls);
});
after(() => h.close());

describe('quest-book source', () => {
  test('candidates: view/ links of each listing page (s=1, 11, 21 …) until a page has none', async () => {
    assert.deepEqual(await questbook.getUrlCandidates(h.ctx), [
      'https://quest-book.ru/online/view/temnaya-bashnya',
      'https://quest-book.ru/online/view/sokrovishcha',
      'https://quest-book.ru/online/view/tretya-igra',
    ]);
    assert.equal(h.server.hits.get('/questbook/online/'), 3);
  });

  test('a cp1251 game page: title, summary + post as description, date, author with page, categories, poster, buttons', async () => {
    const page = 'https://quest-book.ru/online/view/temnaya-bashnya';
    assert.deepEqual(await questbook.importUrl(page, h.ctx), {
      title: 'Тёмная башня',
      desc: 'Приключение в башне «мага».\n\nПолное **описание** игры.  \nВторая строка.',
      description_attributions: ['quest-book.ru'],
      release_date: '2018-03-05',
      priority: 51,
      authors: [{ role_slug: 'author', name: 'Мария Иванова', url: 'https://quest-book.ru/online/author/42/', urldesc: 'Страница автора на quest-book.ru' }],
      tags: [{ cat_slug: 'platform', tag: 'Questbook' }, { cat_slug: 'tag', tag: 'Фэнтези' }, { cat_slug: 'tag', tag: 'Приключения' }],
      urls: [
        { urlcat_slug: 'game_page', description: 'Страница на квестбуке', url: page },
        { urlcat_slug: 'poster', description: 'Обложка', url: 'https://quest-book.ru/online/covers/bashnya.jpg' },
        { urlcat_slug: 'play_online', description: 'Играть на квестбуке', url: 'https://quest-book.ru/online/mitril/' },
        { urlcat_slug: 'download_direct', description: 'PDF версия', url: 'https://quest-book.ru/online/mitril/download/77/pdf/' },
      ],
    });
  });

  test('an author block without links and an unknown month do not crash (legacy raised): no author, no date', async () => {
    const result = await questbook.importUrl('https://quest-book.ru/online/view/broken', h.ctx);
    assert.equal(result.title, 'Без автора');
    assert.deepEqual(result.authors, []);
    assert.equal(result.release_date, undefined);
    assert.equal(result.error, undefined);
  });

  test('paging is bounded when the site ignores the offset (same page every time)', async () => {
    const same = await startHarness();
    try {
      same.route('/questbook/online/', serve('questbook/list-1.html'));
      assert.equal((await createQuestbook(same.baseUrls).getUrlCandidates(same.ctx)).length, 2);
      assert.equal(same.server.hits.get('/questbook/online/'), 2);
    } finally {
      await same.close();
    }
  });

  test('paging is bounded when every page has new games: it stops at the page cap and says so', async () => {
    const endless = await startHarness();
    try {
      endless.route('/questbook/online/', (request, response) =>
        response.writeHead(200, { 'content-type': 'text/html' }).end(`<a href="view/game-${offset(request.url)}">игра</a>`),
      );
      assert.equal((await createQuestbook(endless.baseUrls, 5).getUrlCandidates(endless.ctx)).length, 5);
      assert.equal(endless.server.hits.get('/questbook/online/'), 5);
      assert.match(endless.lines.join('\n'), /questbook: stopped after 5 listing pages/);
    } finally {
      await endless.close();
    }
  });

  test('match: /online/view/ pages only; matchWithCat needs game_page', () => {
    assert.ok(questbook.match('https://quest-book.ru/online/view/x'));
    assert.ok(questbook.match('http://quest-book.ru/online/view/x'));
    assert.ok(questbook.match(`${h.base('questbook')}/online/view/x`));
    assert.ok(!questbook.match('https://quest-book.ru/online/mitril/'));
    assert.ok(questbook.matchWithCat('https://quest-book.ru/online/view/x', 'game_page'));
    assert.ok(!questbook.matchWithCat('https://quest-book.ru/online/view/x', 'play_online'));
  });
});

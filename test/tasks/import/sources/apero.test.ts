import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApero } from '../../../../src/tasks/import/sources/apero.ts';
import type { Source } from '../../../../src/tasks/import/types.ts';
import { serve, startHarness, type Harness } from './harness.ts';

const GAMES = '/apero/%D0%A2%D0%B5%D0%BA%D1%81%D1%82%D0%BE%D0%B2%D1%8B%D0%B5-%D0%B8%D0%B3%D1%80%D1%8B';
const FOREST = 'http://apero.ru/%D0%A2%D0%B5%D0%BA%D1%81%D1%82%D0%BE%D0%B2%D1%8B%D0%B5-%D0%B8%D0%B3%D1%80%D1%8B/%D0%A2%D1%91%D0%BC%D0%BD%D1%8B%D0%B9-%D0%BB%D0%B5%D1%81';
let h: Harness;
let apero: Source;

before(async () => {
  h = await startHarness();
  h.route(GAMES, serve('apero/listing.html'));
  h.route(`${GAMES}/%D0%A2%D1%91%D0%BC%D0%BD%D1%8B%D0%B9-%D0%BB%D0%B5%D1%81`, serve('apero/game.html'));
  h.route(`${GAMES}/Defaults`, serve('apero/game-defaults.html'));
  h.route('/apero/%D0%A3%D1%87%D0%B0%D1%81%D1%82%D0%BD%D0%B8%D0%BA%D0%B8/Alice', serve('apero/author.html'));
  apero = createApero(h.baseUrls);
});
after(() => h.close());

describe('apero source', () => {
  test('candidates: every <h2> game link of the listing, legacy-quoted, on apero.ru, without duplicates or non-games', async () => {
    assert.deepEqual(await apero.getUrlCandidates(h.ctx), [
      FOREST,
      'http://apero.ru/%D0%A2%D0%B5%D0%BA%D1%81%D1%82%D0%BE%D0%B2%D1%8B%D0%B5-%D0%B8%D0%B3%D1%80%D1%8B/%D0%93%D0%BE%D1%81%D1%82%D0%B8%D0%BD%D0%B8%D1%86%D0%B0%20%22%D0%91%D0%B5%D0%BB%D0%BA%D0%B0%22',
      'https://apero.ru/%D0%A2%D0%B5%D0%BA%D1%81%D1%82%D0%BE%D0%B2%D1%8B%D0%B5-%D0%B8%D0%B3%D1%80%D1%8B/Escape',
    ]);
  });

  test('a game page: title, markdown description, date, authors with their apero pages, platform, play link and resolved image', async () => {
    const result = await apero.importUrl('http://apero.ru/Текстовые-игры/Тёмный-лес', h.ctx);
    assert.deepEqual(result, {
      title: 'Тёмный лес & болото',
      desc: 'Вы просыпаетесь в **тёмном** лесу.\n\nНайдите _выход_, [карта](http://example.com/map).\n\nвложенный блок',
      description_attributions: ['apero.ru'],
      release_date: '2021-03-04',
      priority: 49,
      authors: [
        { role_slug: 'author', name: 'Alice', url: 'http://apero.ru/%D0%A3%D1%87%D0%B0%D1%81%D1%82%D0%BD%D0%B8%D0%BA%D0%B8/Alice', urldesc: 'Страница автора на apero.ru' },
        { role_slug: 'author', name: 'Боб Смит', url: 'http://apero.ru/%D0%A3%D1%87%D0%B0%D1%81%D1%82%D0%BD%D0%B8%D0%BA%D0%B8/%D0%91%D0%BE%D0%B1%20%D0%A1%D0%BC%D0%B8%D1%82', urldesc: 'Страница автора на apero.ru' },
      ],
      tags: [{ cat_slug: 'platform', tag: 'Аперо' }],
      urls: [
        { urlcat_slug: 'play_online', description: 'Играть онлайн', url: 'http://apero.ru/Текстовые-игры/Тёмный-лес' },
        { urlcat_slug: 'poster', description: 'Обложка', url: 'http://apero.ru/public/img/games/dark-forest.jpg' },
      ],
    });
  });

  test('the default game image is skipped and a malformed date is ignored (legacy raised)', async () => {
    const result = await apero.importUrl('http://apero.ru/Текстовые-игры/Defaults', h.ctx);
    assert.equal(result.title, 'Без картинки');
    assert.equal(result.release_date, undefined);
    assert.equal(result.desc, undefined);
    assert.deepEqual(result.urls?.map((u) => u.urlcat_slug), ['play_online']);
  });

  test('a page without the title block is a parse failure', async () => {
    h.route(`${GAMES}/Empty`, (_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body><h1>Нет игры</h1></body></html>'));
    assert.deepEqual(await apero.importUrl('https://apero.ru/Текстовые-игры/Empty', h.ctx), { error: 'Не найдена игра на странице', priority: 49 });
  });

  test('match: game pages on the real host (http or https, raw or quoted) and on the configured base; matchWithCat needs play_online', () => {
    assert.ok(apero.match('https://apero.ru/Текстовые-игры/Игра'));
    assert.ok(apero.match(FOREST));
    assert.ok(apero.match(`${h.base('apero')}/Текстовые-игры/Игра`));
    assert.ok(!apero.match('https://apero.ru/Участники/Alice'));
    assert.ok(!apero.match('https://example.com/Текстовые-игры/Игра'));
    assert.ok(apero.matchWithCat(FOREST, 'play_online'));
    assert.ok(!apero.matchWithCat(FOREST, 'game_page'));
  });

  test('author import: name from the URL, bio with the source note, the page and the avatar', async () => {
    assert.ok(apero.matchAuthor!('http://apero.ru/Участники/Alice'));
    assert.deepEqual(await apero.importAuthor!('http://apero.ru/Участники/Alice', h.ctx), {
      name: 'Alice',
      bio: 'Пишу **игры** с 2010 года.\n\n_(описание взято с сайта apero.ru)_',
      urls: [
        { urlcat_slug: 'other_site', description: 'Страница на Аперо', url: 'http://apero.ru/%D0%A3%D1%87%D0%B0%D1%81%D1%82%D0%BD%D0%B8%D0%BA%D0%B8/Alice' },
        { urlcat_slug: 'avatar', description: 'Изображение', url: 'http://apero.ru/public/img/members/alice.jpg' },
      ],
    });
  });

  test('an author page that cannot be fetched gives {}', async () => {
    assert.deepEqual(await apero.importAuthor!('http://apero.ru/Участники/Nobody', h.ctx), {});
  });

  test('no dirty URLs', async () => assert.deepEqual(await apero.getDirtyUrls(h.ctx), []));
});

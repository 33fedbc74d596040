import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRilarhiv, rilarhivAuthors } from '../../../../src/tasks/import/sources/rilarhiv.ts';
import type { Source } from '../../../../src/tasks/import/types.ts';
import { serve, startHarness, type Harness } from './harness.ts';

let h: Harness;
let rilarhiv: Source;

before(async () => {
  h = await startHarness();
  h.route('/rilarhiv/urq.htm', serve('rilarhiv/urq.htm', { cp1251: true, charsetHeader: false }));
  h.route('/rilarhiv/vneplatform.htm', serve('rilarhiv/vneplatform.htm', { cp1251: true }));
  rilarhiv = createRilarhiv(h.baseUrls);
});
after(() => h.close());

describe('rilarhiv source', () => {
  test('before the listings are loaded, nothing matches and imports say so', async () => {
    assert.ok(!rilarhiv.match('http://rilarhiv.ru/urq/cave.zip'));
    assert.deepEqual(await rilarhiv.importUrl('http://rilarhiv.ru/urq/cave.zip', h.ctx), { error: 'Не проинициализирован импортер рилархива', priority: null });
  });

  test('candidates: entries of the cp1251 listings (missing pages logged and skipped), absolute, first listing wins', async () => {
    assert.deepEqual(await rilarhiv.getUrlCandidates(h.ctx), [
      'http://rilarhiv.ru/urq/cave.zip',
      'http://rilarhiv.ru/urq/forest.qst',
      'http://rilarhiv.ru/urq/third.zip',
      'http://rilarhiv.ru/vne/game.zip',
    ]);
    assert.match(h.lines.join('\n'), /rilarhiv: cannot read rinform\.htm/);
  });

  test('an entry: quoted title, authors from the info text, page platform plus bracketed ones, download link', async () => {
    assert.deepEqual(await rilarhiv.importUrl('http://rilarhiv.ru/urq/cave.zip', h.ctx), {
      title: 'Пещера',
      priority: null,
      authors: [{ role_slug: 'author', name: 'Вася Пупкин' }, { role_slug: 'author', name: 'Петя' }],
      tags: [{ cat_slug: 'platform', tag: 'URQ' }, { cat_slug: 'platform', tag: 'FireURQ' }, { cat_slug: 'platform', tag: 'DosURQ' }],
      urls: [{ urlcat_slug: 'download_direct', description: 'Скачать с РилАрхива', url: 'http://rilarhiv.ru/urq/cave.zip' }],
    });
    const forest = await rilarhiv.importUrl('http://rilarhiv.ru/urq/forest.qst', h.ctx);
    assert.equal(forest.title, 'Лес & болото');
    assert.deepEqual(forest.authors?.map((a) => a.name), ['Иван', 'Мария']);
    const outside = await rilarhiv.importUrl('http://rilarhiv.ru/vne/game.zip', h.ctx);
    assert.deepEqual(outside.tags, []);
  });

  test('match and matchWithCat (download_direct) know exactly the listed URLs; unknown ones are an error', async () => {
    assert.ok(rilarhiv.match('http://rilarhiv.ru/urq/cave.zip'));
    assert.ok(rilarhiv.match(`${h.base('rilarhiv')}/urq/cave.zip`));
    assert.ok(rilarhiv.matchWithCat('http://rilarhiv.ru/urq/cave.zip', 'download_direct'));
    assert.ok(!rilarhiv.matchWithCat('http://rilarhiv.ru/urq/cave.zip', 'game_page'));
    assert.ok(!rilarhiv.match('http://rilarhiv.ru/urq/broken.zip'));
    assert.deepEqual(await rilarhiv.importUrl('http://rilarhiv.ru/urq/none.zip', h.ctx), { error: 'Неизвестный URL.', priority: null });
  });

  test('imports are copies: changing one does not change the cache', async () => {
    const first = await rilarhiv.importUrl('http://rilarhiv.ru/urq/cave.zip', h.ctx);
    first.title = 'changed';
    assert.equal((await rilarhiv.importUrl('http://rilarhiv.ru/urq/cave.zip', h.ctx)).title, 'Пещера');
  });

  test('author text: asides in () and /…/ dropped, split on ", " and " и "', () => {
    assert.deepEqual(rilarhivAuthors(' Вася (Vasya) и Петя /petya/, Маша (2003)'), ['Вася', 'Петя', 'Маша']);
    assert.deepEqual(rilarhivAuthors(''), []);
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createIfiction } from '../../../../src/tasks/import/sources/ifiction.ts';
import type { Source } from '../../../../src/tasks/import/types.ts';
import { serve, startHarness, type Harness } from './harness.ts';

let h: Harness;
let ifiction: Source;
const param = (url: string | undefined, name: string) => new URL(url ?? '/', 'http://x').searchParams.get(name);

before(async () => {
  h = await startHarness();
  h.route('/ifiction/viewforum.php', (request, response) =>
    param(request.url, 'id') === '36d' ? serve('ifiction/forum.html')(request, response) : response.writeHead(404).end(),
  );
  h.route('/ifiction/viewtopic.php', (request, response) => {
    if (param(request.url, 'id') === '1001') return serve('ifiction/topic.html', { cp1251: true })(request, response);
    response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body><h1><b><span>Без блока авторов</span></b></h1></body></html>');
  });
  h.route('/ifiction/file.php', serve('ifiction/file-77.html'));
  ifiction = createIfiction(h.baseUrls);
});
after(() => h.close());

describe('forum.ifiction.ru source', () => {
  test('candidates: ./viewtopic.php?id=<n> links of forum 36d, resolved on the real host, once each', async () => {
    assert.deepEqual(await ifiction.getUrlCandidates(h.ctx), [
      'http://forum.ifiction.ru/viewtopic.php?id=1001',
      'http://forum.ifiction.ru/viewtopic.php?id=1002',
    ]);
  });

  test('a cp1251 topic: title, authors and platform from the author block, description, bold links (file.php resolved), poster, screenshots', async () => {
    const page = 'http://forum.ifiction.ru/viewtopic.php?id=1001';
    assert.deepEqual(await ifiction.importUrl(page, h.ctx), {
      title: 'Моя игра',
      desc: 'Описание **игры**.',
      description_attributions: ['ifiction.ru'],
      priority: 45,
      authors: [
        { role_slug: 'author', name: 'Alice', url: 'http://forum.ifiction.ru/profile.php?id=1', urldesc: 'Страница автора на forum.ifiction.ru' },
        { role_slug: 'author', name: 'Bob', url: 'http://forum.ifiction.ru/profile.php?id=2', urldesc: 'Страница автора на forum.ifiction.ru' },
      ],
      tags: [{ cat_slug: 'platform', tag: 'INSTEAD' }],
      urls: [
        { urlcat_slug: 'game_page', description: 'Страница на ifiction.ru', url: page },
        { urlcat_slug: 'download_direct', description: 'Скачать', url: 'http://files.example.com/my-game.zip' },
        { urlcat_slug: 'play_online', description: 'Играть онлайн', url: 'http://example.com/play/' },
        { urlcat_slug: 'poster', description: 'Постер с ifiction.ru', url: 'http://forum.ifiction.ru/img/posters/1001.jpg' },
        { urlcat_slug: 'screenshot', description: 'Скриншот с ifiction.ru', url: 'http://forum.ifiction.ru/img/shots/1.png' },
        { urlcat_slug: 'screenshot', description: 'Скриншот с ifiction.ru', url: 'http://forum.ifiction.ru/img/shots/2.png' },
      ],
    });
    assert.equal(h.server.hits.get('/ifiction/file.php'), 1);
  });

  test('a topic without the author block is a parse failure', async () => {
    assert.deepEqual(await ifiction.importUrl('http://forum.ifiction.ru/viewtopic.php?id=5', h.ctx), { error: 'Не найдена игра на странице', priority: 45 });
  });

  test('a file.php page that cannot be fetched keeps the file.php URL', async () => {
    const other = await startHarness();
    try {
      other.route('/ifiction/viewtopic.php', serve('ifiction/topic.html', { cp1251: true }));
      other.route('/ifiction/file.php', (_q, response) => response.writeHead(404).end());
      const result = await createIfiction(other.baseUrls).importUrl('http://forum.ifiction.ru/viewtopic.php?id=1001', other.ctx);
      assert.ok(result.urls?.some((u) => u.url === 'http://forum.ifiction.ru/file.php?id=77' && u.urlcat_slug === 'download_direct'));
      assert.match(other.lines.join('\n'), /ifiction: cannot resolve http:\/\/forum\.ifiction\.ru\/file\.php\?id=77/);
    } finally {
      await other.close();
    }
  });

  test('match: viewtopic.php?id=<n>; matchWithCat needs game_page; no author import', () => {
    assert.ok(ifiction.match('http://forum.ifiction.ru/viewtopic.php?id=12'));
    assert.ok(ifiction.match('https://forum.ifiction.ru/viewtopic.php?id=12'));
    assert.ok(ifiction.match(`${h.base('ifiction')}/viewtopic.php?id=12`));
    assert.ok(!ifiction.match('http://forum.ifiction.ru/viewforum.php?id=12'));
    assert.ok(ifiction.matchWithCat('http://forum.ifiction.ru/viewtopic.php?id=12', 'game_page'));
    assert.ok(!ifiction.matchWithCat('http://forum.ifiction.ru/viewtopic.php?id=12', 'forum'));
    assert.equal(ifiction.importAuthor, undefined);
  });
});

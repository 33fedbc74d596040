import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createIfwiki } from '../../../../src/tasks/import/sources/ifwiki.ts';
import type { Source } from '../../../../src/tasks/import/types.ts';
import { fixture, startHarness, type Harness } from './harness.ts';

const GAME = 'https://ifwiki.ru/%D0%9F%D0%B5%D1%89%D0%B5%D1%80%D0%B0_%D1%87%D1%83%D0%B4%D0%B5%D1%81';
const CATEGORY_PAGE = 'https://ifwiki.ru/%D0%9A%D0%B0%D1%82%D0%B5%D0%B3%D0%BE%D1%80%D0%B8%D1%8F:%D0%98%D0%B3%D1%80%D1%8B_2018';
let h: Harness;
let ifwiki: Source;
const apiCalls: URLSearchParams[] = [];
const rawTitles: string[] = [];

// Category "Игры": 350 members on the first page (so a second page is asked for), 2 on the second.
const hex = (n: number) => n.toString(16).padStart(8, '0');
const FIRST_PAGE = Array.from({ length: 350 }, (_, i) => ({ pageid: 1000 + i, ns: 0, title: `Игра ${i}`, sortkey: hex(i) }));
const SECOND_PAGE = [
  { pageid: 1349, ns: 0, title: 'Игра 349', sortkey: hex(349) },
  { pageid: 7, ns: 14, title: 'Категория:Игры 2018', sortkey: hex(400) },
];
const fullUrl = (id: number) => (id === 7 ? CATEGORY_PAGE : id === 1000 ? GAME : `https://ifwiki.ru/Game_${id}`);

function api(query: URLSearchParams): unknown {
  if (query.get('list') === 'categorymembers') {
    assert.equal(query.get('cmtitle'), 'Категория:Игры');
    assert.equal(query.get('cmprop'), 'ids|title|sortkey');
    return { query: { categorymembers: query.get('cmstarthexsortkey') ? SECOND_PAGE : FIRST_PAGE } };
  }
  if (query.get('prop') === 'info') {
    const ids = (query.get('pageids') ?? '').split('|').map(Number);
    assert.ok(ids.length <= 40, 'at most 40 ids per info request');
    return { query: { pages: Object.fromEntries(ids.map((id) => [String(id), { pageid: id, fullurl: fullUrl(id) }])) } };
  }
  if (query.get('list') === 'recentchanges') {
    return { query: { recentchanges: [{ pageid: 1000, rcid: 1 }, { pageid: 0, rcid: 2 }, { pageid: 1000, rcid: 3 }, { pageid: 7, rcid: 4 }] } };
  }
  return { error: { code: 'unknown' } };
}

const PAGES: Record<string, string> = {
  'Пещера_чудес': 'ifwiki/game.wiki',
  'Сломанная': 'ifwiki/broken.wiki',
  'Crem': 'ifwiki/author.wiki',
  'Автор:Crem': 'ifwiki/redirect.wiki',
};

before(async () => {
  h = await startHarness();
  h.route('/ifwiki/api.php', (request, response) => {
    const query = new URL(request.url ?? '/', 'http://x').searchParams;
    apiCalls.push(query);
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(api(query)));
  });
  h.route('/ifwiki/index.php', (request, response) => {
    const query = new URL(request.url ?? '/', 'http://x').searchParams;
    const title = query.get('title') ?? '';
    rawTitles.push(title);
    const file = PAGES[title];
    if (query.get('action') !== 'raw' || !file) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'text/x-wiki; charset=UTF-8' }).end(fixture(file));
  });
  ifwiki = createIfwiki(h.baseUrls);
});
after(() => h.close());

describe('ifwiki source: MediaWiki API', () => {
  test('candidates: category members paged by hex sort key, resolved to full URLs 40 at a time, category pages dropped', async () => {
    apiCalls.length = 0;
    const urls = await ifwiki.getUrlCandidates(h.ctx);
    assert.equal(urls.length, 350);
    assert.equal(urls[0], GAME);
    assert.ok(!urls.includes(CATEGORY_PAGE));
    const members = apiCalls.filter((q) => q.get('list') === 'categorymembers');
    assert.deepEqual(members.map((q) => q.get('cmstarthexsortkey')), ['', hex(349)]);
    assert.equal(apiCalls.filter((q) => q.get('prop') === 'info').length, Math.ceil(351 / 40));
  });

  test('dirty URLs: distinct non-zero page ids changed in the last 14 hours, category pages kept', async () => {
    apiCalls.length = 0;
    const before = Math.floor(Date.now() / 1000);
    assert.deepEqual((await ifwiki.getDirtyUrls(h.ctx)).sort(), [CATEGORY_PAGE, GAME].sort());
    const rcend = Number(apiCalls[0].get('rcend'));
    assert.ok(rcend <= before - 14 * 3600 && rcend > before - 14 * 3600 - 60, `rcend ${rcend}`);
    assert.equal(apiCalls[0].get('rclimit'), '500');
  });
});

describe('ifwiki source: game page', () => {
  test('fetches the raw wikitext of the page path and builds the game', async () => {
    const result = await ifwiki.importUrl(GAME, h.ctx);
    assert.equal(rawTitles.at(-1), 'Пещера_чудес');
    assert.equal(result.error, undefined);
    assert.equal(result.priority, 100);
    assert.equal(result.title, 'Пещера чудес');
    assert.equal(result.release_date, '2018-03-05');
    assert.deepEqual(result.description_attributions, ['ifwiki.ru']);
    assert.deepEqual(result.authors, [
      { role_slug: 'author', name: 'Вася Пупкин', url: 'http://ifwiki.ru/%D0%92%D0%B0%D1%81%D1%8F_%D0%9F%D1%83%D0%BF%D0%BA%D0%B8%D0%BD', urldesc: 'Страница автора на ifwiki' },
      { role_slug: 'author', name: 'Пётр', url: 'http://ifwiki.ru/%D0%9F%D0%B5%D1%82%D1%8F_%D0%98%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2', urldesc: 'Страница автора на ifwiki' },
      { role_slug: 'tester', name: 'Маше', url: 'http://ifwiki.ru/%D0%9C%D0%B0%D1%88%D0%B0', urldesc: 'Страница автора на ifwiki' },
      { role_slug: 'character', name: 'спелеолог', url: 'http://ifwiki.ru/%D0%A1%D0%BF%D0%B5%D0%BB%D0%B5%D0%BE%D0%BB%D0%BE%D0%B3', urldesc: 'Страница автора на ifwiki' },
    ]);
    assert.deepEqual(result.tags, [
      { cat_slug: 'platform', tag: 'FireURQ' },
      { cat_slug: 'language', tag: 'русский' },
      { cat_slug: 'tag', tag: 'Фэнтези' },
      { cat_slug: 'tag', tag: 'Юмор' },
      { cat_slug: 'ifid', tag: 'ABCD-1234' },
      { tag_slug: 'ifwiki_featured' },
      { cat_slug: 'competition', tag: 'ЛОК-2018' },
      { cat_slug: 'tag', tag: 'Подземелья' },
      { cat_slug: 'tag', tag: 'Пещеры' },
    ]);
    assert.deepEqual(result.urls, [
      { urlcat_slug: 'game_page', description: 'Страница на IfWiki', url: GAME },
      { urlcat_slug: 'poster', description: 'Обложка', url: 'https://ifwiki.ru/files/%D0%9F%D0%B5%D1%89%D0%B5%D1%80%D0%B0_cover.png' },
      { urlcat_slug: 'download_direct', description: 'Скачать с РилАрхива', url: 'http://rilarhiv.ru/urq/cave2.zip' },
      { urlcat_slug: 'game_page', description: 'Страница на плуте', url: 'http://urq.plut.info/node/77' },
      { urlcat_slug: 'unknown', description: 'http://web.archive.org/web/2010/http://urq.plut.info/node/77', url: 'http://web.archive.org/web/2010/http://urq.plut.info/node/77' },
      { urlcat_slug: 'unknown', description: 'Игра на URQ-модуле INSTEAD', url: 'http://example.com/urqstead/cave' },
      { urlcat_slug: 'download_direct', description: 'Скачать игру (1 Мб)', url: 'https://ifwiki.ru/files/Cave-1.0.zip' },
      { urlcat_slug: 'screenshot', description: 'Скриншот', url: 'https://ifwiki.ru/files/Cave_screenshot_1.png' },
      { urlcat_slug: 'game_page', description: 'Страница на ifwiki.org', url: 'http://ifwiki.org/index.php/Cave_of_wonders' },
      { urlcat_slug: 'download_direct', description: 'Архив на РилАрхиве (1.2 Мб)', url: 'http://rilarhiv.ru/urq/cave.zip' },
      { urlcat_slug: 'review', description: 'Обзор: «Пещера» на ifhub от Васи', url: 'https://ifhub.club/2018/cave.html' },
      { urlcat_slug: 'download_direct', description: 'Ссылка на РилАрхив', url: 'http://rilarhiv.ru/urq/cave2.zip' },
      { urlcat_slug: 'game_page', description: 'Страница на плуте', url: 'http://urq.plut.info/node/77' },
      { urlcat_slug: 'unknown', description: 'раз', url: 'http://a.example.com/1' },
      { urlcat_slug: 'unknown', description: 'два', url: 'http://b.example.com/2' },
      { urlcat_slug: 'unknown', description: 'http://example.com/bare', url: 'http://example.com/bare' },
    ]);
    assert.equal(
      result.desc,
      [
        '**Пещера чудес** — игра про _пещеру_ на конкурс . Спасибо **Маше** за тестирование.',
        '',
        '## Сюжет',
        'Вы — **спелеолог**, заблудившийся в **пещерах**.',
        '### Особенности',
        '1. Первая',
        '1. Вторая',
        '',
        '## Ссылки',
        '* Длинная строка, в которой ссылка не одна: [раз](http://a.example.com/1) и [два](http://b.example.com/2)',
        'Ещё [http://example.com/bare](http://example.com/bare) и **ifwiki-en:Cave of wonders**.',
        '',
        '===',
        ' **Тема:Пещеры**',
      ].join('\n'),
    );
    assert.match(h.lines.join('\n'), /game info: unknown parameter жанр/);
  });

  test('a {{Ссылка}} without "на" makes the page a parse failure (legacy)', async () => {
    assert.deepEqual(await ifwiki.importUrl('http://ifwiki.ru/Сломанная', h.ctx), { error: 'Не найдена игра на странице', priority: 100 });
  });

  test('a page the wiki does not have is a fetch failure', async () => {
    assert.deepEqual(await ifwiki.importUrl('https://ifwiki.ru/Нет_такой', h.ctx), { error: 'Не открывается что-то этот URL.', priority: 100 });
  });

  test('match: any page path on ifwiki.ru or the base; matchWithCat needs game_page', () => {
    assert.ok(ifwiki.match(GAME));
    assert.ok(ifwiki.match('http://ifwiki.ru/Игра'));
    assert.ok(ifwiki.match(`${h.base('ifwiki')}/Игра`));
    assert.ok(!ifwiki.match('https://ifwiki.ru/'));
    assert.ok(!ifwiki.match('https://ifwiki.org/Game'));
    assert.ok(ifwiki.matchWithCat(GAME, 'game_page'));
    assert.ok(!ifwiki.matchWithCat(GAME, 'download_direct'));
    assert.ok(ifwiki.matchAuthor!('https://ifwiki.ru/Crem'));
  });
});

describe('ifwiki source: author import', () => {
  test('an author page: name, bio with the source note, the page and its media (thumb → avatar)', async () => {
    assert.deepEqual(await ifwiki.importAuthor!('http://ifwiki.ru/Crem', h.ctx), {
      name: 'Crem',
      bio: [
        '**Фото**',
        '**Crem** — автор игр на **URQ** и **INSTEAD**.',
        '* **Сборник игр**',
        '{{Персона|сайт=http://crem.example.com}}',
        '',
        '_(описание взято с сайта ifwiki.ru)_',
      ].join('\n'),
      urls: [
        { urlcat_slug: 'other_site', description: 'Страница на IfWiki', url: 'http://ifwiki.ru/Crem' },
        { urlcat_slug: 'avatar', description: 'Фото', url: 'http://ifwiki.ru/files/Crem.jpg' },
        { urlcat_slug: 'download_direct', description: 'Сборник игр', url: 'http://ifwiki.ru/files/Crem-games.zip' },
      ],
    });
  });

  test('a redirect page gives the target page with canonical and canonical_url', async () => {
    const author = await ifwiki.importAuthor!('http://ifwiki.ru/Автор:Crem', h.ctx);
    assert.equal(author.canonical, 'Crem');
    assert.equal(author.canonical_url, 'http://ifwiki.ru/Crem');
    assert.equal(author.name, 'Crem');
  });

  test('an author page that cannot be read gives {}', async () => {
    assert.deepEqual(await ifwiki.importAuthor!('http://ifwiki.ru/Никто', h.ctx), {});
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { addDescriptionAttribution, categorizeAuthorUrl, categorizeUrl } from '../../../src/tasks/import/categorize.ts';

// [row(s), url, expected slug, expected default description]
const GAME_URL_ROWS: [string, string, string | null, string][] = [
  ['1', 'http://qsp.su/', null, 'http://qsp.su/'],
  ['2', 'http://urq.plut.info', null, 'http://urq.plut.info'],
  ['3', 'http://rilarhiv.ru/', null, 'http://rilarhiv.ru/'],
  ['4', 'https://ifwiki.ru/', null, 'https://ifwiki.ru/'],
  ['5', 'https://www.youtube.com/', null, 'https://www.youtube.com/'],
  ['6', 'https://youtube.com', null, 'https://youtube.com'],
  ['7', 'https://youtu.be/', null, 'https://youtu.be/'],
  ['8', 'https://apero.ru/', null, 'https://apero.ru/'],
  ['9', 'https://storymaze.ru/', null, 'https://storymaze.ru/'],
  ['10', 'http://example.com/img/Screenshot_1.PNG', 'screenshot', 'Скриншот'],
  ['11', 'http://example.com/cover.jpeg', 'poster', 'Обложка'],
  ['12', 'https://db.crem.xyz/f/uploads/game.zip', 'download_direct', 'Скачать'],
  ['13', 'http://ifiction.ru/game.php?id=5', 'download_landing', 'Скачать с ifiction.ru'],
  ['14', 'https://ifwiki.ru/files/game.zip', 'download_direct', 'Скачать с IfWiki'],
  ['15', 'https://ifwiki.ru/%D0%98%D0%B3%D1%80%D0%B0', 'game_page', 'Страница на IfWiki'],
  ['16', 'http://ifwiki.org/index.php/Game', 'game_page', 'Страница на ifwiki.org'],
  ['17', 'https://ludumdare.com/compo/x', 'game_page', 'Страница на Ludum Dare'],
  ['18', 'http://urq.plut.info/sites/files/g.qst', 'download_direct', 'Скачать с плута'],
  ['19', 'http://plut.info/urq/games/files/g.qst', 'download_direct', 'Скачать с плута'],
  ['20', 'http://urq.plut.info/node/12', 'game_page', 'Страница на плуте'],
  ['21', 'http://plut.info/urq/node/12', 'game_page', 'Страница на плуте'],
  ['22', 'https://store.steampowered.com/app/1', 'game_page', 'Страница на стиме'],
  ['23', 'https://yadi.sk/d/abc', 'download_landing', 'Скачать с Яндекс.диска'],
  ['24', 'http://rilarhiv.ru/urq/game.qst', 'download_direct', 'Скачать с РилАрхива'],
  ['25', 'http://instead-games.ru/download/instead-game.zip', 'download_direct', 'Скачать с инстеда'],
  ['26', 'https://quest-book.ru/online/view/123', 'game_page', 'Страница на квестбуке'],
  ['27', 'https://quest-book.ru/online/mitril/download/42/pdf/', 'download_direct', 'PDF версия'],
  ['28', 'https://quest-book.ru/online/mitril/', 'play_online', 'Играть на квестбуке'],
  ['29', 'http://instead-games.ru/instead-em/index.html?x=1', 'play_online', 'Играть онлайн'],
  ['30', 'http://instead-games.ru/forum/viewtopic.php?t=1', 'forum', 'Форум на инстеде'],
  ['31', 'http://instead-games.ru/game.php?ID=7', 'game_page', 'Страница на инстеде'],
  ['32', 'https://gamin.me/posts/1234', 'forum', 'Обсуждение на gamin.me'],
  ['33', 'http://instead.syscall.ru/talk/forum/1', 'forum', 'Форум на инстеде'],
  ['34', 'https://youtube.com/watch?v=1', 'video', 'Видео игры'],
  ['35', 'https://youtu.be/abc', 'video', 'Видео игры'],
  ['36', 'https://www.youtube.com/watch?v=1', 'video', 'Видео игры'],
  ['37', 'http://forum.ifiction.ru/file.php?id=3', 'download_direct', 'Скачать с ifiction.ru'],
  ['38', 'http://forum.ifiction.ru/viewtopic.php?id=3', 'forum', 'Обсуждение на форуме'],
  ['39', 'http://urq.borda.ru/?1-0', 'forum', 'Обсуждение на форуме'],
  ['40', 'https://ifhub.club/2020/01/01/review', 'review', 'Обзор на ifhub.club'],
  ['41', 'http://qsp.su/index.php?option=com_x&task=dd_download&id=1', 'download_direct', 'Скачать с qsp.ru'],
  ['42', 'http://qsp.su/tools/aero/game.html', 'play_online', 'Играть онлайн на qsp.ru'],
  ['43', 'http://qsp.su/index.php?option=com_x', 'game_page', 'Игра на qsp.ru'],
  ['44', 'https://someone.github.io/game/', 'play_online', 'Играть онлайн'],
  ['45', 'https://iplayif.com/?story=x', 'play_online', 'Играть онлайн'],
  ['46', 'https://apero.ru/Текстовые-игры/Игра', 'play_online', 'Играть онлайн'],
  ['47', 'https://storymaze.ru/game/1', 'play_online', 'Играть онлайн'],
  ['48', 'http://hyperbook.ru/download.php?id=1', 'download_direct', 'Скачать с hyperbook.ru'],
  ['49', 'http://hyperbook.ru/comments.php?id=1', 'forum', 'Обсуждение на hyperbook.ru'],
  ['50', 'http://example.com/files/GAME.ZIP', 'download_direct', 'Ссылка для скачивания'],
];

describe('categorizeUrl: every row of the table', () => {
  for (const [row, url, slug, desc] of GAME_URL_ROWS) {
    test(`row ${row}: ${url} → ${slug}`, () => {
      assert.deepEqual(categorizeUrl(url), { urlcat_slug: slug, description: desc, url });
    });
  }
});

describe('categorizeUrl: anchoring, descriptions, base and overrides', () => {
  test('path regexes are anchored at the start only: /a.png.zip is a poster', () => {
    assert.equal(categorizeUrl('http://example.com/a.png.zip').urlcat_slug, 'poster');
  });
  test('image rows beat every host rule: an ifwiki /files/x.jpg is a poster, not a download', () => {
    assert.equal(categorizeUrl('https://ifwiki.ru/files/x.jpg').urlcat_slug, 'poster');
  });
  test('a screenshot image inside any path is a screenshot', () => {
    assert.equal(categorizeUrl('https://ifwiki.ru/files/Game_screenshot_2.gif').urlcat_slug, 'screenshot');
  });
  test('host rules compare the hostname lower-cased and without port', () => {
    assert.equal(categorizeUrl('HTTP://IFWIKI.RU:8080/Page').urlcat_slug, 'game_page');
  });
  test('host-only rules do not fire for other hosts with the same suffix', () => {
    assert.equal(categorizeUrl('http://notifwiki.ru/Page').urlcat_slug, 'unknown');
  });
  test('the site-root rule needs an empty query: ifwiki.ru/?x=1 is a game page', () => {
    assert.equal(categorizeUrl('https://ifwiki.ru/?x=1').urlcat_slug, 'game_page');
  });
  test('a given description is kept, the rule only gives the slug', () => {
    assert.deepEqual(categorizeUrl('https://ifwiki.ru/files/g.zip', 'Версия 2'), {
      urlcat_slug: 'download_direct', description: 'Версия 2', url: 'https://ifwiki.ru/files/g.zip',
    });
  });
  test('a description equal to the URL is treated as empty', () => {
    assert.equal(categorizeUrl('https://ifwiki.ru/files/g.zip', 'https://ifwiki.ru/files/g.zip').description, 'Скачать с IfWiki');
  });
  test('unknown URL: desc heuristics "играть онлайн", "скачать", "обсуждение"', () => {
    assert.equal(categorizeUrl('http://example.com/x', 'Играть Онлайн').urlcat_slug, 'play_online');
    assert.equal(categorizeUrl('http://example.com/x', 'Скачать игру').urlcat_slug, 'download_landing');
    assert.equal(categorizeUrl('http://example.com/x', 'Обсуждение игры').urlcat_slug, 'forum');
    assert.deepEqual(categorizeUrl('http://example.com/x', 'Что-то'), { urlcat_slug: 'unknown', description: 'Что-то', url: 'http://example.com/x' });
  });
  test('the heuristics do not apply when a rule matched', () => {
    assert.equal(categorizeUrl('https://ifwiki.ru/Page', 'Скачать').urlcat_slug, 'game_page');
  });
  test('an unknown URL without description gets the URL as description; null desc does not crash', () => {
    assert.deepEqual(categorizeUrl('http://example.com/x', null), { urlcat_slug: 'unknown', description: 'http://example.com/x', url: 'http://example.com/x' });
  });
  test('an explicit category overrides the slug, including a null-slug root', () => {
    assert.equal(categorizeUrl('https://ifwiki.ru/files/x.png', 'Обложка', 'poster').urlcat_slug, 'poster');
    assert.equal(categorizeUrl('https://ifwiki.ru/', '', 'game_page').urlcat_slug, 'game_page');
    assert.equal(categorizeUrl('http://example.com/x.png', '', 'screenshot').description, 'Обложка');
  });
  test('a base resolves relative URLs as strings (no re-encoding, host case kept)', () => {
    assert.deepEqual(categorizeUrl('../download/g a.zip', '', null, 'http://Instead-Games.ru/dir/game.php?ID=1'), {
      urlcat_slug: 'download_direct', description: 'Скачать с инстеда', url: 'http://Instead-Games.ru/download/g a.zip',
    });
    assert.equal(categorizeUrl('/files/Игра.zip', '', null, 'https://ifwiki.ru/Page').url, 'https://ifwiki.ru/files/Игра.zip');
    assert.equal(categorizeUrl('//yadi.sk/d/1', '', null, 'https://ifwiki.ru/Page').url, 'https://yadi.sk/d/1');
  });
});

describe('categorizeAuthorUrl', () => {
  const rows: [string, string | null, string][] = [
    ['https://apero.ru/', null, 'https://apero.ru/'],
    ['http://forum.ifiction.ru', null, 'http://forum.ifiction.ru'],
    ['https://ifhub.club/', null, 'https://ifhub.club/'],
    ['http://ifiction.ru/', null, 'http://ifiction.ru/'],
    ['https://ifwiki.ru/', null, 'https://ifwiki.ru/'],
    ['http://plut.info/', null, 'http://plut.info/'],
    ['http://qsp.su/', null, 'http://qsp.su/'],
    ['http://rilarhiv.ru/', null, 'http://rilarhiv.ru/'],
    ['https://storymaze.ru/', null, 'https://storymaze.ru/'],
    ['http://urq.plut.info/', null, 'http://urq.plut.info/'],
    ['https://www.youtube.com/', null, 'https://www.youtube.com/'],
    ['https://youtu.be/', null, 'https://youtu.be/'],
    ['https://youtube.com/', null, 'https://youtube.com/'],
    ['http://kril.ifiction.ru/2010/results', null, 'http://kril.ifiction.ru/2010/results'],
    ['https://ifwiki.ru/files/Crem.jpg', 'avatar', 'Изображение'],
    ['https://ifwiki.ru/Crem', 'other_site', 'Страница на IfWiki'],
    ['http://apero.ru/%D0%A3%D1%87%D0%B0%D1%81%D1%82%D0%BD%D0%B8%D0%BA%D0%B8/Alice', 'other_site', 'Страница на Аперо'],
    ['https://twitter.com/crem', 'social', 'Страница в Твиттере'],
    ['http://vasya.ifiction.ru/', 'personal_page', 'Блог на ifiction.ru'],
    ['https://vk.com/id1', 'social', 'Страница вКонтакте'],
  ];
  for (const [url, slug, desc] of rows) {
    test(`${url} → ${slug}`, () => assert.deepEqual(categorizeAuthorUrl(url), { urlcat_slug: slug, description: desc, url }));
  }
  test('the avatar rule is case-sensitive: .JPG is not an avatar', () => {
    assert.equal(categorizeAuthorUrl('http://example.com/me.JPG').urlcat_slug, 'other');
  });
  test('a blog needs the root path: vasya.ifiction.ru/post is other', () => {
    assert.equal(categorizeAuthorUrl('http://vasya.ifiction.ru/post').urlcat_slug, 'other');
  });
  test('legacy inversion: an @regex host rule matches a URL without a host', () => {
    assert.equal(categorizeAuthorUrl('/').urlcat_slug, 'personal_page');
  });
  test('heuristics: интервью, сайт, блог; default other', () => {
    assert.equal(categorizeAuthorUrl('http://example.com/a', 'Интервью').urlcat_slug, 'interview');
    assert.equal(categorizeAuthorUrl('http://example.com/a', 'Личный сайт').urlcat_slug, 'personal_page');
    assert.equal(categorizeAuthorUrl('http://example.com/a', 'Мой блог').urlcat_slug, 'personal_page');
    assert.deepEqual(categorizeAuthorUrl('http://example.com/a'), { urlcat_slug: 'other', description: 'http://example.com/a', url: 'http://example.com/a' });
  });
  test('an explicit category overrides', () => {
    assert.equal(categorizeAuthorUrl('https://ifwiki.ru/Crem', '', 'avatar').urlcat_slug, 'avatar');
  });
});

describe('addDescriptionAttribution', () => {
  test('appends a site once, keeping order', () => {
    const r: { description_attributions?: string[] } = {};
    addDescriptionAttribution(r, 'ifwiki.ru');
    addDescriptionAttribution(r, 'apero.ru');
    addDescriptionAttribution(r, 'ifwiki.ru');
    assert.deepEqual(r.description_attributions, ['ifwiki.ru', 'apero.ru']);
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIfwikiGame, redirectTarget } from '../../../../src/tasks/import/sources/ifwiki-page.ts';
import { bulletDescription, wikiToMarkdown } from '../../../../src/tasks/import/sources/ifwiki-markup.ts';
import { parseTemplates, parseWikiLink, preOrder, wikiQuote } from '../../../../src/tasks/import/sources/ifwiki-syntax.ts';
import { ParseFailure } from '../../../../src/tasks/import/sources/site.ts';

const PAGE = 'https://ifwiki.ru/%D0%98%D0%B3%D1%80%D0%B0';
const game = (wikitext: string, notes: string[] = []) => parseIfwikiGame(wikitext, PAGE, '%D0%98%D0%B3%D1%80%D0%B0', (m) => notes.push(m));
const urlsOf = (wikitext: string) => game(wikitext).urls!.slice(1);

describe('wikitext templates', () => {
  test('nested templates in pre-order; named and positional parameters; pipes inside links and templates do not split', () => {
    const [outer] = parseTemplates('x {{A| one |k = v=w |[[L|l]]|{{B|{{C}}}}}} y');
    assert.equal(outer.name, 'A');
    assert.deepEqual([...outer.params], [['1', 'one'], ['k', 'v=w'], ['2', '[[L|l]]'], ['3', '{{B|{{C}}}}']]);
    assert.deepEqual([...preOrder([outer])].map((t) => t.name), ['A', 'B', 'C']);
  });
  test('unbalanced braces stay text, complete inner templates still count; comments hide templates', () => {
    assert.deepEqual(parseTemplates('{{open {{Inner}} and <!-- {{Hidden}} -->').map((t) => t.name), ['Inner']);
    assert.deepEqual(parseTemplates('}} {{A}} ]]').map((t) => t.name), ['A']);
  });
  test('game info: every parameter', () => {
    const notes: string[] = [];
    const r = game('{{game info|название=Новое имя|вышла=1.2.2003|платформа=INSTEAD|язык=English|темы=a, b,,|обложка=my cover.png|IFID=X-1|автор=[[Автор:Аня]] и [[Программист::Боря|Б.]]|1=|ширинаобложки=1|высотаобложки=2|странное=3}}', notes);
    assert.equal(r.title, 'Новое имя');
    assert.equal(r.release_date, '2003-02-01');
    assert.deepEqual(r.tags, [
      { cat_slug: 'platform', tag: 'INSTEAD' }, { cat_slug: 'language', tag: 'English' }, { cat_slug: 'tag', tag: 'a' },
      { cat_slug: 'tag', tag: 'b' }, { cat_slug: 'ifid', tag: 'X-1' },
    ]);
    assert.deepEqual(r.urls![1], { urlcat_slug: 'poster', description: 'Обложка', url: 'https://ifwiki.ru/files/My_cover.png' });
    assert.deepEqual(r.authors!.map((a) => [a.role_slug, a.name]), [['author', 'Аня'], ['programmer', 'Б.']]);
    assert.deepEqual(notes, ['game info: unknown parameter странное']);
    assert.equal(r.desc, undefined);
  });
  test('game info: an invalid date sets none; {{PAGENAME}} as a value is the page name', () => {
    const r = game('{{game info|вышла=31.02.2003|название={{PAGENAME}}}}');
    assert.equal(r.release_date, undefined);
    assert.equal(r.title, 'Игра');
  });
  test('PAGENAME, ns:6, Заглушка and unknown templates give their text', () => {
    assert.equal(game('{{PAGENAME}} {{ns:6}} {{ЗаглушкаТекста}}{{ЗаглушкаСсылок}}{{Что-то|1}}.').desc, 'Игра Media .');
  });
  test('Избранная игра and Тема add tags', () => {
    assert.deepEqual(game('{{Избранная игра}}{{Тема|Хоррор}}').tags, [{ tag_slug: 'ifwiki_featured' }, { cat_slug: 'tag', tag: 'Хоррор' }]);
  });
  test('competitions: each template gives its competition tag', () => {
    const r = game('{{Конкурс|КРИЛ 2010}}{{ЛОК|2011}}{{ЗОК|2012}}{{КРИЛ|2013}}{{goldhamster|2014}}{{qspcompo|2015}}{{Проект 31}}{{Ludum Dare|30}}');
    assert.deepEqual(r.tags!.map((t) => t.tag), ['КРИЛ 2010', 'ЛОК-2011', 'ЗОК-2012', 'КРИЛ-2013', 'Золотой Хомяк 2014', 'QSP-Compo 2015', 'Проект 31', 'Ludum Dare 30']);
    assert.ok(r.tags!.every((t) => t.cat_slug === 'competition'));
  });
  test('a competition without its number, or Ссылка without "на", fails the whole page', () => {
    assert.throws(() => game('{{ЛОК}}'), ParseFailure);
    assert.throws(() => game('{{Ссылка|текст}}'), ParseFailure);
  });
  test('РИЛФайл, Ссылка (with архив) and URQStead add URLs; their text becomes external links', () => {
    const r = game('{{РИЛФайл|http://rilarhiv.ru/a.zip}} {{Ссылка|на=http://x.ru/g|Игра|архив=http://arch.ru/g}} {{Ссылка|на=http://y.ru/}} {{URQStead|http://u.ru/g}}');
    assert.deepEqual(r.urls!.slice(1, 5), [
      { urlcat_slug: 'download_direct', description: 'Скачать с РилАрхива', url: 'http://rilarhiv.ru/a.zip' },
      { urlcat_slug: 'unknown', description: 'Игра', url: 'http://x.ru/g' },
      { urlcat_slug: 'unknown', description: 'http://arch.ru/g', url: 'http://arch.ru/g' },
      { urlcat_slug: 'unknown', description: 'http://y.ru/', url: 'http://y.ru/' },
    ]);
    assert.deepEqual(r.urls![5], { urlcat_slug: 'unknown', description: 'Игра на URQ-модуле INSTEAD', url: 'http://u.ru/g' });
    assert.equal(r.desc, '[Ссылка на РилАрхив](http://rilarhiv.ru/a.zip) [Игра](http://x.ru/g) [ссылка](http://y.ru/)');
  });
  test('an outer template replaces its text, but inner templates still take effect', () => {
    const r = game('a {{Неизвестный|{{Тема|Скрытая}}|{{ЛОК|1}}}} b');
    assert.equal(r.desc, 'a  b');
    assert.deepEqual(r.tags!.map((t) => t.tag), ['Скрытая', 'ЛОК-1']);
  });
});

describe('wikitext links', () => {
  test('parseWikiLink: roles at "::" or ":", leading ":" dropped, display and type, more than 3 parts is no link', () => {
    assert.deepEqual(parseWikiLink('Автор::Вася: Пупкин'), { role: 'Автор', name: 'Вася: Пупкин', type: null, display: null });
    assert.deepEqual(parseWikiLink(':Категория:Игры|  '), { role: 'Категория', name: 'Игры', type: null, display: null });
    assert.deepEqual(parseWikiLink('Медиа:a.png|thumb|Подпись'), { role: 'Медиа', name: 'a.png', type: 'thumb', display: 'Подпись' });
    assert.deepEqual(parseWikiLink('Страница|Текст'), { role: null, name: 'Страница', type: null, display: 'Текст' });
    assert.equal(parseWikiLink('a|b|c|d'), null);
  });
  test('wikiQuote: spaces to _, first letter upper-cased, percent-encoded with / kept', () => {
    assert.equal(wikiQuote('игра в лесу/часть 1'), '%D0%98%D0%B3%D1%80%D0%B0_%D0%B2_%D0%BB%D0%B5%D1%81%D1%83/%D1%87%D0%B0%D1%81%D1%82%D1%8C_1');
    assert.equal(wikiQuote("it's (1)"), 'It%27s_%281%29');
  });
  test('ProcessLink: author roles (any case) add authors and show only the display name', () => {
    const roles = ['автор', 'Переводчик', 'персонаж', 'тестировщик', 'участник', 'иллюстратор', 'программист', 'композитор'];
    const r = game(roles.map((role, i) => `[[${role}:Имя ${i}${i % 2 ? `|Показ ${i}` : ''}]]`).join(' '));
    assert.deepEqual(r.authors!.map((a) => a.role_slug), ['author', 'translator', 'character', 'tester', 'member', 'artist', 'programmer', 'composer']);
    assert.deepEqual(r.authors!.map((a) => a.name).slice(0, 2), ['Имя 0', 'Показ 1']);
    assert.equal(r.authors![1].url, `http://ifwiki.ru/${wikiQuote('Имя 1')}`);
    // Removed links leave their spaces; "** **" between bold words is joined, as legacy did.
    assert.equal(r.desc, '**Показ 1**  **Показ 3**  **Показ 5**  **Показ 7**');
  });
  test('ProcessLink: media, images, topics, ifwiki-en, categories, unknown roles and plain links', () => {
    const notes: string[] = [];
    const r = game('[[Медиа:g.zip]] [[Media:s_screenshot.png|Вид]] [[Image:c.jpg]] [[Изображение:pic.gif]] [[Тема:Магия]] [[ifwiki-en:Cave]] [[Категория:Игры]] [[Шаблон:X]] [[Страница|текст]] [[a|b|c|d]]', notes);
    assert.deepEqual(r.urls!.slice(1), [
      { urlcat_slug: 'download_direct', description: 'Скачать с IfWiki', url: 'https://ifwiki.ru/files/G.zip' },
      { urlcat_slug: 'screenshot', description: 'Вид', url: 'https://ifwiki.ru/files/S_screenshot.png' },
      { urlcat_slug: 'poster', description: 'Обложка', url: 'https://ifwiki.ru/files/C.jpg' },
      { urlcat_slug: 'screenshot', description: 'Обложка', url: 'https://ifwiki.ru/files/Pic.gif' },
      { urlcat_slug: 'game_page', description: 'Страница на ifwiki.org', url: 'http://ifwiki.org/index.php/Cave' },
    ]);
    assert.deepEqual(r.tags, [{ cat_slug: 'tag', tag: 'Магия' }]);
    assert.deepEqual(notes, ['link role Шаблон ignored']);
    assert.equal(r.desc, '**Медиа:g.zip****Вид****Image:c.jpg****Изображение:pic.gif****Тема:Магия****ifwiki-en:Cave**  **Шаблон:X****текст** [[a|b|c|d]]');
  });
});

describe('wikitext to markdown', () => {
  const md = (text: string) => wikiToMarkdown(text, { processLink: (l) => l.display ?? l.name });
  test("bold, italics, headings of every level, numbered and bulleted lists; a level-1 heading stays a heading", () => {
    assert.equal(md("'''b''' ''i''\n= H1 =\n== H2 ==\n=== H3 ===\n==== H4 ====\n===== H5 =====\n====== H6 ======\n# one\n*  star"), '**b** _i_\n# H1\n## H2\n### H3\n#### H4\n##### H5\n###### H6\n1. one\n* star');
  });
  test('----, blank-line runs and star runs are tidied; the result is trimmed', () => {
    assert.equal(md('\n\na\n----\n\n\n\nb ****** c ** ** d **** **** e\n\n'), 'a\n===\n\nb **** c **** d **** e');
  });
  test('short media bullets become URLs and leave the text; long or linked ones stay', () => {
    const r = game([
      '* [[Медиа:a.zip|Игра]] (v1).',
      '* Версия: [[Медиа:b.zip]]',
      `* [[Медиа:c.zip|${'д'.repeat(81)}]]`,
      `* ${'п'.repeat(41)} [[Медиа:d.zip]]`,
      '* [[Медиа:e.zip]] см. http://x.ru',
      '* [[Автор:Вася]] [[Медиа:f.zip]]',
    ].join('\n'));
    assert.deepEqual(r.urls!.slice(1, 3), [
      { urlcat_slug: 'download_direct', description: 'Игра (v1)', url: 'https://ifwiki.ru/files/A.zip' },
      { urlcat_slug: 'download_direct', description: 'Версия: b.zip', url: 'https://ifwiki.ru/files/B.zip' },
    ]);
    assert.equal(r.desc!.split('\n').length, 4);
    assert.ok(!r.desc!.includes('a.zip') && !r.desc!.includes('B.zip'));
  });
  test('short link bullets become URLs and leave the text; the spec example', () => {
    const r = game(['* [http://x.ru/g.zip Скачать игру] (1.2 Мб).', '* [Сайт](http://site.ru/) автора', '* [http://a.ru/ a] и [http://b.ru/ b]', `* [http://l.ru/ ${'x'.repeat(81)}]`].join('\n'));
    assert.deepEqual(r.urls!.slice(1, 3), [
      { urlcat_slug: 'download_direct', description: 'Скачать игру (1.2 Мб)', url: 'http://x.ru/g.zip' },
      { urlcat_slug: 'unknown', description: 'Сайт автора', url: 'http://site.ru/' },
    ]);
    assert.equal(r.desc, `* [a](http://a.ru/) и [b](http://b.ru/)\n* [${'x'.repeat(81)}](http://l.ru/)`);
    assert.equal(r.urls!.length, 6);
  });
  test('inline external links: [text](url) kept, [url text] converted, bare [url] labelled with itself; all become URLs', () => {
    const r = game('См. [тут](http://a.ru/x) и [http://b.ru/y там] и [http://c.ru/z].');
    assert.equal(r.desc, 'См. [тут](http://a.ru/x) и [там](http://b.ru/y) и [http://c.ru/z](http://c.ru/z).');
    assert.deepEqual(r.urls!.slice(1).map((u) => [u.url, u.description]), [['http://a.ru/x', 'тут'], ['http://b.ru/y', 'там'], ['http://c.ru/z', 'http://c.ru/z']]);
  });
  test('bullet description: markup in the side text becomes spaces, whitespace collapsed, no space before an apostrophe, trailing dots gone', () => {
    assert.equal(bulletDescription(' **Скачать**  ', 'игру', " 's version 。. "), "Скачать игру's version");
  });
  test('comments are dropped from the text', () => {
    assert.equal(urlsOf('<!-- [http://hidden.ru/ x] -->').length, 0);
  });
  test('redirect pages are recognised in both languages', () => {
    assert.equal(redirectTarget('#REDIRECT [[Crem]]\n'), 'Crem');
    assert.equal(redirectTarget('#перенаправление [[Автор Два|x]]'), 'Автор Два');
    assert.equal(redirectTarget('text #REDIRECT [[X]]'), null);
  });
});

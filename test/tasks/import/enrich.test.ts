import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { enrich, enrichPlatforms, lowerCaseTags, TAGS_TO_GENRE, tagsToGenre } from '../../../src/tasks/import/enrich.ts';
import type { ImportResult } from '../../../src/tasks/import/types.ts';

const slugsFor = (platform: string, extra: ImportResult = {}) =>
  (enrichPlatforms({ tags: [{ cat_slug: 'platform', tag: platform }, { cat_slug: 'language', tag: 'русский' }], ...extra }).tags ?? [])
    .filter((t) => t.tag_slug)
    .map((t) => t.tag_slug);

describe('enricher platform rules (1–6)', () => {
  // [platform text, slugs it implies, in rule order]
  const rows: [string, string[]][] = [
    ['6days', ['parser']], ['6 days', []], ['ADRIFT', ['parser']], ['Inform 7', ['parser', 'os_web', 'os_win', 'os_linux', 'os_macos']],
    ['RInform', ['parser', 'os_web', 'os_win', 'os_linux', 'os_macos']], ['TADS 3', ['parser', 'os_win', 'os_linux', 'os_macos']],
    ['RTADS', ['parser', 'os_win', 'os_linux', 'os_macos']], ['tom 2', ['parser']], ['ЯРИЛ', ['parser']],
    ['QSP', ['menu', 'os_win']], ['AeroQSP', ['menu', 'os_web', 'os_win']], ['URQ', ['menu']], ['FireURQ', ['menu', 'os_win']],
    ['urq dos', ['menu']], ['Apero', ['menu', 'os_web']], ['Аперо', ['menu', 'os_web']], ['AXMA Story Maker', ['menu', 'os_web']],
    ['Ink', ['menu']], ['Questbox', ['menu']], ['Tweebox', ['menu', 'os_web']], ['Twine', ['menu', 'os_web']],
    ['Квестер', ['menu', 'os_web']], ['URQW', ['menu', 'os_web']], ['AkURQ 1.5', ['menu', 'os_win']], ['RipURQ', ['menu', 'os_win']],
    ['INSTEAD', ['os_win', 'os_linux', 'os_macos']], ['DosURQ', ['menu', 'os_dos']], ['Windows', []],
  ];
  for (const [platform, slugs] of rows) {
    test(`${platform} → ${slugs.join(', ') || 'nothing'}`, () => assert.deepEqual(slugsFor(platform), slugs));
  }
  test('regexes are anchored at the start only: "urq…" prefixes match, ".*qsp" matches inside, "xinstead" does not', () => {
    assert.deepEqual(slugsFor('urqx'), ['menu']);
    assert.deepEqual(slugsFor('xinstead'), []);
    assert.deepEqual(slugsFor('my qsp'), ['menu', 'os_win']);
    assert.deepEqual(slugsFor('twine 2'), ['menu', 'os_web']);
  });
  test('only platform tags count', () => {
    assert.deepEqual(enrichPlatforms({ tags: [{ cat_slug: 'tag', tag: 'twine' }, { cat_slug: 'language', tag: 'en' }] }).tags, [
      { cat_slug: 'tag', tag: 'twine' }, { cat_slug: 'language', tag: 'en' },
    ]);
  });
  test('a slug already present is not added twice', () => {
    const tags = enrichPlatforms({ tags: [{ cat_slug: 'platform', tag: 'Twine' }, { tag_slug: 'menu' }, { cat_slug: 'language', tag: 'en' }] }).tags!;
    assert.equal(tags.filter((t) => t.tag_slug === 'menu').length, 1);
  });
});

describe('enricher rule 7: QSP playable online', () => {
  test('platform qsp and a play_online URL → os_web', () => {
    assert.ok(slugsFor('qsp', { urls: [{ urlcat_slug: 'play_online', description: 'x', url: 'http://x/' }] }).includes('os_web'));
  });
  test('without a play_online URL, no os_web', () => {
    assert.ok(!slugsFor('qsp', { urls: [{ urlcat_slug: 'game_page', description: 'x', url: 'http://x/' }] }).includes('os_web'));
  });
});

describe('enricher rule 8: URQ games get play_in_interpreter links', () => {
  const urls = [
    { urlcat_slug: 'download_direct', description: 'Скачать с РилАрхива — очень длинное описание ссылки', url: 'http://rilarhiv.ru/urq/g.zip' },
    { urlcat_slug: 'download_direct', description: 'повтор', url: 'http://rilarhiv.ru/urq/g.zip' },
    { urlcat_slug: 'download_direct', description: 'Второй', url: 'http://x.ru/g2.qst' },
    { urlcat_slug: 'game_page', description: 'Страница', url: 'http://x.ru/' },
  ];
  test('platform containing urq: one link per distinct download_direct URL, description cut to 30 characters', () => {
    const out = enrichPlatforms({ tags: [{ cat_slug: 'platform', tag: 'FireURQ' }], urls }).urls!;
    assert.deepEqual(out.slice(4), [
      { urlcat_slug: 'play_in_interpreter', url: 'http://rilarhiv.ru/urq/g.zip', description: 'Открыть в UrqW: Скачать с РилАрхива — очень дл' },
      { urlcat_slug: 'play_in_interpreter', url: 'http://x.ru/g2.qst', description: 'Открыть в UrqW: Второй' },
    ]);
  });
  test('a game_page on urq.plut.info triggers it without a platform', () => {
    const out = enrichPlatforms({ urls: [...urls, { urlcat_slug: 'game_page', description: 'p', url: 'http://urq.plut.info/node/1' }] }).urls!;
    assert.equal(out.filter((u) => u.urlcat_slug === 'play_in_interpreter').length, 2);
  });
  test('other games get none', () => {
    const out = enrichPlatforms({ tags: [{ cat_slug: 'platform', tag: 'INSTEAD' }], urls }).urls!;
    assert.equal(out.filter((u) => u.urlcat_slug === 'play_in_interpreter').length, 0);
  });
});

describe('enricher rule 9: default language', () => {
  test('adds русский when there is no language tag', () => {
    assert.deepEqual(enrichPlatforms({}).tags, [{ cat_slug: 'language', tag: 'русский' }]);
  });
  test('keeps an existing language', () => {
    assert.deepEqual(enrichPlatforms({ tags: [{ cat_slug: 'language', tag: 'English' }] }).tags, [{ cat_slug: 'language', tag: 'English' }]);
  });
});

describe('LowerCaseTags', () => {
  test('lower-cases tag-category tags only', () => {
    assert.deepEqual(lowerCaseTags({ tags: [{ cat_slug: 'tag', tag: 'Фэнтези' }, { cat_slug: 'platform', tag: 'INSTEAD' }] }).tags, [
      { cat_slug: 'tag', tag: 'фэнтези' }, { cat_slug: 'platform', tag: 'INSTEAD' },
    ]);
  });
});

// The map exactly as the reference states it (shared/reference/tasks.md, TagsToGenre), parsed here so
// that the expectations come from the reference, not from the constant under test.
const REFERENCE_MAP =
  '18+→g_adult,y; action→g_action,n; horror→g_horror,n; rpg→g_rpg,y; боевик→g_action,y; викторина→g_puzzle,n; головоломка/головоломки→g_puzzle,y; детектив→g_detective,y; детская/детское→g_kids,y; дистопия→g_dystopy,y; доисторическое→g_historical,y; дорожное приключение→g_adventure,y; драма→g_drama,y; историческое→g_historical,y; казка→g_fairytale,y; космос→g_scifi,n; логическая→g_puzzle,y; мистика/містыка→g_mystic,y; научная фантастика→g_scifi,n; непонятное→g_experimental,n; паззл/паззлы/пазл/пазлы→g_puzzle,y; постапокалипсис/постапокалиптика→g_dystopy,n; преступление→g_detective,n; приключение/приключения→g_adventure,y; рамантыка→g_romance,y; ребус→g_puzzle,n; роботы→g_scifi,n; романтика→g_romance,y; рпг→g_rpg,y; секс→g_adult,n; симулятор→g_simulation,y; сказка→g_fairytale,y; сюр/сюрреализм→g_experimental,n; триллер→g_horror,n; убийство→g_detective,n; ужас/ужасы→g_horror,y; фантастика→g_scifi,y; фанфик→g_fanfic,y; фентези/фэнтези→g_fantasy,y; хоррор→g_horror,n; черный юмор/чёрный юмор→g_humor,n; чёрти что→g_experimental,n; шутер→g_action,n; экспериментальное→g_experimental,y; экшн→g_action,n; эротика→g_adult,n; юмор→g_humor,y.';

function referenceEntries(): [string, string, boolean][] {
  return REFERENCE_MAP.replace(/\.$/, '').split('; ').flatMap((entry) => {
    const [texts, target] = entry.split('→');
    const [slug, replace] = target.split(',');
    return texts.split('/').map((text): [string, string, boolean] => [text, slug, replace === 'y']);
  });
}

describe('TagsToGenre: every entry of the reference map', () => {
  const entries = referenceEntries();
  for (const [text, slug, replace] of entries) {
    test(`${text} → ${slug} (${replace ? 'replace' : 'keep'})`, () => {
      const out = tagsToGenre({ tags: [{ cat_slug: 'platform', tag: 'X' }, { cat_slug: 'tag', tag: text.toUpperCase() }, { cat_slug: 'tag', tag: 'прочее' }] }).tags;
      const genre = { cat_slug: 'genre', tag_slug: slug };
      const expected = replace
        ? [{ cat_slug: 'platform', tag: 'X' }, genre, { cat_slug: 'tag', tag: 'прочее' }]
        : [{ cat_slug: 'platform', tag: 'X' }, { cat_slug: 'tag', tag: text.toUpperCase() }, { cat_slug: 'tag', tag: 'прочее' }, genre];
      assert.deepEqual(out, expected);
    });
  }
  test('the reference has 59 texts, and the map maps no other text', () => {
    assert.equal(entries.length, 59);
    assert.deepEqual([...TAGS_TO_GENRE.keys()].sort(), entries.map(([text]) => text).sort());
  });
  test('only tag-category tags are mapped', () => {
    assert.deepEqual(tagsToGenre({ tags: [{ cat_slug: 'platform', tag: 'юмор' }] }).tags, [{ cat_slug: 'platform', tag: 'юмор' }]);
  });
  test('two tags of one genre give one genre tag', () => {
    assert.deepEqual(tagsToGenre({ tags: [{ cat_slug: 'tag', tag: 'ужас' }, { cat_slug: 'tag', tag: 'ужасы' }] }).tags, [
      { cat_slug: 'genre', tag_slug: 'g_horror' },
    ]);
  });
});

describe('enrich (the whole chain)', () => {
  test('runs the enricher, then LowerCaseTags, then TagsToGenre, without touching its input', () => {
    const input: ImportResult = { title: 'Игра', tags: [{ cat_slug: 'platform', tag: 'INSTEAD' }, { cat_slug: 'tag', tag: 'Юмор' }, { cat_slug: 'tag', tag: 'Хоррор' }] };
    const copy = structuredClone(input);
    assert.deepEqual(enrich(input), {
      title: 'Игра',
      urls: [],
      tags: [
        { cat_slug: 'platform', tag: 'INSTEAD' }, { cat_slug: 'genre', tag_slug: 'g_humor' }, { cat_slug: 'tag', tag: 'хоррор' },
        { tag_slug: 'os_win' }, { tag_slug: 'os_linux' }, { tag_slug: 'os_macos' }, { cat_slug: 'language', tag: 'русский' },
        { cat_slug: 'genre', tag_slug: 'g_horror' },
      ],
    });
    assert.deepEqual(input, copy);
  });
});

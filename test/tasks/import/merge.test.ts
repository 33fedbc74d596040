// The source-merging importer (tasks.md §2.1) against small fake sources: what is followed, what is
// accepted, and how the accepted pages are merged.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Importer, mergeResults, SOURCE_DISABLED, UNKNOWN_RESOURCE } from '../../../src/tasks/import/importer.ts';
import { bagOfWords, similarEnough, similarity } from '../../../src/tasks/import/similarity.ts';
import type { ImportResult, Source } from '../../../src/tasks/import/types.ts';
import { fakeSource, fakeSourceContext, gamePage } from './fake-sources.ts';

const W = 'http://wiki.test/';
const G = 'http://games.test/';
const A = 'http://arch.test/';

function importer(sources: Source[], maxConsecutiveErrors?: number): Importer {
  return new Importer({ sources, context: fakeSourceContext(), ...(maxConsecutiveErrors === undefined ? {} : { maxConsecutiveErrors }) });
}

describe('bag of words similarity', () => {
  test('folds case and ё, splits on anything that is not a letter, digit or underscore', () => {
    assert.deepEqual([...bagOfWords('Ёлка-2: «Зелёный_дом»!')], ['елка', '2', 'зеленый_дом']);
  });
  test('is 0 when the first bag is empty, Jaccard otherwise', () => {
    assert.equal(similarity(new Set(), new Set(['a'])), 0);
    assert.equal(similarity(new Set(['a', 'b', 'c']), new Set(['a', 'b', 'c', 'd'])), 0.75);
  });
  test('similar enough means strictly above 0.67 (two of three words is not enough)', () => {
    assert.equal(similarEnough('Игра про кота', 'Игра про кота 2'), true);
    assert.equal(similarEnough('Игра про кота', 'Игра про'), false);
    assert.equal(similarEnough('ёжик', 'ЕЖИК'), true);
  });
});

describe('Importer.import', () => {
  test('follows familiar game pages, merges by priority: first title and date win, descriptions join in priority order', async () => {
    const wiki = fakeSource({
      id: 'ifwiki', priority: 100, host: 'wiki.test',
      pages: { [W + 'Кот']: { title: 'Кот в сапогах', desc: 'Вики.', description_attributions: ['ifwiki.ru'], urls: [gamePage(W + 'Кот')] } },
    });
    const games = fakeSource({
      id: 'insteadgames', priority: 80, host: 'games.test',
      pages: { [G + 'cat']: { title: 'Кот в сапогах!', release_date: '2020-05-06', desc: 'Инстед.', description_attributions: ['instead-games.ru', 'ifwiki.ru'], urls: [gamePage(W + 'Кот')] } },
    });
    const arch = fakeSource({
      id: 'rilarhiv', priority: null, host: 'arch.test',
      pages: { [A + 'cat']: { title: 'кот В САПОГАХ', release_date: '1999-01-01', description_attributions: ['rilarhiv.ru'], urls: [gamePage(G + 'cat')] } },
    });
    // The archive is the seed, so it is imported first, yet the wiki has the highest priority.
    const { merged, errors } = await importer([wiki, games, arch]).import([A + 'cat']);
    assert.equal(errors.size, 0);
    assert.deepEqual([...arch.imported, ...games.imported, ...wiki.imported], [A + 'cat', G + 'cat', W + 'Кот']);
    assert.equal(merged.title, 'Кот в сапогах');
    assert.equal(merged.release_date, '2020-05-06');
    assert.equal(merged.desc, 'Вики.\n\n---\n\nИнстед.');
    // only the sources whose description was used, in merge order, each once
    assert.deepEqual(merged.description_attributions, ['ifwiki.ru', 'instead-games.ru']);
  });

  test('de-duplicates URLs by (hash, category) keeping the first, and drops URLs without a category', () => {
    const merged = mergeResults([
      { priority: 10, urls: [{ urlcat_slug: 'download_direct', description: 'second', url: 'https://files.test/g.zip' }] },
      {
        priority: 50,
        urls: [
          { urlcat_slug: 'download_direct', description: 'first', url: 'http://files.test/g.zip' },
          { urlcat_slug: 'poster', description: 'Обложка', url: 'http://files.test/g.zip' },
          { urlcat_slug: null, description: 'site root', url: 'http://files.test/' },
          { urlcat_slug: '', description: 'empty', url: 'http://files.test/x' },
        ],
      },
    ]);
    assert.deepEqual(merged.urls, [
      { urlcat_slug: 'download_direct', description: 'first', url: 'http://files.test/g.zip' },
      { urlcat_slug: 'poster', description: 'Обложка', url: 'http://files.test/g.zip' },
    ]);
  });

  test('de-duplicates tags by (slug, name, category) and authors by (role, name)', () => {
    const merged = mergeResults([
      {
        tags: [{ cat_slug: 'platform', tag: 'INSTEAD' }, { tag_slug: 'menu' }, { cat_slug: 'tag', tag: 'INSTEAD' }],
        authors: [{ role_slug: 'author', name: 'Вася' }, { role_slug: 'tester', name: 'Вася' }],
      },
      {
        tags: [{ cat_slug: 'platform', tag: 'INSTEAD' }, { tag_slug: 'menu' }],
        authors: [{ role_slug: 'author', name: 'Вася', url: 'http://x.test/a' }],
      },
    ]);
    assert.deepEqual(merged.tags, [{ cat_slug: 'platform', tag: 'INSTEAD' }, { tag_slug: 'menu' }, { cat_slug: 'tag', tag: 'INSTEAD' }]);
    assert.deepEqual(merged.authors, [{ role_slug: 'author', name: 'Вася' }, { role_slug: 'tester', name: 'Вася' }]);
  });

  test('a non-seed page is accepted only when its title is similar enough, and is then followed further', async () => {
    const wiki = fakeSource({
      id: 'ifwiki', priority: 100, host: 'wiki.test',
      pages: {
        [W + 'cat']: { title: 'Игра про кота', desc: 'A', urls: [gamePage(G + 'cat2'), gamePage(G + 'dog')] },
      },
    });
    const games = fakeSource({
      id: 'insteadgames', priority: 80, host: 'games.test',
      pages: {
        [G + 'cat2']: { title: 'Игра про кота 2', desc: 'B', urls: [gamePage(A + 'followed')] },
        [G + 'dog']: { title: 'Игра про пса', desc: 'C', urls: [gamePage(A + 'never')] },
      },
    });
    const arch = fakeSource({ id: 'rilarhiv', priority: null, host: 'arch.test', pages: { [A + 'followed']: { title: 'Игра про кота', desc: 'D' } } });
    const { merged } = await importer([wiki, games, arch]).import([W + 'cat']);
    assert.equal(merged.desc, 'A\n\n---\n\nB\n\n---\n\nD');
    assert.deepEqual(arch.imported, [A + 'followed']);
    assert.ok(games.imported.includes(G + 'dog'), 'the dissimilar page is fetched, then rejected');
  });

  test('every seed is accepted and overwrites the title that gates the pages it links to', async () => {
    const wiki = fakeSource({
      id: 'ifwiki', priority: 100, host: 'wiki.test',
      pages: {
        [W + 'one']: { title: 'Зелёный дом', desc: 'one' },
        [W + 'two']: { title: 'Совсем другое название', desc: 'two', urls: [gamePage(G + 'three')] },
      },
    });
    const games = fakeSource({ id: 'insteadgames', priority: 80, host: 'games.test', pages: { [G + 'three']: { title: 'Совсем другое название!', desc: 'three' } } });
    const { merged } = await importer([wiki, games]).import([W + 'one', W + 'two']);
    assert.equal(merged.title, 'Зелёный дом');
    assert.equal(merged.desc, 'one\n\n---\n\ntwo\n\n---\n\nthree');
  });

  test('pages without a title count only before a title is known; errors are reported per URL and dropped once a title exists', async () => {
    const wiki = fakeSource({ id: 'ifwiki', priority: 100, host: 'wiki.test', pages: { [W + 'ok']: { title: 'Игра' } } });
    const { merged, errors } = await importer([wiki]).import([W + 'broken', W + 'ok', 'http://nowhere.test/x']);
    assert.equal(merged.title, 'Игра');
    assert.equal(merged.error, undefined);
    assert.deepEqual([...errors.keys()], [W + 'broken', 'http://nowhere.test/x']);
    assert.equal(errors.get('http://nowhere.test/x'), UNKNOWN_RESOURCE);

    const failed = await importer([wiki]).import([W + 'broken']);
    assert.equal(failed.merged.title, undefined);
    assert.equal(failed.merged.error, 'Не найдена игра на странице');
  });

  test('the same URL over http and https is imported once', async () => {
    const wiki = fakeSource({ id: 'ifwiki', priority: 100, host: 'wiki.test', pages: { [W + 'a']: { title: 'A', urls: [gamePage('https://wiki.test/a')] } } });
    await importer([wiki]).import([W + 'a', W + 'a']);
    assert.deepEqual(wiki.imported, [W + 'a']);
  });

  test('a source that throws becomes an error for that URL; the other sources still merge', async () => {
    const broken = fakeSource({ id: 'apero', priority: 49, host: 'games.test', throwOnImport: true });
    const wiki = fakeSource({ id: 'ifwiki', priority: 100, host: 'wiki.test', pages: { [W + 'a']: { title: 'A', desc: 'wiki', urls: [gamePage(G + 'a')] } } });
    const { merged, errors } = await importer([wiki, broken]).import([W + 'a']);
    assert.equal(merged.title, 'A');
    assert.equal(merged.desc, 'wiki');
    assert.equal(errors.get(G + 'a'), 'apero exploded');
  });

  test('after N failed pages in a row a source is not asked again in this run', async () => {
    const wiki = fakeSource({ id: 'ifwiki', priority: 100, host: 'wiki.test' });
    const imp = importer([wiki], 3);
    for (const page of ['1', '2', '3', '4', '5']) await imp.import([W + page]);
    assert.deepEqual(wiki.imported, [W + '1', W + '2', W + '3']);
    assert.equal((await imp.import([W + '6'])).errors.get(W + '6'), SOURCE_DISABLED);
    assert.ok(imp.disabled.has('ifwiki'));
  });

  test('the enricher runs on the merged result', async () => {
    const wiki = fakeSource({ id: 'ifwiki', priority: 100, host: 'wiki.test', pages: { [W + 'a']: { title: 'A' } } });
    const enrich = (r: ImportResult): ImportResult => ({ ...r, tags: [...(r.tags ?? []), { cat_slug: 'language', tag: 'русский' }] });
    const imp = new Importer({ sources: [wiki], context: fakeSourceContext(), enrich });
    assert.deepEqual((await imp.import([W + 'a'])).merged.tags, [{ cat_slug: 'language', tag: 'русский' }]);
  });
});

describe('Importer listings', () => {
  test('a source whose listing fails is reported and left out; the others are listed', async () => {
    const wiki = fakeSource({ id: 'ifwiki', priority: 100, host: 'wiki.test', candidates: [W + 'a', W + 'a', W + 'b'] });
    const down = fakeSource({ id: 'apero', priority: 49, host: 'games.test', candidates: async () => { throw new Error('HTTP 500'); } });
    const { candidates, failed } = await importer([down, wiki]).collectCandidates();
    assert.deepEqual(candidates, [{ source: 'ifwiki', urls: [W + 'a', W + 'b'] }]);
    assert.deepEqual([...failed], [['apero', 'HTTP 500']]);
  });
});

// ImportedGame and GameSet (tasks.md §2.2–2.3): which games are updateable, when a fetch may replace a
// game, and when a candidate joins an existing game instead of becoming a new one.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GameSet } from '../../../src/tasks/import/game-set.ts';
import { ImportedGame, type StoredGame } from '../../../src/tasks/import/imported-game.ts';
import { Importer } from '../../../src/tasks/import/importer.ts';
import { hashizeUrl } from '../../../src/tasks/http/quote.ts';
import { fakeSource, fakeSourceContext, gamePage, silentLog } from './fake-sources.ts';

const W = 'http://wiki.test/';
const ROBOT = 'бездушный робот';

function wikiImporter(pages: Parameters<typeof fakeSource>[0]['pages'] = {}) {
  const wiki = fakeSource({ id: 'ifwiki', priority: 100, host: 'wiki.test', pages });
  return { wiki, importer: new Importer({ sources: [wiki], context: fakeSourceContext() }) };
}

function stored(id: number, title: string, urls: StoredGame['urls'], extra: Partial<StoredGame> = {}): StoredGame {
  return { id, title, addedBy: ROBOT, editTime: null, urls, ...extra };
}

describe('ImportedGame', () => {
  test('a stored game is updateable only when the maintenance user added it and nobody edited it', () => {
    const { importer } = wikiImporter();
    assert.equal(ImportedGame.fromStored(stored(1, 'A', []), importer, ROBOT).updateable, true);
    assert.equal(ImportedGame.fromStored(stored(1, 'A', [], { editTime: new Date() }), importer, ROBOT).updateable, false);
    assert.equal(ImportedGame.fromStored(stored(1, 'A', [], { addedBy: 'человек' }), importer, ROBOT).updateable, false);
    assert.equal(ImportedGame.fromStored(stored(1, 'A', [], { addedBy: null }), importer, ROBOT).updateable, false);
  });

  test('seeds are the familiar URLs; identifying hashes come from the four game-URL categories only', () => {
    const { importer } = wikiImporter();
    const g = ImportedGame.fromStored(
      stored(1, 'A', [
        { url: W + 'A', category: 'game_page' },
        { url: W + 'A.png', category: 'poster' },
        { url: 'http://files.test/a.zip', category: 'download_direct' },
        { url: 'http://forum.test/a', category: 'forum' },
      ]),
      importer,
      ROBOT,
    );
    assert.deepEqual(g.seedUrls, [W + 'A']);
    assert.deepEqual(g.hashUrls, ['//wiki.test/A', '//files.test/a.zip']);
  });

  test('a fetch fails when a seed the game already had is broken, but not when only a newly added URL is', async () => {
    const { importer } = wikiImporter({ [W + 'A']: { title: 'A', urls: [gamePage(W + 'A')] } });
    const old = ImportedGame.fromStored(stored(1, 'A', [{ url: W + 'gone', category: 'game_page' }, { url: W + 'A', category: 'game_page' }]), importer, ROBOT);
    assert.equal(await old.fetch(importer), false);
    assert.match(old.fetchError ?? '', /gone/);
    assert.equal(old.content, null);

    const fresh = ImportedGame.fromStored(stored(2, 'A', [{ url: W + 'A', category: 'game_page' }]), importer, ROBOT);
    fresh.addUrl(W + 'new-but-broken');
    assert.equal(await fresh.fetch(importer), true);
    assert.deepEqual(fresh.seedUrls, [W + 'A']);
    assert.deepEqual(fresh.newUrls, [W + 'new-but-broken']);
  });
});

describe('GameSet.tryMerge', () => {
  function candidate(title: string, seeds: string[]): ImportedGame {
    const g = new ImportedGame();
    for (const url of seeds) g.addUrl(url);
    g.title = title;
    g.bow = new Set(title.toLowerCase().split(' '));
    return g;
  }

  test('a candidate sharing a URL with a similar title joins that game: only its unknown URLs are added, and then found', () => {
    const { importer } = wikiImporter();
    const set = new GameSet(silentLog);
    const existing = ImportedGame.fromStored(stored(1, 'кот в сапогах', [{ url: W + 'cat', category: 'game_page' }]), importer, ROBOT);
    set.addGame(existing);
    const outcome = set.tryMerge(candidate('кот в сапогах', ['https://wiki.test/cat', 'http://games.test/cat']));
    assert.equal(outcome.kind, 'merged');
    assert.deepEqual(existing.newUrls, ['http://games.test/cat']);
    assert.equal(existing.modified, true);
    assert.equal(set.hasUrl('https://games.test/cat'), true, 'merged URLs are registered (legacy left them out)');
    assert.equal(set.games.length, 1);
  });

  test('a shared URL with a dissimilar title makes a new game', () => {
    const { importer } = wikiImporter();
    const set = new GameSet(silentLog);
    set.addGame(ImportedGame.fromStored(stored(1, 'кот в сапогах', [{ url: W + 'cat', category: 'game_page' }]), importer, ROBOT));
    assert.equal(set.tryMerge(candidate('собака на сене', [W + 'cat'])).kind, 'new');
    assert.equal(set.games.length, 2);
  });

  test('without a shared URL only a near-identical title (> 0.9) joins, and the most similar game wins', () => {
    const { importer } = wikiImporter();
    const set = new GameSet(silentLog);
    const a = ImportedGame.fromStored(stored(1, 'один два три четыре пять шесть семь восемь девять десять', []), importer, ROBOT);
    const b = ImportedGame.fromStored(stored(2, 'один два три четыре пять шесть семь восемь девять десять одиннадцать', []), importer, ROBOT);
    set.addGame(a);
    set.addGame(b);
    const near = set.tryMerge(candidate('один два три четыре пять шесть семь восемь девять десять', ['http://x.test/1']));
    assert.equal(near.kind === 'merged' && near.into, a);
    // 9 of 10 words: 0.9 is not above 0.9
    assert.equal(set.tryMerge(candidate('один два три четыре пять шесть семь восемь девять', ['http://x.test/2'])).kind, 'new');
  });

  test('dirtifyUrl marks the owner of a URL as modified', () => {
    const { importer } = wikiImporter();
    const set = new GameSet(silentLog);
    const g = ImportedGame.fromStored(stored(1, 'A', [{ url: W + 'A', category: 'game_page' }]), importer, ROBOT);
    set.addGame(g);
    assert.equal(set.dirtifyUrl('http://wiki.test/other'), false);
    assert.equal(g.modified, false);
    assert.equal(set.dirtifyUrl('https://wiki.test/A'), true);
    assert.equal(g.modified, true);
    assert.equal(hashizeUrl('https://wiki.test/A'), '//wiki.test/A');
  });
});

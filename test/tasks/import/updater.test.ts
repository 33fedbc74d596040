// UpdateGame as the importer runs it (tasks.md §2.6) against IFDB's real schema: one transaction per game,
// follow-up jobs after the commit, human-edited games left alone, dry runs rolled back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createTestDatabase, loadIfdbSchema, type TestDatabase } from '../../helpers/db.ts';
import { makeTaskContext, type RecordedContext } from '../../helpers/task-context.ts';
import { ImportedGame } from '../../../src/tasks/import/imported-game.ts';
import { Importer } from '../../../src/tasks/import/importer.ts';
import type { ImportResult } from '../../../src/tasks/import/types.ts';
import { loadCatalog, type Catalog } from '../../../src/tasks/import/updater/catalog.ts';
import { loadStoredGames } from '../../../src/tasks/import/updater/load-games.ts';
import { cachedAuthorImporter, storeGame } from '../../../src/tasks/import/updater/store.ts';
import { NotUpdateableError } from '../../../src/tasks/import/updater/update-game.ts';
import { fakeSource, fakeSourceContext, gamePage } from './fake-sources.ts';
import { insertGame, ROBOT, seedUsers, tableCounts } from './ifdb-seed.ts';

const W = 'http://wiki.test/';
let db: TestDatabase;
let pool: pg.Pool;
let users: { robot: number; human: number };
let catalog: Catalog;

const wiki = fakeSource({
  id: 'ifwiki',
  priority: 100,
  host: 'wiki.test',
  authors: {
    [W + 'author/Вася']: {
      bio: 'Пишет игры.',
      urls: [
        { urlcat_slug: 'other_site', description: 'Страница на IfWiki', url: W + 'author/Вася' },
        { urlcat_slug: 'avatar', description: 'Изображение', url: W + 'files/vasya.jpg' },
      ],
    },
  },
});
const importer = new Importer({ sources: [wiki], context: fakeSourceContext() });

before(async () => {
  db = await createTestDatabase('import_updater');
  await loadIfdbSchema(db);
  users = await seedUsers(db);
  pool = new pg.Pool({ connectionString: db.url, max: 3 });
  catalog = await loadCatalog(pool, ROBOT);
});

after(async () => {
  await pool?.end();
  await db?.drop();
});

function deps(ctx: RecordedContext, dryRun = false) {
  return { pool, catalog, importer, authors: cachedAuthorImporter(importer), ctx, dryRun };
}

function fetched(content: ImportResult, base: ImportedGame = new ImportedGame()): ImportedGame {
  base.content = content;
  base.title = content.title ?? '';
  return base;
}

async function storedGame(id: number): Promise<ImportedGame> {
  const row = (await loadStoredGames(pool)).find((g) => g.id === id)!;
  return ImportedGame.fromStored(row, importer, ROBOT);
}

const q = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await db.query<T>(text, values)).rows;

const zip = 'http://files.test/Кот.zip';
const newGame: ImportResult = {
  title: 'Кот в сапогах',
  desc: 'Игра про кота.',
  release_date: '2020-05-06',
  description_attributions: ['ifwiki.ru', 'instead-games.ru'],
  urls: [
    gamePage(W + 'Кот', 'Страница на IfWiki'),
    { urlcat_slug: 'download_direct', description: 'Скачать', url: zip },
    { urlcat_slug: 'play_in_interpreter', description: 'Открыть в UrqW: Скачать', url: zip },
    { urlcat_slug: 'poster', description: 'Обложка', url: 'http://files.test/cat.png' },
  ],
  tags: [
    { cat_slug: 'platform', tag: 'FireURQ' },
    { tag_slug: 'menu' },
    { cat_slug: 'genre', tag: 'Детектив' },
    { cat_slug: 'genre', tag: 'Нет такого жанра' },
  ],
  authors: [
    { role_slug: 'author', name: 'Вася', url: W + 'author/Вася', urldesc: 'Страница автора на ifwiki' },
    { role_slug: 'tester', name: 'Петя' },
  ],
};

describe('storing a new game', () => {
  let ctx: RecordedContext;
  let gameId: number;

  before(async () => {
    ctx = makeTaskContext('import-games');
    const outcome = await storeGame(deps(ctx), fetched(structuredClone(newGame)));
    assert.equal(outcome.kind, 'created');
    gameId = outcome.kind === 'created' ? outcome.gameId : 0;
  });

  test('creates the game row as the maintenance user, with IFDB default permissions and no edit time', async () => {
    const [game] = await q('SELECT *, release_date::text AS release FROM games_game WHERE id = $1', [gameId]);
    assert.equal(game.title, 'Кот в сапогах');
    assert.equal(game.description, 'Игра про кота.');
    assert.equal(game.release, '2020-05-06');
    assert.equal(Number(game.added_by_id), users.robot);
    assert.equal(game.edit_time, null);
    assert.deepEqual(
      [game.view_perm, game.edit_perm, game.comment_perm, game.delete_perm, game.vote_perm],
      ['(alias game_view)', '(alias game_edit)', '(alias game_comment)', '(alias game_delete)', '(alias game_vote)'],
    );
  });

  test('links every URL in its category; clonable categories make clonable URL rows created by the maintenance user', async () => {
    const rows = await q<{ slug: string; url: string; description: string; ok_to_clone: boolean; creator_id: string }>(
      `SELECT c.symbolic_id AS slug, u.original_url AS url, gu.description, u.ok_to_clone, u.creator_id
         FROM games_gameurl gu JOIN games_url u ON u.id = gu.url_id JOIN games_gameurlcategory c ON c.id = gu.category_id
        WHERE gu.game_id = $1 ORDER BY gu.id`,
      [gameId],
    );
    assert.deepEqual(
      rows.map((r) => [r.slug, r.url, r.description, r.ok_to_clone]),
      [
        ['game_page', W + 'Кот', 'Страница на IfWiki', false],
        ['download_direct', zip, 'Скачать', true],
        ['play_in_interpreter', zip, 'Открыть в UrqW: Скачать', true],
        ['poster', 'http://files.test/cat.png', 'Обложка', true],
      ],
    );
    assert.ok(rows.every((r) => Number(r.creator_id) === users.robot));
    assert.equal((await q('SELECT id FROM games_url WHERE original_url = $1', [zip])).length, 1, 'one URL row for both links');
  });

  test('links tags: new names in open categories are created, slugs and existing closed-category names resolved, unknown closed names skipped', async () => {
    const tags = await q<{ cat: string; name: string }>(
      `SELECT c.symbolic_id AS cat, t.name FROM games_game_tags gt JOIN games_gametag t ON t.id = gt.gametag_id
         JOIN games_gametagcategory c ON c.id = t.category_id WHERE gt.game_id = $1 ORDER BY c.symbolic_id, t.name`,
      [gameId],
    );
    assert.deepEqual(tags, [{ cat: 'control', name: 'Менюшная' }, { cat: 'genre', name: 'Детектив' }, { cat: 'platform', name: 'FireURQ' }]);
    assert.equal((await q(`SELECT 1 FROM games_gametag WHERE name = 'Нет такого жанра'`)).length, 0);
    assert.match(ctx.text(), /Нет такого жанра.*skipped/);
  });

  test('writes the merged description attributions (legacy never did)', async () => {
    const names = await q<{ name: string }>(
      `SELECT a.name FROM games_game_description_attributions ga JOIN games_gamedescriptionattribution a ON a.id = ga.gamedescriptionattribution_id
        WHERE ga.game_id = $1 ORDER BY a.name`,
      [gameId],
    );
    assert.deepEqual(names.map((n) => n.name), ['ifwiki.ru', 'instead-games.ru']);
  });

  test('creates aliases and personalities; an author page gives the bio and the personality URLs', async () => {
    const authors = await q<{ role: string; name: string; personality: string; bio: string | null }>(
      `SELECT r.symbolic_id AS role, a.name, p.name AS personality, p.bio FROM games_gameauthor ga
         JOIN games_personalityalias a ON a.id = ga.author_id JOIN games_gameauthorrole r ON r.id = ga.role_id
         JOIN games_personality p ON p.id = a.personality_id WHERE ga.game_id = $1 ORDER BY a.name`,
      [gameId],
    );
    assert.deepEqual(authors, [
      { role: 'author', name: 'Вася', personality: 'Вася', bio: 'Пишет игры.' },
      { role: 'tester', name: 'Петя', personality: 'Петя', bio: null },
    ]);
    const urls = await q<{ cat: string; url: string }>(
      `SELECT c.symbolic_id AS cat, u.original_url AS url FROM games_personalityurl pu JOIN games_url u ON u.id = pu.url_id
         JOIN games_personalityurlcategory c ON c.id = pu.category_id JOIN games_personality p ON p.id = pu.personality_id
        WHERE p.name = 'Вася' ORDER BY c.symbolic_id`,
    );
    assert.deepEqual(urls, [{ cat: 'avatar', url: W + 'files/vasya.jpg' }, { cat: 'other_site', url: W + 'author/Вася' }]);
  });

  test('after the commit queues CloneUrl for each new clonable URL, RecodeGame after its clone, and the Discord post', async () => {
    const urlId = async (url: string) => Number((await q<{ id: string }>('SELECT id FROM games_url WHERE original_url = $1', [url]))[0]!.id);
    const [interp] = await q<{ id: string }>(
      `SELECT gu.id FROM games_gameurl gu JOIN games_gameurlcategory c ON c.id = gu.category_id WHERE gu.game_id = $1 AND c.symbolic_id = 'play_in_interpreter'`,
      [gameId],
    );
    const zipId = await urlId(zip);
    const clones = ctx.enqueued.filter((e) => e.task === 'clone-file');
    assert.deepEqual(
      clones.map((c) => [c.args, c.options?.name, c.options?.onFail]).sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
      [zipId, await urlId('http://files.test/cat.png'), await urlId(W + 'files/vasya.jpg')]
        .map((id) => [{ urlId: id }, `CloneUrl(${id})`, 'mark-broken'])
        .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    );
    const recode = ctx.enqueued.find((e) => e.task === 'recode-game')!;
    assert.deepEqual(recode.args, { gameUrlId: Number(interp!.id) });
    assert.equal(recode.options?.name, `RecodeGame(${interp!.id})`);
    assert.equal(recode.options?.dependsOn, clones.find((c) => c.options?.name === `CloneUrl(${zipId})`)!.id);
    const discord = ctx.enqueued.filter((e) => e.task === 'post-to-discord');
    assert.deepEqual(discord.map((d) => d.args), [{ gameId }]);
  });
});

describe('updating an existing game', () => {
  test('a game the importer owns is rewritten: fields, URL descriptions, editable tags and authors; nothing else is lost', async () => {
    const id = await insertGame(db, {
      title: 'Старое название',
      description: 'старое',
      addedBy: users.robot,
      urls: [
        { url: W + 'Старое', category: 'game_page', description: 'old description' },
        { url: 'http://elsewhere.test/keep', category: 'forum', description: 'kept' },
      ],
      tags: [{ category: 'tag', name: 'устаревший' }, { category: 'admin', name: 'служебный' }],
      authors: [{ role: 'author', name: 'Бывший автор' }],
    });
    const ctx = makeTaskContext('import-games');
    const game = fetched(
      { title: 'Новое название', urls: [gamePage(W + 'Старое', 'Страница на IfWiki')], tags: [{ cat_slug: 'tag', tag: 'новый' }], authors: [{ role_slug: 'author', name: 'Новый автор' }] },
      await storedGame(id),
    );
    const outcome = await storeGame(deps(ctx), game);
    assert.equal(outcome.kind, 'updated');

    const [row] = await q('SELECT title, description, release_date, edit_time FROM games_game WHERE id = $1', [id]);
    // A re-import without description or date clears them, as legacy did (the source is authoritative for robot-owned games).
    assert.deepEqual(row, { title: 'Новое название', description: null, release_date: null, edit_time: null });
    const urls = await q<{ url: string; description: string }>(
      'SELECT u.original_url AS url, gu.description FROM games_gameurl gu JOIN games_url u ON u.id = gu.url_id WHERE gu.game_id = $1 ORDER BY gu.id',
      [id],
    );
    assert.deepEqual(urls, [{ url: W + 'Старое', description: 'Страница на IfWiki' }, { url: 'http://elsewhere.test/keep', description: 'kept' }]);
    const tags = await q<{ name: string }>(
      'SELECT t.name FROM games_game_tags gt JOIN games_gametag t ON t.id = gt.gametag_id WHERE gt.game_id = $1 ORDER BY t.name',
      [id],
    );
    assert.deepEqual(tags.map((t) => t.name), ['новый', 'служебный'], 'tags of categories the robot may not edit stay');
    const authors = await q<{ name: string }>(
      'SELECT a.name FROM games_gameauthor ga JOIN games_personalityalias a ON a.id = ga.author_id WHERE ga.game_id = $1',
      [id],
    );
    assert.deepEqual(authors.map((a) => a.name), ['Новый автор']);
    assert.equal(ctx.enqueued.filter((e) => e.task === 'post-to-discord').length, 0, 'only new games are posted');
  });

  test('a game a person edited after the run loaded it is left alone (checked under a row lock)', async () => {
    const id = await insertGame(db, { title: 'Ручная игра', addedBy: users.robot, urls: [{ url: W + 'Ручная', category: 'game_page' }] });
    const game = await storedGame(id);
    assert.equal(game.updateable, true);
    await db.query('UPDATE games_game SET edit_time = now() WHERE id = $1', [id]);
    const before = await tableCounts(db);
    await assert.rejects(storeGame(deps(makeTaskContext()), fetched({ title: 'Перезаписано', urls: [gamePage(W + 'Другая')] }, game)), NotUpdateableError);
    assert.deepEqual(await tableCounts(db), before);
    assert.equal((await q<{ title: string }>('SELECT title FROM games_game WHERE id = $1', [id]))[0]!.title, 'Ручная игра');
  });

  test('URLs only (append-urls) adds the new links of a person-edited game and touches nothing else', async () => {
    const id = await insertGame(db, { title: 'Человеческая', addedBy: users.human, edited: true, urls: [{ url: W + 'Чел', category: 'game_page' }] });
    const game = fetched({ title: 'Другое', desc: 'другое', urls: [gamePage(W + 'Чел'), gamePage('http://games.test/chel')] }, await storedGame(id));
    const outcome = await storeGame(deps(makeTaskContext()), game, true);
    assert.equal(outcome.kind, 'urls-only');
    const [row] = await q('SELECT title, description FROM games_game WHERE id = $1', [id]);
    assert.deepEqual(row, { title: 'Человеческая', description: null });
    const urls = await q<{ url: string }>('SELECT u.original_url AS url FROM games_gameurl gu JOIN games_url u ON u.id = gu.url_id WHERE gu.game_id = $1 ORDER BY gu.id', [id]);
    assert.deepEqual(urls.map((u) => u.url), [W + 'Чел', 'http://games.test/chel']);
  });

  test('a recode link to a file IFDB already holds runs without waiting; one not cloned yet waits for its clone', async () => {
    const cloned = 'http://files.test/cloned.zip';
    const pending = 'http://files.test/pending.zip';
    await db.query(
      `INSERT INTO games_url (original_url, creation_date, ok_to_clone, is_uploaded, is_broken, use_count, local_filename) VALUES
       ($1, now(), true, false, false, 0, 'cloned.zip'), ($2, now(), false, false, false, 0, NULL)`,
      [cloned, pending],
    );
    const ctx = makeTaskContext();
    await storeGame(deps(ctx), fetched({
      title: 'Интерпретируемая',
      urls: [
        { urlcat_slug: 'play_in_interpreter', description: 'UrqW', url: cloned },
        { urlcat_slug: 'play_in_interpreter', description: 'UrqW', url: pending },
      ],
    }));
    const pendingId = Number((await q<{ id: string; ok_to_clone: boolean }>('SELECT id FROM games_url WHERE original_url = $1', [pending]))[0]!.id);
    const clones = ctx.enqueued.filter((e) => e.task === 'clone-file');
    assert.deepEqual(clones.map((c) => c.args), [{ urlId: pendingId }]);
    const recodes = ctx.enqueued.filter((e) => e.task === 'recode-game');
    assert.equal(recodes.length, 2);
    assert.equal(recodes[0]!.options?.dependsOn, undefined);
    assert.equal(recodes[1]!.options?.dependsOn, clones[0]!.id);
    assert.equal((await q<{ ok_to_clone: boolean }>('SELECT ok_to_clone FROM games_url WHERE id = $1', [pendingId]))[0]!.ok_to_clone, true);
  });

  test('a failure to queue a follow-up job is logged and does not undo or abort the stored game', async () => {
    const ctx = makeTaskContext();
    ctx.enqueueOrGet = async () => {
      throw new Error('queue unavailable');
    };
    const outcome = await storeGame(deps(ctx), fetched({ title: 'Без очереди', urls: [{ urlcat_slug: 'download_direct', description: 'Скачать', url: 'http://files.test/q.zip' }] }));
    assert.equal(outcome.kind, 'created');
    assert.equal((await q(`SELECT 1 FROM games_game WHERE title = 'Без очереди'`)).length, 1);
    assert.match(ctx.text(), /error: could not enqueue clone-file CloneUrl\(\d+\): queue unavailable/);
    assert.match(ctx.text(), /error: could not enqueue post-to-discord/);
  });
});

describe('dry run', () => {
  test('does every write inside a transaction that is rolled back, and queues nothing', async () => {
    const before = await tableCounts(db);
    const ctx = makeTaskContext();
    const content = structuredClone(newGame);
    content.title = 'Сухой прогон';
    content.urls = [...(content.urls ?? []), { urlcat_slug: 'download_direct', description: 'x', url: 'http://files.test/dry.zip' }];
    const outcome = await storeGame(deps(ctx, true), fetched(content));
    assert.equal(outcome.kind, 'created');
    assert.deepEqual(await tableCounts(db), before);
    assert.deepEqual(ctx.enqueued, []);
    assert.match(ctx.text(), /dry run: would create game "Сухой прогон"/);
    assert.match(ctx.text(), /dry run: would enqueue clone-file CloneUrl/);
  });
});

// The three import tasks end to end (listings → merge → store) with fake sources on IFDB's real schema.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createTestDatabase, loadIfdbSchema, type TestDatabase } from '../../helpers/db.ts';
import { makeTaskContext } from '../../helpers/task-context.ts';
import { isPermanent } from '../../../src/runner/errors.ts';
import type { TaskDefinition } from '../../../src/runner/types.ts';
import { loadTasksConfig } from '../../../src/tasks/config.ts';
import { importTasks, type ImportSummary } from '../../../src/tasks/import/index.ts';
import type { Source } from '../../../src/tasks/import/types.ts';
import { fakeSource, fakeSourceContext, gamePage, type FakeSource } from './fake-sources.ts';
import { insertGame, seedUsers, tableCounts } from './ifdb-seed.ts';

const W = 'http://wiki.test/';
const G = 'http://games.test/';
let db: TestDatabase;
let pool: pg.Pool;
let ids: { cat: number; dog: number; gone: number };
let wiki: FakeSource;
let sources: Source[];

function tasks(p: pg.Pool = pool, maintenanceUser?: string): Map<string, TaskDefinition> {
  const config = { ...loadTasksConfig({}), ...(maintenanceUser ? { maintenanceUser } : {}) };
  const defs = importTasks({ pool: p, config }, { sources: () => sources, http: fakeSourceContext().http, enrich: (r) => r });
  return new Map(defs.map((d) => [d.name, d]));
}

async function run(task: string, args: unknown) {
  const def = tasks().get(task)!;
  const ctx = makeTaskContext(task);
  const summary = (await def.handler(def.schema.parse(args), ctx)) as ImportSummary;
  return { summary, ctx };
}

const titleOf = async (id: number) => (await db.query<{ title: string }>('SELECT title FROM games_game WHERE id = $1', [id])).rows[0]!.title;
const urlsOf = async (id: number) =>
  (await db.query<{ url: string }>('SELECT u.original_url AS url FROM games_gameurl gu JOIN games_url u ON u.id = gu.url_id WHERE gu.game_id = $1 ORDER BY gu.id', [id])).rows.map((r) => r.url);

before(async () => {
  db = await createTestDatabase('import_tasks');
  await loadIfdbSchema(db);
  const users = await seedUsers(db);
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  ids = {
    cat: await insertGame(db, { title: 'Кот в сапогах', addedBy: users.robot, urls: [{ url: W + 'cat', category: 'game_page' }] }),
    dog: await insertGame(db, { title: 'Собака', addedBy: users.human, edited: true, urls: [{ url: W + 'dog', category: 'game_page' }] }),
    gone: await insertGame(db, { title: 'Заброшенная', addedBy: users.robot, urls: [{ url: W + 'gone', category: 'game_page' }] }),
  };
  wiki = fakeSource({
    id: 'ifwiki', priority: 100, host: 'wiki.test',
    pages: {
      [W + 'cat']: { title: 'Кот в сапогах', desc: 'Обновлено.', urls: [gamePage(W + 'cat')] },
      [W + 'dog']: { title: 'Собака', desc: 'Не моя.', urls: [gamePage(W + 'dog')] },
      [W + 'new']: { title: 'Новая игра', desc: 'Новая.', urls: [gamePage(W + 'new'), { urlcat_slug: 'download_direct', description: 'Скачать', url: 'http://files.test/new.zip' }] },
    },
    candidates: [W + 'cat', W + 'dog', W + 'new', W + 'not-a-game'],
    dirty: [W + 'cat'],
  });
  const games = fakeSource({
    id: 'insteadgames', priority: 80, host: 'games.test',
    pages: {
      [G + 'cat']: { title: 'Кот в сапогах', urls: [gamePage(G + 'cat'), gamePage(W + 'cat')] },
      [G + 'dog']: { title: 'Собака', urls: [gamePage(G + 'dog'), gamePage(W + 'dog')] },
    },
  });
  const down = fakeSource({ id: 'apero', priority: 49, host: 'apero.test', candidates: async () => { throw new Error('HTTP 500 from apero.test'); } });
  sources = [wiki, games, down];
});

after(async () => {
  await pool?.end();
  await db?.drop();
});

describe('import tasks', () => {
  test('are exclusive, long-lived, retried once or twice, and refuse arguments that are not http(s) URLs', () => {
    for (const def of tasks().values()) {
      assert.equal(def.exclusive, true);
      assert.ok((def.expireSeconds ?? 0) >= 3 * 3600);
      assert.ok((def.retry?.retries ?? 0) >= 1 && (def.retry?.retries ?? 0) <= 2);
    }
    assert.equal(tasks().get('import-games')!.schema.safeParse({ appendUrls: ['file:///etc/passwd'] }).success, false);
    assert.equal(tasks().get('import-force-update-urls')!.schema.safeParse({ urls: [W + 'x'], dryRun: true }).success, true);
    assert.equal(tasks().get('force-reimport')!.schema.safeParse({ extra: 1 }).success, false);
  });

  test('import-games dry run reports what it would do and writes and queues nothing', async () => {
    const before = await tableCounts(db);
    const { summary, ctx } = await run('import-games', { dryRun: true });
    assert.deepEqual(await tableCounts(db), before);
    assert.deepEqual(ctx.enqueued, []);
    assert.equal(summary.new, 1);
    assert.equal(summary.updated, 1);
    assert.match(ctx.text(), /dry run: would create game "Новая игра"/);
    assert.match(ctx.text(), /dry run, nothing written/);
  });

  test('import-games creates new games, merges candidates into existing ones, updates what it owns, and skips a failing source', async () => {
    const { summary, ctx } = await run('import-games', {});
    assert.deepEqual(
      { candidates: summary.candidates, new: summary.new, merged: summary.merged, updated: summary.updated, skipped: summary.skipped, fetchFailed: summary.fetchFailed, errors: summary.errors, failedSources: summary.failedSources },
      { candidates: 6, new: 1, merged: 2, updated: 1, skipped: 3, fetchFailed: 1, errors: 0, failedSources: ['apero'] },
    );
    assert.match(ctx.text(), /error: apero: listing failed, source skipped: HTTP 500 from apero\.test/);

    const created = await db.query<{ id: string }>(`SELECT id FROM games_game WHERE title = 'Новая игра'`);
    assert.equal(created.rows.length, 1);
    const newId = Number(created.rows[0]!.id);
    assert.deepEqual(await urlsOf(newId), [W + 'new', 'http://files.test/new.zip']);
    assert.deepEqual(ctx.enqueued.filter((e) => e.task === 'post-to-discord').map((e) => e.args), [{ gameId: newId }]);
    assert.equal(ctx.enqueued.filter((e) => e.task === 'clone-file').length, 1);

    // the instead-games page joined the robot's game, and the person's game was left alone
    assert.deepEqual(await urlsOf(ids.cat), [W + 'cat', G + 'cat']);
    const description = (await db.query<{ description: string }>('SELECT description FROM games_game WHERE id = $1', [ids.cat])).rows[0]!.description;
    assert.equal(description, 'Обновлено.');
    assert.deepEqual(await urlsOf(ids.dog), [W + 'dog']);
    assert.match(ctx.text(), /warn: game \d+ "Собака": new URLs \(http:\/\/games\.test\/dog\), but a person edited it: not updated/);

    assert.ok(ctx.progressUpdates.some((p) => p.label === 'ifwiki' && p.current === 3 && p.total === 4));
    assert.ok(ctx.progressUpdates.some((p) => p.label === 'insteadgames' && p.current === 2 && p.total === 2));
    assert.match(ctx.text(), /6 candidates, 1 new, 2 merged, 1 updated, 0 URLs only, 3 skipped, 1 not imported, 0 errors, failed sources: apero in \d+\.\d s/);
  });

  test('import-force-update-urls adds the new URLs of a game a person edited, and only them', async () => {
    const { summary } = await run('import-force-update-urls', {});
    assert.equal(summary.urlsOnly, 1);
    assert.equal(summary.new, 0);
    assert.deepEqual(await urlsOf(ids.dog), [W + 'dog', G + 'dog']);
    assert.equal(await titleOf(ids.dog), 'Собака');
    const description = (await db.query<{ description: string | null }>('SELECT description FROM games_game WHERE id = $1', [ids.dog])).rows[0]!.description;
    assert.equal(description, null);
  });

  test('force-reimport refreshes every game the importer owns; one whose source page broke is left as it was', async () => {
    wiki.pages[W + 'new']!.title = 'Новая игра, версия 2';
    const { summary, ctx } = await run('force-reimport', {});
    assert.equal(await titleOf(Number((await db.query<{ id: string }>(`SELECT id FROM games_game WHERE title LIKE 'Новая игра%'`)).rows[0]!.id)), 'Новая игра, версия 2');
    assert.equal(await titleOf(ids.gone), 'Заброшенная');
    assert.equal(summary.updated, 2);
    assert.equal(summary.fetchFailed, 1);
    assert.equal(summary.skipped, 1);
    assert.deepEqual(ctx.enqueued.filter((e) => e.task === 'post-to-discord'), []);
  });

  test('import-games with URLs imports them even when no listing has them', async () => {
    wiki.pages[W + 'hidden'] = { title: 'Скрытая игра', urls: [gamePage(W + 'hidden')] };
    const { summary } = await run('import-games', { appendUrls: [W + 'hidden'] });
    assert.equal(summary.new, 1);
    assert.equal((await db.query(`SELECT 1 FROM games_game WHERE title = 'Скрытая игра'`)).rows.length, 1);
  });

  test('a cancelled job stops at once', async () => {
    const def = tasks().get('import-games')!;
    const ctx = makeTaskContext('import-games');
    ctx.controller.abort(new Error('cancelled by user'));
    await assert.rejects(def.handler({}, ctx), /cancelled by user/);
  });

  test('without IFDB tables, or without the maintenance user, the tasks fail permanently with a clear message', async () => {
    const empty = await createTestDatabase('import_empty');
    const emptyPool = new pg.Pool({ connectionString: empty.url, max: 2 });
    try {
      const error = await tasks(emptyPool).get('force-reimport')!.handler({}, makeTaskContext()).then(() => null, (e: unknown) => e);
      assert.ok(isPermanent(error));
      assert.match(String(error), /table core_user \(and \d+ more\) is missing in database "ifq_import_empty_[0-9a-f]+": force-reimport needs IFDB's database/);
    } finally {
      await emptyPool.end();
      await empty.drop();
    }
    const error = await tasks(pool, 'нет такого').get('import-games')!.handler({}, makeTaskContext()).then(() => null, (e: unknown) => e);
    assert.ok(isPermanent(error));
    assert.match(String(error), /maintenance user "нет такого" not found/);
  });
});

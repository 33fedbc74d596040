// import-games with the real sources, the shared HTTP client and the real enricher, against a local
// server: only instead-games answers, so the five other listings fail and are skipped.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createTestDatabase, loadIfdbSchema, type TestDatabase } from '../../helpers/db.ts';
import { makeTaskContext } from '../../helpers/task-context.ts';
import { loadTasksConfig } from '../../../src/tasks/config.ts';
import { importTasks, type ImportSummary } from '../../../src/tasks/import/index.ts';
import { seedUsers } from './ifdb-seed.ts';
import { serve, startHarness, type Harness } from './sources/harness.ts';

let db: TestDatabase;
let pool: pg.Pool;
let h: Harness;

before(async () => {
  db = await createTestDatabase('import_real_sources');
  await loadIfdbSchema(db);
  await seedUsers(db);
  pool = new pg.Pool({ connectionString: db.url, max: 3 });
  h = await startHarness();
  h.route('/insteadgames/xml.php', serve('insteadgames/xml.xml', { type: 'application/xml' }));
  h.route('/insteadgames/game.php', (request, response) => {
    const id = new URL(request.url ?? '/', 'http://x').searchParams.get('ID');
    if (id === '101') return serve('insteadgames/game.html')(request, response);
    response.writeHead(404).end();
  });
});

after(async () => {
  await h?.close();
  await pool?.end();
  await db?.drop();
});

test('a game listed by instead-games is created with its URLs, enriched tags, authors and attribution; failing sources are skipped', async () => {
  const [task] = importTasks({ pool, config: { ...loadTasksConfig({}), sources: h.baseUrls } }, { http: h.ctx.http });
  const ctx = makeTaskContext('import-games');
  const summary = (await task!.handler({}, ctx)) as ImportSummary;

  assert.equal(summary.new, 1, ctx.text());
  assert.equal(summary.errors, 0);
  assert.deepEqual(summary.failedSources, ['ifwiki', 'apero', 'rilarhiv', 'questbook', 'ifiction']);

  const game = (await db.query('SELECT id, title, description, release_date::text AS date FROM games_game')).rows;
  assert.equal(game.length, 1);
  assert.deepEqual({ title: game[0].title, date: game[0].date }, { title: 'Моя игра', date: '2020-05-06' });
  assert.match(game[0].description, /Спасите принцессу/);
  const id = Number(game[0].id);

  const urls = await db.query<{ slug: string }>(
    `SELECT c.symbolic_id AS slug FROM games_gameurl gu JOIN games_gameurlcategory c ON c.id = gu.category_id WHERE gu.game_id = $1 ORDER BY gu.id`,
    [id],
  );
  assert.deepEqual(urls.rows.map((r) => r.slug), ['game_page', 'screenshot', 'screenshot', 'download_direct', 'play_online', 'forum']);
  const tags = await db.query<{ tag: string }>(
    `SELECT c.symbolic_id || ':' || t.name AS tag FROM games_game_tags gt JOIN games_gametag t ON t.id = gt.gametag_id
       JOIN games_gametagcategory c ON c.id = t.category_id WHERE gt.game_id = $1 ORDER BY 1`,
    [id],
  );
  assert.deepEqual(tags.rows.map((r) => r.tag), ['language:русский', 'os:Linux', 'os:MacOs', 'os:Windows', 'platform:INSTEAD']);
  const authors = await db.query<{ name: string }>(
    'SELECT a.name FROM games_gameauthor ga JOIN games_personalityalias a ON a.id = ga.author_id WHERE ga.game_id = $1 ORDER BY a.name',
    [id],
  );
  assert.deepEqual(authors.rows.map((r) => r.name), ['Alice', 'Bob & Co']);
  const attributions = await db.query<{ name: string }>(
    'SELECT a.name FROM games_game_description_attributions ga JOIN games_gamedescriptionattribution a ON a.id = ga.gamedescriptionattribution_id WHERE ga.game_id = $1',
    [id],
  );
  assert.deepEqual(attributions.rows.map((r) => r.name), ['instead-games.ru']);
  assert.deepEqual(ctx.enqueued.map((e) => e.task).sort(), ['clone-file', 'clone-file', 'clone-file', 'post-to-discord']);
  assert.ok(ctx.progressUpdates.some((p) => p.label === 'insteadgames' && p.total === 2));
});

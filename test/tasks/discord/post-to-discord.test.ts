import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { isPermanent } from '../../../src/runner/errors.ts';
import type { TaskDefinition } from '../../../src/runner/types.ts';
import { loadTasksConfig } from '../../../src/tasks/config.ts';
import { buildNewGamePayload, discordTasks } from '../../../src/tasks/discord/index.ts';
import { createTestDatabase, loadIfdbSchema, type TestDatabase } from '../../helpers/db.ts';
import { makeTaskContext, type RecordedContext } from '../../helpers/task-context.ts';
import { startFixtureServer, type FixtureServer } from '../feeds/fixture-server.ts';
import { addAuthor, addGameUrl, seedGame, seedRobot } from './seed.ts';

const TOKEN = 'SeCrEt-ToKeN-0123456789abcdefXYZ';
const HOOK_PATH = `/api/webhooks/987654321/${TOKEN}`;

/** Everything an error could show: message, stack, own properties and its causes. */
function everythingIn(error: unknown, depth = 0): string {
  if (!(error instanceof Error) || depth > 5) return String(error);
  return [error.message, error.stack ?? '', JSON.stringify(error), everythingIn(error.cause, depth + 1)].join('\n');
}

function taskFor(pool: pg.Pool, env: Record<string, string>): TaskDefinition {
  return discordTasks({ pool, config: loadTasksConfig({ IFQUEUE_ALLOW_HOSTS: '127.0.0.1', ...env }) }, { httpTuning: { retries: 0 } })[0];
}

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('post-to-discord', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let server: FixtureServer;
  let task: TaskDefinition;
  let gameId: number;

  async function expectNoLeak(ctx: RecordedContext, error?: unknown) {
    assert.doesNotMatch(ctx.text(), new RegExp(TOKEN));
    if (error !== undefined) assert.doesNotMatch(everythingIn(error), new RegExp(TOKEN));
  }

  before(async () => {
    db = await createTestDatabase('post_to_discord');
    await loadIfdbSchema(db);
    await seedRobot(db);
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    server = await startFixtureServer();
    task = taskFor(pool, { IFQUEUE_SOURCES: JSON.stringify({ discord: `${server.base}${HOOK_PATH}` }) });
    gameId = await seedGame(db, { title: 'Новая «игра»', description: 'Описание 😀' });
    await addAuthor(db, gameId, 'Вася');
    await addAuthor(db, gameId, 'Петя');
    await addGameUrl(db, gameId, { category: 'poster', description: 'Обложка', originalUrl: 'http://img.test/p.png', localUrl: '/f/backups/p.png' });
  });

  after(async () => {
    await server?.close();
    await pool?.end();
    await db?.drop();
  });

  beforeEach(() => {
    server.routes.clear();
    server.requests.length = 0;
  });

  test('is declared with a game id argument and retries', () => {
    assert.equal(task.name, 'post-to-discord');
    assert.deepEqual(task.schema.parse({ gameId: 5 }), { gameId: 5 });
    assert.throws(() => task.schema.parse({ gameId: '5' }));
    assert.throws(() => task.schema.parse({}));
    assert.ok((task.retry?.retries ?? 0) > 0 && task.retry?.backoff);
  });

  test('posts the payload as pure-ASCII JSON with the legacy keys in order', async () => {
    server.routes.set(HOOK_PATH, { status: 204, body: '' });
    const ctx = makeTaskContext('post-to-discord');
    const result = await task.handler({ gameId }, ctx);
    assert.deepEqual(result, { posted: true, status: 204 });

    assert.equal(server.requests.length, 1);
    const [request] = server.requests;
    assert.equal(request.method, 'POST');
    assert.match(String(request.headers['content-type']), /^application\/json/);
    assert.ok(request.body.every((byte) => byte < 0x80), 'non-ASCII is escaped as \\uXXXX');
    assert.match(request.body.toString(), /"username":"\\u0411\\u043e\\u0442 /);
    assert.match(request.body.toString(), /\\ud83d\\ude00/);

    const sent = JSON.parse(request.body.toString());
    assert.deepEqual(Object.keys(sent.embeds[0]), ['title', 'url', 'description', 'footer', 'image']);
    assert.equal(sent.embeds[0].footer.text, 'Авторы: Вася,  Петя');
    assert.equal(sent.embeds[0].image.url, 'https://db.crem.xyz/f/backups/p.png');
    assert.equal(sent.embeds[0].description, 'Описание 😀');
    assert.deepEqual(sent, await buildNewGamePayload(pool, gameId, { maintenanceUser: 'бездушный робот' }));
    assert.match(ctx.text(), /info: posted to the Discord webhook at http:\/\/127\.0\.0\.1:\d+\/\*\*\*: HTTP 204/);
    await expectNoLeak(ctx);
  });

  test('reads the webhook from IFQUEUE_DISCORD_WEBHOOK_FILE, as production keeps it in a file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ifq-discord-'));
    try {
      const file = path.join(dir, 'discord.url');
      await writeFile(file, `${server.base}${HOOK_PATH}\n`);
      server.routes.set(HOOK_PATH, { status: 204, body: '' });
      const fromFile = taskFor(pool, { IFQUEUE_DISCORD_WEBHOOK_FILE: file });
      const ctx = makeTaskContext('post-to-discord');
      assert.deepEqual(await fromFile.handler({ gameId }, ctx), { posted: true, status: 204 });
      assert.deepEqual(server.requests.map((r) => r.path), [HOOK_PATH]);
      await expectNoLeak(ctx);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('HTTP 500 is a retryable error that names neither the token nor the webhook path', async () => {
    server.routes.set(HOOK_PATH, (request) => ({ status: 500, body: `upstream failed for ${request.path}` }));
    const ctx = makeTaskContext('post-to-discord');
    let caught: unknown;
    await assert.rejects(task.handler({ gameId }, ctx), (error: Error) => {
      caught = error;
      assert.match(error.message, /answered HTTP 500/);
      assert.equal(isPermanent(error), false);
      return true;
    });
    assert.equal(server.requests.length, 1, 'one attempt per job: the runner retries');
    await expectNoLeak(ctx, caught);
  });

  test('HTTP 4xx is permanent; 429 is worth a retry', async () => {
    server.routes.set(HOOK_PATH, { status: 404, body: '{"message": "Unknown Webhook", "code": 10015}' });
    await assert.rejects(task.handler({ gameId }, makeTaskContext('post-to-discord')), (error: Error) => {
      assert.match(error.message, /HTTP 404.*Unknown Webhook/);
      assert.equal(isPermanent(error), true);
      return true;
    });
    server.routes.set(HOOK_PATH, { status: 429, body: '{"retry_after": 1.5}' });
    await assert.rejects(task.handler({ gameId }, makeTaskContext('post-to-discord')), (error: Error) => isPermanent(error) === false);
  });

  test('a refused connection fails without leaking the token, whatever the shape of the webhook URL', async () => {
    const port = await closedPort();
    // not the /api/webhooks/ shape the shared URL masking knows: the task's own scrubbing must catch it
    const unreachable = taskFor(pool, { IFQUEUE_SOURCES: JSON.stringify({ discord: `http://127.0.0.1:${port}/relay/${TOKEN}` }) });
    const ctx = makeTaskContext('post-to-discord');
    let caught: unknown;
    await assert.rejects(unreachable.handler({ gameId }, ctx), (error: Error) => {
      caught = error;
      assert.match(error.message, /ECONNREFUSED|connect/i);
      return true;
    });
    await expectNoLeak(ctx, caught);
  });

  test('without a webhook it succeeds, logs it, and sends nothing', async () => {
    const quiet = taskFor(pool, {});
    const ctx = makeTaskContext('post-to-discord');
    assert.deepEqual(await quiet.handler({ gameId }, ctx), { posted: false, reason: 'no webhook configured' });
    assert.match(ctx.text(), /info: no Discord webhook configured; game \d+ not announced/);
    assert.equal(server.requests.length, 0);
  });

  test('a game that is gone or hidden is not announced', async () => {
    server.routes.set(HOOK_PATH, { status: 204, body: '' });
    const ctx = makeTaskContext('post-to-discord');
    assert.deepEqual(await task.handler({ gameId: 424242 }, ctx), { posted: false, reason: 'game missing or hidden' });
    assert.match(ctx.text(), /warn: game 424242 does not exist or is hidden/);
    assert.equal(server.requests.length, 0);
  });

  test('fails at once, permanently, on a database without IFDB tables', async () => {
    const empty = await createTestDatabase('post_to_discord_empty');
    const emptyPool = new pg.Pool({ connectionString: empty.url, max: 1 });
    try {
      const bare = taskFor(emptyPool, { IFQUEUE_SOURCES: JSON.stringify({ discord: `${server.base}${HOOK_PATH}` }) });
      await assert.rejects(bare.handler({ gameId: 1 }, makeTaskContext('post-to-discord')), (error: Error) => {
        assert.equal(isPermanent(error), true);
        assert.match(error.message, new RegExp(`table (games|core|auth)_\\w+ (\\(and \\d+ more\\) )?is missing in database "${empty.name}"`));
        return true;
      });
      assert.equal(server.requests.length, 0);
    } finally {
      await emptyPool.end();
      await empty.drop();
    }
  });
});

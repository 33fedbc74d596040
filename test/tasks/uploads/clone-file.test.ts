import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isPermanent } from '../../../src/runner/errors.ts';
import type { TaskDefinition } from '../../../src/runner/types.ts';
import { createHttpClient } from '../../../src/tasks/http/index.ts';
import { uploadTasks } from '../../../src/tasks/uploads/index.ts';
import { makeTaskContext } from '../../helpers/task-context.ts';
import { neverAnswer, startLocalServer, type LocalServer } from '../http/local-server.ts';
import { makeTestConfig, type TestConfig } from '../http/test-config.ts';
import { ifdbFixture, insertUrl, listTree, type IfdbFixture } from './fixtures.ts';

let server: LocalServer;
let setup: TestConfig;
let ifdb: IfdbFixture;
let emptyDb: IfdbFixture;
let clone: TaskDefinition;
let markBroken: TaskDefinition;
let backups: string;
const GAME = Buffer.from('PK\u0003\u0004 pretend zip '.repeat(1000));

async function row(urlId: number) {
  return (await ifdb.pool.query('SELECT * FROM games_url WHERE id = $1', [urlId])).rows[0];
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  assert.fail('expected the task to fail');
}

before(async () => {
  server = await startLocalServer({
    '/files/game.zip': (_q, res) => res.writeHead(200, { 'content-type': 'application/zip', 'content-length': GAME.length }).end(GAME),
    '/download': (_q, res) =>
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': "attachment; filename*=UTF-8''%D0%9C%D0%BE%D1%8F%20%D0%B8%D0%B3%D1%80%D0%B0.qst" }).end('qst'),
    '/fetch': (_q, res) => res.writeHead(302, { location: '/files/game.zip' }).end(),
    '/gone.zip': (_q, res) => res.writeHead(404).end(),
    '/down.zip': (_q, res) => res.writeHead(503).end(),
    '/hang.zip': neverAnswer,
    '/big.zip': (_q, res) => res.writeHead(200).end(Buffer.alloc(300 * 1024)),
  });
  setup = await makeTestConfig({ IFQUEUE_MAX_FILE_BYTES: '256KiB', IFQUEUE_IDLE_TIMEOUT_MS: '2000' });
  ifdb = await ifdbFixture('clone_file');
  emptyDb = await ifdbFixture('clone_file_empty', false);
  const http = createHttpClient(setup.config, () => {}, { retries: 1, retryDelayMs: 10 });
  const tasks = uploadTasks({ pool: ifdb.pool, config: setup.config }, http);
  clone = tasks.find((t) => t.name === 'clone-file')!;
  markBroken = tasks.find((t) => t.name === 'mark-broken')!;
  backups = path.join(setup.config.filesDir, 'backups');
});

after(async () => {
  await server.close();
  await ifdb.close();
  await emptyDb.close();
  await setup.cleanup();
});

describe('clone-file', () => {
  test('is registered with mark-broken as its on-fail handler and network-friendly retries', () => {
    assert.equal(clone.onFail, 'mark-broken');
    assert.deepEqual(clone.retry, { retries: 3, delaySeconds: 60, backoff: true, maxDelaySeconds: 3600 });
    assert.equal(clone.schema.safeParse({ urlId: 'x' }).success, false);
  });

  test('downloads the file into backups and records it in games_url, clearing is_broken', async () => {
    const urlId = await insertUrl(ifdb.pool, { originalUrl: server.url('/files/game.zip'), isBroken: true });
    const ctx = makeTaskContext('clone-file');
    const result = (await clone.handler({ urlId }, ctx)) as { bytes: number };
    assert.equal(result.bytes, GAME.length);
    const r = await row(urlId);
    assert.equal(r.local_filename, 'game.zip');
    assert.equal(r.local_url, '/f/backups/game.zip');
    assert.equal(r.original_filename, null);
    assert.equal(r.content_type, 'application/zip');
    assert.equal(r.file_size, GAME.length);
    assert.equal(r.is_broken, false);
    assert.deepEqual(await readFile(path.join(backups, 'game.zip')), GAME);
    assert.match(ctx.text(), new RegExp(`cloned url ${urlId}: ${GAME.length} bytes in \\d+ ms`));
  });

  test('a second clone of the same name gets the <root>_<7 random><ext> name and leaves the first alone', async () => {
    const urlId = await insertUrl(ifdb.pool, { originalUrl: server.url('/files/game.zip') });
    await clone.handler({ urlId }, makeTaskContext('clone-file'));
    const r = await row(urlId);
    assert.match(r.local_filename, /^game_[A-Za-z0-9]{7}\.zip$/);
    assert.equal(r.local_url, `/f/backups/${r.local_filename}`);
    assert.deepEqual(await readFile(path.join(backups, 'game.zip')), GAME);
  });

  test('takes the Content-Disposition filename* (RFC 6266) and percent-encodes the public URL', async () => {
    const urlId = await insertUrl(ifdb.pool, { originalUrl: server.url('/download') });
    await clone.handler({ urlId }, makeTaskContext('clone-file'));
    const r = await row(urlId);
    assert.equal(r.original_filename, 'Моя игра.qst');
    assert.equal(r.local_filename, 'Моя игра.qst');
    assert.equal(r.local_url, '/f/backups/%D0%9C%D0%BE%D1%8F%20%D0%B8%D0%B3%D1%80%D0%B0.qst');
  });

  test('after a redirect, a request URL without a file name gives way to the final URL', async () => {
    const urlId = await insertUrl(ifdb.pool, { originalUrl: server.url('/fetch?id=1') });
    const ctx = makeTaskContext('clone-file');
    await clone.handler({ urlId }, ctx);
    assert.match((await row(urlId)).local_filename, /^game_[A-Za-z0-9]{7}\.zip$/);
    assert.match(ctx.text(), /redirect 302: .*\/fetch\?id=1 → .*\/files\/game\.zip/);
  });

  test('404 fails permanently and leaves no file and no row change', async () => {
    const before = await listTree(backups);
    const urlId = await insertUrl(ifdb.pool, { originalUrl: server.url('/gone.zip') });
    const error = await failure(clone.handler({ urlId }, makeTaskContext('clone-file')));
    assert.ok(isPermanent(error));
    assert.match(error.message, /HTTP 404/);
    assert.equal((await row(urlId)).local_filename, null);
    assert.deepEqual(await listTree(backups), before);
  });

  test('503 is a transient failure (the runner retries), leaving nothing behind', async () => {
    const before = await listTree(backups);
    const urlId = await insertUrl(ifdb.pool, { originalUrl: server.url('/down.zip') });
    const error = await failure(clone.handler({ urlId }, makeTaskContext('clone-file')));
    assert.equal(isPermanent(error), false);
    assert.match(error.message, /HTTP 503/);
    assert.deepEqual(await listTree(backups), before);
  });

  test('a file over the limit fails permanently without a partial file', async () => {
    const before = await listTree(backups);
    const urlId = await insertUrl(ifdb.pool, { originalUrl: server.url('/big.zip') });
    const error = await failure(clone.handler({ urlId }, makeTaskContext('clone-file')));
    assert.ok(isPermanent(error));
    assert.match(error.message, /262144-byte limit/);
    assert.deepEqual(await listTree(backups), before);
  });

  test('cancelling the job stops the download and leaves nothing behind', async () => {
    const before = await listTree(backups);
    const urlId = await insertUrl(ifdb.pool, { originalUrl: server.url('/hang.zip') });
    const ctx = makeTaskContext('clone-file');
    const pending = failure(clone.handler({ urlId }, ctx));
    setTimeout(() => ctx.controller.abort(), 100);
    const error = await pending;
    assert.match(error.message, /aborted/);
    assert.deepEqual(await listTree(backups), before);
    assert.equal((await row(urlId)).local_filename, null);
  });

  test('an uploaded URL is left alone', async () => {
    const urlId = await insertUrl(ifdb.pool, { originalUrl: server.url('/files/game.zip'), isUploaded: true, localFilename: 'up.zip' });
    const result = await clone.handler({ urlId }, makeTaskContext('clone-file'));
    assert.deepEqual(result, { urlId, skipped: 'uploaded' });
    assert.equal((await row(urlId)).local_filename, 'up.zip');
  });

  test('a missing games_url row is a permanent failure', async () => {
    const error = await failure(clone.handler({ urlId: 999_999 }, makeTaskContext('clone-file')));
    assert.ok(isPermanent(error));
    assert.match(error.message, /games_url 999999 does not exist/);
  });

  test('without IFDB tables it fails at once, naming the table and DATABASE_URL, creating nothing', async () => {
    const tasks = uploadTasks({ pool: emptyDb.pool, config: setup.config }, createHttpClient(setup.config));
    for (const [name, args] of [
      ['clone-file', { urlId: 1 }],
      ['recode-game', { gameUrlId: 1 }],
      ['mark-broken', { job: { id: 'x', task: 'clone-file', name: null, args: { urlId: 1 }, attempts: 1 }, error: { message: 'boom' } }],
    ] as const) {
      const task = tasks.find((t) => t.name === name)!;
      const error = await failure(task.handler(task.schema.parse(args), makeTaskContext(name)));
      assert.ok(isPermanent(error), name);
      assert.match(error.message, /IFDB table games_\w+ is missing in database "ifq_clone_file_empty_\w+": DATABASE_URL must point at IFDB's database/);
    }
    const { rows } = await emptyDb.pool.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`);
    assert.equal(rows[0].n, 0);
  });
});

describe('mark-broken', () => {
  test('sets is_broken for the failed job\'s URL and logs why', async () => {
    const urlId = await insertUrl(ifdb.pool, { originalUrl: 'http://example.invalid/x.zip' });
    const other = await insertUrl(ifdb.pool, { originalUrl: 'http://example.invalid/y.zip' });
    const ctx = makeTaskContext('mark-broken');
    const args = markBroken.schema.parse({
      job: { id: 'j1', task: 'clone-file', name: `CloneUrl(${urlId})`, args: { urlId }, attempts: 4 },
      error: { message: 'GET http://example.invalid/x.zip: HTTP 404\nstack', stack: 'at x' },
    });
    assert.deepEqual(await markBroken.handler(args, ctx), { urlId, marked: true });
    assert.equal((await row(urlId)).is_broken, true);
    assert.equal((await row(other)).is_broken, false);
    assert.match(ctx.text(), new RegExp(`marked url ${urlId} broken: job CloneUrl\\(${urlId}\\) failed after 4 attempt\\(s\\): GET .*HTTP 404$`));
  });

  test('a URL deleted in the meantime is reported, not an error', async () => {
    const ctx = makeTaskContext('mark-broken');
    const args = markBroken.schema.parse({ job: { id: 'j2', task: 'clone-file', name: null, args: { urlId: 987_654 }, attempts: 1 }, error: { message: 'x' } });
    assert.deepEqual(await markBroken.handler(args, ctx), { urlId: 987_654, marked: false });
    assert.match(ctx.text(), /no longer exists/);
  });
});

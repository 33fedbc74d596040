// clone-file after crashes and against hostile servers: stale `.ifqueue-*.part` files and extraction
// directories are swept (at the first file job of a process and by `ifqueue cleanup`); a re-run after
// a crash between placing and recording reuses the placed file; header values with NUL/ESC/CR/LF and
// other malformed responses fail at once, permanently; files get explicit modes whatever the umask.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, utimes, writeFile, chmod } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { isPermanent } from '../../src/runner/errors.ts';
import type { TaskDefinition } from '../../src/runner/types.ts';
import { PART_FILE, staleAfterMs, sweepTemporaries } from '../../src/tasks/files/index.ts';
import { waitFor } from '../helpers/wait.ts';
import { createHttpClient } from '../../src/tasks/http/index.ts';
import { uploadTasks } from '../../src/tasks/uploads/index.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { makeTaskContext } from '../helpers/task-context.ts';
import { startLocalServer, type LocalServer } from '../tasks/http/local-server.ts';
import { makeTestConfig, type TestConfig } from '../tasks/http/test-config.ts';
import { ifdbFixture, insertUrl, listTree, type IfdbFixture } from '../tasks/uploads/fixtures.ts';

const BIN = fileURLToPath(new URL('../../bin/ifqueue.js', import.meta.url));
const GAME = Buffer.from('PK\u0003\u0004 a game '.repeat(500));
const OTHER = Buffer.from('PK\u0003\u0004 another game '.repeat(500));

let server: LocalServer;
let raw: net.Server;
let rawPort: number;
let rawHits = 0;
let setup: TestConfig;
let ifdb: IfdbFixture;
let tasks: TaskDefinition[];
let backups: string;
let variant = GAME;
let letSlowFinish!: () => void;
const slowRelease = new Promise<void>((resolve) => (letSlowFinish = resolve));

const task = (name: string) => tasks.find((t) => t.name === name)!;
const row = async (urlId: number) => (await ifdb.pool.query('SELECT * FROM games_url WHERE id = $1', [urlId])).rows[0];
const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000);

/** Answers what `RAW_RESPONSES[path]` says, byte for byte (Node's own server would refuse to send it). */
const RAW_RESPONSES: Record<string, string> = {
  '/nul.zip': 'HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename="a\u0000b.zip"\r\nContent-Length: 2\r\n\r\nhi',
  '/esc.zip': 'HTTP/1.1 200 OK\r\nContent-Type: application/zip\u001b]52;c;cm0=\u0007\r\nContent-Length: 2\r\n\r\nhi',
  '/cr.zip': 'HTTP/1.1 200 OK\r\nX-Note: one\rtwo\r\nContent-Length: 2\r\n\r\nhi',
  '/lf.zip': 'HTTP/1.1 200 OK\r\nX-Note: one\nSet-Cookie: x=1\r\nContent-Length: 2\r\n\r\nhi',
  '/status.zip': 'HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\nhi',
};

before(async () => {
  server = await startLocalServer({
    '/files/game.zip': (_q, res) => res.writeHead(200, { 'content-type': 'application/zip', 'content-length': variant.length }).end(variant),
    // half the body, the rest when the test lets it go: the download is caught while it is being written
    '/files/slow.zip': (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': GAME.length }).write(GAME.subarray(0, GAME.length / 2));
      void slowRelease.then(() => res.end(GAME.subarray(GAME.length / 2)));
    },
  });
  raw = net.createServer((socket) => {
    socket.once('data', (data) => {
      rawHits++;
      const requested = /^GET (\S+)/.exec(data.toString('latin1'))?.[1] ?? '';
      socket.end(Buffer.from(RAW_RESPONSES[requested] ?? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n', 'latin1'));
    });
  });
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
  rawPort = (raw.address() as net.AddressInfo).port;
  setup = await makeTestConfig();
  ifdb = await ifdbFixture('hostile_downloads');
  // production retry counts inside the client: a malformed response must still be asked for once
  tasks = uploadTasks({ pool: ifdb.pool, config: setup.config }, createHttpClient(setup.config, () => {}, { retryDelayMs: 10 }));
  backups = path.join(setup.config.filesDir, 'backups');
});

after(async () => {
  letSlowFinish();
  await server.close();
  await new Promise((resolve) => raw.close(resolve));
  await ifdb.close();
  await setup.cleanup();
});

describe('stale temporaries', () => {
  test('the first clone-file of a process removes stale .part files and extraction directories, and keeps fresh ones', async () => {
    await mkdir(backups, { recursive: true });
    await mkdir(path.join(setup.config.filesDir, 'recodes'), { recursive: true });
    await mkdir(setup.config.tmpDir, { recursive: true });
    const stale = [path.join(backups, '.ifqueue-00112233aabbccdd.part'), path.join(setup.config.filesDir, 'recodes', '.ifqueue-0123456789abcdef.part')];
    const fresh = path.join(backups, '.ifqueue-ffffffffffffffff.part');
    const staleDir = path.join(setup.config.tmpDir, 'recode-AbCdEf');
    for (const file of [...stale, fresh]) await writeFile(file, 'half a download');
    await mkdir(path.join(staleDir, 'out', 'locked'), { recursive: true });
    await chmod(path.join(staleDir, 'out', 'locked'), 0o000);
    for (const file of [...stale, staleDir]) await utimes(file, hoursAgo(3), hoursAgo(3));
    await writeFile(path.join(backups, 'not-ours.part'), 'a stored file that merely looks similar');
    await utimes(path.join(backups, 'not-ours.part'), hoursAgo(3), hoursAgo(3));

    const urlId = await insertUrl(ifdb.pool, { originalUrl: server.url('/files/game.zip') });
    const ctx = makeTaskContext('clone-file');
    await task('clone-file').handler({ urlId }, ctx);
    assert.match(ctx.text(), /removed 3 stale temporary file\(s\) a killed process left/);
    const left = await listTree(setup.root);
    for (const gone of [...stale, staleDir]) assert.ok(!left.includes(path.relative(setup.root, gone)), `${gone} was swept`);
    assert.ok(left.includes(path.relative(setup.root, fresh)), 'a fresh .part (a download in progress) stays');
    assert.ok(left.includes(path.relative(setup.root, path.join(backups, 'not-ours.part'))), 'only ifqueue temporaries are swept');
  });

  test('ifqueue cleanup sweeps them too (and --dry-run only names them)', async () => {
    const db: TestDatabase = await createTestDatabase('hostile_downloads_cli');
    try {
      const part = path.join(backups, '.ifqueue-1234123412341234.part');
      await writeFile(part, 'left by kill -9');
      await utimes(part, hoursAgo(5), hoursAgo(5));
      const env = { DATABASE_URL: db.url, IFQUEUE_FILES_DIR: setup.config.filesDir, IFQUEUE_TMP_DIR: setup.config.tmpDir };
      const dry = await execa(process.execPath, [BIN, 'cleanup', '--dry-run'], { env, reject: false, stdin: 'ignore' });
      assert.equal(dry.exitCode, 0, String(dry.stderr));
      assert.match(String(dry.stdout), /would remove 1 stale temporary file\(s\): .*\.ifqueue-1234123412341234\.part/);
      await stat(part);
      const real = await execa(process.execPath, [BIN, 'cleanup'], { env, reject: false, stdin: 'ignore' });
      assert.equal(real.exitCode, 0, String(real.stderr));
      assert.match(String(real.stdout), /removed 1 stale temporary file\(s\)/);
      await assert.rejects(stat(part), { code: 'ENOENT' });
    } finally {
      await db.drop();
    }
  });

  test('nothing younger than the longest attempt of a file task is ever swept', async () => {
    const part = path.join(backups, '.ifqueue-9999888877776666.part');
    await writeFile(part, 'x');
    const young = new Date(Date.now() - staleAfterMs(setup.config) + 60_000);
    await utimes(part, young, young);
    assert.deepEqual((await sweepTemporaries(setup.config, staleAfterMs(setup.config))).removed, []);
  });
});

describe('idempotent placement', () => {
  test('a re-run after a crash between placing and recording reuses the placed file instead of writing a second copy', async () => {
    variant = GAME;
    const urlId = await insertUrl(ifdb.pool, { originalUrl: server.url('/files/game.zip') });
    const first = (await task('clone-file').handler({ urlId }, makeTaskContext('clone-file'))) as { localFilename: string };
    // the crash: the file is in place, the row never recorded it
    await ifdb.pool.query('UPDATE games_url SET local_url = NULL, local_filename = NULL, file_size = NULL WHERE id = $1', [urlId]);
    const before = (await listTree(backups)).filter((f) => !f.startsWith('.'));
    const ctx = makeTaskContext('clone-file');
    const second = (await task('clone-file').handler({ urlId }, ctx)) as { localFilename: string; reused?: boolean };
    assert.equal(second.localFilename, first.localFilename);
    assert.equal(second.reused, true);
    assert.deepEqual((await listTree(backups)).filter((f) => !f.startsWith('.')), before, 'no second copy');
    assert.equal((await row(urlId)).local_filename, first.localFilename);
    assert.match(ctx.text(), /already holds these bytes/);
  });

  test('different bytes, or a file another URL records, are never taken over', async () => {
    variant = GAME;
    const a = await insertUrl(ifdb.pool, { originalUrl: server.url('/files/game.zip') });
    const b = await insertUrl(ifdb.pool, { originalUrl: server.url('/files/game.zip') });
    const placedA = (await task('clone-file').handler({ urlId: a }, makeTaskContext('clone-file'))) as { localFilename: string };
    const placedB = (await task('clone-file').handler({ urlId: b }, makeTaskContext('clone-file'))) as { localFilename: string; reused?: boolean };
    assert.notEqual(placedB.localFilename, placedA.localFilename, 'a file recorded by another URL is not shared');
    await ifdb.pool.query('UPDATE games_url SET local_filename = NULL WHERE id = $1', [b]);
    variant = OTHER;
    const changed = (await task('clone-file').handler({ urlId: b }, makeTaskContext('clone-file'))) as { localFilename: string; reused?: boolean };
    assert.equal(changed.reused, undefined, 'new bytes are a new file');
    assert.deepEqual(await readFile(path.join(backups, changed.localFilename)), OTHER);
  });
});

describe('malformed responses', () => {
  for (const route of Object.keys(RAW_RESPONSES)) {
    test(`${route}: a malformed response fails permanently after one request`, async () => {
      const urlId = await insertUrl(ifdb.pool, { originalUrl: `http://127.0.0.1:${rawPort}${route}` });
      const hits = rawHits;
      let error: Error | undefined;
      try {
        await task('clone-file').handler({ urlId }, makeTaskContext('clone-file'));
      } catch (e) {
        error = e as Error;
      }
      assert.ok(error, 'refused');
      assert.ok(isPermanent(error), error.message);
      assert.match(error.message, /malformed response/);
      assert.doesNotMatch(error.message, /[\u0000-\u001f]/);
      assert.equal(rawHits - hits, 1, 'asked once, not retried');
    });
  }
});

describe('file modes', () => {
  test('under umask 000, stored files are 0644 and store directories 0755; the unit sets UMask=', async () => {
    const fresh = await makeTestConfig();
    const previous = process.umask(0o000);
    try {
      const freshTasks = uploadTasks({ pool: ifdb.pool, config: fresh.config }, createHttpClient(fresh.config));
      variant = GAME;
      const urlId = await insertUrl(ifdb.pool, { originalUrl: server.url('/files/game.zip') });
      const placed = (await freshTasks.find((t) => t.name === 'clone-file')!.handler({ urlId }, makeTaskContext('clone-file'))) as { localFilename: string };
      const dir = path.join(fresh.config.filesDir, 'backups');
      assert.equal((await stat(path.join(dir, placed.localFilename))).mode & 0o777, 0o644);
      assert.equal((await stat(dir)).mode & 0o777, 0o755);
      assert.equal((await stat(fresh.config.filesDir)).mode & 0o777, 0o755);
      // a file being written is private until it is placed
      const slowUrl = await insertUrl(ifdb.pool, { originalUrl: server.url('/files/slow.zip') });
      const slow = freshTasks.find((t) => t.name === 'clone-file')!.handler({ urlId: slowUrl }, makeTaskContext('clone-file'));
      const part = await waitFor('the download to be half written', async () => (await readdir(dir)).find((f) => PART_FILE.test(f)));
      assert.equal((await stat(path.join(dir, part)).catch(() => null))?.mode! & 0o777, 0o600);
      letSlowFinish();
      const slowPlaced = (await slow) as { localFilename: string };
      assert.equal((await stat(path.join(dir, slowPlaced.localFilename))).mode & 0o777, 0o644);
    } finally {
      process.umask(previous);
      await fresh.cleanup();
    }
    const unit = await readFile(fileURLToPath(new URL('../../scripts/systemd/ifqueue.service', import.meta.url)), 'utf8');
    assert.match(unit, /^UMask=0027$/m);
  });
});

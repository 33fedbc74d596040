// Hostile file names from Content-Disposition and URLs: every one ends up as a plain base name inside
// backups/, nothing is written anywhere else, and the games_url row stays within its columns.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { TaskDefinition } from '../../src/runner/types.ts';
import { candidateNames, safeBaseName, splitExtension } from '../../src/tasks/files/index.ts';
import { createHttpClient } from '../../src/tasks/http/index.ts';
import { chooseFileName } from '../../src/tasks/uploads/clone-file.ts';
import { uploadTasks } from '../../src/tasks/uploads/index.ts';
import { makeTaskContext } from '../helpers/task-context.ts';
import { startLocalServer, type LocalServer } from '../tasks/http/local-server.ts';
import { makeTestConfig, type TestConfig } from '../tasks/http/test-config.ts';
import { ifdbFixture, insertUrl, type IfdbFixture } from '../tasks/uploads/fixtures.ts';

const HOSTILE_DISPOSITIONS: [string, RegExp][] = [
  ['attachment; filename="../../etc/passwd"', /^passwd$/],
  ['attachment; filename="/etc/cron.d/evil"', /^evil$/],
  ['attachment; filename="C:\\\\Windows\\\\system32\\\\evil.dll"', /^evil\.dll$/],
  ["attachment; filename*=UTF-8''a%00b%01c.zip", /^abc\.zip$/],
  ["attachment; filename*=UTF-8''evil%0D%0ASet-Cookie%3A%20x%3D1.zip", /^evilSet-Cookie: x=1\.zip$/],
  ['attachment; filename="CON.qst"', /^_CON\.qst$/],
  ['attachment; filename="lpt1"', /^_lpt1$/],
  ['attachment; filename=".htaccess"', /^htaccess$/],
  ['attachment; filename=".."', /^hostile-\d+\.bin$/],
  ["attachment; filename*=UTF-8''evil%E2%80%AEgpj.exe", /^evilgpj\.exe$/],
  [`attachment; filename="${'a'.repeat(300)}.zip"`, /^a{52}_[A-Za-z0-9]{7}\.zip$/],
  [`attachment; filename*=UTF-8''${'%D1%8F'.repeat(100)}.qst`, /^я+_[A-Za-z0-9]{7}\.qst$/],
];

let server: LocalServer;
let setup: TestConfig;
let ifdb: IfdbFixture;
let clone: TaskDefinition;

async function allFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => !d.isDirectory()).map((d) => path.relative(dir, path.join(d.parentPath, d.name)));
}

before(async () => {
  server = await startLocalServer();
  HOSTILE_DISPOSITIONS.forEach(([header], i) => {
    server.route(`/hostile-${i}.bin`, (_q, res) => res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-disposition': header }).end(`file ${i}`));
  });
  server.route('/a%2F..%2F..%2Fetc%2Fpasswd', (_q, res) => res.writeHead(200).end('encoded slashes'));
  setup = await makeTestConfig();
  ifdb = await ifdbFixture('hostile_filenames');
  clone = uploadTasks({ pool: ifdb.pool, config: setup.config }, createHttpClient(setup.config)).find((t) => t.name === 'clone-file')!;
});

after(async () => {
  await server.close();
  await ifdb.close();
  await setup.cleanup();
});

describe('safe base names', () => {
  test('no separators, no .., no control or bidi characters, no leading dots, Windows devices prefixed', () => {
    assert.equal(safeBaseName('../../etc/passwd'), 'passwd');
    assert.equal(safeBaseName('..\\..\\boot.ini'), 'boot.ini');
    assert.equal(safeBaseName('a..b...c'), 'a.b.c');
    assert.equal(safeBaseName('...'), 'unknown');
    assert.equal(safeBaseName('  .hidden  '), 'hidden');
    assert.equal(safeBaseName('tab\there\u0007.txt'), 'tabhere.txt');
    assert.equal(safeBaseName('aux.tar.gz'), '_aux.tar.gz');
    assert.equal(safeBaseName('console.qst'), 'console.qst');
    assert.equal(safeBaseName(''), 'unknown');
    assert.equal(safeBaseName(null), 'unknown');
    assert.equal(safeBaseName('Cafe\u0301.zip'), 'Café.zip');
  });

  test('the collision scheme keeps .tar.gz together and cuts the root to fit', () => {
    assert.deepEqual(splitExtension('game.tar.gz'), { root: 'game', ext: '.tar.gz' });
    assert.deepEqual(splitExtension('My.Game.v1.zip'), { root: 'My.Game.v1', ext: '.zip' });
    assert.deepEqual(splitExtension('README'), { root: 'README', ext: '' });
    const fits = (n: string) => n.length <= 20;
    const names = candidateNames('a-very-long-game-name.tar.gz', fits);
    const first = names.next().value!;
    assert.match(first, /^a-ver_[A-Za-z0-9]{7}\.tar\.gz$/);
    assert.equal(first.length, 20);
  });

  test('file name choice: Content-Disposition, else a request URL naming a file, else the final URL', () => {
    assert.equal(chooseFileName('../x.zip', 'http://h/a.rar', 'http://h/b.7z'), 'x.zip');
    assert.equal(chooseFileName(null, 'http://h/dl/%D0%98%D0%B3%D1%80%D0%B0.rar?x=1', 'http://h/b.7z'), 'Игра.rar');
    assert.equal(chooseFileName(null, 'http://h/download?id=3', 'http://cdn/files/real.zip'), 'real.zip');
    assert.equal(chooseFileName('..', 'http://h/', 'http://h/'), 'unknown');
  });
});

describe('clone-file with hostile names', () => {
  test('every hostile Content-Disposition is stored as a plain name inside backups/', async () => {
    for (const [i, [header, expected]] of HOSTILE_DISPOSITIONS.entries()) {
      const urlId = await insertUrl(ifdb.pool, { originalUrl: server.url(`/hostile-${i}.bin`) });
      await clone.handler({ urlId }, makeTaskContext('clone-file'));
      const { rows } = await ifdb.pool.query('SELECT local_filename, local_url, original_filename FROM games_url WHERE id = $1', [urlId]);
      const name: string = rows[0].local_filename;
      assert.match(name, expected, header);
      assert.ok([...name].length <= 64, header);
      assert.ok(rows[0].local_url.length <= 255, header);
      assert.doesNotMatch(name, /[/\\\u0000-\u001f]|^\./, header);
    }
    const files = await allFiles(setup.root);
    assert.equal(files.length, HOSTILE_DISPOSITIONS.length);
    assert.ok(files.every((f) => path.dirname(f) === path.join('files', 'backups')), files.join(', '));
  });

  test('percent-encoded slashes in the URL do not climb out either', async () => {
    const urlId = await insertUrl(ifdb.pool, { originalUrl: server.url('/a%2F..%2F..%2Fetc%2Fpasswd') });
    await clone.handler({ urlId }, makeTaskContext('clone-file'));
    const { rows } = await ifdb.pool.query('SELECT local_filename FROM games_url WHERE id = $1', [urlId]);
    assert.match(rows[0].local_filename, /^passwd(_[A-Za-z0-9]{7})?$/);
    assert.ok((await allFiles(setup.root)).every((f) => path.dirname(f) === path.join('files', 'backups')));
  });
});

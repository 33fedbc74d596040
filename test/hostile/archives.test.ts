// Hostile archives and game files for recode-game: each is refused with a clear, permanent error,
// nothing is written outside its directory, no temporary directory is left, and no row is written.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { isPermanent } from '../../src/runner/errors.ts';
import type { TaskDefinition } from '../../src/runner/types.ts';
import type { TasksConfig } from '../../src/tasks/config.ts';
import { createHttpClient } from '../../src/tasks/http/index.ts';
import { uploadTasks } from '../../src/tasks/uploads/index.ts';
import { makeTaskContext } from '../helpers/task-context.ts';
import { waitFor } from '../helpers/wait.ts';
import { makeTestConfig, type TestConfig } from '../tasks/http/test-config.ts';
import { ifdbFixture, insertGame, insertGameUrl, insertUrl, listTree, tar, tarGz, zip, type IfdbFixture } from '../tasks/uploads/fixtures.ts';

let setup: TestConfig;
let ifdb: IfdbFixture;
const marker = `ifq-evil-${randomBytes(4).toString('hex')}`;

function recodeTask(config: TasksConfig): TaskDefinition {
  return uploadTasks({ pool: ifdb.pool, config }, createHttpClient(config)).find((t) => t.name === 'recode-game')!;
}

/** Puts `content` into backups as a cloned game file and returns its game URL id. */
async function cloned(config: TasksConfig, localFilename: string, content: Buffer): Promise<number> {
  const backups = path.join(config.filesDir, 'backups');
  await mkdir(backups, { recursive: true });
  await writeFile(path.join(backups, localFilename), content);
  const urlId = await insertUrl(ifdb.pool, { originalUrl: `http://example.invalid/${localFilename}`, localFilename });
  return insertGameUrl(ifdb.pool, await insertGame(ifdb.pool), urlId);
}

/** Runs recode-game on a hostile file and checks the aftermath; returns the error message. */
async function refused(localFilename: string, content: Buffer, why: RegExp, config = setup.config): Promise<string> {
  const gameUrlId = await cloned(config, localFilename, content);
  const recodesBefore = await listTree(path.join(config.filesDir, 'recodes'));
  let error: Error | undefined;
  try {
    await recodeTask(config).handler({ gameUrlId }, makeTaskContext('recode-game'));
  } catch (e) {
    error = e as Error;
  }
  assert.ok(error, `${localFilename} was accepted`);
  assert.ok(isPermanent(error), `${localFilename}: not permanent: ${error.message}`);
  assert.match(error.message, why);
  assert.deepEqual(await listTree(config.tmpDir), [], 'temporary directory left behind');
  assert.deepEqual(await listTree(path.join(config.filesDir, 'recodes')), recodesBefore, 'recodes changed');
  const { rowCount } = await ifdb.pool.query('SELECT 1 FROM games_interpretedgameurl WHERE original_id = $1', [gameUrlId]);
  assert.equal(rowCount, 0);
  return error.message;
}

async function nothingNamedMarker(): Promise<void> {
  for (const dir of [setup.root, os.tmpdir()]) {
    const hits = (await listTree(dir)).filter((f) => f.includes(marker));
    assert.deepEqual(hits, [], `written outside: ${hits.join(', ')}`);
  }
}

before(async () => {
  setup = await makeTestConfig();
  ifdb = await ifdbFixture('hostile_archives');
});

after(async () => {
  await ifdb.close();
  await setup.cleanup();
});

describe('hostile archives', () => {
  test('zip-slip (../) entry', async () => {
    await refused('slip.tar.gz', tarGz([{ name: 'ok.qst', data: 'ok' }, { name: `../../${marker}.txt`, data: 'pwned' }]), /climbs out of the output directory/);
    await nothingNamedMarker();
  });

  test('absolute entry', async () => {
    await refused('abs.tar.gz', tarGz([{ name: `/tmp/${marker}/evil.txt`, data: 'pwned' }]), /is an absolute path/);
    await nothingNamedMarker();
  });

  test('symlink entry, in a tar and in a zip disguised as .rar', async () => {
    await refused('link.tar.gz', tarGz([{ name: 'passwd', type: 'symlink', link: '/etc/passwd' }]), /"passwd" is a symbolic link/);
    const zipWithLink = await zip([{ name: 'a.qst', data: 'x' }, { name: 'shadow', data: '/etc/shadow', mode: 0o120777 }]);
    await refused('link.rar', zipWithLink, /"shadow" is a symbolic link/);
  });

  test('hard link entry', async () => {
    await refused('hard.tar', tar([{ name: 'a.qst', data: 'x' }, { name: 'b.qst', type: 'hardlink', link: 'a.qst' }]), /is a (hard|symbolic) link/);
  });

  test('zip bomb by ratio: 32 MiB of zeros in a few KiB, refused before unpacking', async () => {
    const message = await refused('bomb.tar.gz', tarGz([{ name: 'zeros.qst', data: Buffer.alloc(32 * 1024 * 1024) }]), /zip bomb/);
    assert.match(message, /ratio above 200:1/);
  });

  test('zip bomb by total size over the configured limit', async () => {
    const small = await makeTestConfig({ IFQUEUE_ARCHIVE_MAX_BYTES: '1MiB' });
    try {
      await refused('big.tar.gz', tarGz([{ name: 'a.bin', data: randomBytes(700_000) }, { name: 'b.bin', data: randomBytes(700_000) }]), /unpacks to more than 1048576 bytes/, small.config);
    } finally {
      await small.cleanup();
    }
  });

  test('100 000 tiny entries', async () => {
    const entries = Array.from({ length: 100_000 }, (_, i) => ({ name: `f${i}` }));
    await refused('many.tar.gz', tarGz(entries), /more than 10000 entries/);
  });

  test('truncated archive', async () => {
    const whole = tarGz([{ name: 'game.qst', data: randomBytes(200_000) }]);
    await refused('cut.tar.gz', whole.subarray(0, whole.length / 2), /cannot read the archive|extractor failed/);
  });

  test('not an archive at all', async () => {
    await refused('game.exe', randomBytes(4096), /cannot read the archive|extractor failed/);
  });

  // bounded: a child left running would hold the output pipe open and the extraction would never end
  test('an extractor that hangs is killed at its timeout, with its process group', { timeout: 60_000 }, async () => {
    const script = path.join(setup.root, 'hang.sh');
    const pidFile = path.join(setup.root, 'hang.pid');
    const childPidFile = path.join(setup.root, 'hang-child.pid');
    // the extractor starts a child of its own: killing only the extractor would leave the child running
    await writeFile(script, `#!/bin/sh\nsleep 600 &\necho $! > "${childPidFile}"\necho $$ > "${pidFile}"\nwait\n`);
    await chmod(script, 0o755);
    const hanging = await makeTestConfig({ IFQUEUE_EXTRACTOR: JSON.stringify([script, '%ARCHIVE%', '%OUTDIR%']), IFQUEUE_EXTRACTOR_TIMEOUT_MS: '500' });
    try {
      await refused('slow.rar', tarGz([{ name: 'a.qst', data: 'x' }]), /ran past its 500 ms timeout/, hanging.config);
      const pid = Number(await readFile(pidFile, 'utf8'));
      const childPid = Number(await readFile(childPidFile, 'utf8'));
      assert.notEqual(childPid, pid, 'two processes in the group');
      await waitUntilGone(pid);
      await waitUntilGone(childPid);
    } finally {
      await hanging.cleanup();
    }
  });

  test('without lsar (another extractor), links made during extraction are still refused', async () => {
    const script = path.join(setup.root, 'links.sh');
    await writeFile(script, '#!/bin/sh\nout="$2"\necho x > "$out/a.qst"\nln -s /etc/passwd "$out/passwd"\n');
    await chmod(script, 0o755);
    const custom = await makeTestConfig({ IFQUEUE_EXTRACTOR: JSON.stringify([script, '%ARCHIVE%', '%OUTDIR%']) });
    const hardScript = path.join(setup.root, 'hard.sh');
    await writeFile(hardScript, '#!/bin/sh\nout="$2"\necho x > "$out/a.qst"\nln "$out/a.qst" "$out/b.qst"\n');
    await chmod(hardScript, 0o755);
    const hard = await makeTestConfig({ IFQUEUE_EXTRACTOR: JSON.stringify([hardScript, '%ARCHIVE%', '%OUTDIR%']) });
    try {
      await refused('x.rar', Buffer.from('anything'), /"passwd" is a symbolic link/, custom.config);
      await refused('y.rar', Buffer.from('anything'), /is a hard link/, hard.config);
    } finally {
      await custom.cleanup();
      await hard.cleanup();
    }
  });
});

describe('hostile game files', () => {
  test('invalid cp1251 (.qst with byte 0x98) fails naming the offset', async () => {
    const bytes = Buffer.concat([iconv.encode('pln Привет', 'windows-1251'), Buffer.from([0x98]), Buffer.from(' end')]);
    const message = await refused('broken.qst', bytes, /not valid cp1251: byte 0x98 at offset 10/);
    assert.doesNotMatch(message, /\n/);
  });
});

/** Waits until a pid is gone or a zombie (an orphan reparented to a PID 1 that does not reap it). */
async function waitUntilGone(pid: number): Promise<void> {
  await waitFor(`extractor process ${pid} to end`, async () => {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    return stat === '' || stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
  });
}

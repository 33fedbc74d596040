// (zips are played as they are, so the zips here carry another extension, as a disguised upload would)
// Hostile archives, second pass: limits hold on what the extractor really writes (headers that lie),
// names with NUL or that collide (exact, case, Unicode normalisation) are refused with a storable
// message, device nodes and FIFOs are skipped and listed, local file-system errors are permanent,
// and a cp1251 .qst keeps its raw control bytes (byte-faithful, see docs/guarantees.md).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile, chmod, readdir } from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import yauzl from 'yauzl';
import { isPermanent } from '../../src/runner/errors.ts';
import type { TaskDefinition } from '../../src/runner/types.ts';
import type { TasksConfig } from '../../src/tasks/config.ts';
import { isPermanentFsError } from '../../src/tasks/files/local-errors.ts';
import { createHttpClient } from '../../src/tasks/http/index.ts';
import { uploadTasks } from '../../src/tasks/uploads/index.ts';
import { storableText } from '../../src/text/storable.ts';
import { makeTaskContext, type RecordedContext } from '../helpers/task-context.ts';
import { makeTestConfig, type TestConfig } from '../tasks/http/test-config.ts';
import { ifdbFixture, insertGame, insertGameUrl, insertUrl, listTree, tar, tarGz, zip, type IfdbFixture } from '../tasks/uploads/fixtures.ts';

let setup: TestConfig;
let ifdb: IfdbFixture;
let seq = 0;

const recodeTask = (config: TasksConfig): TaskDefinition => uploadTasks({ pool: ifdb.pool, config }, createHttpClient(config)).find((t) => t.name === 'recode-game')!;

async function cloned(config: TasksConfig, localFilename: string, content: Buffer): Promise<number> {
  const backups = path.join(config.filesDir, 'backups');
  await mkdir(backups, { recursive: true });
  await writeFile(path.join(backups, localFilename), content);
  const urlId = await insertUrl(ifdb.pool, { originalUrl: `http://example.invalid/${seq++}/${localFilename}`, localFilename });
  return insertGameUrl(ifdb.pool, await insertGame(ifdb.pool), urlId);
}

async function recode(localFilename: string, content: Buffer, config = setup.config): Promise<{ ctx: RecordedContext; result?: Record<string, unknown>; error?: Error; gameUrlId: number }> {
  const gameUrlId = await cloned(config, localFilename, content);
  const ctx = makeTaskContext('recode-game');
  try {
    return { ctx, gameUrlId, result: (await recodeTask(config).handler({ gameUrlId }, ctx)) as Record<string, unknown> };
  } catch (error) {
    return { ctx, gameUrlId, error: error as Error };
  }
}

/** Refused permanently with `why`, a message the database can store as it is, and nothing left behind. */
async function refused(localFilename: string, content: Buffer, why: RegExp, config = setup.config): Promise<string> {
  const recodesBefore = await listTree(path.join(config.filesDir, 'recodes'));
  const { error, gameUrlId } = await recode(localFilename, content, config);
  assert.ok(error, `${localFilename} was accepted`);
  assert.ok(isPermanent(error), `${localFilename}: not permanent: ${error.message}`);
  assert.match(error.message, why);
  assert.equal(storableText(error.message), error.message, 'the message is storable as it is');
  assert.doesNotMatch(error.message, /[\u0000-\u001f]/);
  assert.deepEqual(await listTree(config.tmpDir), [], 'temporary directory left behind');
  assert.deepEqual(await listTree(path.join(config.filesDir, 'recodes')), recodesBefore, 'recodes changed');
  assert.equal((await ifdb.pool.query('SELECT 1 FROM games_interpretedgameurl WHERE original_id = $1', [gameUrlId])).rowCount, 0);
  return error.message;
}

/** Rewrites the uncompressed-size fields of every local and central header: the headers now lie. */
function declareSize(zipBytes: Buffer, size: number): Buffer {
  const out = Buffer.from(zipBytes);
  for (let i = 0; i + 4 <= out.length; i++) {
    const signature = out.readUInt32LE(i);
    if (signature === 0x04034b50) out.writeUInt32LE(size, i + 22);
    if (signature === 0x02014b50) out.writeUInt32LE(size, i + 24);
  }
  return out;
}

/** Replaces every occurrence of `from` in a zip's names (same length) — e.g. to put a NUL in one. */
function patchNames(zipBytes: Buffer, from: string, to: string): Buffer {
  assert.equal(Buffer.byteLength(from), Buffer.byteLength(to));
  const out = Buffer.from(zipBytes);
  for (let at = out.indexOf(from); at >= 0; at = out.indexOf(from, at + 1)) out.write(to, at, 'latin1');
  return out;
}

function zipNames(file: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: false }, (error, archive) => {
      if (error || !archive) return reject(error);
      const names: string[] = [];
      archive.on('entry', (entry: yauzl.Entry) => names.push(entry.fileName));
      archive.on('end', () => resolve(names.sort()));
    }),
  );
}

before(async () => {
  setup = await makeTestConfig();
  ifdb = await ifdbFixture('hostile_archives_output');
});

after(async () => {
  await ifdb.close();
  await setup.cleanup();
});

describe('limits on what is really written', () => {
  test('a zip whose headers declare 16 bytes but which inflates to 16 MiB is refused: the headers lie', async () => {
    const honest = await zip([{ name: 'game.qst', data: Buffer.alloc(16 * 1024 * 1024) }]);
    const message = await refused('lying.rar', declareSize(honest, 16), /headers declare 16 bytes but it unpacks to more/);
    assert.match(message, /the headers lie/);
  });

  test('forty entries that each declare 16 bytes and inflate to 2 MiB are stopped while extracting', async () => {
    const entries = Array.from({ length: 40 }, (_, i) => ({ name: `part${i}.bin`, data: Buffer.alloc(2 * 1024 * 1024, i) }));
    await refused('lying-many.rar', declareSize(await zip(entries), 16), /the headers lie/);
  });

  test('without lsar (another extractor) the size limit still holds on the bytes written', async () => {
    const script = path.join(setup.root, 'unar-only.sh');
    await writeFile(script, '#!/bin/sh\nexec unar -q -f -D -o "$2" "$1"\n');
    await chmod(script, 0o755);
    const small = await makeTestConfig({ IFQUEUE_EXTRACTOR: JSON.stringify([script, '%ARCHIVE%', '%OUTDIR%']), IFQUEUE_ARCHIVE_MAX_BYTES: '1MiB' });
    try {
      const lying = declareSize(await zip([{ name: 'game.qst', data: Buffer.alloc(8 * 1024 * 1024) }]), 16);
      await refused('lying-nolsar.rar', lying, /unpacks to more than 1048576 bytes/, small.config);
    } finally {
      await small.cleanup();
    }
  });
});

describe('entry names', () => {
  test('a name with NUL is refused with a message that is already safe to store and print', async () => {
    const withNul = patchNames(await zip([{ name: 'gameXqst.qst', data: 'x' }, { name: 'ok.qst', data: 'y' }]), 'gameXqst', 'game\u0000qst');
    const message = await refused('nul.rar', withNul, /contains a NUL character/);
    assert.match(message, /"game\\u0000qst\.qst"/);
  });

  test('duplicate names are refused: exact (tar), letter case and Unicode normalisation (zip), also in directory names', async () => {
    await refused('dup.tar', tar([{ name: 'game.qst', data: 'first' }, { name: 'game.qst', data: 'second' }]), /two entries named "game\.qst": one would overwrite the other/);
    await refused('case-zip.rar', await zip([{ name: 'game.qst', data: 'a' }, { name: 'Game.QST', data: 'b' }]), /"game\.qst" and "Game\.QST" differ only in letter case or Unicode normalisation/);
    await refused('nfc.rar', await zip([{ name: 'caf\u00e9.qst', data: 'a' }, { name: 'cafe\u0301.qst', data: 'b' }]), /differ only in letter case or Unicode normalisation/);
    await refused('dirs.rar', await zip([{ name: 'dir/x.qst', data: 'a' }, { name: 'DIR/x.qst', data: 'b' }]), /differ only in letter case/);
  });

  test('without lsar, names that differ only in case are found in the unpacked tree', async () => {
    const script = path.join(setup.root, 'case.sh');
    await writeFile(script, '#!/bin/sh\necho a > "$2/game.qst"\necho b > "$2/GAME.qst"\n');
    await chmod(script, 0o755);
    const custom = await makeTestConfig({ IFQUEUE_EXTRACTOR: JSON.stringify([script, '%ARCHIVE%', '%OUTDIR%']) });
    try {
      await refused('case.rar', Buffer.from('anything'), /differ only in letter case/, custom.config);
    } finally {
      await custom.cleanup();
    }
  });
});

describe('entries that are not regular files', () => {
  test('tar device nodes and FIFOs are skipped with a log line naming them, and never packed', async () => {
    const archive = tar([
      { name: 'game.qst', data: 'pln hello' },
      { name: 'null', type: 'chardev' },
      { name: 'sda', type: 'blockdev' },
      { name: 'pipe', type: 'fifo' },
      { name: 'data/readme.txt', data: 'text' },
    ]);
    const { result, error, ctx } = await recode('devices.tar', archive);
    assert.equal(error, undefined, error?.message);
    const zipPath = path.join(setup.config.filesDir, 'recodes', String(result!.recodedFilename));
    assert.deepEqual(await zipNames(zipPath), ['data/readme.txt', 'game.qst']);
    const skippedLine = ctx.lines.find((l) => l.text.startsWith('skipped 3 entries that are not regular files (not packed): '));
    assert.ok(skippedLine, ctx.text());
    for (const part of ['"null" (character device)', '"sda" (block device)', '"pipe" (FIFO)']) assert.ok(skippedLine.text.includes(part), part);
  });

  test('without lsar, a FIFO the extractor made is skipped and named, the rest is packed', async () => {
    const script = path.join(setup.root, 'fifo.sh');
    await writeFile(script, '#!/bin/sh\necho x > "$2/game.qst"\nmkfifo "$2/pipe"\n');
    await chmod(script, 0o755);
    const custom = await makeTestConfig({ IFQUEUE_EXTRACTOR: JSON.stringify([script, '%ARCHIVE%', '%OUTDIR%']) });
    try {
      const { result, error, ctx } = await recode('fifo.rar', Buffer.from('anything'), custom.config);
      assert.equal(error, undefined, error?.message);
      assert.deepEqual(await zipNames(path.join(custom.config.filesDir, 'recodes', String(result!.recodedFilename))), ['game.qst']);
      assert.match(ctx.text(), /skipped 1 entries that are not regular files \(not packed\): "pipe" \(FIFO\)/);
    } finally {
      await custom.cleanup();
    }
  });
});

describe('local file-system errors', () => {
  test('a tree the walk cannot read (a path beyond PATH_MAX) fails permanently, and is still removed', async () => {
    const script = path.join(setup.root, 'deep.sh');
    // 25 levels of 200-character names: 5 000+ characters, past Linux's 4 096-byte PATH_MAX (made with
    // relative chdir calls, which have no such limit)
    const maker = `const fs = require('node:fs'); process.chdir(process.argv[1]); fs.writeFileSync('top.qst', 'x');
      for (let i = 0; i < 25; i++) { fs.mkdirSync('d'.repeat(200)); process.chdir('d'.repeat(200)); } fs.writeFileSync('deep.qst', 'x');`;
    await writeFile(script, `#!/bin/sh\nexec "${process.execPath}" -e "${maker.replaceAll('"', '\\"').replaceAll('\n', ' ')}" "$2"\n`);
    await chmod(script, 0o755);
    const custom = await makeTestConfig({ IFQUEUE_EXTRACTOR: JSON.stringify([script, '%ARCHIVE%', '%OUTDIR%']) });
    try {
      await refused('deep.rar', Buffer.from('anything'), /cannot read the unpacked archive: ENAMETOOLONG/, custom.config);
    } finally {
      await custom.cleanup();
    }
  });

  test('permission and path errors are permanent; a full disk or too many open files is not', async () => {
    const real = await readdir('/nonexistent-ifqueue-dir').catch((e: unknown) => e);
    assert.equal(isPermanentFsError(real), true, 'ENOENT from readdir');
    const eisdir = await readFile(setup.root).catch((e: unknown) => e);
    assert.equal(isPermanentFsError(eisdir), true, 'EISDIR from read');
    for (const code of ['EACCES', 'EPERM', 'ENAMETOOLONG', 'ELOOP', 'EROFS']) assert.equal(isPermanentFsError(Object.assign(new Error(code), { code, syscall: 'open' })), true, code);
    for (const code of ['ENOSPC', 'EMFILE', 'EIO']) assert.equal(isPermanentFsError(Object.assign(new Error(code), { code, syscall: 'write' })), false, code);
    assert.equal(isPermanentFsError(Object.assign(new Error('x'), { code: 'ECONNRESET' })), false, 'network errors are not file-system errors');
  });
});

describe('control bytes inside a cp1251 game', () => {
  test('raw ESC, NUL, BEL and OSC bytes in a .qst survive the recode byte for byte; the log holds none of them', async () => {
    const text = `pln Привет\u001b[31m красный\u001b[0m\r\n:метка\u0000\r\npln \u001b]52;c;cm0gLXJmIH4=\u0007конец\r\n`;
    const { result, error, ctx } = await recode('controls.qst', iconv.encode(text, 'windows-1251'));
    assert.equal(error, undefined, error?.message);
    const recoded = await readFile(path.join(setup.config.filesDir, 'recodes', String(result!.recodedFilename)), 'utf8');
    assert.equal(recoded, text, 'the game text is unchanged');
    assert.doesNotMatch(ctx.text(), /[\u0000\u0007\u001b]/);
  });
});

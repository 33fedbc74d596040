import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import yauzl from 'yauzl';
import { isPermanent } from '../../../src/runner/errors.ts';
import type { TaskDefinition } from '../../../src/runner/types.ts';
import { createHttpClient } from '../../../src/tasks/http/index.ts';
import { uploadTasks } from '../../../src/tasks/uploads/index.ts';
import { interpreterConfiguration, recodeName, variantFromPlatforms } from '../../../src/tasks/uploads/recode-game.ts';
import { makeTaskContext } from '../../helpers/task-context.ts';
import { makeTestConfig, type TestConfig } from '../http/test-config.ts';
import { ifdbFixture, insertGame, insertGameUrl, insertUrl, listTree, tarGz, type IfdbFixture } from './fixtures.ts';

let setup: TestConfig;
let ifdb: IfdbFixture;
let recode: TaskDefinition;
let backups: string;
let recodes: string;

async function interpreted(gameUrlId: number) {
  return (await ifdb.pool.query('SELECT * FROM games_interpretedgameurl WHERE original_id = $1', [gameUrlId])).rows[0];
}

/** A cloned game file in backups, linked to a new game in play_in_interpreter. */
async function clonedGame(localFilename: string, content: Buffer, platforms: string[] = []) {
  await writeFile(path.join(backups, localFilename), content);
  const urlId = await insertUrl(ifdb.pool, { originalUrl: `http://example.invalid/${encodeURIComponent(localFilename)}`, localFilename });
  const gameId = await insertGame(ifdb.pool, 'Игра', platforms);
  return { urlId, gameUrlId: await insertGameUrl(ifdb.pool, gameId, urlId) };
}

async function zipEntries(file: string): Promise<Map<string, string>> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true });
  const out = new Map<string, string>();
  try {
    for await (const entry of zip.eachEntry()) {
      const stream = await zip.openReadStreamPromise(entry);
      const chunks: Buffer[] = [];
      for await (const c of stream) chunks.push(c as Buffer);
      out.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
    }
  } finally {
    zip.close();
  }
  return out;
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
  setup = await makeTestConfig();
  ifdb = await ifdbFixture('recode_game');
  recode = uploadTasks({ pool: ifdb.pool, config: setup.config }, createHttpClient(setup.config)).find((t) => t.name === 'recode-game')!;
  backups = path.join(setup.config.filesDir, 'backups');
  recodes = path.join(setup.config.filesDir, 'recodes');
  await mkdir(backups, { recursive: true });
});

after(async () => {
  await ifdb.close();
  await setup.cleanup();
});

describe('recode-game helpers', () => {
  test('interpreter variant from platform tags, dosurq first, case-insensitive', () => {
    assert.equal(variantFromPlatforms(['URQ', 'RipURQ 1.4', 'DosUrq']), 'dosurq');
    assert.equal(variantFromPlatforms(['ripurq']), 'ripurq');
    assert.equal(variantFromPlatforms(['INSTEAD']), null);
  });

  test('configuration JSON is byte-identical to legacy', () => {
    assert.equal(interpreterConfiguration('dosurq'), '{"interpreter": "urqw", "variant": "dosurq"}');
    assert.equal(interpreterConfiguration(null), '{"interpreter": "urqw", "variant": null}');
  });

  test('recode names: spaces to _, odd characters dropped, Cyrillic kept', () => {
    assert.equal(recodeName('Моя игра (v2)!.qst'), 'Моя_игра_v2.qst');
    assert.equal(recodeName('sub/dir/a b.qst'), 'a_b.qst');
    assert.equal(recodeName('$$$'), 'unknown');
  });
});

describe('recode-game', () => {
  test('.zip and .qsz are kept as they are: a row without a recoded file, with the variant', async () => {
    const urlId = await insertUrl(ifdb.pool, { originalUrl: 'http://example.invalid/files/game.zip' });
    const gameUrlId = await insertGameUrl(ifdb.pool, await insertGame(ifdb.pool, 'Zip', ['DosURQ']), urlId);
    const result = await recode.handler({ gameUrlId }, makeTaskContext('recode-game'));
    assert.equal((result as { kept: boolean }).kept, true);
    const row = await interpreted(gameUrlId);
    assert.equal(row.recoded_filename, null);
    assert.equal(row.recoded_url, null);
    assert.equal(row.is_playable, null);
    assert.equal(row.configuration_json, '{"interpreter": "urqw", "variant": "dosurq"}');
    assert.ok(row.recoding_date instanceof Date);
  });

  test('a cp1251 .qst becomes UTF-8 in recodes, never overwriting, and the row points at it', async () => {
    const source = iconv.encode(':начало\npln Привет, мир!\nend\n', 'windows-1251');
    const { gameUrlId } = await clonedGame('hello world.qst', source, ['RipURQ']);
    await mkdir(recodes, { recursive: true });
    await writeFile(path.join(recodes, 'hello_world.qst'), 'someone else’s file');
    const ctx = makeTaskContext('recode-game');
    await recode.handler({ gameUrlId }, ctx);
    const row = await interpreted(gameUrlId);
    assert.match(row.recoded_filename, /^hello_world_[A-Za-z0-9]{7}\.qst$/);
    assert.equal(row.recoded_url, `/f/recodes/${row.recoded_filename}`);
    assert.equal(row.configuration_json, '{"interpreter": "urqw", "variant": "ripurq"}');
    assert.equal(await readFile(path.join(recodes, row.recoded_filename), 'utf8'), ':начало\npln Привет, мир!\nend\n');
    assert.equal(await readFile(path.join(recodes, 'hello_world.qst'), 'utf8'), 'someone else’s file');
    assert.match(ctx.text(), /recoded \d+ bytes of cp1251 into \d+ bytes of UTF-8/);
  });

  test('recoding again replaces the row and removes the older recode of that URL', async () => {
    const { gameUrlId } = await clonedGame('again.qst', iconv.encode('pln раз', 'windows-1251'));
    await recode.handler({ gameUrlId }, makeTaskContext('recode-game'));
    const first = (await interpreted(gameUrlId)).recoded_filename;
    await recode.handler({ gameUrlId }, makeTaskContext('recode-game'));
    const second = (await interpreted(gameUrlId)).recoded_filename;
    assert.notEqual(first, second);
    const files = await listTree(recodes);
    assert.ok(files.includes(second));
    assert.ok(!files.includes(first));
  });

  test('an archive is unpacked with unar and re-zipped into recodes; the temp dir is removed', async () => {
    const archive = tarGz([
      { name: 'game/', type: 'dir' },
      { name: 'game/main.qst', data: 'pln hi' },
      { name: 'game/pics/title.txt', data: 'picture' },
    ]);
    const { gameUrlId } = await clonedGame('my game.tar.gz', archive);
    const ctx = makeTaskContext('recode-game');
    const result = (await recode.handler({ gameUrlId }, ctx)) as { recodedFilename: string };
    assert.equal(result.recodedFilename, 'my_game.tar.gz.zip');
    const row = await interpreted(gameUrlId);
    assert.equal(row.recoded_filename, 'my_game.tar.gz.zip');
    assert.equal(row.recoded_url, '/f/recodes/my_game.tar.gz.zip');
    const entries = await zipEntries(path.join(recodes, row.recoded_filename));
    assert.deepEqual([...entries.keys()].sort(), ['game/main.qst', 'game/pics/title.txt']);
    assert.equal(entries.get('game/main.qst'), 'pln hi');
    assert.deepEqual(await listTree(setup.config.tmpDir), []);
    assert.match(ctx.text(), /unpacked 2 files \(\d+ entries, 13 bytes\)/);
  });

  test('a URL that is not cloned yet waits for its clone-file job through a dependency', async () => {
    const urlId = await insertUrl(ifdb.pool, { originalUrl: 'http://example.invalid/game.rar' });
    const gameUrlId = await insertGameUrl(ifdb.pool, await insertGame(ifdb.pool), urlId);
    const ctx = makeTaskContext('recode-game');
    const result = (await recode.handler({ gameUrlId }, ctx)) as { waitingForClone: string; requeued: string };
    assert.equal(ctx.enqueued.length, 2);
    const [cloneJob, recodeJob] = ctx.enqueued;
    assert.equal(cloneJob.task, 'clone-file');
    assert.deepEqual(cloneJob.args, { urlId });
    assert.equal(cloneJob.options?.name, `CloneUrl(${urlId})`);
    assert.equal(cloneJob.options?.onFail, 'mark-broken');
    assert.equal(recodeJob.task, 'recode-game');
    assert.deepEqual(recodeJob.args, { gameUrlId, afterClone: true });
    assert.equal(recodeJob.options?.name, `RecodeGame(${gameUrlId})`);
    assert.equal(recodeJob.options?.dependsOn, cloneJob.id);
    assert.equal(result.waitingForClone, cloneJob.id);
    assert.equal(await interpreted(gameUrlId), undefined);
  });

  test('an existing clone-file job is reused rather than duplicated', async () => {
    const urlId = await insertUrl(ifdb.pool, { originalUrl: 'http://example.invalid/other.rar' });
    const gameUrlId = await insertGameUrl(ifdb.pool, await insertGame(ifdb.pool), urlId);
    const ctx = makeTaskContext('recode-game');
    const existing = await ctx.enqueueOrGet('clone-file', { urlId }, { name: `CloneUrl(${urlId})` });
    await recode.handler({ gameUrlId }, ctx);
    assert.equal(ctx.enqueued.filter((e) => e.task === 'clone-file').length, 1);
    assert.equal(ctx.enqueued.find((e) => e.task === 'recode-game')?.options?.dependsOn, existing.id);
  });

  test('still not cloned after its clone-file job: a permanent failure, not a loop', async () => {
    const urlId = await insertUrl(ifdb.pool, { originalUrl: 'http://example.invalid/late.qst' });
    const gameUrlId = await insertGameUrl(ifdb.pool, await insertGame(ifdb.pool), urlId);
    const ctx = makeTaskContext('recode-game');
    const error = await failure(recode.handler({ gameUrlId, afterClone: true }, ctx));
    assert.ok(isPermanent(error));
    assert.match(error.message, /still has no local file/);
    assert.equal(ctx.enqueued.length, 0);
  });

  test('a game URL in another category is logged and skipped', async () => {
    const urlId = await insertUrl(ifdb.pool, { originalUrl: 'http://example.invalid/page.html' });
    const gameUrlId = await insertGameUrl(ifdb.pool, await insertGame(ifdb.pool), urlId, 'game_page');
    const ctx = makeTaskContext('recode-game');
    assert.deepEqual(await recode.handler({ gameUrlId }, ctx), { gameUrlId, skipped: 'category' });
    assert.ok(ctx.lines.some((l) => l.level === 'error' && /category game_page/.test(l.text)));
    assert.equal(await interpreted(gameUrlId), undefined);
  });

  test('a missing game URL is a permanent failure', async () => {
    const error = await failure(recode.handler({ gameUrlId: 424_242 }, makeTaskContext('recode-game')));
    assert.ok(isPermanent(error));
    assert.match(error.message, /games_gameurl 424242 does not exist/);
  });
});
